"""Distinctive words: tokenising, term counts per group, Fightin' Words with a bootstrap check.

Fightin' Words is the log-odds ratio with an informative Dirichlet prior of Monroe,
Colaresi & Quinn (2008), "Fightin' Words: Lexical Feature Selection and Evaluation for
Identifying the Content of Political Conflict", Political Analysis 16(4), eq. 16-22.
The dashboard imports this module, so it uses only numpy and the standard library.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import chain
from typing import Iterable

import numpy as np

# A standard English list (articles, pronouns, auxiliaries, prepositions, conjunctions) plus
# contraction stems left after splitting on apostrophes and web boilerplate words.
STOPWORDS = frozenset("""
a about above across after afterwards again against all almost alone along already also although
always am among amongst an and another any anyhow anyone anything anyway anywhere are around as at
be became because become becomes been before beforehand being below beside besides between beyond
both but by can cannot could did do does doing done down due during each eg either else elsewhere
enough etc even ever every everyone everything everywhere except few for former formerly from
further had has have having he hence her here hereafter hereby herein hers herself him himself his
how however i ie if in indeed into is it its itself just last latter least less ll many may me
meanwhile might mine more moreover most mostly much must my myself namely neither never
nevertheless next no nobody none nor not nothing now nowhere of off often on once one only onto or
other others otherwise our ours ourselves out over own per perhaps please rather re same
she should since so some somehow someone something sometime sometimes somewhere still such than
that the their theirs them themselves then thence there thereafter thereby therefore therein
thereupon these they this those though through throughout thru thus to together too toward towards
under until up upon us ve very via was we well were what whatever when whence whenever where
whereafter whereas whereby wherein whereupon wherever whether which while whither who whoever whole
whom whose why will with within without would yet you your yours yourself yourselves
s t d m don didn doesn isn wasn weren aren won wouldn couldn shouldn hasn haven hadn
mr mrs ms dr said says say told
""".split())

ALPHA0_SHARE = 0.1            # default prior weight: 10 % of the words of both groups
MAX_TERMS_PER_GROUP = 5000
WORDS_PER_SIDE = 150          # words_left_right keeps this many terms at each end
STABLE_SHARE = 0.9            # a term is stable when it holds in >= 90 % of resamples
MIN_DOCS_FOR_STABLE = 3       # fewer documents on a side: nothing is called stable
Z_CRITICAL = 1.96
LEFT = ("left", "lean-left")
RIGHT = ("right", "lean-right")

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)


def tokenize(text: str, bigrams: bool = False) -> list[str]:
    """Lower-case words without stopwords; with `bigrams`, also adjacent pairs of kept words."""
    words = [_clean_word(w) if ("'" in w or "’" in w) else w for w in _WORD.findall((text or "").lower())]
    kept = [w if (len(w) > 1 and w not in STOPWORDS) else None for w in words]
    tokens = [w for w in kept if w]
    if bigrams:
        # A pair spanning a stopword ("freedom of speech") is not adjacent here: that is fine.
        tokens += [f"{a} {b}" for a, b in zip(kept, kept[1:]) if a and b]
    return tokens


def term_bag(text: str, vocabulary: dict[str, str] | None = None) -> Counter:
    """`tokenize(text, bigrams=True)` counted. Bags built with one shared `vocabulary` share
    each term's string (a third of the memory for a corpus of bags)."""
    tokens = tokenize(text, bigrams=True)
    if vocabulary is None:
        return Counter(tokens)
    return Counter(vocabulary.setdefault(t, t) for t in tokens)


def _clean_word(word: str) -> str:
    """Strip possessive 's so "Parler's" counts as "parler"; straighten curly apostrophes."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    return word


def term_counts(docs: Iterable[tuple[str, str]], bigrams: bool = True) -> dict[str, dict[str, int]]:
    """(group, text) pairs -> group -> term -> count."""
    counts: dict[str, Counter] = {}
    for group, text in docs:
        counts.setdefault(group, Counter()).update(tokenize(text, bigrams=bigrams))
    return {group: dict(c) for group, c in counts.items()}


def fightin_words(counts_a: dict[str, int], counts_b: dict[str, int],
                  prior: dict[str, float] | None = None, alpha0: float | None = None) -> list[dict]:
    """Log-odds ratio with informative Dirichlet prior; positive z favours group a.

    prior: pseudo-counts per term (default: the pooled counts of both groups, i.e. the
    term's share of the union).
    alpha0: total prior weight; the prior is rescaled to sum to it. Default: ALPHA0_SHARE
    (10 %) of the words of both groups. A term used only by one group then needs ~20 uses
    to pass |z| > 1.96 and a single use stays near z = 0.7; with alpha0 = all the words
    (ConvoKit's choice) even 20 exclusive uses stay below 1.96 in a small corpus.
    """
    terms = sorted(set(counts_a) | set(counts_b))
    if not terms:
        return []
    ya = np.array([counts_a.get(t, 0) for t in terms], dtype=float)
    yb = np.array([counts_b.get(t, 0) for t in terms], dtype=float)
    if alpha0 is None and prior is None:
        alpha0 = ALPHA0_SHARE * float(ya.sum() + yb.sum())
    alpha, a0 = _prior(terms, ya + yb, prior, alpha0)
    delta, z = _log_odds(ya, yb, ya.sum(), yb.sum(), alpha, a0)
    rows = [{"term": t, "z": round(float(z[i]), 4), "delta": round(float(delta[i]), 4),
             "count_a": int(ya[i]), "count_b": int(yb[i])} for i, t in enumerate(terms)]
    return sorted(rows, key=lambda r: (-r["z"], r["term"]))


def _log_odds(ya: np.ndarray, yb: np.ndarray, na: float, nb: float, alpha: np.ndarray,
              a0: float) -> tuple[np.ndarray, np.ndarray]:
    """Monroe et al. eq. 16 (delta) and eq. 18-19 (its approximate variance) -> (delta, z)."""
    # The "rest" counts can only reach 0 when one term is the whole vocabulary.
    rest_a, rest_b = np.maximum(na + a0 - ya - alpha, 0.01), np.maximum(nb + a0 - yb - alpha, 0.01)
    delta = np.log(ya + alpha) - np.log(rest_a) - np.log(yb + alpha) + np.log(rest_b)
    return delta, delta / np.sqrt(1.0 / (ya + alpha) + 1.0 / (yb + alpha))


def _prior(terms: list[str], pooled: np.ndarray, prior: dict[str, float] | None,
           alpha0: float | None) -> tuple[np.ndarray, float]:
    """Per-term pseudo-counts and their total (over the whole prior vocabulary)."""
    if prior is None:
        alpha, total = pooled.copy(), float(pooled.sum())
    else:
        alpha = np.array([float(prior.get(t, 0.0)) for t in terms])
        total = float(sum(prior.values()))
    if alpha0 is not None and total > 0:
        alpha, total = alpha * (alpha0 / total), float(alpha0)
    # A term the prior never saw still needs a positive pseudo-count for the logs.
    floor = 0.01
    total += floor * int((alpha <= 0).sum())
    return np.where(alpha > 0, alpha, floor), total


def stable_terms(docs_a: list[str], docs_b: list[str], n_boot: int = 50, seed: int = 0,
                 top: int = 200) -> dict[str, bool]:
    """Which of the top terms (|z| > 1.96 on all documents) keep their sign and |z| > 1.96
    in at least 90 % of bootstrap resamples of the documents (with replacement, per group).

    With fewer than MIN_DOCS_FOR_STABLE documents on either side nothing is stable: one
    outlet's pet phrase would otherwise pass for a group's vocabulary.
    """
    return _stable_from_bags([Counter(tokenize(t, bigrams=True)) for t in docs_a],
                             [Counter(tokenize(t, bigrams=True)) for t in docs_b], n_boot, seed, top)


def _stable_from_bags(bags_a: list[Counter], bags_b: list[Counter], n_boot: int, seed: int,
                      top: int) -> dict[str, bool]:
    full = fightin_words(_sum_bags(bags_a), _sum_bags(bags_b))
    top_rows = [r for r in full if abs(r["z"]) > Z_CRITICAL]
    top_rows = top_rows[:top] + top_rows[-top:] if len(top_rows) > 2 * top else top_rows
    if not top_rows:
        return {}
    if min(len(bags_a), len(bags_b)) < MIN_DOCS_FOR_STABLE:
        return {r["term"]: False for r in top_rows}
    kept = _bootstrap_hits(bags_a, bags_b, top_rows, n_boot, seed)
    return {r["term"]: bool(kept[i] >= STABLE_SHARE * n_boot) for i, r in enumerate(top_rows)}


def _sum_bags(bags: list[Counter]) -> dict[str, int]:
    return dict(add_bags(bags))


def add_bags(bags: Iterable[Counter]) -> Counter:
    """The bags' counts added up: counted from their elements in C, several times faster
    than Counter.update with a mapping (a Python loop), same counts in the same order."""
    total: Counter = Counter()
    total.update(chain.from_iterable(bag.elements() for bag in bags))
    return total


def _bootstrap_hits(bags_a: list[Counter], bags_b: list[Counter], rows: list[dict],
                    n_boot: int, seed: int) -> np.ndarray:
    """How many resamples keep each row's sign with |z| > 1.96 (vectorised per resample)."""
    terms = [r["term"] for r in rows]
    sign = np.sign([r["z"] for r in rows])
    ma, ta = _doc_matrix(bags_a, terms)
    mb, tb = _doc_matrix(bags_b, terms)
    rng = np.random.default_rng(seed)
    hits = np.zeros(len(terms))
    for _ in range(n_boot):
        wa = np.bincount(rng.integers(0, len(bags_a), len(bags_a)), minlength=len(bags_a))
        wb = np.bincount(rng.integers(0, len(bags_b), len(bags_b)), minlength=len(bags_b))
        z = _z_scores(wa @ ma, wb @ mb, float(wa @ ta), float(wb @ tb))
        hits += (np.sign(z) == sign) & (np.abs(z) > Z_CRITICAL)
    return hits


def _doc_matrix(bags: list[Counter], terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Documents x candidate terms counts, and each document's total token count."""
    index = {t: j for j, t in enumerate(terms)}
    matrix = np.zeros((len(bags), len(terms)))
    for i, bag in enumerate(bags):
        for term, count in bag.items():
            if term in index:
                matrix[i, index[term]] = count
    return matrix, np.array([sum(b.values()) for b in bags], dtype=float)


def _z_scores(ya: np.ndarray, yb: np.ndarray, na: float, nb: float) -> np.ndarray:
    """fightin_words' z for a subset of terms under the default pooled prior."""
    a0 = ALPHA0_SHARE * (na + nb)
    alpha = ALPHA0_SHARE * (ya + yb)
    # A term absent from a resample gets the same tiny floor fightin_words would give it.
    return _log_odds(ya, yb, na, nb, np.maximum(alpha, 0.01), a0)[1]


def build_term_tables(articles: list[dict]) -> dict:
    """The `term_counts` and `words_left_right` story payloads (docs/results-format.md).

    Non-original syndication copies are left out so a wire story run by twenty sites
    counts once. Left = left + lean-left, right = right + lean-right.
    """
    kept, bags = _kept_bags(articles)
    left = [b for a, b in zip(kept, bags) if a.get("lean") in LEFT]
    right = [b for a, b in zip(kept, bags) if a.get("lean") in RIGHT]
    return {"term_counts": _group_tables(kept, bags), "words_left_right": _left_right(left, right)}


def group_term_counts(articles: list[dict]) -> dict:
    """The `term_counts` payload alone, for any set of articles (the dashboard's filtered
    Words page): the same counting as `build_term_tables`, without the bootstrap."""
    return _group_tables(*_kept_bags(articles))


def _kept_bags(articles: list[dict]) -> tuple[list[dict], list[Counter]]:
    kept = [a for a in articles if a.get("syndication_original", True)]
    # An article may bring its counts ("bag": the syndication stage counted the same text).
    bags = [a["bag"] if a.get("bag") is not None else Counter(tokenize(_article_text(a), bigrams=True))
            for a in kept]
    return kept, bags


def _group_tables(kept: list[dict], bags: list[Counter]) -> dict:
    tables = {"lean": {}, "kind": {}, "doc_counts": {"lean": {}, "kind": {}}}
    for key in ("lean", "kind"):
        groups = _group_bags(kept, bags, key)
        tables[key] = {g: _top_terms(_sum_bags(b)) for g, b in sorted(groups.items())}
        tables["doc_counts"][key] = {g: len(b) for g, b in sorted(groups.items())}
    return tables


def _article_text(article: dict) -> str:
    return f"{article.get('title') or ''}\n{article.get('text') or ''}"


def _group_bags(articles: list[dict], bags: list[Counter], key: str) -> dict[str, list[Counter]]:
    groups: dict[str, list[Counter]] = {}
    missing = "unrated" if key == "lean" else "unknown"
    for article, bag in zip(articles, bags):
        groups.setdefault(article.get(key) or missing, []).append(bag)
    return groups


def _top_terms(counts: dict[str, int]) -> dict[str, int]:
    """The MAX_TERMS_PER_GROUP most frequent terms (ties by term: a deterministic cut)."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TERMS_PER_GROUP]
    return dict(ranked)


def _left_right(left: list[Counter], right: list[Counter]) -> list[dict]:
    """Fightin' Words left vs right: the WORDS_PER_SIDE strongest terms at each end."""
    if not left or not right:
        return []
    rows = fightin_words(_sum_bags(left), _sum_bags(right))
    if len(rows) > 2 * WORDS_PER_SIDE:
        rows = rows[:WORDS_PER_SIDE] + rows[-WORDS_PER_SIDE:]
    stable = _stable_from_bags(left, right, 50, 0, 200)
    return [{**r, "stable": stable.get(r["term"], False)} for r in rows]

