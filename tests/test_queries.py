"""The read-only query layer: filters in one place, weighted counts, omissions, empty stories."""

from __future__ import annotations

import datetime as dt

import pytest

from framelens import queries as q
from framelens.store import Store
from tests.dashboard_fixtures import STORY_ID, populate, write_story


@pytest.fixture
def data(tmp_path, monkeypatch):
    write_story(tmp_path / "stories")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path / "stories"))
    db = str(tmp_path / "q.db")
    populate(db, n_articles=40)
    with Store(db, readonly=True) as store:
        yield q.load_story_data(store, STORY_ID)


def test_loads_articles_results_and_labels(data):
    assert len(data.articles) == 40 and len(data.primary) == 1
    assert data.analysed and data.info.label("features", "censorship") == "Calls it censorship"
    assert set(data.features["item"]) == {"names_judge", "censorship", "violence"}


def test_filters_apply_in_one_place(data):
    assert len(q.select_articles(data, q.Filters(leans=("left",)))) == 5
    assert set(q.select_articles(data, q.Filters(kinds=("wire",)))["domain"]) == {"meridianwire.example"}
    assert len(q.select_articles(data, q.Filters(languages=("es",)))) == 5
    day = dt.date(2024, 5, 3)
    picked = q.select_articles(data, q.Filters(start=day, end=day))
    assert len(picked) and all(p.date() == day for p in picked["published"])


def test_syndicated_copies_excluded_or_deweighted(data):
    everything = q.counts_by_lean(data, q.Filters())
    originals = q.counts_by_lean(data, q.Filters(syndication="exclude"))
    weighted = q.counts_by_lean(data, q.Filters(syndication="deweight"))
    assert everything["articles"].sum() == 40 and everything["copies"].sum() == 3
    assert originals["articles"].sum() == 37 and originals["copies"].sum() == 0
    assert weighted["weighted"].sum() == pytest.approx(37.0)  # two copies of one story count once


def test_not_evaluated_is_not_absent(data):
    """Foreign-language articles have present=None: left out of the denominator, never 'absent'."""
    matrix = q.feature_matrix(data, q.Filters())
    estrella = matrix[matrix["domain"] == "estrella.example"]
    assert (estrella["articles"] == 0).all() and estrella["share"].isna().all()  # unknown, not 0 %
    assert matrix[matrix["domain"] == "harborledger.example"]["articles"].min() == 5


def test_other_language_articles_count_in_no_frame_stance_or_descriptor_table(data):
    everything = q.Filters()
    english = q.Filters(languages=("en",))
    for table in (q.stance_by_lean, q.primary_frames_by_lean):
        assert table(data, everything)["articles"].sum() == table(data, english)["articles"].sum() == 35
    assert "estrella.example" not in set(q.frames_by_outlet(data, everything)["domain"])
    assert "estrella.example" not in set(q.descriptors_by_outlet(data, everything)["domain"])


def test_talking_points_count_for_syndicated_copies_and_not_for_other_languages(data):
    matrix = q.omission_matrix(data, q.Filters())
    points = matrix[matrix["type"] == "talking point"]
    assert points[points["domain"] == "estrella.example"]["share"].isna().all()
    members = set(data.results["talking_points"][0]["article_ids"])
    arts = data.articles.set_index("id")
    for group, ids in arts.dropna(subset=["syndication_group"]).groupby("syndication_group").groups.items():
        if members & set(ids):  # a copy of a member article makes the point too
            long = q.framing._omission_long(data, q.select_articles(data, q.Filters()))
            rows = long[(long["item"] == "tp:tp1") & long["article_id"].isin(list(ids))]
            assert rows["present"].all(), group
            break
    else:
        pytest.fail("the fixture has no syndicated copy of a talking-point article")


def test_one_sided_items(data):
    items = q.one_sided_items(data, q.Filters()).set_index("item")
    assert items.loc["damages", "one_sided"] and items.loc["damages", "reported_by"] == "left only"
    assert not items.loc["denied", "one_sided"]


def test_evidence_for_one_cell(data):
    ev = q.feature_evidence(data, q.Filters(), "ironbell.example", "censorship")
    assert len(ev) and set(ev["outlet"]) == {"Iron Bell Daily"}
    assert ev["sentence"].str.contains("censorship").all()


def test_not_evaluated_articles_are_counted_by_language(data):
    assert q.not_evaluated(data, q.Filters()) == {"es": 5}
    assert q.not_evaluated(data, q.Filters(languages=("en",))) == {}


def test_words_filters_only_when_something_narrows_the_story():
    assert q.words_filters(q.Filters()) is None
    assert q.words_filters(q.Filters(syndication="deweight")) is None  # word counts take each story once anyway
    narrowed = q.words_filters(q.Filters(leans=("left",), start=dt.date(2024, 5, 3), syndication="include"))
    assert narrowed == q.Filters(leans=("left",), start=dt.date(2024, 5, 3), syndication="exclude")


def test_word_articles_are_the_filtered_evaluated_originals_with_their_texts(data, tmp_path):
    with Store(str(tmp_path / "q.db"), readonly=True) as store:
        everything = q.word_articles(store, data, q.Filters())
        right = q.word_articles(store, data, q.Filters(leans=("right", "lean-right"), syndication="include"))
        texts = {a["id"]: a["text"] for a in store.articles(STORY_ID, role="article")}
    arts = data.articles.set_index("id")
    originals = arts[arts["syndication_group"].isna() | arts["syndication_original"]]
    assert sorted(a["id"] for a in everything) == sorted(originals.index[originals["evaluated"]])
    assert len(everything) == 40 - 3 - 5  # 3 wire copies, 5 Spanish-language articles
    assert right and {a["lean"] for a in right} == {"right", "lean-right"}
    assert all(a["text"] == texts[a["id"]] and a["text"] for a in right)
    assert all(a["title"] == arts.at[a["id"], "title"] and a["kind"] == arts.at[a["id"], "kind"] for a in right)


def test_article_texts_reads_any_number_of_ids_in_chunks(data, tmp_path):
    ids = [int(i) for i in data.articles["id"]]
    with Store(str(tmp_path / "q.db"), readonly=True) as store:
        assert q.article_texts(store, ids + ids[:3], chunk=7) == q.article_texts(store, ids)
        assert len(q.article_texts(store, ids, chunk=7)) == 40 and q.article_texts(store, []) == {}


def test_empty_story(tmp_path, monkeypatch):
    write_story(tmp_path / "stories")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path / "stories"))
    with Store(str(tmp_path / "e.db")) as store:
        empty = q.load_story_data(store, STORY_ID)
    f = q.Filters(leans=("left",), syndication="deweight")
    for name in ("articles_table", "counts_by_lean", "counts_by_outlet", "timeline", "feature_matrix",
                 "prevalence_by_lean", "frames_by_outlet", "primary_frames_by_lean", "stance_by_lean",
                 "descriptors_by_outlet", "omission_matrix", "one_sided_items", "quotes_table", "quote_passages",
                 "map_points", "clusters_table", "sources_table"):
        assert getattr(q, name)(empty, f).empty, name
    assert not empty.analysed
