"""Whole runs on PostgreSQL: a collection run against local outlets (library and CLI), and two
collector processes on one database at once storing each article once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from collectors.http import Fetcher, FetchSettings
from collectors.run import SourceConfig, run_collection
from framelens.store import Store
from tests.sites import FakeOutlet, FakeWeb, resolve

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
TEST_UA = "framelens-test/0.1 (+https://framelens.example/contact)"
NO_ARCHIVE = SourceConfig(archive=False, workers=8)


def _fetcher() -> Fetcher:
    return Fetcher(FetchSettings(user_agent=TEST_UA, total_timeout=10, host_delay=0.01, allow_private=True,
                                 backoff=0.1, tries=2), resolver=resolve)


@pytest.fixture
def web():
    fake = FakeWeb.start(6, modes={0: "500"})
    yield fake
    fake.close()


def test_collection_run_on_postgresql(web, story, pg_url):
    with Store(pg_url) as store:
        report = run_collection(store, story, web.registry(), ["rss"], _fetcher(), config=NO_ARCHIVE)
        assert report.status == "ok" and set(report.failed_outlets()) == {"outlet00.example"}
        assert store.count_articles("gadget") == 5
        assert {r["domain"] for r in store.articles("gadget")} == {o.domain for o in web.outlets[1:]}
        again = run_collection(store, story, web.registry(), ["rss"], _fetcher(), config=NO_ARCHIVE)
        assert again.total("new") == 0 and again.total("skipped") == 5 and store.count_articles("gadget") == 5
        runs = store.recent_runs(story_id="gadget")
        assert [r["status"] for r in runs] == ["ok", "ok"]
        assert runs[1]["summary"]["by_outlet"]["outlet03.example"]["new"] == 1
        assert any(f["status"] == "failed" for f in store.run_fetches(runs[1]["id"]))
        outlets = {o["domain"]: o for o in store.outlet_rows()}
        assert "outlet02.example" in outlets


@pytest.fixture
def local_outlets():
    """Outlets the CLI can reach without the tests' resolver: named by 127.0.0.1 and a port."""
    outlets = [FakeOutlet(10 + i, n_relevant=3, host="127.0.0.1") for i in range(4)]
    yield outlets
    for outlet in outlets:
        outlet.close()


def test_two_collector_processes_on_one_postgresql(local_outlets, stories_dir, pg_url, tmp_path):
    """Two cron hosts collecting the same story into one PostgreSQL: each article once."""
    urls = tmp_path / "urls.txt"
    stories = [u for o in local_outlets for u, _, _ in o.articles if "gadget-ruling" in u]
    urls.write_text("\n".join(stories) + "\n")
    env = {**os.environ, "FRAMELENS_STORIES_DIR": str(stories_dir), "FRAMELENS_HOST_DELAY": "0.01",
           "FRAMELENS_USER_AGENT": TEST_UA, "PYTHONPATH": str(ROOT)}
    Store(pg_url).close()
    procs = []
    for host in ("a", "b"):  # separate lock folders: as if on two machines, so the flock cannot serialise them
        lock_dir = tmp_path / f"locks-{host}"
        cmd = [sys.executable, "-m", "collectors", "run", "--story", "gadget", "--db", pg_url, "--sources", "urls",
               "--urls", str(urls), "--allow-private-hosts", "--no-archive"]
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env={**env, "FRAMELENS_LOCK_DIR": str(lock_dir)},
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-3000:]
    with Store(pg_url) as store:
        rows = store.articles("gadget", with_text=False)
        expected = len(stories)
        assert len(rows) == expected and len({r["canonical_url"] for r in rows}) == expected
        runs = store.recent_runs(story_id="gadget")
        assert len(runs) == 2 and {r["status"] for r in runs} == {"ok"}
        assert sum(r["summary"]["totals"]["new"] for r in runs) == expected


def test_analysis_on_postgresql_matches_sqlite(pg_url, tmp_path):
    """The demo corpus imported and analysed (fake embedder) on both backends: the same results."""
    from tests import crash, crash_scenarios

    scenario = crash_scenarios.analysis_scenario()
    snaps = {}
    for name, db in (("postgresql", pg_url), ("sqlite", str(tmp_path / "demo.db"))):
        scenario.prepare(db)
        crash_scenarios.analyse_demo(db)
        crash_scenarios.analyse_demo(db)  # a second run: everything cached, same results
        snaps[name] = crash.snapshot(db, scenario.story_id)
        with Store(db) as store:
            runs = [r for r in store.recent_runs(5) if r["kind"] == "analysis"]
            assert [r["status"] for r in runs] == ["ok", "ok"]
            assert runs[0]["summary"]["sentences_encoded"] == 0 < runs[1]["summary"]["sentences_encoded"]
    pg, lite = snaps["postgresql"], snaps["sqlite"]
    assert len(pg.articles) == 37 and pg.articles == lite.articles
    assert set(pg.story_results) >= {"clusters", "syndication", "quote_passages", "provenance"}
    assert pg.story_results == lite.story_results
    assert pg.article_results == lite.article_results
