"""Table and chart export: formula injection, safe file names, CSV/JSON shapes, the one-file report."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from presentation import chart_export, charts
from presentation.tables import (FORMULA_START, csv_bytes, json_bytes, protect_cell, safe_name, safe_path,
                                    story_tables, write_tables)
from framelens import queries as q
from framelens.store import Store
from tests.dashboard_fixtures import HOSTILE_TITLES, STORY_ID, populate, write_story

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
HOSTILE_NAMES = ["../../etc/cron.d/x", "../../etc/x", "CON", "con.txt", "a/b", "a\\b", "L" * 300, "", "..", "nul",
                 "<img src=x onerror=alert(1)>", "ünïcödé name"]


@pytest.fixture
def story_db(tmp_path, monkeypatch):
    write_story(tmp_path / "stories")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path / "stories"))
    db = str(tmp_path / "export.db")
    populate(db, n_articles=30, hostile=True)
    store = Store(db, readonly=True)
    yield store
    store.close()


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_cells_get_an_apostrophe(text):
    assert protect_cell(text) == "'" + text


@pytest.mark.parametrize("value", [3, -2, 1.5, -0.25, True, None, "plain", "a=b", "", "'already"])
def test_other_cells_untouched(value):
    assert protect_cell(value) == value


def test_csv_neutralises_text_but_not_numbers():
    df = pd.DataFrame({"title": FORMULAS + ['a cell with\nnewlines, "quotes", and commas', "W" * 40000],
                       "n": [-2, -1, 0, 1, 2, 3, 4, 5], "share": [-0.5] * 8})
    rows = _csv_rows(csv_bytes(df))
    assert rows[0] == ["title", "n", "share"] and len(rows) == 9
    titles = [r[0] for r in rows[1:]]
    assert all(not t.startswith(FORMULA_START) for t in titles)
    assert titles[:6] == ["'" + f for f in FORMULAS]
    assert titles[6] == 'a cell with\nnewlines, "quotes", and commas' and titles[7] == "W" * 40000
    assert [r[1] for r in rows[1:]] == ["-2", "-1", "0", "1", "2", "3", "4", "5"]
    assert {r[2] for r in rows[1:]} == {"-0.5"}


def test_json_keeps_lists_and_types_and_protects_text():
    df = pd.DataFrame({"term": ["=x"], "evidence": [["one", "@two"]], "n": [2], "missing": [float("nan")],
                       "delta": [-1.5]})
    rows = json.loads(json_bytes(df))
    assert rows == [{"term": "'=x", "evidence": ["one", "'@two"], "n": 2, "missing": None, "delta": -1.5}]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_safe_names_stay_inside_the_folder(tmp_path, name):
    out = tmp_path / "out"
    path = safe_path(out, name, "csv")
    path.write_text("x")
    assert path.parent == out.resolve()
    assert len(path.name) <= 100 and path.name.endswith(".csv")
    assert re.fullmatch(r"[A-Za-z0-9._-]+", path.name)
    assert path.name.split(".")[0].lower() not in {"con", "nul", "prn", "aux"}
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [path.name]


def test_safe_name_examples():
    assert safe_name("../../etc/x", "csv") == "etc_x.csv"
    assert safe_name("CON", "csv") == "_CON.csv"
    assert safe_name("a/b", "json") == "a_b.json"
    assert len(safe_name("x" * 300, "html")) == 100


def test_write_tables_csv_json_shapes(story_db, tmp_path):
    out = tmp_path / "export"
    written = write_tables(story_db, STORY_ID, out, ["csv", "json"])
    assert written and all(p.resolve().is_relative_to(out.resolve()) for p in written)
    names = {p.name for p in written}
    for table in ("articles", "feature_matrix", "feature_prevalence_by_lean", "omissions", "quotes",
                  "altered_quotes", "descriptors_by_outlet", "stance_by_lean", "words_left_right"):
        assert f"{table}.csv" in names and f"{table}.json" in names
    for csv_path in (out / "tables").glob("*.csv"):
        rows = _csv_rows(csv_path.read_bytes())
        records = json.loads(csv_path.with_suffix(".json").read_text(encoding="utf-8"))
        assert len(rows) - 1 == len(records), csv_path.name
        assert all(not cell.startswith(FORMULA_START) for row in rows for cell in row
                   if not re.fullmatch(r"-?[0-9.e+-]+", cell)), csv_path.name
    articles = json.loads((out / "tables" / "articles.json").read_text(encoding="utf-8"))
    assert len(articles) == 31 and {"url", "outlet", "lean", "title", "weight"} <= set(articles[0])
    titles = {a["title"] for a in articles}
    # JSON keeps the real text, only formula-like text gets the apostrophe (as in CSV)
    assert {protect_cell(t) for t in HOSTILE_TITLES[:5]} <= titles
    assert not any(str(v).startswith(FORMULA_START) for a in articles for v in a.values() if isinstance(v, str))
    matrix = json.loads((out / "tables" / "feature_matrix.json").read_text(encoding="utf-8"))
    assert isinstance(matrix[0]["evidence"], list) and {"present", "articles", "share"} <= set(matrix[0])


def test_prevalence_counts_match_the_articles(story_db):
    data = q.load_story_data(story_db, STORY_ID)
    tables = story_tables(data)
    prev = tables["feature_prevalence_by_lean"]
    right = prev[(prev["lean"] == "right") & (prev["feature"] == "censorship")].iloc[0]
    assert right["articles"] >= right["present"] > 0 and right["share"] == right["present"] / right["articles"]
    assert tables["counts_by_lean"]["articles"].sum() == len(tables["articles"]) == 31


def test_report_is_one_self_contained_file(story_db, tmp_path):
    written = write_tables(story_db, STORY_ID, tmp_path, ["html"])
    assert [p.name for p in written] == ["report.html"]
    page = written[0].read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+\bsrc=", page) and not re.search(r"<link[^>]+href=[\"']?https?:", page)
    assert not re.search(r"<(img|iframe)[^>]+src=[\"']?https?:", page)
    assert page.count("Plotly.newPlot") >= 10  # every chart inline, plotly.js embedded once
    assert "abc123" in page and "test-model" in page and "trafilatura: 31" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x onerror" not in page
    assert "Content hashes of the 31 analysed articles" in page


def test_report_charts_carry_only_their_own_titles(story_db, tmp_path):
    page = write_tables(story_db, STORY_ID, tmp_path, ["html"])[0].read_text(encoding="utf-8")
    charts_part = page.split("<h2>Charts</h2>", 1)[1].split("<h2>Tables</h2>", 1)[0]
    assert "<h3>" not in charts_part and "articles by lean" not in charts_part
    assert '<section id="articles_by_lean">' in charts_part and "Articles by outlet lean" in charts_part


def test_html_charts_embed_plotly(story_db, tmp_path):
    written = chart_export.write_story_charts(story_db, STORY_ID, tmp_path, ["html"])
    assert len(written) >= 12 and all(p.suffix == ".html" and p.parent == tmp_path / "charts" for p in written)
    page = written[0].read_text(encoding="utf-8")
    # plotly.js itself mentions its CDN (for geo maps); what matters is that no script loads from it
    assert not re.search(r"<script[^>]+\bsrc=", page) and "Plotly.newPlot" in page


def test_no_browser_still_writes_html_and_says_so(story_db, tmp_path, monkeypatch):
    monkeypatch.setattr(chart_export, "chromium_path", lambda: None)
    monkeypatch.setattr(chart_export, "_KALEIDO_STARTED", False)
    with pytest.raises(chart_export.StaticExportUnavailable, match="needs Chromium"):
        chart_export.write_story_charts(story_db, STORY_ID, tmp_path, ["html", "png"])
    assert len(list((tmp_path / "charts").glob("*.html"))) >= 12
    assert not list((tmp_path / "charts").glob("*.png"))


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("chromium") and not Path("/usr/bin/chromium").exists(),
                    reason="Debian chromium is not installed (apt install chromium)")
def test_png_and_svg_export(story_db, tmp_path):
    from PIL import Image

    data = q.load_story_data(story_db, STORY_ID)
    fig = charts.story_charts(data)["feature_heatmap"]
    png = chart_export.figure_bytes(fig, "png")
    width, height = chart_export.export_size(fig)
    assert Image.open(io.BytesIO(png)).size == (width * chart_export.EXPORT_SCALE, height * chart_export.EXPORT_SCALE)
    svg = chart_export.figure_bytes(fig, "svg").decode("utf-8")
    assert svg.startswith("<svg") and "<script" not in svg and "onerror" not in svg.replace("onerror=alert", "")
