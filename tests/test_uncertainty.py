"""Intervals and the one-sidedness rule: known counts give known intervals and verdicts."""

from __future__ import annotations

import math

import pytest

from framelens import queries as q
from framelens.queries.uncertainty import CHANCE, TOO_FEW, Rule, fisher_p, one_sided_verdict, wilson_interval

RULE = Rule(alpha=0.05, min_articles=5, level=0.95)


@pytest.mark.parametrize("hits, n, low, high", [
    (5, 10, 0.2366, 0.7634),   # the textbook example: 95 % Wilson interval of 5 / 10
    (0, 5, 0.0, 0.4345),       # none of 5 still allows up to 43 %
    (3, 3, 0.4385, 1.0),       # all of 3: the interval reaches down to 44 %
    (1, 1, 0.2065, 1.0),       # one article says almost nothing
    (50, 100, 0.4038, 0.5962),
])
def test_wilson_interval_known_values(hits, n, low, high):
    got = wilson_interval(hits, n, 0.95)
    assert got == pytest.approx((low, high), abs=1e-4)
    assert got[0] <= hits / n <= got[1]


def test_wilson_bounds_are_rounded_and_an_absent_item_starts_at_exactly_zero():
    for hits, n in ((0, 12), (12, 12), (0, 40), (7, 13)):
        low, high = wilson_interval(hits, n)
        assert 0.0 <= low <= hits / n <= high <= 1.0
        assert low == round(low, 4) and high == round(high, 4), (low, high)
    assert wilson_interval(0, 12)[0] == 0.0 and wilson_interval(12, 12)[1] == 1.0


def test_wilson_interval_of_no_articles_is_unknown_and_narrows_with_more_articles():
    assert all(math.isnan(v) for v in wilson_interval(0, 0))
    widths = [wilson_interval(n // 2, n)[1] - wilson_interval(n // 2, n)[0] for n in (4, 16, 64, 256)]
    assert widths == sorted(widths, reverse=True)
    assert wilson_interval(5, 10, 0.99)[0] < wilson_interval(5, 10, 0.95)[0]


def test_fisher_p_matches_the_hypergeometric_by_hand():
    # 3 of 3 on the left, 0 of 5 on the right: one table of C(8,3) = 56 is as extreme each way
    assert fisher_p(3, 3, 0, 5) == pytest.approx(1 / 56)
    assert fisher_p(5, 5, 0, 5) == pytest.approx(2 / math.comb(10, 5))
    assert fisher_p(4, 8, 4, 8) == pytest.approx(1.0)


@pytest.mark.parametrize("left_hits, left_n, right_hits, right_n, verdict", [
    (3, 3, 0, 5, TOO_FEW),          # the "left 100 % of 3, right 0 % of 5": p = 0.018, but 3 < 5
    (1, 1, 0, 8, TOO_FEW),          # one article on a side
    (5, 5, 0, 5, "left only"),      # p = 0.008 with five a side
    (10, 10, 0, 10, "left only"),
    (0, 8, 5, 8, "right only"),     # p = 0.026
    (3, 5, 0, 5, CHANCE),           # looks one-sided (60 % vs 0 %) but p = 0.17
    (6, 10, 1, 10, CHANCE),         # p = 0.057, just above 0.05
    (4, 8, 4, 8, ""),               # reported alike on both sides
    (0, 0, 3, 5, ""),               # no article on the left: no comparison at all
])
def test_one_sided_verdicts(left_hits, left_n, right_hits, right_n, verdict):
    assert one_sided_verdict(left_hits, left_n, right_hits, right_n, RULE)[0] == verdict


def test_thresholds_are_settings(monkeypatch):
    monkeypatch.setenv("FRAMELENS_ONE_SIDED_MIN_ARTICLES", "3")
    monkeypatch.setenv("FRAMELENS_ONE_SIDED_ALPHA", "0.01")
    monkeypatch.setenv("FRAMELENS_INTERVAL_LEVEL", "0.9")
    rule = Rule.from_settings()
    assert rule == Rule(alpha=0.01, min_articles=3, level=0.9)
    assert one_sided_verdict(3, 3, 0, 5, rule)[0] == CHANCE  # enough articles now, but p = 0.018 > 0.01
    assert one_sided_verdict(3, 3, 0, 5)[0] == CHANCE        # the settings are the default rule


def test_one_sided_table_and_prevalence_carry_counts_intervals_and_verdicts(tmp_path, monkeypatch):
    from framelens.store import Store
    from tests.dashboard_fixtures import STORY_ID, populate, write_story

    write_story(tmp_path / "stories")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path / "stories"))
    populate(str(tmp_path / "q.db"), n_articles=40)
    with Store(str(tmp_path / "q.db"), readonly=True) as store:
        data = q.load_story_data(store, STORY_ID)
    items = q.one_sided_items(data, q.Filters())
    row = items.set_index("item").loc["damages"]
    assert row["verdict"] == "left only" and row["p_value"] <= 0.05
    assert row["left_ci_low"] <= row["left_share"] <= row["left_ci_high"]
    strict = q.one_sided_items(data, q.Filters(), Rule(alpha=0.05, min_articles=1000, level=0.95))
    assert not strict["one_sided"].any() and (strict.set_index("item").loc["damages", "verdict"] == TOO_FEW)
    prev = q.prevalence_by_lean(data, q.Filters())
    known = prev.dropna(subset=["share"])
    assert ((known["ci_low"] <= known["share"]) & (known["share"] <= known["ci_high"])).all()


def test_one_sided_chart_keeps_items_that_shorten_alike_on_their_own_rows():
    import pandas as pd

    from presentation.map_charts import one_sided_chart

    stem = "The judge of the fictional Widget court denied the motion for an injunction"
    rows = [dict(label=f"{stem} {end}", verdict="", left_share=s, left_present=p, left_articles=10,
                 left_ci_low=0.0, left_ci_high=0.9, right_share=0.1, right_present=1, right_articles=10,
                 right_ci_low=0.0, right_ci_high=0.4) for end, s, p in (("on Friday.", 0.3, 3), ("in March.", 0.6, 6))]
    fig = one_sided_chart(pd.DataFrame(rows))
    names = list(fig.data[0].y)
    assert len(set(names)) == 2, names  # plotly would draw both items on one row under one name
    # drawn bottom-up: the first item (top row) keeps its name, the second gets a number
    assert names[1].endswith("… — no clear difference") and names[0].endswith("… (2) — no clear difference")


def test_prevalence_chart_gives_features_that_start_alike_their_own_bars():
    import pandas as pd

    from presentation.charts import prevalence_chart

    labels = ["Names the judge's appointing president", "Names the judge's appointing party"]
    prev = pd.DataFrame([dict(label=lbl, lean=lean, share=0.5, present=1, articles=2, ci_low=0.1, ci_high=0.9)
                         for lbl in labels for lean in ("left", "right")])
    fig = prevalence_chart(prev)
    assert all(len(set(bar.x)) == 2 for bar in fig.data), [list(bar.x) for bar in fig.data]
    assert list(fig.data[0].x) == list(fig.data[1].x)  # each feature at the same place for every lean
