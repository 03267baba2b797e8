"""Hostile input (issue 19): story ids that name other folders, databases with no tables or
no write permission, empty input files, text that rewrites the page around it, credentials
in URLs, and killed runs. Each test asserts the message a user sees and the exit status."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import pytest

import analysis.embed  # noqa: F401  (loaded before a test drops privileges: nobody cannot read the stdlib)
import analysis.pipeline  # noqa: F401
import collectors.http  # noqa: F401
import collectors.importer  # noqa: F401
import collectors.run  # noqa: F401
from analysis.__main__ import main as analysis_main
from collectors.__main__ import main as collectors_main
from collectors.cli_run import status_lines
from framelens.records import ArticleRecord
from framelens.stories import ConfigError, load_story
from framelens.store import Store
from framelens.textclean import clean_body, clean_name, strip_userinfo

from tests.faultserver import fault_server  # noqa: F401 (a fixture)

from .conftest import MINI_STORY

TEXT = "Judge Ada Quill of the district court ruled on the gadget case on Tuesday. " * 3
RLO, NUL = "\u202e", "\x00"
BAD_ID = "story id {!r}: a story id may use only a-z, 0-9, '-' and '_' (it names a file in {}; to load another " \
         "file, put it in FRAMELENS_STORIES_DIR)"


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# ---------------------------------------------------------------- 1. story ids

@pytest.mark.parametrize("story_id", ["../evil/x", "evil/x", "/tmp/evil", "..", "x\x00y", "Gadget", "x.yaml"])
def test_a_story_id_cannot_name_a_file_outside_the_stories_folder(tmp_path, stories_dir, db_path, capsys, story_id):
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "x.yaml").write_text(MINI_STORY, encoding="utf-8")
    rows = _jsonl(tmp_path / "a.jsonl", [{"url": "https://leftside.example/a", "text": TEXT}])
    expected = "error: invalid configuration:\n" + BAD_ID.format(story_id, stories_dir)
    for argv in (["import", str(rows), "--story", story_id, "--db", db_path],
                 ["run", "--story", story_id, "--db", db_path, "--sources", "urls"],
                 ["status", "--story", story_id, "--db", db_path]):
        assert collectors_main(argv) == 2, argv
        assert capsys.readouterr().err.strip() == expected
    for argv in (["run", "--story", story_id, "--db", db_path],
                 ["export", "--story", story_id, "--db", db_path, "--out", str(tmp_path / "out")]):
        assert analysis_main(argv) == 2, argv
        assert capsys.readouterr().err.strip() == expected
    assert not Path(db_path).exists() and not (tmp_path / "out").exists()


def test_a_story_file_given_as_a_path_still_loads(stories_dir):
    assert load_story(stories_dir / "gadget.yaml").id == "gadget"
    with pytest.raises(ConfigError, match="a story id may use only"):
        load_story(str(stories_dir / "gadget.yaml"))


def test_a_story_url_with_a_password_is_refused(stories_dir):
    text = MINI_STORY + "seeds:\n  - {url: 'https://reader:secret@leftside.example/a'}\n"
    (stories_dir / "creds.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_story("creds")
    assert ("seeds[0].url: a URL must not hold a user name, password or control characters (they would be sent "
            "to the site and shown): write 'https://leftside.example/a'") in str(info.value)


# ---------------------------------------------------------------- 2. databases without tables

@pytest.mark.parametrize("kind", ["zero", "devnull"])
def test_reading_commands_on_a_database_without_tables_say_so(tmp_path, stories_dir, capsys, kind):
    db = "/dev/null" if kind == "devnull" else str(tmp_path / "zero.db")
    if kind == "zero":
        Path(db).write_bytes(b"")
    message = (f"error: database {db} has no framelens tables yet (an empty file, or another program's database): "
               "nothing to read; collect or import a story into it first")
    assert analysis_main(["export", "--story", "gadget", "--db", db, "--out", str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.strip() == message
    assert collectors_main(["status", "--db", db]) == 1
    assert capsys.readouterr().err.strip() == message
    assert analysis_main(["run", "--story", "gadget", "--db", db]) == 1
    assert capsys.readouterr().err.strip() == message
    if kind == "zero":
        assert Path(db).stat().st_size == 0  # nothing was created in it


def test_another_programs_database_is_not_written_into(tmp_path, stories_dir, capsys):
    db = tmp_path / "contacts.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    rows = _jsonl(tmp_path / "a.jsonl", [{"url": "https://leftside.example/a", "text": TEXT}])
    assert collectors_main(["import", str(rows), "--story", "gadget", "--db", str(db)]) == 2
    assert capsys.readouterr().err.strip() == (f"error: database {db} belongs to another program (tables: contacts) "
                                               "and has no framelens tables: not writing into it (use another --db)")
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["contacts"]


def test_a_folder_as_database_is_named(tmp_path, stories_dir, capsys):
    assert collectors_main(["status", "--db", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"error: database {tmp_path} is a folder, not a file"


# ---------------------------------------------------------------- 2. read-only databases (as nobody)

def _nobody() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no 'nobody' user to drop privileges to")
    return entry.pw_uid, entry.pw_gid


def _as_unprivileged(main, argv: list[str]) -> tuple[int, str]:
    """Run a CLI `main(argv)` in a forked child that is not root; (exit status, stderr).

    A fork rather than a new interpreter: this interpreter lives under /root, which nobody
    may not read. As a non-root user already, the child keeps its user."""
    root = os.geteuid() == 0
    uid, gid = _nobody() if root else (os.geteuid(), os.getegid())
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, run, report
        code = 99
        try:
            os.close(read)
            sys.stderr = sys.stdout = os.fdopen(write, "w")
            if root:
                os.setgroups([])
                os.setgid(gid)
                os.setuid(uid)
            code = main(argv)
        except BaseException:  # noqa: BLE001 - a traceback is what the test must catch
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as fh:
        output = fh.read()
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output


@pytest.fixture
def shared_dir():
    """A folder the unprivileged user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="framelens-hostile-"))
    folder.chmod(0o755)
    (folder / "stories").mkdir(mode=0o755)
    (folder / "stories" / "gadget.yaml").write_text(MINI_STORY, encoding="utf-8")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _readonly_db(shared_dir: Path, monkeypatch, folder_writable: bool) -> str:
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(shared_dir / "stories"))
    data = shared_dir / "data"
    data.mkdir()
    db = str(data / "ro.db")
    story = load_story("gadget")
    with Store(db) as store:
        store.add_article("gadget", ArticleRecord(url="https://leftside.example/a", text=TEXT), 
                          "https://leftside.example/a", "leftside.example")
        store.start_run(story.id, "import")
    for suffix in ("-wal", "-shm"):
        Path(db + suffix).unlink(missing_ok=True)
    Path(db).chmod(0o644 if not folder_writable else 0o444)
    data.chmod(0o777 if folder_writable else 0o755)
    return db


def test_writing_commands_on_a_read_only_database_say_so(shared_dir, monkeypatch):
    db = _readonly_db(shared_dir, monkeypatch, folder_writable=True)
    rows = _jsonl(shared_dir / "a.jsonl", [{"url": "https://leftside.example/b", "text": TEXT + " b"}])
    rows.chmod(0o644)
    message = (f"error: database {db} is read-only for this user: this command writes to it "
               "(give it write permission, or use another --db)")
    importing = ["import", str(rows), "--story", "gadget", "--db", db]
    assert _as_unprivileged(collectors_main, importing) == (2, message + "\n")
    assert _as_unprivileged(analysis_main, ["run", "--story", "gadget", "--db", db]) == (2, message + "\n")
    assert _as_unprivileged(collectors_main, ["run", "--story", "gadget", "--db", db, "--sources", "urls"])[0] == 2
    code, out = _as_unprivileged(collectors_main, ["status", "--db", db])  # reading needs no write permission
    assert code == 0 and " import gadget [] running: no counts" in out, out  # this test's own process


def test_a_read_only_database_folder_is_named(shared_dir, monkeypatch):
    db = _readonly_db(shared_dir, monkeypatch, folder_writable=False)
    Path(db).chmod(0o666)
    rows = _jsonl(shared_dir / "a.jsonl", [{"url": "https://leftside.example/b", "text": TEXT + " b"}])
    rows.chmod(0o644)
    message = (f"error: database {db}: its folder {Path(db).parent} is read-only for this user, and SQLite keeps "
               "its journal there (give the folder write permission, or use another --db)\n")
    assert _as_unprivileged(collectors_main, ["import", str(rows), "--story", "gadget", "--db", db]) == (2, message)


# ---------------------------------------------------------------- 3. empty input

@pytest.mark.parametrize("name, content, reason", [
    ("empty.jsonl", "", "the file has no JSON lines (it is empty or blank)"),
    ("blank.jsonl", "\n  \n\n", "the file has no JSON lines (it is empty or blank)"),
    ("header.csv", "url,title,text\n", "the file has its header line but no rows"),
    ("bom-header.csv", "\ufeffurl,text\r\n", "the file has its header line but no rows"),
])
def test_an_empty_input_file_is_an_error_not_a_success(tmp_path, stories_dir, db_path, capsys, name, content, reason):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert collectors_main(["import", str(path), "--story", "gadget", "--db", db_path]) == 1
    assert capsys.readouterr().err.strip() == f"error: {path}: nothing to import: {reason}"
    with Store(db_path, readonly=True) as store:
        [run] = store.recent_runs()
    assert run["status"] == "failed" and store.count_articles() == 0


def test_a_zero_byte_csv_and_an_empty_folder_fail_the_same_way(tmp_path, stories_dir, db_path, capsys):
    (tmp_path / "zero.csv").write_bytes(b"")
    (tmp_path / "pages").mkdir()
    for path, message in ((tmp_path / "zero.csv", f"{tmp_path / 'zero.csv'}:1: the file is empty: a CSV import "
                                                   "needs a header line with a 'url' column"),
                          (tmp_path / "pages", f"{tmp_path / 'pages'}: no .html files in this folder")):
        assert collectors_main(["import", str(path), "--story", "gadget", "--db", db_path]) == 1
        assert capsys.readouterr().err.strip() == f"error: {message}"


# ---------------------------------------------------------------- 4. controls and direction overrides

@pytest.mark.parametrize("raw, clean", [
    (f"Evil{RLO} Daily", "Evil Daily"),
    (f"Nul{NUL}Gazette", "NulGazette"),
    ("Tab\tand\nline\x1b[31m red\x85", "Tab and line [31m red"),
    ("\u2066isolated\u2069 \u200e\u200fmarks\u061c\u202a\u202b\u202c\u202d", "isolated marks"),
    ("   ", ""),
    ("\u0645\u06cc\u200c\u0631\u0648\u0645 na\u200dme",) * 2,  # zero-width joiners stay
])
def test_names_lose_controls_and_bidi_controls_but_keep_joiners(raw, clean):
    assert clean_name(raw) == clean


def test_body_text_keeps_line_breaks_and_tabs():
    assert clean_body(f"one{RLO}\ttwo\nthree{NUL}\x0bfour\r\n") == "one\ttwo\nthree four\r\n"


def test_imported_names_titles_and_authors_reach_no_export_with_controls(tmp_path, stories_dir, db_path, capsys,
                                                                         monkeypatch):
    html = (f"<html><head><title>T</title><link rel=canonical href='https://leftside.example/h'>"
            f"<meta name=author content='Ann{RLO} Writer'></head><body><article><h1>Headline{RLO} here</h1>"
            f"<p>{TEXT}</p><p>{TEXT}</p></article></body></html>")
    rows = _jsonl(tmp_path / "a.jsonl", [
        {"url": "https://harborside.example/1", "text": TEXT, "title": f"A{RLO} title{NUL} \x07here",
         "outlet": f"Harbor{RLO}side{NUL} Courier"},
        {"url": "https://leftside.example/h", "html": html},
        {"url": f"https://ev{RLO}il.example/2", "text": TEXT + " 2"},
    ])
    assert collectors_main(["import", str(rows), "--story", "gadget", "--db", db_path]) == 0
    err = capsys.readouterr().err
    assert (f"bad row: {rows}:3: 'url' holds control or bidirectional-override characters: "
            "'https://ev\\u202eil.example/2'") in err
    with Store(db_path) as store:
        store.upsert_outlets([{"domain": "harborside.example", "name": f"Harbor{RLO}side{NUL} Courier",
                               "lean": "unrated", "kind": "national", "country": "", "lean_source": "", "demo": False}])
        arts = store.articles("gadget")
        assert [a["title"] for a in arts][0] == "A title here"
        assert all(RLO not in (a["title"] + "".join(a["authors"])) for a in arts)
        names = {o["domain"]: o["name"] for o in store.outlet_rows()}
        assert names["harborside.example"] == "Harborside Courier"
        assert not [n for n in names.values() if RLO in n or NUL in n]


# ---------------------------------------------------------------- 5. credentials in URLs

def test_userinfo_is_dropped_wherever_a_url_is_stored(tmp_path, stories_dir, db_path, capsys):
    rows = _jsonl(tmp_path / "a.jsonl", [
        {"url": "https://reader:hunter2@leftside.example/a", "text": TEXT},
        {"url": "ftp://reader:hunter2@leftside.example/b", "text": TEXT + " b"},
    ])
    assert collectors_main(["import", str(rows), "--story", "gadget", "--db", db_path]) == 0
    err = capsys.readouterr().err
    assert "hunter2" not in err
    with Store(db_path) as store:
        [art] = store.articles("gadget")
        assert art["url"] == "https://leftside.example/a" and art["canonical_url"] == "https://leftside.example/a"
        [run] = store.recent_runs()
        stored = json.dumps(run["summary"]) + json.dumps([dict(f, at=None) for f in store.run_fetches(run["id"])])
    assert "hunter2" not in stored and "'url' must be an http(s) URL, got 'ftp://leftside.example/b'" in stored


def test_strip_userinfo_keeps_everything_else():
    assert strip_userinfo("https://u:p@a.example:8443/x/@y?q=@z#f") == "https://a.example:8443/x/@y?q=@z#f"
    assert strip_userinfo("https://a.example/p a\x00") == "https://a.example/p%20a%00"
    assert strip_userinfo("https://a.example/@me") == "https://a.example/@me"


def test_the_fetcher_never_sends_userinfo(fault_server):
    from collectors.http import Fetcher
    from tests.faultserver import local_settings

    url = fault_server.url("/echo").replace("://", "://reader:hunter2@")
    with Fetcher(local_settings()) as fetcher:
        response = fetcher.get(url)
    echo = json.loads(response.content)
    assert "authorization" not in {k.lower() for k in echo["headers"]}
    assert "hunter2" not in response.url and "hunter2" not in response.final_url


# ---------------------------------------------------------------- 6. killed runs

def test_a_killed_analysis_run_shows_as_interrupted(db_path, stories_dir, capsys):
    Store(db_path).close()
    code = ("import sys, time; from framelens.store import Store; s = Store(sys.argv[1]); "
            "print(s.start_run('gadget', 'analysis', 'hashing-256'), flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code, db_path], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parent.parent)
    try:
        run_id = int(child.stdout.readline())
        with Store(db_path, readonly=True) as store:
            assert store.recent_runs()[0]["status"] == "running"  # alive: still running
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert collectors_main(["status", "--db", db_path]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"#{run_id} ") and " analysis gadget [hashing-256] interrupted: no counts" in out
    with Store(db_path) as store:  # a run on another host cannot be checked from here: its status stands
        row = dict(store.recent_runs()[0], host="elsewhere.example", status="running")
    from framelens.runstate import resolve_run_status

    assert resolve_run_status(row) == "running"
    assert status_lines(dict(row, status=resolve_run_status(row)))[0].endswith("running: no counts")


def test_exports_carry_no_controls_overrides_or_passwords(tmp_path, monkeypatch):
    from tests.dashboard_fixtures import STORY_ID, populate, write_story

    write_story(tmp_path / "stories")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path / "stories"))
    db = str(tmp_path / "export.db")
    populate(db, n_articles=12)
    with Store(db) as store:
        store.upsert_outlets([{"domain": "rlo.example", "name": f"Evil{RLO} Daily{NUL}", "lean": "left",
                               "kind": "national", "country": "", "lean_source": "", "demo": False}])
        rec = ArticleRecord(url="https://reader:hunter2@rlo.example/story/1", title=f"Widget{RLO} ruling{NUL}",
                            text=TEXT, authors=[f"Ann{RLO} Writer"], language="en")
        _, aid = store.add_article(STORY_ID, rec, "https://reader:hunter2@rlo.example/story/1", "rlo.example")
        per_article = store.article_results(STORY_ID)
        per_article[aid] = next(iter(per_article.values()))
        store.replace_results(STORY_ID, per_article, store.story_results(STORY_ID))
    out = tmp_path / "out"
    argv = ["export", "--story", STORY_ID, "--db", db, "--out", str(out), "--format", "json,csv,html"]
    assert analysis_main(argv) == 0
    files = [p for p in out.rglob("*") if p.is_file()]
    assert {"articles.json", "articles.csv"} <= {p.name for p in files} and any(p.suffix == ".html" for p in files)
    for path in files:
        data = path.read_bytes()
        assert b"hunter2" not in data and RLO.encode() not in data and b"\x00" not in data, path
        if path.suffix != ".html":  # the charts' own JavaScript names the bidi controls it handles
            assert b"\\u202e" not in data.lower() and b"\\u0000" not in data, path
    exported = json.loads((out / "articles.json").read_text("utf-8"))
    rows = {r["url"]: r for r in (exported["articles"] if isinstance(exported, dict) else exported)}
    assert rows["https://rlo.example/story/1"]["title"] == "Widget ruling"


def test_names_stored_before_cleaning_are_cleaned_when_read(db_path):
    with Store(db_path) as store:
        _, aid = store.add_article("gadget", ArticleRecord(url="https://a.example/1", text=TEXT), "https://a.example/1",
                                   "a.example")
        with store.engine.begin() as conn:  # what an older framelens wrote
            conn.exec_driver_sql("UPDATE articles SET title = ?, url = ?, authors = ? WHERE id = ?",
                                 (f"Old{RLO} title", "https://u:hunter2@a.example/1", json.dumps([f"B{RLO}ob"]), aid))
            conn.exec_driver_sql("INSERT INTO outlets (domain, name) VALUES ('a.example', ?)", (f"Old{RLO} Outlet",))
        [row] = store.articles("gadget")
        assert (row["title"], row["url"], row["authors"]) == ("Old title", "https://a.example/1", ["Bob"])
        assert store.outlet_rows()[0]["name"] == "Old Outlet"


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n  # another\n"])
def test_an_empty_urls_file_is_an_error_not_a_success(tmp_path, stories_dir, db_path, capsys, content):
    path = tmp_path / "urls.txt"
    path.write_text(content, encoding="utf-8")
    assert collectors_main(["run", "--story", "gadget", "--db", db_path, "--sources", "urls", "--urls", str(path)]) == 1
    assert capsys.readouterr().err.strip() == (f"error: --urls {path}: nothing to collect: the file has no URLs "
                                               "(it is empty, blank or only comments)")


def test_a_device_is_not_written_as_a_database(tmp_path, stories_dir, capsys):
    rows = _jsonl(tmp_path / "a.jsonl", [{"url": "https://leftside.example/a", "text": TEXT}])
    assert collectors_main(["import", str(rows), "--story", "gadget", "--db", "/dev/null"]) == 2
    assert capsys.readouterr().err.strip() == ("error: database /dev/null is not a regular file (a device or a pipe): "
                                               "a command that writes needs a database file")


def test_story_files_whose_names_are_no_ids_are_not_offered(stories_dir):
    from framelens.stories import list_stories

    for name in ("Bad Name", "UPPER", "-dash-first", "x\u202ey"):
        (stories_dir / f"{name}.yaml").write_text(MINI_STORY, encoding="utf-8")
    assert list_stories() == ["gadget"]


def test_extract_prints_names_without_controls(tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text(f"<html><head><title>x</title><meta name=author content='Ann{RLO} Writer'></head><body><article>"
                    f"<h1>Head{RLO}line{NUL} here</h1><p>{TEXT}</p><p>{TEXT}</p></article></body></html>",
                    encoding="utf-8")
    assert collectors_main(["extract", str(page), "--url", "https://leftside.example/a"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert RLO not in json.dumps(found, ensure_ascii=False) and NUL not in json.dumps(found, ensure_ascii=False)
    assert RLO not in found["title"] and all(RLO not in a for a in found["authors"])


def test_export_into_proc_or_a_file_is_one_line(tmp_path, monkeypatch, capsys):
    from tests.dashboard_fixtures import STORY_ID, populate, write_story

    write_story(tmp_path / "stories")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path / "stories"))
    db = str(tmp_path / "export.db")
    populate(db, n_articles=4)
    (tmp_path / "afile").write_text("x")
    for out, message in (("/proc/framelens-out", "error: cannot create the export folder /proc/framelens-out: "),
                         (str(tmp_path / "afile"), f"error: --out {tmp_path / 'afile'} is a file, not a folder")):
        assert analysis_main(["export", "--story", STORY_ID, "--db", db, "--out", out]) == 1
        assert capsys.readouterr().err.startswith(message)


def _select_only_role(pg_url: str) -> str:
    """A role that may read the framelens tables of `pg_url` but not write them; its URL."""
    import sqlalchemy as sa
    with Store(pg_url) as store:
        store.add_article("gadget", ArticleRecord(url="https://leftside.example/a", text=TEXT),
                          "https://leftside.example/a", "leftside.example")
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP ROLE IF EXISTS fl_reader")
            conn.exec_driver_sql("CREATE ROLE fl_reader LOGIN")
            conn.exec_driver_sql("GRANT USAGE ON SCHEMA public TO fl_reader")
            conn.exec_driver_sql("GRANT SELECT ON ALL TABLES IN SCHEMA public TO fl_reader")
    return sa.make_url(pg_url).set(username="fl_reader").render_as_string(hide_password=False)


@pytest.mark.postgres
def test_a_select_only_postgresql_role_is_told_in_one_line(pg_url, tmp_path, stories_dir, capsys):
    url = _select_only_role(pg_url)
    rows = _jsonl(tmp_path / "a.jsonl", [{"url": "https://leftside.example/b", "text": TEXT + " b"}])
    message = (f"error: database {url}: role fl_reader may only read it (no INSERT, UPDATE or DELETE on "
               "its tables): this command writes to it (grant the role write access, or use another --db)")
    assert collectors_main(["import", str(rows), "--story", "gadget", "--db", url]) == 2
    assert capsys.readouterr().err.strip() == message
    assert analysis_main(["run", "--story", "gadget", "--db", url]) == 2
    assert capsys.readouterr().err.strip() == message
    assert collectors_main(["status", "--db", url]) == 0  # reading needs no write permission
    with Store(url, readonly=True) as store:
        assert store.count_articles() == 1


@pytest.mark.postgres
def test_write_permission_taken_away_during_a_command_is_one_line(pg_url, tmp_path, stories_dir, capsys, monkeypatch):
    url = _select_only_role(pg_url)
    monkeypatch.setattr("framelens.engine.check_pg_writable", lambda engine, db: None)  # as if revoked after opening
    rows = _jsonl(tmp_path / "a.jsonl", [{"url": "https://leftside.example/b", "text": TEXT + " b"}])
    assert collectors_main(["import", str(rows), "--story", "gadget", "--db", url]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: the database refused the write (permission denied):"), err
    assert "\n" not in err and "Traceback" not in err


@pytest.mark.postgres
def test_a_read_only_postgresql_database_is_told_in_one_line(pg_url, tmp_path, stories_dir, capsys):
    with Store(pg_url) as store, store.engine.begin() as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{store.engine.url.database}" SET default_transaction_read_only = on')
    rows = _jsonl(tmp_path / "a.jsonl", [{"url": "https://leftside.example/b", "text": TEXT + " b"}])
    assert collectors_main(["import", str(rows), "--story", "gadget", "--db", pg_url]) == 2
    assert capsys.readouterr().err.strip() == (
        f"error: database {pg_url} is read-only (its transactions are read-only on this server): this command "
        "writes to it (turn default_transaction_read_only off, or use another --db)")
