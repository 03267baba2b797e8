"""The dashboard names the rater behind each lean, lets the reader pick one (URL-bound), and
says why articles are unrated (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from framelens.store import Store
from tests.dashboard_fixtures import populate, rate_twice

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def rated_db(dash_db):
    populate(dash_db, n_articles=24)
    rate_twice(dash_db)
    return dash_db


def _overview(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if query:
        at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _articles(at: AppTest):
    return next(df.value for df in at.dataframe if "lean_rater" in df.value.columns)


def _harbor(at: AppTest):
    df = _articles(at)
    return df[df["outlet"] == "Harbor Ledger"].iloc[0]


def test_the_lean_shows_its_rater_and_a_picked_rater_changes_it(rated_db):
    at = _overview()
    picker = at.selectbox(key="rater")
    assert picker.value == "Consensus of raters" and {"Rater One", "Rater Two"} <= set(picker.options)
    row = _harbor(at)
    assert (row["lean"], row["lean_rater"], row["lean_as_of"]) == ("lean-left", "consensus of Rater One, Rater Two",
                                                                    "2024-03")
    picker.set_value("Rater Two").run()
    assert not at.exception
    row = _harbor(at)
    assert (row["lean"], row["lean_rater"], row["lean_as_of"]) == ("center", "Rater Two", "2023")
    # other outlets are not rated by Rater Two: the Overview says so, with the command that adds ratings
    text = "\n".join(str(m.value) for m in at.markdown) + "\n".join(str(c.value) for c in at.caption)
    assert "have no lean from Rater Two" in text and "python -m framelens outlets import-ratings" in text
    reasons = next(df.value for df in at.dataframe if "reason" in df.value.columns)
    assert "rated, but not by the chosen rater" in set(reasons["reason"])


def test_a_shared_link_picks_the_rater(rated_db):
    at = _overview({"rater": "Rater One"})
    assert at.selectbox(key="rater").value == "Rater One"
    assert _harbor(at)["lean"] == "left"
    at = _overview({"rater": "A Rater This Story Lacks"})  # refused quietly: the consensus
    assert at.selectbox(key="rater").value == "Consensus of raters"


# ---- every table and hover that shows a lean names its rater and date ----------------------

def _data(db, rater=""):
    from framelens import queries as q
    from tests.dashboard_fixtures import STORY_ID

    with Store(db, readonly=True) as store:
        data = q.load_story_data(store, STORY_ID)
    return data, q.Filters(rater=rater)


@pytest.mark.parametrize("rater, expected", [
    ("", ("lean-left", "consensus of Rater One, Rater Two", "2024-03")),
    ("Rater Two", ("center", "Rater Two", "2023")),
])
def test_outlet_tables_carry_the_rater_and_date(rated_db, rater, expected):
    from framelens import queries as q

    data, f = _data(rated_db, rater)
    for name in ("counts_by_outlet", "feature_matrix", "frames_by_outlet", "descriptors_by_outlet",
                 "omission_matrix", "quotes_table", "articles_table"):
        table = getattr(q, name)(data, f)
        rows = table[table["outlet"] == "Harbor Ledger"]
        assert not rows.empty, name
        assert set(zip(rows["lean"], rows["lean_rater"], rows["lean_as_of"])) == {expected}, name


def test_the_compare_heatmap_hover_names_the_rater_and_date(rated_db):
    from framelens import queries as q
    from presentation import charts

    data, f = _data(rated_db, "Rater Two")
    fig = charts.feature_heatmap(q.feature_matrix(data, f), {})
    hovers = [h for h in fig.data[1].hovertext if h.startswith("<b>Harbor Ledger</b>")]
    assert hovers and all(h.startswith("<b>Harbor Ledger</b> · Center<br>Center: Rater Two, as of 2023<br>")
                          for h in hovers), hovers[:1]
    unrated = [h for h in fig.data[1].hovertext if "· Unrated" in h]
    assert unrated and not any("as of" in h.split("<br>")[1] for h in unrated)  # no rater for an unrated outlet


def test_the_words_page_says_whose_ratings_make_each_lean_group(rated_db):
    at = _overview({"rater": "Rater One"})
    at.switch_page("app_pages/words.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value.replace("\\", "") for c in at.caption]
    line = next(c for c in captions if c.startswith("Leans from"))
    assert line.startswith("Leans from ratings by Rater One. A — left: Rater One, as of 2024-03 (")
    data, _ = _data(rated_db, "Rater One")
    harbor = data.articles[(data.articles["outlet"] == "Harbor Ledger") & data.articles["analysed"]]
    n = int(harbor["syndication_original"].sum())
    assert f"left: Rater One, as of 2024-03 ({n} article{'' if n == 1 else 's'})" in line
