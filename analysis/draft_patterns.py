"""Suggested patterns for a drafted talking point, checked against the coverage.

    the point's own sentences: those whose meaning is close to the point's centre
    candidate phrases: runs of two or three words from its own sentences (a word with its
        context: 'appointed by President', 'violent content'), edges not stop words
    each phrase's precision: of the coverage sentences its regex matches, the share that are
        the point's own; phrases below MIN_PRECISION are dropped
    the pattern: the best phrases joined while the whole still reaches MIN_PRECISION

A single word ('kind', 'loss') matches all sorts of sentences and is never suggested; a
phrase must also turn up in two of the point's own sentences, so one article's wording is
not a pattern. Every pattern is compiled before it is offered.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from .stopwords import STOPWORDS_BY_LANGUAGE

MIN_PRECISION = 0.6   # a suggested pattern matches at least this share of the point's own sentences
MIN_OWN_HITS = 2      # ... and at least this many of them
MAX_PHRASES = 4
_WORD = re.compile(r"[^\W_]+")
_EDGE_STOPWORDS = frozenset().union(*STOPWORDS_BY_LANGUAGE.values())


@dataclass
class Suggestion:
    """A checked pattern: its regex, the share of its matches that are the point's own
    sentences, how many sentences it matches, and how many of the point's own it finds."""

    pattern: str
    precision: float
    matched: int
    own_found: int
    own_total: int
    phrases: list[str]
    hits: set[int]


def phrase_regex(phrase: str) -> str:
    """A whole-word regex for a phrase: its words in order, any punctuation or space between."""
    return r"\b" + r"[\W_]+".join(re.escape(w) for w in phrase.split()) + r"\b"


def candidate_phrases(sentence: str) -> set[str]:
    """The sentence's runs of two or three words that neither start nor end with a stop word
    and hold a word of four letters or more (lower-cased, joined by single spaces)."""
    words = _WORD.findall(sentence.lower())
    out = set()
    for n in (2, 3):
        for i in range(len(words) - n + 1):
            run = words[i:i + n]
            if run[0] not in _EDGE_STOPWORDS and run[-1] not in _EDGE_STOPWORDS \
                    and any(len(w) > 3 for w in run):
                out.add(" ".join(run))
    return out


def suggest_pattern(own: set[int], corpus: list[str], where: dict[str, set[int]] | None = None) -> Suggestion | None:
    """The point's pattern: phrases from its own sentences (indexes into `corpus`) that
    reach MIN_PRECISION on the whole corpus, best-covering first; None when none does.
    `where` is phrase_index(corpus), when the caller has it already."""
    where = phrase_index(corpus) if where is None else where
    ranked = []
    for phrase, hits in where.items():
        mine = hits & own
        if len(mine) >= MIN_OWN_HITS and len(mine) / len(hits) >= MIN_PRECISION:
            ranked.append((-len(mine), -len(mine) / len(hits), phrase))
    ranked.sort()
    chosen: list[str] = []
    matched: set[int] = set()
    for _, _, phrase in ranked:
        union = matched | where[phrase]
        if len(chosen) < MAX_PHRASES and not where[phrase] <= matched \
                and len(union & own) / len(union) >= MIN_PRECISION:
            chosen.append(phrase)
            matched = union
    return _checked(chosen, own, corpus) if chosen else None


def phrase_index(corpus: list[str]) -> dict[str, set[int]]:
    """Each candidate phrase, with the corpus sentences (indexes) holding it."""
    where: dict[str, set[int]] = defaultdict(set)
    for i, sentence in enumerate(corpus):
        for phrase in candidate_phrases(sentence):
            where[phrase].add(i)
    return where


def _checked(phrases: list[str], own: set[int], corpus: list[str]) -> Suggestion | None:
    """The joined regex, compiled and measured on the corpus itself (what a user will see)."""
    pattern = r"(?:" + "|".join(phrase_regex(p) for p in phrases) + ")"
    regex = re.compile(pattern, re.IGNORECASE)
    hits = {i for i, s in enumerate(corpus) if regex.search(s)}
    if not hits or len(hits & own) / len(hits) < MIN_PRECISION:
        return None
    return Suggestion(pattern, len(hits & own) / len(hits), len(hits), len(hits & own), len(own), phrases, hits)
