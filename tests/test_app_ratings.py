"""The dashboard names the rater behind each lean, lets the reader pick one (URL-bound), and
says why articles are unrated (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from framelens.store import Store
from tests.dashboard_fixtures import populate, write_story

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def rated_db(tmp_path, monkeypatch):
    write_story(tmp_path / "stories")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path / "stories"))
    db = str(tmp_path / "dash.db")
    monkeypatch.setenv("FRAMELENS_DB", db)
    populate(db, n_articles=24)
    with Store(db) as store:  # two fictional raters who disagree about one outlet
        rows = {o["domain"]: o for o in store.outlet_rows()}
        harbor = dict(rows["harborledger.example"], ratings=[
            {"rater": "Rater One", "lean": "left", "as_of": "2024-03", "url": "https://raters.example/one"},
            {"rater": "Rater Two", "lean": "center", "as_of": "2023", "url": ""}])
        store.upsert_outlets([harbor])
    return db


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
