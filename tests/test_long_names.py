"""Very long and blank names (RELIABILITY list H): a 2,000-character outlet name or title is
stored whole, shortened with an ellipsis wherever a page or chart shows it (the fuller text
on hover, all of it in the tables and exports); an outlet named only by whitespace, controls
or bidi characters is shown by its domain everywhere; story files' own titles and labels
lose control and bidi characters at load."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from framelens import queries as q
from framelens.outlets import Outlet
from framelens.stories import ConfigError, load_story
from framelens.store import Store
from presentation import charts
from presentation.export import article_records
from presentation.tables import csv_bytes, report_html
from tests.dashboard_fixtures import STORY_ID, populate

ROOT = Path(__file__).resolve().parent.parent
LONG = "Longname " * 222 + "End"  # 2,001 characters
BLANKS = {"harborledger.example": "   \t  ", "bluefinch.example": "\u202e\u2066\u200f"}
LONG_DOMAIN = "meridianwire.example"


@pytest.fixture
def named_db(dash_db):
    populate(dash_db, n_articles=24)
    with Store(dash_db) as store:
        rows = {o["domain"]: o for o in store.outlet_rows()}
        store.upsert_outlets([dict(rows[d], name=n) for d, n in {**BLANKS, LONG_DOMAIN: LONG}.items()])
    return dash_db


def _data(db):
    with Store(db, readonly=True) as store:
        return q.load_story_data(store, STORY_ID), [r for r in article_records(store, load_story(STORY_ID))]


def test_the_store_keeps_a_long_name_and_shows_a_blank_one_by_its_domain(named_db):
    with Store(named_db, readonly=True) as store:
        names = {o["domain"]: o["name"] for o in store.outlet_rows()}
    assert names[LONG_DOMAIN] == LONG
    assert all(names[d] == d for d in BLANKS)
    assert Outlet("blank.example", " \n ").name == "blank.example"  # the registry's own outlets too


def test_tables_and_exports_carry_the_whole_long_name_and_the_domain_for_a_blank_one(named_db):
    data, records = _data(named_db)
    outlets = set(data.articles["outlet"])
    assert LONG in outlets and set(BLANKS) <= outlets and not any(not o.strip() for o in outlets)
    assert {r["outlet"] for r in records if r["domain"] in (*BLANKS, LONG_DOMAIN)} == {*BLANKS, LONG}
    rows = list(csv.DictReader(io.StringIO(csv_bytes(q.articles_table(data, q.Filters())).decode("utf-8"))))
    assert {r["outlet"] for r in rows if r["domain"] in (*BLANKS, LONG_DOMAIN)} == {*BLANKS, LONG}


def test_charts_shorten_a_long_name_with_an_ellipsis_and_hover_shows_more(named_db):
    data, _ = _data(named_db)
    fig = charts.outlet_bar(q.counts_by_outlet(data, q.Filters()))
    labels = {y for bar in fig.data for y in bar.y}
    assert max(len(y) for y in labels) <= charts.LABEL_MAX and "Longname Longname" in "".join(labels)
    long_label = next(y for y in labels if y.startswith("Longname"))
    assert long_label.endswith("…") and set(BLANKS) <= labels
    hovers = [c for bar in fig.data for c in (bar.customdata or []) if "Longname" in str(c)]
    assert hovers and all(f"<br>{LONG[:charts.HOVER_MAX - 1]}…" in h for h in hovers)
    heat = charts.feature_heatmap(q.feature_matrix(data, q.Filters()), {})
    assert max(len(y) for y in heat.data[0].y) <= charts.LABEL_MAX + 20  # name + " · lean"
    assert any(h.startswith(f"<b>{LONG[:charts.HOVER_MAX - 1]}…</b>") for h in heat.data[1].hovertext)


def test_the_report_shortens_a_long_cell_and_keeps_more_of_it_on_hover(named_db):
    data, _ = _data(named_db)
    page = report_html(data, tables={"articles": q.articles_table(data, q.Filters())}, charts={}).decode("utf-8")
    cell = re.search(r'<span title="(Longname[^"]*)">(Longname[^<]*)</span>', page)
    assert cell and cell.group(1) == LONG and cell.group(2).endswith("…") and len(cell.group(2)) == 400


def test_no_page_prints_a_long_name_whole_or_a_blank_name(named_db):
    for page in ("overview", "compare", "omissions", "quotes", "descriptors", "framing_map", "reader"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.run()
        if page != "overview":
            at.switch_page(f"app_pages/{page}.py")
            at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        texts = [str(e.value) for kind in ("markdown", "caption", "info", "subheader") for e in at.get(kind)]
        texts += [str(o) for box in at.selectbox for o in box.options]
        assert not any(LONG in t.replace("\\", "") for t in texts), page
        assert not any(re.search(r"\*\*[ \t]*\*\*", t) for t in texts), page  # no empty bold outlet name


STORY = """\
title: "The \\u202eGadget\\0 ruling"
dates: {start: 2024-05-01, end: 2024-05-20}
query: {keywords: [gadget]}
actors:
  gadgetco: {label: "Gadget\\u2066Co\\u2069", aliases: [Gadget Company]}
features:
  - {id: names_judge, label: "Names\\tthe\\u202d judge", description: "Says\\u0007 who ruled",
     patterns: [Judge Quill]}
"""


def test_story_titles_and_labels_lose_control_and_bidi_characters(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path))
    (tmp_path / "gadget.yaml").write_text(STORY, encoding="utf-8")
    story = load_story("gadget")
    assert story.title == "The Gadget ruling"
    assert story.actors["gadgetco"].label == "GadgetCo"
    assert (story.features[0].label, story.features[0].description) == ("Names the judge", "Says who ruled")


def test_a_story_title_of_only_hidden_characters_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path))
    text = STORY.replace('"The \\u202eGadget\\0 ruling"', '"\\u202e\\u2066 \\0"')
    (tmp_path / "blank.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_story("blank")
    assert "title: must not be empty (it holds only control or bidirectional-override characters)" in str(err.value)
