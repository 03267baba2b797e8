"""The long kill -9 sweep (RELIABILITY row 12): the test's sweep, for as many kills as you like.

    .venv/bin/python benchmarks/crash_sweep.py --kills 500 [--scenario import,collect,analysis]
        [--seed 1] [--rows 400] [--postgresql URL|auto]

Each scenario runs once to the end (the reference), then again and again in forked
children killed with SIGKILL after a random delay (seeded); after every kill the
database must pass `PRAGMA integrity_check` and hold only whole rows of the reference,
and after each chain of kills one run to the end must leave exactly the reference's rows.
Prints one line per scenario and every problem found; exit status 1 when there was one.
With --postgresql (a server URL whose user may CREATE DATABASE, or `auto` for a
throwaway cluster from Debian's binaries, as the tests start) the import scenario also
runs there. See tests/crash.py for the machinery.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _story(folder: Path):
    from framelens.stories import load_story
    from tests.conftest import MINI_STORY

    stories = folder / "stories"
    stories.mkdir(exist_ok=True)
    (stories / "gadget.yaml").write_text(MINI_STORY, encoding="utf-8")
    os.environ["FRAMELENS_STORIES_DIR"] = str(stories)
    return load_story("gadget")


def _scenarios(names: list[str], folder: Path, rows: int, seed: int) -> tuple[list, list]:
    from tests import crash, crash_scenarios

    story = _story(folder)
    built, cleanup = [], []
    if "import" in names:
        planted = crash.write_jsonl(folder / "planted.jsonl", crash.planted_rows(rows, seed))
        built.append(crash_scenarios.import_scenario(planted, story))
    if "collect" in names:
        sites, urls = crash_scenarios.planted_web(folder, 10, 6, seed)
        cleanup.extend(site.close for site in sites)
        built.append(crash_scenarios.collect_scenario(urls, story))
    if "analysis" in names:
        scenario = _analysis_scenario(folder, seed)
        if scenario is None:
            print("analysis: skipped (analysis.pipeline is not available)", file=sys.stderr)
        else:
            built.append(scenario)
    return built, cleanup


def _analysis_scenario(folder: Path, seed: int):
    try:
        import analysis.pipeline  # noqa: F401
    except ImportError:
        return None
    from tests import crash_scenarios

    return crash_scenarios.analysis_scenario()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200, help="kills per scenario (default 200)")
    parser.add_argument("--scenario", default="import,collect,analysis", help="comma-separated: import, collect, analysis")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rows", type=int, default=400, help="rows in the planted import file (default 400)")
    parser.add_argument("--postgresql", metavar="URL|auto",
                        help="also sweep the import on this PostgreSQL server ('auto': a throwaway local cluster)")
    args = parser.parse_args(argv)

    from tests import crash

    failed = False
    with tempfile.TemporaryDirectory(prefix="framelens-crash-") as tmp:
        folder = Path(tmp)
        scenarios, cleanup = _scenarios([n.strip() for n in args.scenario.split(",")], folder, args.rows, args.seed)
        try:
            for scenario in scenarios:
                result = crash.sweep(scenario, crash.sqlite_in(folder), args.kills, args.seed)
                failed |= _print(scenario.name + " (SQLite)", result)
            if args.postgresql and scenarios and scenarios[0].name == "import":
                failed |= _sweep_postgresql(scenarios[0], args)
        finally:
            for close in cleanup:
                close()
    return 1 if failed else 0


def _sweep_postgresql(scenario, args) -> bool:
    from tests import crash
    from tests.pg import PgServer

    server = PgServer.start() if args.postgresql == "auto" else PgServer.external(args.postgresql)
    try:
        result = crash.sweep(scenario, lambda label: server.create_database("fl_crash"), args.kills, args.seed,
                             drop_db=server.drop_database)
    finally:
        server.stop()  # a throwaway cluster goes; an external server is left alone
    return _print(scenario.name + " (PostgreSQL)", result)


def _print(name: str, result) -> bool:
    print(f"{name}: {result.kills} kills in {result.chains} chains, {result.finished_early} runs ended before "
          f"their kill, reference run {result.reference_s:.2f} s, {result.elapsed_s:.0f} s in all, "
          f"{len(set(result.rows_at_kill))} distinct row counts at the kills: "
          f"{'OK' if not result.problems else f'{len(result.problems)} PROBLEMS'}")
    for problem in result.problems[:50]:
        print(f"  {problem}")
    return bool(result.problems)


if __name__ == "__main__":
    sys.exit(main())
