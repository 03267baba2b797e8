"""Ratings as dated facts: the consensus rule and the per-rater choice (tables of cases), the
registry's rating entries, the user ratings file, and the rater flowing into queries and export."""

from __future__ import annotations

import json

import pytest

from framelens import queries as q
from framelens.outlets import Outlet, OutletRegistry, load_outlets
from framelens.ratings import Rating, effective_lean, ratings_of_row
from framelens.yamlcheck import ConfigError

A24 = Rating("AllSides", "lean-left", "2024")
A19 = Rating("AllSides", "left", "2019-10-18")
M = Rating("MBFC", "left", "2024")
N = Rating("Newsroom", "center", "2025-01")
R = Rating("Other", "right", "2023")
LR = Rating("MBFC", "lean-right", "2024")

# (ratings, rater picked ('' = consensus), lean, rater shown, as of)
CASES = [
    ([], "", "unrated", "", ""),
    ([A24], "", "lean-left", "AllSides", "2024"),
    ([A19, A24], "", "lean-left", "AllSides", "2024"),            # the newer AllSides rating stands
    ([A24, A19], "", "lean-left", "AllSides", "2024"),            # whatever the order listed
    ([A24, M], "", "lean-left", "consensus of AllSides, MBFC", "2024"),  # two raters: the middle lean nearer centre
    ([A24, M, R], "", "lean-left", "consensus of AllSides, MBFC, Other", "2024"),  # median of left, lean-left, right
    ([M, R], "", "center", "consensus of MBFC, Other", "2024"),   # left and right in the middle: center
    ([A24, LR], "", "center", "consensus of AllSides, MBFC", "2024"),
    ([Rating("AllSides", "left", "2024"), N], "", "lean-left", "consensus of AllSides, Newsroom", "2025-01"),
    ([A24, M, N], "", "lean-left", "consensus of AllSides, MBFC, Newsroom", "2025-01"),
    ([Rating("X", "unrated", "2024")], "", "unrated", "", ""),    # 'unrated' from a rater places nothing
    ([A19, A24, M], "AllSides", "lean-left", "AllSides", "2024"),
    ([A19, A24, M], "allsides", "lean-left", "AllSides", "2024"),  # rater names compared without case
    ([A19, A24, M], "MBFC", "left", "MBFC", "2024"),
    ([A19, A24, M], "Newsroom", "unrated", "", ""),               # not rated by the chosen rater
]


@pytest.mark.parametrize("ratings, rater, lean, shown, as_of", CASES)
def test_effective_lean(ratings, rater, lean, shown, as_of):
    v = effective_lean(ratings, rater)
    assert (v.lean, v.rater, v.as_of) == (lean, shown, as_of)


def test_a_stored_row_without_ratings_keeps_its_one_lean():
    assert ratings_of_row({"lean": "right", "lean_source": "Old rater"}) == [Rating("Old rater", "right")]
    assert ratings_of_row({"lean": "unrated"}) == []
    stored = {"lean": "center", "ratings": [{"rater": "R", "lean": "left", "as_of": "2024", "url": "u"}]}
    assert ratings_of_row(stored) == [Rating("R", "left", "2024", "u")]


REGISTRY = """\
outlets:
  one.example:
    name: One
    kind: national
    ratings:
    - {rater: AllSides, lean: left, as_of: "2024", url: "https://ratings.example/one"}
    - {rater: MBFC, lean: lean-left, as_of: "2024-02-30"}
    - {rater: "", lean: center, as_of: "2024"}
    - {rater: MBFC, lean: leftish, as_of: "2024"}
    - {rater: MBFC, lean: left}
  two.example: {name: Two, kind: wire, lean: left, ratings: []}
"""


def test_bad_ratings_are_each_named(tmp_path):
    path = tmp_path / "outlets.yaml"
    path.write_text(REGISTRY, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_outlets([path])
    text = str(err.value)
    assert "outlets.one.example.ratings[1]: as_of '2024-02-30' is not a real date" in text
    assert "outlets.one.example.ratings[2]: the rater needs a name" in text
    assert "outlets.one.example.ratings[3]: lean 'leftish' is not one of" in text
    assert "outlets.one.example.ratings[4]: missing required key 'as_of'" in text
    assert "outlets.two.example.lean: give either `lean`" in text


def test_user_ratings_file_adds_to_registered_and_new_outlets(tmp_path):
    reg = tmp_path / "outlets.yaml"
    reg.write_text("outlets:\n  one.example:\n    name: One\n    kind: national\n    ratings:\n"
                   "    - {rater: AllSides, lean: left, as_of: '2024'}\n", encoding="utf-8")
    user = tmp_path / "mine.yaml"
    user.write_text("outlets:\n  news.one.example:\n    ratings:\n    - {rater: Desk, lean: center, as_of: '2025'}\n"
                    "  fresh.example:\n    name: Fresh Daily\n    ratings:\n    - {rater: Desk, lean: right, as_of: '2025'}\n",
                    encoding="utf-8")
    registry = load_outlets([reg], ratings_file=user)
    one = registry.lookup("https://one.example/a")
    assert [r.rater for r in one.ratings] == ["AllSides", "Desk"]  # a subdomain's rating goes to the outlet
    assert one.lean == "lean-left" and one.lean_source == "consensus of AllSides, Desk"
    fresh = registry.lookup("fresh.example")
    assert (fresh.name, fresh.lean, fresh.lean_source) == ("Fresh Daily", "right", "Desk")


def _data_with_two_raters(store, story, registry):
    from collectors.importer import import_path

    rows = [{"url": f"https://{d}/gadget-{i}", "title": "Gadget ruling",
             "text": "Judge Ada Quill of the court ruled on the gadget case today. " * 3}
            for i, d in enumerate(["one.example", "two.example", "three.example"])]
    path = story.path.parent / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    store.upsert_outlets(o.row() for o in registry.outlets.values())
    import_path(store, path, story, registry)
    return q.load_story_data(store, story.id)


def test_the_chosen_rater_flows_into_filters_and_tables(store, story):
    registry = OutletRegistry([
        Outlet("one.example", "One", kind="national", ratings=[A24, Rating("MBFC", "right", "2024")]),
        Outlet("two.example", "Two", kind="national", ratings=[Rating("MBFC", "center", "2024")]),
    ])
    data = _data_with_two_raters(store, story, registry)
    leans = lambda f: dict(zip(q.articles_table(data, f)["domain"], q.articles_table(data, f)["lean"]))  # noqa: E731
    assert leans(q.Filters()) == {"one.example": "center", "two.example": "center", "three.example": "unrated"}
    assert leans(q.Filters(rater="AllSides")) == {"one.example": "lean-left", "two.example": "unrated",
                                                 "three.example": "unrated"}
    table = q.articles_table(data, q.Filters(rater="MBFC")).set_index("domain")
    assert table.at["one.example", "lean"] == "right" and table.at["one.example", "lean_rater"] == "MBFC"
    assert table.at["one.example", "lean_as_of"] == "2024"
    assert list(q.select_articles(data, q.Filters(rater="MBFC", leans=("right",)))["domain"]) == ["one.example"]
    assert q.Filters(*q.Filters(rater="MBFC").key()) == q.Filters(rater="MBFC")  # the cache key keeps the rater
    assert q.leans_present(data, "AllSides") == ["lean-left", "unrated"]
    assert data.raters == ["AllSides", "MBFC"]
    reasons = q.unrated_reasons(data, q.Filters(rater="AllSides")).set_index("reason")["outlets"].to_dict()
    assert reasons == {"domain not in the outlet registry": "three.example",
                       "rated, but not by the chosen rater": "two.example"}


def test_export_keeps_lean_and_names_its_rater(store, story):
    from presentation.export import article_records

    registry = OutletRegistry([Outlet("one.example", "One", kind="national", ratings=[A19, A24])])
    _data_with_two_raters(store, story, registry)
    by_domain = {r["domain"]: r for r in article_records(store, story)}
    assert {k: by_domain["one.example"][k] for k in ("lean", "lean_rater", "lean_as_of", "found_on")} == \
        {"lean": "lean-left", "lean_rater": "AllSides", "lean_as_of": "2024", "found_on": ""}
    assert by_domain["two.example"]["lean"] == "unrated" and by_domain["two.example"]["lean_rater"] == ""


def test_the_shipped_registry_keeps_dated_facts():
    registry = load_outlets()
    nyt = registry.lookup("https://www.nytimes.com/x")
    assert {r.rater for r in nyt.ratings} >= {"AllSides", "Media Bias/Fact Check"}
    assert all(r.as_of for o in registry.outlets.values() if not o.demo for r in o.ratings)
    for domain in ("theverge.com", "cnet.com", "justthenews.com", "courthousenews.com", "theepochtimes.com",
                   "geekwire.com", "upi.com", "deadline.com", "lastampa.it"):
        assert registry.lookup(domain).lean != "unrated", domain
