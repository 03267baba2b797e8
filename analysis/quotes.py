"""Quotes: find quoted spans in an article and grade each against the primary source.

Grades (issue 4), with the words of quote and source compared after lower-casing and
dropping punctuation (quote_align.py lines them up):
- exact: the same words as one source passage, ignoring punctuation, case, [brackets]
  and ellipses. An ellipsis-cut quote is exact when its pieces appear in order within
  one passage (at most ELLIPSIS_GAP source words apart); a bracketed insertion may stand
  for up to BRACKET_GAP source words ("[the Court] is" for "It is"); "[p]arallel" is
  "parallel"; "[sic]" is ignored.
- close: no word substituted, and at most max(2, CLOSE_EDIT_SHARE of the quote) trivial
  edits: words added or dropped, inflections ("rejects"/"rejected", is/was), contractions
  ("hasn't" for "has not").
- altered: the same passage with words substituted ("at this point" for "at this time",
  "nothing more" for "little more", a negation flipped): at least ALTERED_MATCHED of the
  quote's words (2+ content words) found in order, and the changes made in place (at most
  max(2, ADDED_SHARE of the quote) words with no source counterpart: a quote that echoes
  a phrase and then says something else is someone else's). With an embedder, a quote
  also counts as altered when its cosine to a source passage is >= EMB_ALTERED, or >=
  EMB_ALTERED_WITH_WORDS with token Dice >= WORDS_DICE_FOR_EMB, provided its words line
  up with that passage in place and no negation is flipped (machine-spun synonyms); and a
  quote altered by its words alone but with as many words substituted as kept stays
  altered only when its cosine to the source is >= WEAK_ALTERED (else it is someone
  else's sentence that shares a phrase with the source).
- altered, too: a short quote (4-8 words) the article credits to the court that rewords a
  source phrase in place, when the model agrees (quote_attributed.py).
- not_in_source: anything else (quotes of other people, translations, paraphrases that
  share only the subject).

`similarity` is 1.0 for exact quotes, else the larger of the token Dice and (with an
embedder) the best cosine to a source passage. `source_index` is the first sentence of
the passage quoted.

Scare quotes: 1-2 words are never quotes; 3-word quotes are kept by extract_quotes with
`short=True` and survive align_quotes only when they match the source exactly, so a quoted
ruling fragment ("timing and suspicion") counts and a scare-quoted "Big Tech" does not.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np

from .quote_align import (ADDED_SHARE, BRACKET_GAP, ELLIPSIS_GAP, Alignment, SourceIndex, align_fuzzy,
                          encode_unit, find_exact, score_window, segment_words, source_index)
from .quote_attributed import grade_short_credited
from .quote_text import Quote, extract_quotes, quote_segments
from .sentences import sentence_key

__all__ = ["GRADING_VERSION", "Quote", "extract_quotes", "align_quotes", "merge_sources", "quote_passages", "SourceIndex",
           "ELLIPSIS_GAP", "BRACKET_GAP", "ADDED_SHARE"]

GRADING_VERSION = "2"   # part of stored quote results' key: a change of rules regrades them
CLOSE_EDIT_SHARE = 0.10
ALTERED_MATCHED = 0.5
EMB_ALTERED = 0.80
EMB_ALTERED_WITH_WORDS = 0.6
WORDS_DICE_FOR_EMB = 0.3
WEAK_ALTERED = 0.6   # cosine a word-altered quote with as many words changed as kept needs (with a model)
FIDELITY_RANK = {"exact": 0, "close": 1, "altered": 2, "not_in_source": 3}


# --------------------------------------------------------------------------- sources

def merge_sources(sentence_lists) -> list[str]:
    """One source from every primary-source document of a story (copies or parts of it):
    their sentences in order, each passage once (a sentence whose words, case and
    punctuation aside, an earlier document already has is left out)."""
    merged, seen = [], set()
    for sentences in sentence_lists:
        for sentence in sentences:
            key = sentence_key(sentence)
            if key and key not in seen:
                seen.add(key)
                merged.append(sentence)
    return merged


# --------------------------------------------------------------------------- grading

def align_quotes(quotes, source_sentences, embedder=None, aliases=()) -> list[dict]:
    """Grade each quote against the source sentences (see the module docstring).

    Returns one dict per quote kept: {"text", "fidelity", "source_passage", "similarity",
    "source_index"}; short (3-word) quotes that are not exact matches are dropped as scare
    quotes. `embedder` is anything with `.encode(list[str]) -> array`; without one,
    altered quotes are found by shared words alone. `aliases` are groups of one party's
    names (the story's actors): naming a party by another of its names is a close edit.
    """
    return align_many([quotes], source_sentences, embedder, aliases)[0]


def align_many(quote_lists, source_sentences, embedder=None, aliases=()) -> list[list[dict]]:
    """`align_quotes` for several articles' quotes at once (the same results, list by list):
    the embedder gets all their quotes in one call, then all the passages they need in one."""
    lists = [[q if isinstance(q, Quote) else Quote(str(q), 0, 0) for q in quotes] for quotes in quote_lists]
    src = source_index(source_sentences, aliases)
    graded = [[_grade(q, src) for q in quotes] for quotes in lists]
    if embedder is not None and src.sentences:
        flat_quotes, flat_results = [q for quotes in lists for q in quotes], [r for rs in graded for r in rs]
        _grade_with_embeddings(flat_quotes, flat_results, src, embedder)
        grade_short_credited(flat_quotes, flat_results, src, embedder, aliases)
    return [[_public(r) for q, r in zip(quotes, results) if not q.short or r["fidelity"] == "exact"]
            for quotes, results in zip(lists, graded)]


def _grade(quote: Quote, src: SourceIndex) -> dict:
    segments = quote_segments(quote.text)
    result = {"text": quote.text, "fidelity": "not_in_source", "source_passage": None,
              "similarity": 0.0, "source_index": None, "_dice": 0.0}
    if not src.tokens or not any(words for seg in segments for words, _ in seg):
        return result
    exact = find_exact(segments, src)
    if exact:
        return _located(result, "exact", 1.0, src.sent_of[exact[0]], src.sent_of[exact[1]], src)
    aligned = align_fuzzy(segments, src)
    result["_dice"] = round(aligned.dice, 4)
    grade = _token_grade(aligned)
    if grade == "not_in_source" or aligned.first is None:
        result["similarity"] = round(aligned.dice, 4)
        result["_span"] = _sentences_of(aligned, src)
        return result
    first, last = _sentences_of(aligned, src)
    # As many words changed as kept: with an embedder the meaning must agree too (WEAK_ALTERED).
    result["_weak"] = grade == "altered" and aligned.substituted >= aligned.matched
    return _located(result, grade, aligned.dice, first, last, src)


def _token_grade(a: Alignment) -> str:
    if a.matched == 0:
        return "not_in_source"
    edits = a.inflected + a.added + a.dropped
    if a.substituted == 0 and edits <= max(2, math.floor(CLOSE_EDIT_SHARE * a.quote_len)) \
            and a.matched >= min(3, a.quote_len):
        return "close"
    if a.matched >= ALTERED_MATCHED * a.quote_len and a.content_matched >= 2 and a.in_place:
        return "altered"
    return "not_in_source"


def _sentences_of(a: Alignment, src: SourceIndex) -> tuple[int, int] | None:
    if a.first is None:
        return None
    return src.expanded_sent[a.first], src.expanded_sent[a.last]


def _located(result: dict, fidelity: str, similarity: float, first: int, last: int,
             src: SourceIndex) -> dict:
    last = min(last, first + 2)  # a long ellipsis quote shows its first three sentences
    result.update(fidelity=fidelity, similarity=round(float(similarity), 4),
                  source_passage=src.passage(first, last), source_index=first, _span=(first, last))
    return result


def _grade_with_embeddings(quotes: list[Quote], results: list[dict], src: SourceIndex, embedder) -> None:
    """Upgrade not_in_source to altered (and fill similarity) from embedding cosine."""
    todo = [i for i, r in enumerate(results) if r["fidelity"] in ("altered", "not_in_source")]
    if not todo:
        return
    sent_vecs = src.vectors(embedder)
    quote_vecs = encode_unit(embedder, [_plain(quotes[i].text) for i in todo])
    candidates = [_passage_spans(sent_vecs @ quote_vecs[row], results[i].get("_span"), src)
                  for row, i in enumerate(todo)]
    # every passage the quotes need, encoded in one call
    spans = list(dict.fromkeys(span for _, _, more in candidates for span in more))
    vectors = dict(zip(spans, encode_unit(embedder, [src.passage(a, b) for a, b in spans]))) if spans else {}
    for row, (i, (cosine, best, more)) in enumerate(zip(todo, candidates)):
        options = [(cosine, best, best)] + [(float(vectors[(a, b)] @ quote_vecs[row]), a, b) for a, b in more]
        _apply_embedding(results[i], quotes[i], sorted(options, key=lambda o: (-o[0], o[1], o[2])), src)


def _passage_spans(cos: np.ndarray, span, src: SourceIndex) -> tuple[float, int, list[tuple[int, int]]]:
    """The top sentence's cosine and index, and the passages to compare besides it: the top
    sentence joined with either neighbour, and the token span's first three sentences."""
    best = int(np.argmax(cos))
    spans = [(max(0, best - 1), best), (best, min(len(src.sentences) - 1, best + 1))]
    if span:
        spans.append((span[0], min(span[1], span[0] + 2)))
    return float(cos[best]), best, [s for s in dict.fromkeys(spans) if s != (best, best)]


def _apply_embedding(result: dict, quote: Quote, options: list[tuple], src: SourceIndex) -> None:
    """altered when the quote is close in meaning to a passage and its words line up with
    that passage in place, polarity kept (a spun copy), not merely on the same subject."""
    words, gaps = segment_words([p for segment in quote_segments(quote.text) for p in segment])
    best_dice = result["_dice"]
    for score, first, last in options:
        passage = score_window(words, gaps, src, src.starts[first], src.starts[last + 1])
        dice = max(result["_dice"], passage.dice)
        best_dice = max(best_dice, dice)
        similar = score >= EMB_ALTERED or (score >= EMB_ALTERED_WITH_WORDS and dice >= WORDS_DICE_FOR_EMB)
        if result["fidelity"] == "not_in_source" and similar and passage.in_place and not passage.negations:
            _located(result, "altered", score, first, last, src)
            break
    if result.get("_weak") and result["fidelity"] == "altered" and options[0][0] < WEAK_ALTERED:
        # half its words swapped and a different meaning: someone else's words on the same
        # subject ("reviews every customer against its acceptable use policy")
        result.update(fidelity="not_in_source", source_passage=None, source_index=None, _span=None)
    result["similarity"] = round(max(options[0][0], best_dice), 4)


def _plain(text: str) -> str:
    """Quote text for the embedder: ellipses and brackets out."""
    text = re.sub(r"\[(\w)\]", r"\1", text)
    text = re.sub(r"\[[^\]]*\]|…|\.\s?\.\s?\.", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _public(result: dict) -> dict:
    return {k: v for k, v in result.items() if not k.startswith("_")}


# --------------------------------------------------------------------------- passages payload

def quote_passages(per_article: dict[int, list[dict]], source_sentences: list[str],
                   source_article_id: int) -> dict:
    """The `quote_passages` payload: which source passages each article quoted, and how.

    Each article appears once per passage, with its most faithful grade there; quotes
    not in the source are left out. Passages are keyed by their first sentence's index.
    """
    quoted: dict[int, dict[int, str]] = defaultdict(dict)
    for article_id, rows in per_article.items():
        for row in rows:
            index = row.get("source_index")
            if index is None or row.get("fidelity") == "not_in_source":
                continue
            previous = quoted[index].get(article_id)
            if previous is None or FIDELITY_RANK[row["fidelity"]] < FIDELITY_RANK[previous]:
                quoted[index][article_id] = row["fidelity"]
    passages = [{"index": index, "text": source_sentences[index],
                 "quoted_by": [{"article_id": a, "fidelity": f} for a, f in sorted(by.items())]}
                for index, by in sorted(quoted.items()) if 0 <= index < len(source_sentences)]
    return {"source_article_id": source_article_id, "passages": passages}
