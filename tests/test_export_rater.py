"""`python -m analysis export --rater NAME` makes the sidebar's "Lean ratings by" choice
headless and records it in the export's provenance (issue 17)."""

from __future__ import annotations

import csv
import json

import pytest

from analysis.__main__ import main as analysis_main
from framelens.store import Store
from tests.dashboard_fixtures import STORY_ID, populate, rate_twice


@pytest.fixture
def rated_db(dash_db):
    populate(dash_db, n_articles=24)
    rate_twice(dash_db)
    return dash_db


def _export(db, out, *extra) -> int:
    return analysis_main(["export", "--story", STORY_ID, "--db", db, "--out", str(out), "--format", "json,csv,html",
                          *extra])


def _harbor(out) -> dict:
    return next(a for a in json.loads((out / "articles.json").read_text("utf-8")) if a["outlet"] == "Harbor Ledger")


@pytest.mark.parametrize("argv, lean, rater, as_of, recorded", [
    ((), "lean-left", "consensus of Rater One, Rater Two", "2024-03", "consensus"),
    (("--rater", "Rater Two"), "center", "Rater Two", "2023", "Rater Two"),
    (("--rater", "rater one"), "left", "Rater One", "2024-03", "Rater One"),  # case aside, as stored
])
def test_the_export_takes_the_rater_and_records_it(rated_db, tmp_path, capsys, argv, lean, rater, as_of, recorded):
    out = tmp_path / "out"
    assert _export(rated_db, out, *argv) == 0
    record = _harbor(out)
    assert (record["lean"], record["lean_rater"], record["lean_as_of"]) == (lean, rater, as_of)
    with open(out / "tables" / "articles.csv", newline="", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["outlet"] == "Harbor Ledger")
    assert (row["lean"], row["lean_rater"]) == (lean, rater)
    prov = json.loads((out / "provenance.json").read_text("utf-8"))
    assert prov["lean_ratings_by"] == recorded and prov["story"] == STORY_ID and prov["model"] == "test-model"
    report = (out / "report.html").read_text("utf-8")
    assert (f"ratings by {recorded}" if argv else "consensus of each rater&#x27;s newest rating") in report


def test_an_unknown_rater_is_a_usage_error_listing_the_raters_known(rated_db, tmp_path, capsys):
    out = tmp_path / "out"
    assert _export(rated_db, out, "--rater", "Rater Three") == 2
    known = "; ".join(sorted({"Rater One", "Rater Two", *_registry_raters(rated_db)}, key=str.casefold))
    assert capsys.readouterr().err.strip() == (
        f"error: --rater 'Rater Three' rates none of the outlets of story '{STORY_ID}'; the raters known are: {known} "
        "(leave --rater out for the consensus of raters)")
    assert not out.exists()


def _registry_raters(db) -> set[str]:
    """Raters of the fixture's other outlets (its fictional registry's own)."""
    from framelens.ratings import ratings_of_row

    with Store(db, readonly=True) as store:
        domains = {a["domain"] for a in store.articles(STORY_ID, with_text=False) if a["role"] == "article"}
        return {r.rater for o in store.outlet_rows() if o["domain"] in domains for r in ratings_of_row(o)}
