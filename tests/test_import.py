"""File import: JSONL, CSV and HTML folders; bad rows named by line; re-import adds nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from collectors.__main__ import main as collectors_main
from collectors.importer import ImportError_, import_path
from framelens.store import Store

TEXT = "Judge Ada Quill of the district court ruled on the gadget case on Tuesday. " * 3


def _jsonl(path, rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_jsonl_good_and_bad_rows(tmp_path, store, story, registry):
    path = _jsonl(tmp_path / "a.jsonl", [
        {"url": "https://leftside.example/a", "text": TEXT, "title": "A", "published": "2024-05-02"},
        {"url": "https://www.middle.example/b?utm_source=x", "text": TEXT + " More.", "published": "2024-05-02T10:00:00Z"},
        "{not json",
        {"text": TEXT},
        {"url": "ftp://x.example/c", "text": TEXT},
        {"url": "https://rightway.example/d"},
        {"url": "https://rightway.example/e", "text": TEXT, "published": "31 February"},
        {"url": "https://rightway.example/f", "text": TEXT, "role": "editorial"},
        {"url": "https://court.example/order", "text": "The motion is denied.", "role": "primary_source"},
    ])
    report = import_path(store, path, story, registry)
    assert report.new == 3 and report.rows == 9
    problems = "\n".join(report.problems)
    for line, reason in [(3, "invalid JSON"), (4, "missing 'url'"), (5, "'url' must be an http(s) URL"),
                         (6, "needs 'text' or 'html'"), (7, "'published' must be an ISO date"),
                         (8, "'role' must be one of")]:
        assert f"a.jsonl:{line}: {reason}" in problems
    rows = {r["url"]: r for r in store.articles("gadget")}
    assert rows["https://www.middle.example/b?utm_source=x"]["canonical_url"] == "https://middle.example/b"
    assert rows["https://www.middle.example/b?utm_source=x"]["domain"] == "middle.example"
    assert rows["https://court.example/order"]["role"] == "primary_source"


def test_the_outlet_field_takes_a_domain_or_a_registered_name(tmp_path, store, story, registry):
    path = _jsonl(tmp_path / "o.jsonl", [
        {"url": "https://syndicator.example/1", "text": TEXT, "outlet": "rightway.example"},
        {"url": "https://syndicator.example/2", "text": TEXT + " 2", "outlet": "rw.example"},  # an alias
        {"url": "https://syndicator.example/3", "text": TEXT + " 3", "outlet": "  leftside   DAILY "},  # a name
        {"url": "https://news.harborside.example/4", "text": TEXT + " 4", "outlet": "Harborside Courier"},  # unknown
    ])
    assert import_path(store, path, story, registry).new == 4
    domains = {r["url"].rsplit("/", 1)[1]: r["domain"] for r in store.articles("gadget")}
    assert domains == {"1": "rightway.example", "2": "rightway.example", "3": "leftside.example",
                       "4": "harborside.example"}


def test_reimport_adds_nothing(tmp_path, store, story, registry):
    path = _jsonl(tmp_path / "a.jsonl", [{"url": f"https://leftside.example/{i}", "text": f"{TEXT} {i}"} for i in range(5)])
    assert import_path(store, path, story, registry).new == 5
    again = import_path(store, path, story, registry)
    assert again.new == 0 and again.duplicate == 5
    assert store.count_articles("gadget") == 5


def test_csv_with_quotes_newlines_and_line_numbers(tmp_path, store, story, registry):
    path = tmp_path / "a.csv"
    path.write_text(
        'url,title,text,outlet,published\n'
        f'https://leftside.example/a,"A, with comma","{TEXT}\nsecond line",,2024-05-03\n'
        f'https://unknown-paper.example/b,B,"{TEXT}",,2024-05-03\n'
        f',C,"{TEXT}",,\n'
        f'https://middle.example/c,C,"{TEXT}",,2024-05-03,extra\n',
        encoding="utf-8")
    report = import_path(store, path, story, registry)
    assert report.new == 2
    assert any(p.startswith(f"{path}:5: missing 'url'") for p in report.problems)
    assert any(p.startswith(f"{path}:6: more cells") for p in report.problems)
    outlets = {r["domain"] for r in store.articles("gadget")}
    assert outlets == {"leftside.example", "unknown-paper.example"}  # unknown kept, not dropped


def test_html_folder(tmp_path, store, story, registry):
    folder = tmp_path / "pages"
    folder.mkdir()
    body = "".join(f"<p>{TEXT} Paragraph {i} adds detail about the court and the gadget.</p>" for i in range(6))
    (folder / "leftside.a.html").write_text(
        "<html><head><title>Gadget ruling</title>"
        '<link rel="canonical" href="https://leftside.example/news/gadget-ruling"></head>'
        f"<body><article><h1>Gadget ruling</h1>{body}</article></body></html>", encoding="utf-8")
    (folder / "nourl.html").write_text(f"<html><body><p>{TEXT}</p></body></html>", encoding="utf-8")
    report = import_path(store, folder, story, registry)
    assert report.new == 1
    assert any("nourl.html: no URL" in p for p in report.problems)
    [row] = store.articles("gadget")
    assert row["canonical_url"] == "https://leftside.example/news/gadget-ruling"
    assert "Paragraph 3 adds detail" in row["text"] and row["extractor"]


def test_unreadable_files(tmp_path, store, story, registry):
    with pytest.raises(ImportError_, match="no such file"):
        import_path(store, tmp_path / "none.jsonl", story, registry)
    bad = tmp_path / "a.txt"
    bad.write_text("x")
    with pytest.raises(ImportError_, match="unknown file type"):
        import_path(store, bad, story, registry)
    latin = tmp_path / "b.jsonl"
    latin.write_bytes(b'{"url": "https://a.example/x", "text": "caf\xe9"}\n')
    with pytest.raises(ImportError_, match=r"b.jsonl:1: the file is not UTF-8"):
        import_path(store, latin, story, registry)
    for name, content, problem in [
            ("empty.csv", "", r"empty.csv:1: the file is empty"),
            ("semi.csv", f"url;title;text\nhttps://leftside.example/s;S;{TEXT}\n",
             r"semi.csv:1: the header has no 'url' column .*semicolon-separated"),
            ("nourl.csv", "link,title\nhttps://leftside.example/s,S\n", r"no 'url' column \(found: link, title\)$")]:
        (tmp_path / name).write_text(content)
        with pytest.raises(ImportError_, match=problem):
            import_path(store, tmp_path / name, story, registry)


def test_cli_exit_codes(tmp_path, stories_dir, db_path, capsys):
    good = _jsonl(tmp_path / "g.jsonl", [{"url": "https://leftside.example/a", "text": TEXT}])
    assert collectors_main(["import", str(good), "--story", "gadget", "--db", db_path]) == 0
    assert "1 new" in capsys.readouterr().err
    allbad = _jsonl(tmp_path / "b.jsonl", ["{nope", "{nope"])
    assert collectors_main(["import", str(allbad), "--story", "gadget", "--db", db_path]) == 1
    assert collectors_main(["import", str(good), "--story", "no-such-story", "--db", db_path]) == 2
    assert "no such story file" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        collectors_main(["import", str(good)])  # --story missing
    assert info.value.code == 2
    with Store(db_path) as store:
        assert store.count_articles("gadget") == 1
        assert store.recent_runs()[0]["kind"] == "import"


def test_cli_runs_as_a_module(tmp_path, stories_dir, db_path):
    good = _jsonl(tmp_path / "g.jsonl", [{"url": "https://leftside.example/a", "text": TEXT}])
    done = subprocess.run([sys.executable, "-m", "collectors", "import", str(good), "--story", "gadget",
                           "--db", db_path], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "1 new" in done.stderr
