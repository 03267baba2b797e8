"""`python -m framelens outlets import-ratings` and `outlets show`: good and bad rows, each
bad row's message by line, the summary, the user file, and what `show` explains."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from framelens.__main__ import main
from framelens.outlets import load_outlets
from framelens.outlets_cli import describe
from framelens.store import Store
from framelens.user_ratings import load_user_ratings

CSV = """\
domain,name,lean
https://www.nytimes.com/section/page.html,,Lean Left
,Reuters,Centre
,An Outlet Nobody Registered,right
fictional-daily.example,Fictional Daily,Skews Right
not a domain,,left
foxnews.com,,purple
foxnews.com,,
,,left
"""


@pytest.fixture
def ratings_file(tmp_path, monkeypatch):
    path = tmp_path / "config" / "ratings.yaml"
    monkeypatch.setenv("FRAMELENS_RATINGS_FILE", str(path))
    return path


def test_import_ratings_keeps_good_rows_and_names_each_bad_one(tmp_path, ratings_file, capsys):
    src = tmp_path / "desk.csv"
    src.write_text(CSV, encoding="utf-8")
    code = main(["outlets", "import-ratings", str(src), "--rater", "Desk", "--as-of", "2025-01-31",
                 "--map", "Skews Right=lean-right"])
    err = capsys.readouterr().err
    assert code == 0  # some rows were bad, but the good ones were added (exit 1 is for nothing added)
    assert f"bad row: {src}:6: 'not a domain' is not a domain or http(s) URL" in err
    assert f"bad row: {src}:7: label 'purple' is not a lean; add --map 'purple=LEAN'" in err
    assert f"bad row: {src}:8: no lean (columns lean, rating, bias)" in err
    assert f"bad row: {src}:9: no outlet (columns domain" in err
    assert f"not matched: {src}:4: name 'An Outlet Nobody Registered' matches no registered outlet" in err
    assert "8 rows: 3 rated (2 registered outlets, 1 new domains), 1 names not matched, 4 bad" in err
    saved = load_user_ratings(ratings_file)
    assert sorted(saved) == ["fictional-daily.example", "nytimes.com", "reuters.com"]
    assert saved["fictional-daily.example"].name == "Fictional Daily"
    registry = load_outlets()
    nyt = registry.lookup("nytimes.com")
    assert any((r.rater, r.lean, r.as_of) == ("Desk", "lean-left", "2025-01-31") for r in nyt.ratings)
    assert registry.lookup("fictional-daily.example").lean == "lean-right"
    assert "fictional-daily.example: in your ratings file only" in "\n".join(describe(registry, "fictional-daily.example"))


def test_reimporting_replaces_the_same_raters_rating_and_json_works(tmp_path, ratings_file, capsys):
    src = tmp_path / "desk.json"
    src.write_text(json.dumps([{"domain": "fictional-daily.example", "rating": "left"}]), encoding="utf-8")
    assert main(["outlets", "import-ratings", str(src), "--rater", "Desk", "--as-of", "2025"]) == 0
    src.write_text(json.dumps([{"domain": "fictional-daily.example", "rating": "center"}, "oops"]), encoding="utf-8")
    assert main(["outlets", "import-ratings", str(src), "--rater", "Desk", "--as-of", "2025"]) == 0
    assert f"bad row: {src} item 2: no lean" in capsys.readouterr().err
    [rating] = load_user_ratings(ratings_file)["fictional-daily.example"].ratings
    assert (rating.lean, rating.as_of) == ("center", "2025")
    src.write_text(json.dumps(["oops", {"domain": "fictional-daily.example"}]), encoding="utf-8")
    assert main(["outlets", "import-ratings", str(src), "--rater", "Desk", "--as-of", "2026"]) == 1  # nothing added
    assert "; nothing written" in capsys.readouterr().err
    assert load_user_ratings(ratings_file)["fictional-daily.example"].ratings[0].as_of == "2025"


@pytest.mark.parametrize("args, message", [
    (["--as-of", "21 Jan 2025"], "as_of must be a date"),
    (["--as-of", "2025-02-30"], "is not a real date"),
    (["--as-of", "2025", "--map", "Weird=sideways"], "--map 'Weird=sideways': expected LABEL=lean"),
])
def test_bad_options_are_refused_before_anything_is_written(tmp_path, ratings_file, capsys, args, message):
    src = tmp_path / "desk.csv"
    src.write_text("domain,lean\nfictional-daily.example,left\n", encoding="utf-8")
    assert main(["outlets", "import-ratings", str(src), "--rater", "Desk", *args]) == 2
    assert message in capsys.readouterr().err and not ratings_file.exists()


def test_a_file_without_a_lean_column_is_refused(tmp_path, ratings_file, capsys):
    src = tmp_path / "desk.csv"
    src.write_text("domain;lean\nfictional-daily.example;left\n", encoding="utf-8")
    assert main(["outlets", "import-ratings", str(src), "--rater", "Desk", "--as-of", "2025"]) == 2
    assert f"{src}:1: the header needs a lean column" in capsys.readouterr().err


def test_db_option_refreshes_the_databases_outlets(tmp_path, ratings_file, capsys):
    db = str(tmp_path / "x.db")
    Store(db).close()
    src = tmp_path / "desk.csv"
    src.write_text("domain,lean\nfictional-daily.example,right\n", encoding="utf-8")
    assert main(["outlets", "import-ratings", str(src), "--rater", "Desk", "--as-of", "2025", "--db", db]) == 0
    with Store(db, readonly=True) as store:
        row = {o["domain"]: o for o in store.outlet_rows()}["fictional-daily.example"]
    assert row["lean"] == "right" and row["ratings"][0]["rater"] == "Desk"


def test_show_explains_the_mapping_and_every_rating(ratings_file):
    out = subprocess.run([sys.executable, "-m", "framelens", "outlets", "show", "https://edition.cnn.com/x"],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("edition.cnn.com: a subdomain of cnn.com (registered)")
    assert "AllSides" in out and "as of 2024" in out and "Media Bias/Fact Check" in out
    assert "consensus:" in out
    out = subprocess.run([sys.executable, "-m", "framelens", "outlets", "show", "nowhere-news.example"],
                         capture_output=True, text=True, check=True).stdout
    assert "not in the registry" in out and "import-ratings" in out


@pytest.mark.parametrize("value", ["not a domain", "javascript:alert(1)", ""])
def test_show_refuses_what_is_not_a_domain_or_url(value, capsys):
    assert main(["outlets", "show", value]) == 2
    assert f"error: {value!r} is not a domain or http(s) URL" in capsys.readouterr().err
