"""Every dashboard page under Streamlit's AppTest: empty database, populated, filtered, hostile text."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from framelens.store import Store
from tests.dashboard_fixtures import STORY_ID, populate

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "compare", "framing_map", "omissions", "quotes", "words", "descriptors", "reader", "export"]
TITLES = {"compare": "Compare outlets", "framing_map": "Framing map", "omissions": "Omissions",
          "quotes": "Quotes against the primary source", "words": "Distinctive words",
          "descriptors": "How outlets describe the actors", "reader": "Reader", "export": "Export"}


@pytest.fixture
def empty_db(dash_db):
    Store(dash_db).close()
    return dash_db


@pytest.fixture
def populated_db(dash_db):
    populate(dash_db, n_articles=40, hostile=True)
    return dash_db


def _app(page: str = "overview", query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if query:
        at.query_params.update(query)
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [i.value for i in at.info] + [t.value for t in at.title]
    parts += [c.value for c in at.caption] + [s.value for s in at.subheader]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("page", PAGES)
def test_empty_database_says_what_to_do(empty_db, page):
    at = _app(page)
    text = _texts(at)
    assert f"python -m collectors run --story {STORY_ID}" in text
    assert not at.error


def test_no_story_files_says_how_to_add_one(empty_db, tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path / "nothing"))
    at = _app()
    assert "data/stories/<id>.yaml" in _texts(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_populated(populated_db, page):
    at = _app(page)
    assert not at.error, [e.value for e in at.error]
    if page in TITLES:
        assert at.title[0].value == TITLES[page]
    assert "not analysed" not in _texts(at)


def test_overview_counts_and_charts(populated_db):
    at = _app()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Articles"] == "41" and metrics["Syndicated copies"] == "3"
    assert len(at.get("plotly_chart")) == 3
    assert len(at.dataframe) >= 3  # articles, sources, runs (+ failures)
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("CSV") >= 3 and "HTML" in labels


def test_articles_not_analysed_yet(dash_db):
    with Store(dash_db) as store:
        populate(dash_db, n_articles=5)
        store.replace_results(STORY_ID, {}, {})
    at = _app("compare")
    assert f"python -m analysis run --story {STORY_ID}" in _texts(at)


def test_quotes_page_says_when_no_primary_source_was_stored(populated_db):
    assert "No primary source is stored" not in "\n".join(w.value for w in _app("quotes").warning)
    with Store(populated_db) as store:
        payloads, results = store.article_results(STORY_ID), store.story_results(STORY_ID)
        results["quote_passages"] = {"source_article_id": None, "passages": []}
        store.replace_results(STORY_ID, payloads, results)
    at = _app("quotes")
    assert any("No primary source is stored" in w.value for w in at.warning)


def test_filters_from_the_url_apply_on_every_page(populated_db):
    at = _app(query={"lean": ["left", "right"], "synd": "exclude"})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Articles"] == "13"  # 7 left + 6 right
    for page in PAGES[1:]:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception
        assert at.sidebar.multiselect(key="lean").value == ["left", "right"]


def test_story_and_date_range_from_the_url(populated_db, tmp_path):
    """A shared link names the story and the dates: both are applied on opening it."""
    import datetime as dt

    from tests.dashboard_fixtures import STORY_YAML

    (tmp_path / "stories" / "gizmo.yaml").write_text(STORY_YAML.replace("The Widget ruling", "The Gizmo ruling"),
                                                    encoding="utf-8")
    populate(populated_db, n_articles=6, story_id="gizmo", seed=3)
    at = _app(query={"story": "gizmo"})
    assert at.sidebar.selectbox(key="story").value == "gizmo"
    assert {m.label: m.value for m in at.metric}["Articles"] == "6"

    with Store(populated_db, readonly=True) as store:
        days = [r["published"].date() for r in store.articles(STORY_ID, role="article")]
    days = sorted(days)
    first, last = days[len(days) // 4], days[len(days) // 2]
    inside = sum(first <= d <= last for d in days)
    at = _app(query={"story": STORY_ID, "dates": [first.isoformat(), last.isoformat()]})
    assert at.sidebar.date_input(key="dates").value == (first, last)
    assert {m.label: m.value for m in at.metric}["Articles"] == str(inside) and inside < len(days)
    at = _app(query={"story": STORY_ID, "dates": [last.isoformat()]})  # a one-day link
    assert {m.label: m.value for m in at.metric}["Articles"] == str(days.count(last))


def test_filters_that_match_nothing_say_so_on_every_page(populated_db):
    at = _app(query={"lean": ["left"], "lang": ["es"]})  # the Spanish-language outlet is not left
    assert "No articles match the filters" in _texts(at)
    for page in PAGES[1:-1]:
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, page
        assert "No articles match the filters" in _texts(at), page


def test_links_name_options_by_id_and_stories_keep_their_id(populated_db):
    counts = {}
    for synd in ("exclude", "Originals only", "include"):  # an id, or the label the widget writes
        at = _app(query={"synd": synd})
        assert at.sidebar.radio(key="synd").value == ("include" if synd == "include" else "exclude")
        counts[synd] = {m.label: m.value for m in at.metric}["Articles"]
    assert counts["exclude"] == counts["Originals only"] == str(int(counts["include"]) - 3)  # 3 wire copies
    stories = Path(os.environ["FRAMELENS_STORIES_DIR"])
    (stories / "later.yaml").write_text((stories / f"{STORY_ID}.yaml").read_text())
    at = _app(query={"story": "later"})  # no articles yet: the option is the plain id all the same
    assert at.sidebar.selectbox(key="story").options == [STORY_ID, "later"]
    assert at.sidebar.selectbox(key="story").value == "later"
    assert any("No articles for this story" in c.value for c in at.sidebar.caption)


def test_pages_that_leave_out_other_languages_say_so(populated_db):
    at = _app()
    for page in ("compare", "omissions", "descriptors"):
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, page
        assert any("selected articles are in another language than the story's (es: 3)" in c.value
                   for c in at.caption), page
    at = _app("compare", query={"lang": ["en"]})
    assert not any("another language" in c.value for c in at.caption)


def test_switching_database_moves_to_a_story_it_has(populated_db, tmp_path):
    other = str(tmp_path / "other.db")
    populate(other, n_articles=4, story_id="gizmo", seed=5)
    at = _app()
    assert at.sidebar.selectbox(key="story").value == STORY_ID
    at.sidebar.text_input(key="db").set_value(other).run()
    assert not at.exception
    assert at.sidebar.selectbox(key="story").value == "gizmo"
    assert {m.label: m.value for m in at.metric}["Articles"] == "4"


def test_filter_widgets_narrow_the_overview(populated_db):
    at = _app()
    at.sidebar.multiselect(key="lang").set_value(["es"]).run()
    assert {m.label: m.value for m in at.metric}["Articles"] == "3"
    at.sidebar.radio(key="synd").set_value("deweight").run()
    at.sidebar.multiselect(key="lang").set_value([]).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Independent reports"] == "38"


def test_compare_evidence_for_one_outlet_and_feature(populated_db):
    at = _app("compare")
    at.selectbox(key="ev_outlet").set_value("ironbell.example")
    at.selectbox(key="ev_feature").set_value("censorship").run()
    text = _texts(at)
    assert "Critics called the suspension an act of censorship by the host\\." in text
    assert "Iron Bell Daily" in text
    assert "The host cited violent posts" not in text


def test_hostile_text_is_escaped_in_markdown(populated_db):
    for page in ("compare", "quotes", "framing_map", "reader"):
        at = _app(page)
        for body in (m.value for m in at.markdown):
            # every '<' from article text is backslash-escaped; links only ever point to http(s)
            assert not re.search(r"(?<!\\)<(img|svg|script|a)\b", body), body[:200]
            assert not re.search(r"\]\((?!https?://)", body), body[:200]
        text = _texts(at)
        assert "\\<img src\\=x onerror\\=alert" in text or page == "reader"


def test_reader_shows_two_articles_with_highlights(populated_db):
    at = _app("reader")
    picked = at.multiselect(key="read").value
    assert len(picked) == 2
    bodies = [m.value for m in at.markdown]
    assert any("-background[" in b for b in bodies)
    assert any("Harbor Ledger" in b for b in bodies)
    # Why each article got its frame and stance, and whether it was read as news or opinion.
    assert len(at.expander) == 2 and all(e.label == "Why this frame and stance" for e in at.expander)
    assert any("**Read as " in b for b in bodies)
    assert any("from headline and lead" in b and "- The court denied WidgetCo\\'s motion" in b for b in bodies)
    assert any("(commentary in the author\\'s own voice)" in b for b in bodies)


def test_words_compares_any_two_groups(populated_db):
    at = _app("words")
    at.segmented_control(key="words_type").set_value("kind").run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1


def _word_table(at: AppTest, side: int) -> pd.DataFrame:
    frames = [d.value for d in at.dataframe]
    table = frames[side]
    assert isinstance(table, pd.DataFrame) and list(table.columns) == ["term", "z", "count_a", "count_b"]
    return table.set_index("term")


def test_words_without_filters_use_the_analysis_counts(populated_db):
    at = _app("words")
    assert "Counted by the analysis over all 25 analysed articles" in _texts(at)
    more_right = _word_table(at, 1)
    assert more_right.at["tyranny", "count_b"] == 6  # a term only the stored counts have


def test_the_word_tables_name_their_groups_in_the_headers(populated_db):
    import json

    at = _app("words", query={"lean": ["left", "right"]})
    for frame in at.dataframe[:2]:
        headers = {k: v.get("label") for k, v in json.loads(frame.proto.columns).items()}
        assert headers["count_a"] == "uses in left" and headers["count_b"] == "uses in right", headers
    assert "z > 1.96: used distinctly more by left; z < −1.96: by right." in _texts(at)


def test_words_count_only_the_articles_the_filters_keep(populated_db):
    with Store(populated_db, readonly=True) as store:
        lean = {o["domain"]: o["lean"] for o in store.outlet_rows()}
        rows = [r for r in store.articles(STORY_ID, role="article")
                if lean.get(r["domain"]) in ("left", "right") and r["language"] == "en"]
    kept = [r for r in rows if not r["url"].startswith("https://meridianwire")]  # no wire copies among these
    censor_right = sum(len(re.findall(r"\bcensorship\b", f"{r['title']} {r['text']}".lower()))
                       for r in kept if lean[r["domain"]] == "right")
    at = _app("words", query={"lean": ["left", "right"]})
    assert not at.exception
    assert f"Counted from the {len(kept)} analysed articles that pass the sidebar filters" in _texts(at)
    assert at.multiselect(key="words_a_lean_left|right").value == ["left"]
    assert at.multiselect(key="words_b_lean_left|right").value == ["right"]
    tables = pd.concat([_word_table(at, 0), _word_table(at, 1)])
    assert "tyranny" not in tables.index  # counted from the texts, not the stored counts
    assert censor_right and tables.at["censorship", "count_b"] == censor_right
    assert len(at.get("plotly_chart")) == 1


def test_words_with_one_group_left_say_so(populated_db):
    at = _app("words", query={"lean": ["left"]})
    assert not at.exception
    assert "Only one lean group (left) is left under these filters" in _texts(at)
    assert not at.get("plotly_chart")


def test_a_file_that_is_not_a_database_says_so_in_the_sidebar(populated_db, tmp_path):
    at = _app()
    not_db = tmp_path / "notes.txt"
    not_db.write_text("not a database\n" * 100)
    at.sidebar.text_input(key="db").set_value(str(not_db)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Cannot open the database" in e.value and "not a database" in e.value for e in at.sidebar.error)


def test_demo_banner_on_demo_stories(populated_db, tmp_path):
    story = tmp_path / "stories" / f"{STORY_ID}.yaml"
    story.write_text(story.read_text() + "demo: true\n")
    at = _app()
    assert any("Synthetic demo data" in w.value for w in at.warning)


def test_first_start_builds_the_demo_with_progress(dash_db, monkeypatch):
    import framelens.demo as demo

    steps = []

    def fake_build(db, progress=None, echo=False):
        progress(0.0, "Importing the synthetic demo articles")
        populate(db, n_articles=5)
        progress(1.0, "Demo ready")
        steps.append(db)

    monkeypatch.setattr(demo, "build_demo", fake_build)
    at = _app()
    assert steps == [dash_db]
    assert {m.label: m.value for m in at.metric}["Articles"] == "5"


def test_failed_demo_build_says_why(dash_db, monkeypatch):
    import framelens.demo as demo

    def failing_build(db, progress=None, echo=False):
        raise demo.DemoBuildError("`-m analysis run --story demo` failed (exit 1):\nno module named analysis")

    monkeypatch.setattr(demo, "build_demo", failing_build)
    at = _app()
    assert any("could not be built" in e.value and "analysis run" in e.value for e in at.error)


def test_tables_show_readable_headers_and_downloads_keep_machine_names(populated_db):
    import json

    from presentation.tables import csv_bytes

    at = _app()
    articles = next(d for d in at.dataframe if "lean_rater" in d.value.columns)
    headers = {k: v.get("label") for k, v in json.loads(articles.proto.columns).items()}
    assert headers["lean_rater"] == "Rated by" and headers["lean_as_of"] == "Rating date", headers
    assert headers["found_on"] == "Found on" and headers["syndication_group"] == "Copy group", headers
    assert not [h for h in headers.values() if h and "_" in h], headers
    assert csv_bytes(articles.value).decode().splitlines()[0].count("lean_rater") == 1
    for page, column, label in (("descriptors", "actor_label", "Actor"), ("quotes", "source_passage", "Source passage")):
        at = _app(page)
        found = [json.loads(d.proto.columns) for d in at.dataframe if column in d.value.columns]
        assert found and all(f[column]["label"] == label for f in found), (page, found)


def test_omission_rule_is_said_in_words_with_the_setting_names_in_the_tooltip(populated_db):
    at = _app("omissions")
    note = next(c for c in at.caption if "One-sided:" in c.value)
    assert "FRAMELENS_" not in note.value
    assert "FRAMELENS_ONE_SIDED_MIN_ARTICLES" in note.proto.help and note.proto.help.startswith("(settings:")
    assert not [c.value for c in at.caption if "FRAMELENS_" in c.value and "Chromium" not in c.value]


def test_stance_heading_and_chart_title_name_the_story_stance_target(populated_db):
    import json

    at = _app("compare")
    assert "Stance toward the ruling" in [s.value for s in at.subheader]
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert "Stance toward the ruling by lean" in titles, titles
    assert not [t for t in titles if "the event" in t], titles
