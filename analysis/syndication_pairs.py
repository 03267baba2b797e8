"""Whether two articles are one story (syndication.py finds the candidate pairs and groups them).

Only the body counts (headlines are rewritten on reposts), and independent write-ups of
one event quote the same words of the same people: so the checks past Jaccard look at the
"running text", the body's sentences outside quotation marks (a sentence counts when at
most QUOTED_SHARE of its characters are quoted; the headline is not in the body).
A pair is one story when the languages do not differ (both known and different: a
translation, an independent text) and, by word 3-shingles,
- Jaccard >= JACCARD_WIRE: "wire" (a copy), or
- containment (shared shingles / the shorter text's) >= CONTAINMENT_EDITED and the same
  of the running text's shingles >= RUNNING_CONTAINMENT: "edited" (a trimmed copy, a
  local intro, an added paragraph), or
- at least MIN_COPIED_SENTENCES running sentences, and COPIED_SHARE of the shorter text's,
  are near-identical to one in the other (cosine >= SENTENCE_COSINE, word Dice >=
  COPIED_DICE), in order: "edited" (a repost whose excerpt or edit keeps only part of the
  original in common), or
- "spun", when at least SENTENCE_SHARE_SHORT of the shorter text's running sentences and
  SENTENCE_SHARE_LONG of the longer's (and at least MIN_MATCHED_SENTENCES) have a
  counterpart with cosine >= SENTENCE_COSINE and word Dice >= SPUN_DICE (a synonym swap
  keeps names, numbers and small words), mostly in order (ORDER_SHARE of the matches on
  one increasing run).
Independent reports of one event share facts and quoted sentences, not most of their own
sentences in order (measured on real coverage: at most 4 of 7 running sentences reworded
and 3 near-identical, vs >= 0.8 reworded for spun rewrites and 5 of 11 near-identical for
two cuts of one wire story).
"""

from __future__ import annotations

import bisect
import re
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from .quote_text import extract_quotes
from .sentences import key_words, sentence_key

if TYPE_CHECKING:
    from .syndication import SyndicationDoc

SHINGLE = 3
MIN_SENTENCE_WORDS = 4
SENTENCE_COSINE = 0.8
SENTENCE_SHARE_SHORT = 0.7
SENTENCE_SHARE_LONG = 0.5
MIN_MATCHED_SENTENCES = 3
SPUN_DICE = 0.4
ORDER_SHARE = 0.7
JACCARD_WIRE = 0.8
CONTAINMENT_EDITED = 0.5
RUNNING_CONTAINMENT = 0.4
MIN_COPIED_SENTENCES = 4
COPIED_SHARE = 0.4
COPIED_DICE = 0.8
QUOTED_SHARE = 0.5  # a sentence with more of its words quoted is not the outlet's own text
VERSION = "2"  # of the verdict rules: verdicts kept from a run with other rules are not reused

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SHINGLE_MIX = tuple(np.uint64(c) for c in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)[:SHINGLE])


# --------------------------------------------------------------------------- shingles and sentences

def text_shingles(text: str, word_hashes: dict[str, int] | None = None) -> np.ndarray:
    """Word 3-shingles hashed to 32 bits, as a sorted array of distinct values (a tenth of
    the memory of a set of Python ints). Each word is hashed once (crc32: the same on every
    run and machine; `word_hashes` caches them across texts) and a shingle's hash mixes its
    three words' hashes (multiply-shift, the top 32 bits of a 64-bit sum)."""
    words = _WORD.findall((text or "").lower())
    if not words:
        return np.zeros(0, dtype=np.uint32)
    if len(words) < SHINGLE:
        words = words + [""] * (SHINGLE - len(words))
    cache = {} if word_hashes is None else word_hashes
    h = np.fromiter((cache[w] if w in cache else cache.setdefault(w, zlib.crc32(w.encode("utf-8"))) for w in words),
                    dtype=np.uint64, count=len(words))
    n = len(words) - SHINGLE + 1
    mixed = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k, factor in enumerate(_SHINGLE_MIX):
            mixed += h[k:k + n] * factor
    return np.unique((mixed >> np.uint64(32)).astype(np.uint32))


def compute_keys(doc: SyndicationDoc) -> list[str]:
    """Each sentence's sentence_key: the ones given, else computed."""
    if doc.keys is not None and len(doc.keys) == len(doc.sentences):
        return doc.keys
    return [sentence_key(s) for s in doc.sentences]


def normalise(m: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows left as they are)."""
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(norms > 0, norms, 1.0)


# --------------------------------------------------------------------------- verification

def verify_pair(a: SyndicationDoc, b: SyndicationDoc, sa: np.ndarray, sb: np.ndarray,
            content: Callable[[], tuple["Body", "Body"]]) -> str | None:
    """The pair's kind (wire|edited|spun) when it is one story, else None. `content` gives
    both documents' running text (only asked for when the shingles do not decide)."""
    if a.language and b.language and a.language.lower()[:2] != b.language.lower()[:2]:
        return None
    jaccard, containment = measure_overlap(sa, sb)
    if jaccard >= JACCARD_WIRE:
        return "wire"
    body_a, body_b = content()
    running = measure_overlap(body_a.shingles, body_b.shingles)[1]
    if containment >= CONTAINMENT_EDITED and running >= RUNNING_CONTAINMENT:
        return "edited"
    # Few shared words: only many matching sentences of the outlets' own text make a copy
    # (two one-line headlines about the same event are not copies of each other).
    copied, spun = _matched_sentences(body_a, body_b)
    return "spun" if spun else "edited" if copied else None


def measure_overlap(sa: np.ndarray, sb: np.ndarray) -> tuple[float, float]:
    """Jaccard and containment of two sorted arrays of distinct shingles."""
    if not len(sa) or not len(sb):
        return 0.0, 0.0
    shared = len(np.intersect1d(sa, sb, assume_unique=True))  # the union's size follows from it
    return shared / (len(sa) + len(sb) - shared), shared / min(len(sa), len(sb))


@dataclass
class Body:
    """An article's running text: its shingles, and its sentences' vectors and words."""

    shingles: np.ndarray
    vectors: np.ndarray | None
    words: list[frozenset[str]]


def _matched_sentences(a: Body, b: Body) -> tuple[bool, bool]:
    """(copied, spun): whether enough running sentences of the shorter text have a near-
    identical / a reworded counterpart in the other, mostly in order (module doc)."""
    if a.vectors is None or b.vectors is None or not len(a.vectors) or not len(b.vectors):
        return False, False
    if len(a.vectors) > len(b.vectors):
        a, b = b, a
    sims = a.vectors @ b.vectors.T
    best = sims.argmax(axis=1)
    dice = np.array([_dice(a.words[i], b.words[j]) for i, j in enumerate(best)])
    close = sims[np.arange(len(best)), best] >= SENTENCE_COSINE
    copied = _in_order(best[close & (dice >= COPIED_DICE)])
    reworded = _in_order(best[close & (dice >= SPUN_DICE)])
    spun = (reworded >= max(MIN_MATCHED_SENTENCES, SENTENCE_SHARE_SHORT * len(a.vectors))
            and reworded >= SENTENCE_SHARE_LONG * len(b.vectors))
    return copied >= max(MIN_COPIED_SENTENCES, COPIED_SHARE * len(a.vectors)), spun


def _in_order(matches: np.ndarray) -> int:
    """How many matches count: all of them when ORDER_SHARE lie on one increasing run."""
    return len(matches) if _increasing_run(matches.tolist()) >= ORDER_SHARE * len(matches) else 0


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2.0 * len(a & b) / (len(a) + len(b)) if a or b else 0.0


def read_running_text(doc: SyndicationDoc) -> Body:
    """The running text of an article: shingles of its unquoted body, and the vectors and
    words of its sentences of MIN_SENTENCE_WORDS+ words that are mostly unquoted."""
    spans = [(q.start, q.end) for q in extract_quotes(doc.text or "")]
    pieces, last = [], 0
    for start, end in spans:
        pieces.append(doc.text[last:start])
        last = max(last, end)
    pieces.append((doc.text or "")[last:])
    shingles = [text_shingles(p) for p in pieces if len(_WORD.findall(p)) >= SHINGLE]
    merged = np.unique(np.concatenate(shingles)) if shingles else np.zeros(0, dtype=np.uint32)
    keep = [i for i, k in enumerate(compute_keys(doc)) if key_words(k) >= MIN_SENTENCE_WORDS]
    keep = _running_sentences(doc, spans, keep)
    given = doc.sentence_vectors() if callable(doc.sentence_vectors) else doc.sentence_vectors
    vectors = np.asarray(given, dtype=np.float32) if given is not None else None
    if vectors is None or vectors.ndim != 2 or len(vectors) != len(doc.sentences):
        return Body(merged, None, [])
    keys = compute_keys(doc)
    return Body(merged, normalise(vectors[keep]), [frozenset(keys[i].split()) for i in keep])


def _running_sentences(doc: SyndicationDoc, spans: list[tuple[int, int]], keep: list[int]) -> list[int]:
    """Of the sentences `keep`, those found in the body with at most QUOTED_SHARE of their
    characters inside quotation marks; all of them when none is found (no body given)."""
    text, quoted = doc.text or "", np.zeros(len(doc.text or "") + 1, dtype=bool)
    for start, end in spans:
        quoted[start:end] = True
    found, cursor = {}, 0
    for i, sentence in enumerate(doc.sentences):
        at = text.find(sentence, cursor)
        if at >= 0 and sentence:
            found[i], cursor = quoted[at:at + len(sentence)].mean(), at + len(sentence)
    if not found:
        return keep
    return [i for i in keep if i in found and found[i] <= QUOTED_SHARE]


def _increasing_run(seq: list[int]) -> int:
    """Length of the longest non-decreasing subsequence (patience sorting, O(n log n))."""
    tails: list[int] = []
    for x in seq:
        k = bisect.bisect_right(tails, x)
        if k == len(tails):
            tails.append(x)
        else:
            tails[k] = x
    return len(tails)
