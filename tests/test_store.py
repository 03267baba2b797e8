"""The store on SQLite: WAL, schema versioning, dedup, text cleaning, atomic results."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from framelens import schema
from framelens.records import ArticleRecord, FetchOutcome
from framelens.store import Store, StoreError, database_url


def _rec(url="https://a.example/x", text="Some article text.", **kw) -> ArticleRecord:
    return ArticleRecord(url=url, text=text, **kw)


def test_sqlite_is_wal_with_foreign_keys(store, db_path):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    assert store.schema_version() == schema.SCHEMA_VERSION
    assert store.integrity_ok()


def test_path_and_url_forms(tmp_path):
    assert database_url(str(tmp_path / "x.db")).startswith("sqlite:////")
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_same_url_or_same_text_from_same_outlet_is_duplicate(store):
    assert store.add_article("s", _rec(), "https://a.example/x", "a.example")[0] == "new"
    assert store.add_article("s", _rec(text="other"), "https://a.example/x", "a.example")[0] == "duplicate"
    # Same text at another URL of the same outlet: one article.
    assert store.add_article("s", _rec(url="https://a.example/y"), "https://a.example/y", "a.example")[0] == "duplicate"
    # Same text from another outlet is a syndicated copy: kept.
    assert store.add_article("s", _rec(url="https://b.example/y"), "https://b.example/y", "b.example")[0] == "new"
    # Same URL in another story: kept.
    assert store.add_article("t", _rec(), "https://a.example/x", "a.example")[0] == "new"
    assert store.count_articles("s") == 2 and store.count_articles() == 3


def test_text_postgres_would_reject_is_cleaned_the_same_everywhere(store):
    title = "T" * 1_000_000
    store.add_article("s", _rec(text="bad\x00byte \ud800 here", title=title), "https://a.example/x", "a.example")
    row = store.articles("s")[0]
    assert row["text"] == "badbyte \ufffd here"
    assert row["title"] == title


def test_published_is_stored_in_utc(store):
    local = datetime(2021, 1, 21, 18, 0, tzinfo=timezone(timedelta(hours=-8)))
    store.add_article("s", _rec(published=local), "https://a.example/x", "a.example")
    assert store.articles("s")[0]["published"] == datetime(2021, 1, 22, 2, 0, tzinfo=timezone.utc)


def test_runs_and_fetch_outcomes(store):
    run = store.start_run("s", "collect", "rss")
    store.record_fetches(run, [FetchOutcome("https://a.example/x", "rss", "failed", "a.example", "http_500", 500)])
    store.finish_run(run, "ok", {"new": 0})
    [row] = store.recent_runs()
    assert row["status"] == "ok" and row["summary"] == {"new": 0} and row["finished"] is not None
    assert store.run_fetches(run)[0]["reason"] == "http_500"


def test_embedding_cache_round_trip(store):
    store.put_embeddings("m", {"h1": b"\x00\x01", "h2": b"\x02"}, dim=1)
    store.put_embeddings("m", {"h1": b"\xff"}, dim=1)  # first write wins, no error
    assert store.get_embeddings("m", ["h1", "h2", "h3"]) == {"h1": b"\x00\x01", "h2": b"\x02"}
    assert store.get_embeddings("other", ["h1"]) == {}


def test_results_written_with_nan_read_back(store):
    """The standard library writes NaN, which orjson refuses to read: the reader falls back."""
    _, aid = store.add_article("s", _rec(), "https://a.example/x", "a.example")
    store.replace_results("s", {aid: {"score": float("nan"), "ok": 1}}, {"n": [float("inf")]})
    [payload] = store.article_results("s").values()
    assert payload["ok"] == 1 and payload["score"] != payload["score"]
    assert store.story_result("s", "n") == [float("inf")]


def test_replace_results_swaps_everything_at_once(store):
    _, aid = store.add_article("s", _rec(), "https://a.example/x", "a.example")
    store.replace_results("s", {aid: {"v": 1}}, {"clusters": [1], "old": True})
    store.replace_results("s", {aid: {"v": 2}}, {"clusters": [2]})
    assert store.article_results("s") == {aid: {"v": 2}}
    assert store.story_results("s") == {"clusters": [2]}


def test_readonly_store_refuses_writes_and_missing_files(store, db_path, tmp_path):
    reader = Store(db_path, readonly=True)
    with pytest.raises(sa.exc.OperationalError):
        reader.add_article("s", _rec(), "https://a.example/x", "a.example")
    reader.close()
    with pytest.raises(StoreError, match="does not exist"):
        Store(str(tmp_path / "missing.db"), readonly=True)


def test_newer_schema_is_refused_not_misread(store, db_path):
    with store.engine.begin() as conn:
        conn.execute(sa.update(schema.meta).values(value=str(schema.SCHEMA_VERSION + 1)))
    with pytest.raises(StoreError, match="upgrade framelens"):
        Store(db_path)


def test_old_schema_is_upgraded(db_path, monkeypatch):
    Store(db_path).close()
    calls = []

    def add_notes_column(conn):
        calls.append(1)
        conn.exec_driver_sql("ALTER TABLE outlets ADD COLUMN notes TEXT")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.MIGRATIONS, schema.SCHEMA_VERSION, add_notes_column)
    s = Store(db_path)
    assert calls == [1] and s.schema_version() == schema.SCHEMA_VERSION
    s.close()
    Store(db_path).close()  # already current: no second migration
    assert calls == [1]
    cols = [r[1] for r in sqlite3.connect(db_path).execute("PRAGMA table_info(outlets)")]
    assert "notes" in cols


@pytest.mark.parametrize("readonly", [False, True])
def test_a_file_that_is_not_a_database_is_a_clear_error_and_stays_as_it_was(tmp_path, readonly):
    path = tmp_path / "articles.jsonl"
    path.write_text('{"url": "https://a.example/x"}\n' * 50)
    with pytest.raises(StoreError, match="cannot use .*articles.jsonl.* as a database: file is not a database"):
        Store(str(path), readonly=readonly)
    assert path.read_text() == '{"url": "https://a.example/x"}\n' * 50


def test_bad_url_is_a_clear_error():
    with pytest.raises(StoreError, match="bad database URL|cannot open"):
        Store("nosuchdialect://x/y")
