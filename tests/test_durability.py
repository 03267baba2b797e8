"""Crashes and concurrency: RELIABILITY rows 12 (killed mid-write) and 13 (the dashboard reads
while collectors write), on SQLite (WAL, BEGIN IMMEDIATE writers) and PostgreSQL.

Row 12: imports, collection runs and analysis runs are killed with SIGKILL at random points
(a seeded RNG; the sweep in tests/crash.py), 82 kills in all; after every kill the database
passes its integrity check and holds only whole rows (and either no analysis results or a
whole run's) of a finished run, and the next run ends with exactly the finished run's rows.
`benchmarks/crash_sweep.py` runs the same sweep for longer.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import time

import pytest

from framelens.records import ArticleRecord, FetchOutcome
from framelens.store import Store
from tests import crash, crash_scenarios

SEED = 20240502
IMPORT_KILLS, COLLECT_KILLS, ANALYSIS_KILLS = 24, 20, 20  # on SQLite
PG_IMPORT_KILLS, PG_COLLECT_KILLS, PG_ANALYSIS_KILLS = 6, 6, 6  # on PostgreSQL: 82 kills in all


def _report(result: crash.SweepResult, name: str) -> str:
    return (f"{name}: {result.kills} kills in {result.chains} chains ({result.finished_early} runs ended first), "
            f"reference run {result.reference_s:.2f} s, sweep {result.elapsed_s:.1f} s, "
            f"rows seen at kills {sorted(set(result.rows_at_kill))[:8]}…")


# ---- row 12: kill -9 an import -------------------------------------------------------------------------


@pytest.fixture
def planted_jsonl(tmp_path):
    return crash.write_jsonl(tmp_path / "planted.jsonl", crash.planted_rows(400, SEED))


@pytest.fixture
def small_planted_jsonl(tmp_path):
    return crash.write_jsonl(tmp_path / "small.jsonl", crash.planted_rows(120, SEED))


@pytest.mark.slow
def test_killed_imports_leave_whole_rows_and_the_next_run_completes(tmp_path, planted_jsonl, story):
    scenario = crash_scenarios.import_scenario(planted_jsonl, story)
    result = crash.sweep(scenario, crash.sqlite_in(tmp_path), IMPORT_KILLS, SEED)
    print(_report(result, "import"))
    assert result.problems == []
    assert result.kills >= IMPORT_KILLS
    assert len(set(result.rows_at_kill)) >= IMPORT_KILLS // 3  # the kills landed all over the import


def _sweep_on_postgresql(pg_server, scenario, kills: int, seed: int, name: str) -> None:
    """The sweep with a fresh PostgreSQL database per run; no problems, every kill landed."""
    result = crash.sweep(scenario, lambda label: pg_server.create_database(), kills, seed,
                         drop_db=pg_server.drop_database)
    print(_report(result, f"{name} on PostgreSQL"))
    assert result.problems == []
    assert result.kills >= kills


@pytest.mark.postgres
def test_killed_imports_on_postgresql(pg_server, small_planted_jsonl, story):
    _sweep_on_postgresql(pg_server, crash_scenarios.import_scenario(small_planted_jsonl, story),
                         PG_IMPORT_KILLS, SEED + 1, "import")


def test_a_cut_text_is_detected():
    text = crash.planted_text(random.Random(1))
    assert crash.text_is_whole(text)
    assert not crash.text_is_whole(text[:100] + text[-40:])
    assert not crash.text_is_whole(text[:-5])


# ---- row 12: kill -9 a collection run ---------------------------------------------------------------


@pytest.fixture
def planted_web(tmp_path):
    """10 fictional outlets on local ports, 6 pages each with planted texts; a URL file of all 60."""
    sites, urls_file = crash_scenarios.planted_web(tmp_path, 10, 6, SEED)
    yield urls_file
    for site in sites:
        site.close()


@pytest.mark.slow
def test_killed_collection_runs_leave_whole_rows_and_the_next_run_completes(tmp_path, planted_web, story):
    scenario = crash_scenarios.collect_scenario(planted_web, story)
    result = crash.sweep(scenario, crash.sqlite_in(tmp_path), COLLECT_KILLS, SEED + 2)
    print(_report(result, "collection"))
    assert result.problems == []
    assert result.kills >= COLLECT_KILLS


@pytest.mark.slow
@pytest.mark.postgres
def test_killed_collection_runs_on_postgresql(pg_server, planted_web, story):
    _sweep_on_postgresql(pg_server, crash_scenarios.collect_scenario(planted_web, story),
                         PG_COLLECT_KILLS, SEED + 4, "collection")


# ---- row 12: kill -9 an analysis run ------------------------------------------------------------------


@pytest.mark.slow
def test_killed_analysis_runs_leave_all_or_nothing_results(tmp_path):
    """The demo corpus analysed with the fake embedder: after a kill, no results or a whole run's."""
    scenario = crash_scenarios.analysis_scenario()
    result = crash.sweep(scenario, crash.sqlite_in(tmp_path), ANALYSIS_KILLS, SEED + 3)
    print(_report(result, "analysis"))
    assert result.problems == []
    assert result.kills >= ANALYSIS_KILLS


@pytest.mark.slow
@pytest.mark.postgres
def test_killed_analysis_runs_on_postgresql(pg_server):
    _sweep_on_postgresql(pg_server, crash_scenarios.analysis_scenario(), PG_ANALYSIS_KILLS, SEED + 5, "analysis")


# ---- row 13: a dashboard read loop while two writers write ----------------------------------------------

WRITES = 250


def _writer(db: str, tag: str, n: int) -> None:
    with Store(db) as store:
        run = store.start_run("live", "collect", tag)
        outcomes = []
        for i in range(n):
            url = f"https://{tag}.example/a/{i}"
            status, _ = store.add_article("live", ArticleRecord(url, f"{tag} article {i} " * 20, title=f"{tag} {i}"),
                                          url, f"{tag}.example", run)
            assert status == "new"
            outcomes.append(FetchOutcome(url, "rss", status, f"{tag}.example"))
            if len(outcomes) == 25:
                store.record_fetches(run, outcomes)
                outcomes = []
        store.record_fetches(run, outcomes)
        store.finish_run(run, "ok", {"new": n})


def _reader(db: str, stop, out) -> None:
    """Read like the dashboard does, as fast as it can, until told to stop; report what happened."""
    errors, reads, last, shrank = [], 0, 0, 0
    with Store(db, readonly=True) as store:
        while not stop.is_set():
            try:
                count = store.count_articles("live")
                rows = store.articles("live", with_text=False)
                store.recent_runs(5, story_id="live")
                store.story_results("live")
            except Exception as exc:  # counted, not raised: the test asserts there are none
                errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            reads += 1
            shrank += int(count < last or len(rows) < count)
            last = count
    out.put({"errors": errors, "reads": reads, "shrank": shrank, "last": last})


def test_dashboard_reads_while_two_writers_write(any_db):
    Store(any_db).close()
    ctx = multiprocessing.get_context("fork")
    stop, out = ctx.Event(), ctx.Queue()
    reader = ctx.Process(target=_reader, args=(any_db, stop, out))
    reader.start()
    writers = [ctx.Process(target=_writer, args=(any_db, tag, WRITES)) for tag in ("writer-a", "writer-b")]
    started = time.monotonic()
    for w in writers:
        w.start()
    for w in writers:
        w.join(120)
    stop.set()
    try:
        seen = out.get(timeout=60)
    except queue.Empty:
        pytest.fail("the reader never reported")
    reader.join(30)
    took = time.monotonic() - started
    assert [w.exitcode for w in writers] == [0, 0]
    assert seen["errors"] == [], seen["errors"][:5]
    assert not any("locked" in e for e in seen["errors"])
    assert seen["reads"] > 10 and seen["shrank"] == 0, (seen, took)
    with Store(any_db, readonly=True) as store:
        assert store.count_articles("live") == 2 * WRITES
        runs = store.recent_runs(5, story_id="live")
        assert {r["status"] for r in runs} == {"ok"} and len(runs) == 2
        assert sum(len(store.run_fetches(r["id"])) for r in runs) == 2 * WRITES
