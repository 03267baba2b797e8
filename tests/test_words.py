"""Distinctive words: tokenising, term tables, Fightin' Words checked by hand, bootstrap."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pytest

from analysis import words
from analysis.words import build_term_tables, fightin_words, stable_terms, term_counts, tokenize


def test_tokenize_drops_stopwords_and_normalises():
    tokens = tokenize("The Judge said Gadgetco’s claim was NOT credible, and 42 others agreed.")
    assert tokens == ["judge", "gadgetco", "claim", "credible", "agreed"]


def test_tokenize_bigrams_only_join_adjacent_kept_words():
    tokens = tokenize("Big Tech silenced free speech on the platform", bigrams=True)
    assert "big tech" in tokens and "free speech" in tokens
    assert "speech platform" not in tokens  # "on the" sits between them
    assert tokenize("", bigrams=True) == []


def test_term_counts_groups_by_label():
    counts = term_counts([("left", "Hosting rules apply."), ("right", "Censorship rules!"),
                          ("left", "Hosting again")])
    assert counts["left"]["hosting"] == 2 and counts["right"]["censorship"] == 1
    assert counts["left"]["hosting rules"] == 1


def test_fightin_words_matches_hand_computation_with_pooled_prior():
    # n_a = n_b = 4; default alpha0 = 10 % of 8 words = 0.8, split by pooled share:
    # alpha_x = alpha_y = 0.4. delta_x = log(3.4 / 1.4) - log(1.4 / 3.4) = 1.774606;
    # var = 1/3.4 + 1/1.4 = 1.008403; z = 1.774606 / 1.004193 = 1.767197
    rows = fightin_words({"x": 3, "y": 1}, {"x": 1, "y": 3})
    delta = math.log(3.4 / 1.4) - math.log(1.4 / 3.4)
    z = delta / math.sqrt(1 / 3.4 + 1 / 1.4)
    assert [r["term"] for r in rows] == ["x", "y"]
    assert rows[0]["delta"] == pytest.approx(delta, abs=1e-4) and rows[0]["z"] == pytest.approx(z, abs=1e-4)
    assert rows[0]["z"] == pytest.approx(1.7672, abs=1e-4)
    assert rows[1]["z"] == pytest.approx(-z, abs=1e-4)
    assert rows[0]["count_a"] == 3 and rows[0]["count_b"] == 1


def test_fightin_words_with_given_prior_rescaled_to_alpha0():
    # prior 1:1 rescaled to alpha0 = 2 -> alpha = 1 each: delta = log(4/2) - log(2/4)
    rows = fightin_words({"x": 3, "y": 1}, {"x": 1, "y": 3}, prior={"x": 5, "y": 5}, alpha0=2)
    assert rows[0]["delta"] == pytest.approx(2 * math.log(2), abs=1e-4)
    assert rows[0]["z"] == pytest.approx(2 * math.log(2) / math.sqrt(1 / 4 + 1 / 2), abs=1e-4)


def test_fightin_words_sign_order_and_edges():
    rows = fightin_words({"appointee": 9, "ruling": 5}, {"riot": 9, "ruling": 5})
    assert rows[0]["term"] == "appointee" and rows[-1]["term"] == "riot"
    assert rows[0]["z"] > 0 > rows[-1]["z"]
    ruling = next(r for r in rows if r["term"] == "ruling")
    assert abs(ruling["z"]) < 1e-9
    assert fightin_words({}, {}) == []
    assert fightin_words({"a": 1}, {})[0]["z"] > 0


def _corpus(word: str, n: int, filler: str) -> list[str]:
    return [f"{word} {filler} piece{'x' * i} report {word} {word} {word}" for i in range(n)]


def test_stable_terms_keeps_consistent_terms_and_flags_one_document_quirks():
    left = _corpus("embargo", 10, "harbour") + ["tariff " * 40]
    right = _corpus("subsidy", 10, "harbour")
    stable = stable_terms(left, right, n_boot=40, seed=1)
    assert stable["embargo"] is True and stable["subsidy"] is True
    assert stable.get("tariff") is False  # 40 uses, but all in one document


def test_stable_terms_refuses_tiny_corpora():
    stable = stable_terms(["embargo embargo embargo"] * 2, ["subsidy subsidy subsidy"] * 2)
    assert stable and not any(stable.values())


def test_stable_terms_is_deterministic():
    left, right = _corpus("embargo", 6, "mill"), _corpus("subsidy", 6, "dock")
    assert stable_terms(left, right, seed=3) == stable_terms(left, right, seed=3)


def _article(text, lean, kind="national", original=True, title=""):
    return {"text": text, "title": title, "lean": lean, "kind": kind, "syndication_original": original}


def test_build_term_tables_counts_wire_copies_once_and_compares_left_right():
    wire = "Quill denied the injunction against Gadgetco hosting."
    articles = [_article(wire, "center", "wire"), _article(wire, "left", "regional", original=False),
                _article(wire, "right", "regional", original=False)]
    articles += [_article(f"Riot threats moderation item{'a' * i}", "left") for i in range(4)]
    articles += [_article(f"Carter appointee censorship item{'b' * i}", "lean-right", "opinion") for i in range(4)]
    articles += [_article("Riot coverage", "lean-left", title="Violent posts")]
    tables = build_term_tables(articles)
    counts = tables["term_counts"]
    assert counts["doc_counts"]["lean"] == {"center": 1, "lean-left": 1, "lean-right": 4, "left": 4}
    assert "regional" not in counts["doc_counts"]["kind"]  # both regional copies were wire copies
    assert counts["lean"]["center"]["injunction"] == 1
    assert counts["kind"]["wire"]["gadgetco hosting"] == 1
    assert counts["lean"]["lean-left"]["violent posts"] == 1  # titles count
    rows = tables["words_left_right"]
    assert set(rows[0]) == {"term", "z", "delta", "count_a", "count_b", "stable"}
    assert rows[0]["term"] in {"riot", "threats", "moderation", "threats moderation", "riot threats"}
    assert rows[-1]["term"] in {"carter", "appointee", "censorship", "carter appointee", "appointee censorship"}
    assert rows == sorted(rows, key=lambda r: -r["z"])


def test_group_term_counts_are_the_analysis_counts_without_the_bootstrap():
    articles = [_article("Riot threats moderation", "left"), _article("Riot threats moderation", "right", original=False),
                _article("Carter appointee censorship", "lean-right", "opinion"), _article("Plain words", "center")]
    counts = words.group_term_counts(articles)
    assert counts == build_term_tables(articles)["term_counts"]
    assert counts["doc_counts"]["lean"] == {"center": 1, "lean-right": 1, "left": 1}
    assert words.group_term_counts([]) == {"lean": {}, "kind": {}, "doc_counts": {"lean": {}, "kind": {}}}


def test_build_term_tables_caps_terms_per_group(monkeypatch):
    monkeypatch.setattr(words, "MAX_TERMS_PER_GROUP", 50)
    text = " ".join("w" + "".join(chr(97 + (i // 26 ** k) % 26) for k in range(3)) for i in range(300))
    tables = build_term_tables([_article(text, "left"), _article("other words here", "right")])
    assert len(tables["term_counts"]["lean"]["left"]) == 50
    assert build_term_tables([])["words_left_right"] == []


def test_words_module_imports_only_numpy_and_stdlib():
    tree = ast.parse(Path(words.__file__).read_text(encoding="utf-8"))
    names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert names <= {"__future__", "re", "collections", "itertools", "typing", "numpy", "math"}


@pytest.mark.parametrize("a, b, expected", [
    (["left", "lean-left"], ["right", "lean-right"], ("#0072B2", "#C84B00")),
    (["lean-left"], ["lean-right"], ("#74B9E6", "#F0A37A")),
    (["left"], ["lean-left"], ("#0072B2", "#74B9E6")),
    (["left"], ["center"], ("#CC79A7", "#009E73")),        # center is grey, like "not distinctive"
    (["left", "right"], ["center"], ("#CC79A7", "#009E73")),
])
def test_word_groups_take_their_lean_colours(a, b, expected):
    from presentation.charts import lean_group_colors

    assert lean_group_colors(a, b) == expected


def test_the_words_chart_labels_only_distinctive_terms_and_ticks_in_plain_numbers():
    import pandas as pd

    from presentation.charts import words_chart

    rows = [{"term": f"t{i}", "z": z, "delta": 0.0, "count_a": a, "count_b": b}
            for i, (z, a, b) in enumerate([(4.0, 30, 2), (2.5, 12, 3), (-3.1, 1, 20), (0.4, 9, 8), (-1.0, 5, 7)])]
    fig = words_chart(pd.DataFrame(rows), "A", "B")
    labelled = {t for trace in fig.data for t in trace.text if t}
    assert labelled == {"t0", "t1", "t2"}  # t3 and t4 are not distinctive: grey, unlabelled
    ticks = list(fig.layout.xaxis.tickvals)
    assert ticks == [10, 20, 50]  # totals run 12..32; the axis leaves room on the right
    assert list(fig.layout.xaxis.ticktext) == [f"{v:g}" for v in ticks]
