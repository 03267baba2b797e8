"""Dashboard page render time with N synthetic articles (default 5,000), cold and warm.

    .venv/bin/python benchmarks/bench_dashboard.py [--articles 5000] [--repeat 3] [--json out.json]

Each page runs headlessly under Streamlit's AppTest. *Cold* clears every Streamlit cache first
(the story is read from the database and every table and chart is built); *warm* is the
same session's next run (what a reader sees when they change page or widget). A trivial
one-title page run the same way is the baseline, so the ratios are comparable across
machines. Times are medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest without a server warns on every cache call
sys.path.insert(0, str(ROOT))

PAGES = ["overview", "compare", "framing_map", "omissions", "quotes", "words", "descriptors", "reader", "export"]
# Pages also measured under a sidebar filter: the Words page counts the filtered articles' texts.
FILTERED = {"words": {"lean": ["left", "lean-left", "right", "lean-right"]}}
BASELINE = "import streamlit as st\nst.title('baseline')\nst.write('an empty page')\n"


def _quiet() -> None:
    """AppTest outside a server logs 'no runtime' warnings on every cache call."""
    import logging

    for name in ("streamlit", "streamlit.runtime.caching.cache_data_api",
                 "streamlit.runtime.scriptrunner_utils.script_run_context"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _app(page: str | None, query: dict | None = None):
    from streamlit.testing.v1 import AppTest

    if page is None:
        return AppTest.from_string(BASELINE, default_timeout=600)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.query_params.update(query or {})
    if page != "overview":
        at.run()  # the entry page first: AppTest switches pages from a running app
        at.switch_page(f"app_pages/{page}.py")
    return at


def _timed_run(at) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"page raised: {[e.value for e in at.exception]}")
    return elapsed


def measure(page: str | None, repeat: int, query: dict | None = None) -> tuple[float, float]:
    """(cold, warm) median seconds for one page (None: the baseline page), under the
    sidebar filters in `query` if given."""
    cold, warm = [], []
    for _ in range(repeat):
        _clear_caches()
        at = _app(page, query)
        if page not in (None, "overview"):
            _clear_caches()  # the sidebar run above warmed the story; make the page itself cold
        cold.append(_timed_run(at))
        warm.append(_timed_run(at))
    return statistics.median(cold), statistics.median(warm)


def build_database(folder: Path, articles: int) -> str:
    from tests.dashboard_fixtures import populate, write_story

    write_story(folder / "stories")
    os.environ["FRAMELENS_STORIES_DIR"] = str(folder / "stories")
    db = str(folder / "bench.db")
    start = time.perf_counter()
    populate(db, n_articles=articles)
    print(f"built {articles} synthetic articles in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    os.environ["FRAMELENS_DB"] = db
    return db


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    _quiet()
    with tempfile.TemporaryDirectory() as tmp:
        build_database(Path(tmp), args.articles)
        base_cold, base_warm = measure(None, args.repeat)
        rows = [{"page": "(baseline)", "cold_s": base_cold, "warm_s": base_warm}]
        for page in PAGES:
            cold, warm = measure(page, args.repeat)
            rows.append({"page": page, "cold_s": cold, "warm_s": warm})
        for page, query in FILTERED.items():
            cold, warm = measure(page, args.repeat, query)
            rows.append({"page": f"{page} (filtered)", "cold_s": cold, "warm_s": warm})
    for row in rows:
        row["cold_x_baseline"] = row["cold_s"] / base_cold
        row["warm_x_baseline"] = row["warm_s"] / base_warm
    print(f"{'page':<18}{'cold s':>9}{'warm s':>9}{'cold/base':>11}{'warm/base':>11}   ({args.articles} articles)")
    for r in rows:
        print(f"{r['page']:<18}{r['cold_s']:>9.3f}{r['warm_s']:>9.3f}{r['cold_x_baseline']:>11.1f}"
              f"{r['warm_x_baseline']:>11.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"articles": args.articles, "pages": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
