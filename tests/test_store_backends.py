"""The store contract and file import on both backends: SQLite and a real PostgreSQL.

RELIABILITY row 18 (text databases reject NUL and lone surrogates) on both; several
processes adding the same articles to one database at once store each exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from collectors.importer import import_path
from framelens import schema
from framelens.records import ArticleRecord, FetchOutcome
from framelens.store import Store, StoreError

TEXT = "Judge Ada Quill of the district court ruled on the gadget case on Tuesday. "


def _rec(url="https://a.example/x", text="Some article text.", **kw) -> ArticleRecord:
    return ArticleRecord(url=url, text=text, **kw)


@pytest.fixture
def db(any_db):
    s = Store(any_db)
    yield s
    s.close()


def test_opens_at_the_current_schema(db):
    assert db.schema_version() == schema.SCHEMA_VERSION
    assert db.integrity_ok()
    assert db.dialect in ("sqlite", "postgresql")


def test_duplicates_by_url_or_by_text_within_an_outlet(db):
    assert db.add_article("s", _rec(), "https://a.example/x", "a.example")[0] == "new"
    assert db.add_article("s", _rec(text="other"), "https://a.example/x", "a.example")[0] == "duplicate"
    assert db.add_article("s", _rec(url="https://a.example/y"), "https://a.example/y", "a.example")[0] == "duplicate"
    assert db.add_article("s", _rec(url="https://b.example/y"), "https://b.example/y", "b.example")[0] == "new"
    assert db.add_article("t", _rec(), "https://a.example/x", "a.example")[0] == "new"
    assert db.count_articles("s") == 2 and db.count_articles() == 3
    assert db.story_ids() == ["s", "t"]
    assert db.has_url("s", "https://b.example/y") and not db.has_url("s", "https://b.example/z")


# ---- RELIABILITY row 18: NUL, lone surrogates, a 1 MB title -------------------------------------------


NASTY = ["bad\x00byte", "lone \ud800 surrogate", "low \udfff too", "mixed \x00\ud83d end",
         "emoji \U0001f600 fine", "RTL \u202e and ZWJ \u200d", "tab\tnew\nline\r"]


def test_nul_surrogates_and_a_1mb_title_read_back_the_same(db):
    title = "T\x00itle \ud800 " + "x" * 1_000_000
    text = "\n".join(NASTY)
    rec = _rec(text=text, title=title, authors=["A\x00nn \udc00"], credit="(W\x00ire)")
    status, aid = db.add_article("s", rec, "https://a.example/x\x00", "a.example")
    assert status == "new"
    row = db.articles("s")[0]
    assert row["id"] == aid
    assert row["title"] == "Title \ufffd " + "x" * 1_000_000
    assert row["text"] == "\n".join(["badbyte", "lone \ufffd surrogate", "low \ufffd too", "mixed \ufffd end",
                                     "emoji \U0001f600 fine", "RTL  and ZWJ \u200d", "tab\tnew\nline\r"])  # no bidi override
    assert row["authors"] == ["Ann \ufffd"] and row["credit"] == "(Wire)"
    assert row["canonical_url"] == "https://a.example/x"
    # The same nasty text again is recognised as the same article (hash of the cleaned text).
    assert db.add_article("s", _rec(url="https://a.example/z", text=text), "https://a.example/z", "a.example")[0] \
        == "duplicate"


def test_nasty_text_in_runs_fetches_and_results(db):
    _, aid = db.add_article("s", _rec(), "https://a.example/x", "a.example")
    run = db.start_run("s", "collect", "rss")
    db.record_fetches(run, [FetchOutcome("https://a.example/\x00", "rss", "failed", "a.example", "bad \ud800\x00", 500)])
    db.finish_run(run, "ok", {"note": "n\x00ul \udfff", "k\x00": [1, "x\x00"]})
    assert db.run_fetches(run)[0]["reason"] == "bad \ufffd"
    assert db.recent_runs(1)[0]["summary"] == {"note": "nul \ufffd", "k": [1, "x"]}
    db.replace_results("s", {aid: {"evidence": ["quote \x00 \ud800"], "n": 1.5}}, {"words": {"k\x00": "v\ud800"}})
    assert db.article_results("s") == {aid: {"evidence": ["quote  \ufffd"], "n": 1.5}}
    assert db.story_result("s", "words") == {"k": "v\ufffd"}


def test_published_is_utc_and_aware_on_read(db):
    local = datetime(2021, 1, 21, 18, 0, tzinfo=timezone(timedelta(hours=-8)))
    naive = datetime(2021, 1, 22, 9, 30)
    db.add_article("s", _rec(published=local), "https://a.example/x", "a.example")
    db.add_article("s", _rec(url="https://a.example/y", text="other", published=naive), "https://a.example/y", "a.example")
    first, second = db.articles("s")
    assert first["published"] == datetime(2021, 1, 22, 2, 0, tzinfo=timezone.utc)
    assert first["published"].utcoffset() == timedelta(0)
    assert second["published"] == datetime(2021, 1, 22, 9, 30, tzinfo=timezone.utc)
    assert first["collected"].tzinfo is not None


def test_runs_and_fetch_outcomes(db):
    run = db.start_run("s", "collect", "rss")
    assert db.recent_runs()[0]["status"] == "running"
    outcomes = [FetchOutcome(f"https://a.example/{i}", "rss", "failed", "a.example", "http_500", 500) for i in range(3)]
    db.record_fetches(run, outcomes)
    db.finish_run(run, "ok", {"new": 0, "by_outlet": {"a.example": {"failed": 3}}})
    [row] = db.recent_runs(story_id="s")
    assert row["status"] == "ok" and row["summary"]["by_outlet"]["a.example"]["failed"] == 3
    assert row["finished"] is not None and row["started"] is not None
    assert [f["url"] for f in db.run_fetches(run)] == [o.url for o in outcomes]
    assert db.recent_runs(story_id="other") == []


def test_embedding_cache_round_trip(db):
    vectors = {f"h{i}": bytes([i % 256]) * 8 for i in range(1200)}  # more than one chunk
    db.put_embeddings("m", vectors, dim=2)
    db.put_embeddings("m", {"h1": b"\xff" * 8}, dim=2)  # first write wins, no error
    got = db.get_embeddings("m", [*vectors, "missing"])
    assert got == vectors and all(isinstance(v, bytes) for v in got.values())
    assert db.get_embeddings("other", ["h1"]) == {}


def test_kept_analysis_work_round_trip(db):
    values = {f"k{i}": bytes([i % 256]) * 5 for i in range(1200)}  # more than one chunk
    db.put_derived("terms", values)
    db.put_derived("text", {"k1": b"other kind"})
    assert db.get_derived("terms", [*values, "missing"]) == values
    assert db.get_derived("text", ["k1", "k2"]) == {"k1": b"other kind"}
    db.put_derived("terms", {"k1": b"recomputed", "k9999": b"new"})  # a damaged value is replaced
    assert db.get_derived("terms", ["k1", "k2", "k9999"]) == {"k1": b"recomputed", "k2": values["k2"], "k9999": b"new"}


def test_replace_results_is_all_or_nothing(db):
    _, aid = db.add_article("s", _rec(), "https://a.example/x", "a.example")
    db.replace_results("s", {aid: {"v": 1}}, {"clusters": [1], "old": True})
    with pytest.raises(sa.exc.IntegrityError):  # the second article does not exist: the swap fails late
        db.replace_results("s", {aid: {"v": 2}, aid + 999: {"v": 2}}, {"clusters": [2]})
    assert db.article_results("s") == {aid: {"v": 1}}
    assert db.story_results("s") == {"clusters": [1], "old": True}
    db.replace_results("s", {aid: {"v": 3}}, {"clusters": [3]})
    assert db.article_results("s") == {aid: {"v": 3}} and db.story_results("s") == {"clusters": [3]}


def test_readers_never_see_half_swapped_results(any_db):
    with Store(any_db) as writer:
        ids = [writer.add_article("s", _rec(f"https://a.example/{i}", f"text {i}"), f"https://a.example/{i}",
                                  "a.example")[1] for i in range(40)]
        writer.replace_results("s", {i: {"v": 0} for i in ids}, {n: {"v": 0} for n in "abc"})
        stop, seen, mixed = threading.Event(), set(), []

        def read_loop():
            with Store(any_db, readonly=True) as reader:
                while not stop.is_set():
                    versions = {p["v"] for p in reader.article_results("s").values()}  # one SELECT each
                    story = {p["v"] for p in reader.story_results("s").values()}
                    seen.update(versions)
                    if len(versions) != 1 or len(story) != 1:
                        mixed.append((versions, story))

        thread = threading.Thread(target=read_loop)
        thread.start()
        for v in range(1, 30):
            writer.replace_results("s", {i: {"v": v} for i in ids}, {n: {"v": v} for n in "abc"})
        stop.set()
        thread.join(30)
    assert mixed == [] and len(seen) > 1


def test_readonly_store_refuses_writes(db, any_db):
    reader = Store(any_db, readonly=True)
    try:
        with pytest.raises((sa.exc.OperationalError, sa.exc.InternalError)):
            reader.add_article("s", _rec(), "https://a.example/x", "a.example")
        assert reader.count_articles() == 0
    finally:
        reader.close()


# ---- schema versions -------------------------------------------------------------------------------


def test_newer_schema_is_refused_not_misread(db, any_db):
    with db.engine.begin() as conn:
        conn.execute(sa.update(schema.meta).values(value=str(schema.SCHEMA_VERSION + 1)))
    for readonly in (False, True):
        with pytest.raises(StoreError, match="upgrade framelens"):
            Store(any_db, readonly=readonly)


def test_old_schema_is_upgraded_once(any_db, monkeypatch):
    Store(any_db).close()
    calls = []

    def add_notes_column(conn):
        calls.append(1)
        conn.exec_driver_sql("ALTER TABLE outlets ADD COLUMN notes TEXT")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.MIGRATIONS, schema.SCHEMA_VERSION, add_notes_column)
    with Store(any_db) as s:
        assert calls == [1] and s.schema_version() == schema.SCHEMA_VERSION
        assert "notes" in {c["name"] for c in sa.inspect(s.engine).get_columns("outlets")}
    Store(any_db).close()
    assert calls == [1]


def test_a_version_1_database_gains_url_aliases_and_keeps_its_articles(any_db):
    """The real upgrades 1 -> 2 -> 3 -> 4: a database as framelens 1 wrote it (no url_aliases,
    no derived table, no outlet ratings, no found_on)."""
    from framelens.store import database_url

    engine = sa.create_engine(database_url(any_db))
    with engine.begin() as conn:
        schema.md.create_all(conn, tables=[t for t in schema.md.sorted_tables if t.name not in ("url_aliases", "derived")])
        conn.exec_driver_sql("ALTER TABLE outlets DROP COLUMN ratings")
        conn.exec_driver_sql("ALTER TABLE articles DROP COLUMN found_on")
        conn.execute(sa.insert(schema.meta).values(key="schema_version", value="1"))
        conn.execute(sa.insert(schema.articles).values(
            story_id="s", url="https://a.example/x", canonical_url="https://a.example/x", domain="a.example",
            text="Kept across the upgrade.", collected=dt.datetime(2024, 5, 2, tzinfo=dt.timezone.utc),
            source="import", content_hash="0" * 64))
    engine.dispose()
    with Store(any_db) as s:
        assert s.schema_version() == schema.SCHEMA_VERSION == 4
        assert {"url_aliases", "derived"} <= set(sa.inspect(s.engine).get_table_names())
        [row] = s.articles("s")
        assert row["text"] == "Kept across the upgrade." and row["found_on"] == ""
        s.upsert_outlets([{"domain": "a.example", "name": "A", "ratings": [{"rater": "R", "lean": "left"}]}])
        assert s.outlet_rows()[0]["ratings"] == [{"rater": "R", "lean": "left"}]
        assert not s.has_url("s", "https://proxy.example/r/1")
        s.add_alias("s", "https://proxy.example/r/1", row["id"])
        s.add_alias("s", "https://proxy.example/r/1", row["id"])  # twice: still one
        assert s.has_url("s", "https://proxy.example/r/1") and not s.has_url("t", "https://proxy.example/r/1")


def test_a_failing_upgrade_leaves_the_old_version(any_db, monkeypatch):
    Store(any_db).close()
    old = schema.SCHEMA_VERSION

    def half_then_fail(conn):
        conn.exec_driver_sql("ALTER TABLE outlets ADD COLUMN notes TEXT")
        raise RuntimeError("upgrade failed half-way")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", old + 1)
    monkeypatch.setitem(schema.MIGRATIONS, old + 1, half_then_fail)
    with pytest.raises(RuntimeError, match="half-way"):
        Store(any_db)
    monkeypatch.setattr(schema, "SCHEMA_VERSION", old)
    with Store(any_db) as s:
        assert s.schema_version() == old
        assert "notes" not in {c["name"] for c in sa.inspect(s.engine).get_columns("outlets")}


# ---- import on both backends -------------------------------------------------------------------------


def _jsonl(path, rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_import_good_and_bad_rows_then_reimport_adds_nothing(tmp_path, db, story, registry):
    rows = [{"url": f"https://leftside.example/{i}", "text": f"{TEXT}{i}", "title": f"T{i}",
             "published": "2024-05-02T10:00:00-07:00"} for i in range(5)]
    rows += ["{not json", {"text": TEXT}, {"url": "https://middle.example/nul", "text": "nul\x00 \ud800 text"},
             {"url": "https://court.example/order", "text": "The motion is denied.", "role": "primary_source"}]
    path = _jsonl(tmp_path / "a.jsonl", rows)
    report = import_path(db, path, story, registry)
    assert (report.rows, report.new, len(report.problems)) == (9, 7, 2)
    stored = {r["url"]: r for r in db.articles("gadget")}
    assert stored["https://middle.example/nul"]["text"] == "nul \ufffd text"
    assert stored["https://leftside.example/0"]["published"] == datetime(2024, 5, 2, 17, tzinfo=timezone.utc)
    assert stored["https://court.example/order"]["role"] == "primary_source"
    again = import_path(db, path, story, registry)
    assert again.new == 0 and again.duplicate == 7 and db.count_articles("gadget") == 7
    runs = db.recent_runs()
    assert [r["kind"] for r in runs] == ["import", "import"] and all(r["status"] == "ok" for r in runs)


# ---- several processes at once -----------------------------------------------------------------------

N_PROCS, N_RECORDS = 4, 200


def _add_same_records(db: str, barrier, mode: str, path: str) -> None:
    """Child: wait for the others, then add the same records (through the import or the store)."""
    from framelens.outlets import OutletRegistry
    from framelens.stories import load_story

    store = Store(db)
    barrier.wait(60)
    if mode == "import":
        import_path(store, path, load_story("gadget"), OutletRegistry([]))
    elif mode == "same-text":  # each process its own URL for the same text: still one row per text
        tag = os.getpid()
        for i in range(N_RECORDS):
            url = f"https://w{i % 7}.example/a/{i}?via={tag}"
            store.add_article("s", _rec(url, f"{TEXT} number {i}"), url, f"w{i % 7}.example")
    else:
        for i in range(N_RECORDS):
            url = f"https://w{i % 7}.example/a/{i}"
            store.add_article("s", _rec(url, f"{TEXT} number {i}"), url, f"w{i % 7}.example")
    store.close()


@pytest.mark.parametrize("mode", ["import", "store", "same-text"])
def test_concurrent_writers_store_each_article_once(any_db, mode, tmp_path, stories_dir):
    Store(any_db).close()  # create the schema first: the race under test is the articles
    path = _jsonl(tmp_path / "same.jsonl", [{"url": f"https://w{i % 7}.example/a/{i}", "text": f"{TEXT} number {i}"}
                                            for i in range(N_RECORDS)])
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(N_PROCS)
    procs = [ctx.Process(target=_add_same_records, args=(any_db, barrier, mode, str(path))) for _ in range(N_PROCS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * N_PROCS
    story = "gadget" if mode == "import" else "s"
    with Store(any_db) as s:
        rows = s.articles(story, with_text=False)
        assert len(rows) == N_RECORDS
        assert len({r["canonical_url"] for r in rows}) == N_RECORDS
        assert len({(r["domain"], r["content_hash"]) for r in rows}) == N_RECORDS
        if mode == "import":
            imports = [r for r in s.recent_runs(10) if r["kind"] == "import"]
            assert len(imports) == N_PROCS and sum(r["summary"]["new"] for r in imports) == N_RECORDS


def _replace_results_at_once(db: str, barrier, k: int) -> None:
    store = Store(db)
    barrier.wait(60)
    for round_ in range(10):
        store.replace_results("s", {aid: {"writer": k, "round": round_} for aid in range(1, 31)},
                              {"provenance": {"writer": k}})
    store.close()


def test_concurrent_analysis_saves_leave_one_whole_result_set(any_db):
    """Two analysis runs saving the same story at once: no error, and one writer's whole set."""
    with Store(any_db) as s:
        ids = [s.add_article("s", _rec(f"https://w.example/{i}", f"{TEXT} {i}"), f"https://w.example/{i}",
                             "w.example")[1] for i in range(30)]
        assert ids == list(range(1, 31))
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(N_PROCS)
    procs = [ctx.Process(target=_replace_results_at_once, args=(any_db, barrier, k)) for k in range(N_PROCS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0] * N_PROCS
    with Store(any_db) as s:
        results = s.article_results("s")
        assert sorted(results) == list(range(1, 31))
        writers = {p["writer"] for p in results.values()}
        assert len(writers) == 1 and s.story_result("s", "provenance") == {"writer": writers.pop()}


def test_concurrent_first_opens_create_the_schema_once(any_db):
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(N_PROCS)
    procs = [ctx.Process(target=_open_at_once, args=(any_db, barrier)) for _ in range(N_PROCS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * N_PROCS
    with Store(any_db) as s:
        assert s.schema_version() == schema.SCHEMA_VERSION


def _open_at_once(db: str, barrier) -> None:
    barrier.wait(60)
    Store(db).close()


# ---- the PostgreSQL harness itself ----------------------------------------------------------------------


def test_without_postgresql_binaries_the_reason_is_clear(monkeypatch):
    from tests import pg

    monkeypatch.setattr(pg, "find_bin_dir", lambda: None)
    monkeypatch.delenv("FRAMELENS_TEST_PG_URL", raising=False)
    with pytest.raises(pg.PgUnavailable, match="install Debian's `postgresql` package"):
        pg.server_from_env()


@pytest.mark.postgres
def test_an_external_server_from_the_environment(pg_server, monkeypatch):
    from tests import pg

    monkeypatch.setenv("FRAMELENS_TEST_PG_URL", pg_server.admin_url)
    external = pg.server_from_env()
    assert external.base is None
    url = external.create_database()
    with Store(url) as s:
        assert s.dialect == "postgresql" and s.count_articles() == 0
    external.drop_database(url)
    external.stop()  # leaves someone else's server alone
    with pytest.raises(pg.PgUnavailable, match="cannot be reached"):
        pg.PgServer.external("postgresql+psycopg://postgres@127.0.0.1:1/postgres")
