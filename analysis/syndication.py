"""Syndication: group wire copies, light edits and machine-spun rewrites of one original.

Candidates (never all pairs): MinHash-LSH on word 3-shingles finds texts that share words;
an index of exact sentences finds trimmed copies (high containment, low Jaccard); nearest
neighbours of the article vectors (k = NEIGHBOURS) find rewrites that share few words. Each candidate pair is verified, then union-find joins the verified pairs.

Only the body counts (headlines are rewritten on reposts), and independent write-ups of
one event quote the same words of the same people: so the checks past Jaccard look at the
"running text", the body's sentences outside quotation marks (a sentence counts when at
most half its words are quoted; the headline is not in the body).
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
sentences in order (measured on real coverage: at most 4 of 7 running sentences, 3 near-
identical, vs >= 0.8 of them for spun rewrites and 6 of 12 for two cuts of one wire story).
A group is "wire" when all its verified pairs are, "spun" when all are, "edited" when all
are wire or edited, else "mixed".
"""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

from collections import OrderedDict
from typing import Callable

import numpy as np

from .quote_text import extract_quotes
from .sentences import key_words, sentence_key

NUM_PERM, BANDS = 64, 16           # 16 bands x 4 rows: pairs with Jaccard >= ~0.5 collide
SHINGLE = 3
NEIGHBOURS = 10
NEIGHBOUR_MIN_COSINE = 0.6
NEIGHBOUR_BLOCK = 512  # rows of the similarity matrix computed at once
MAX_BUCKET = 64                    # a bigger LSH bucket is linked as a chain, not all pairs
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
CONTENT_CACHE = 2048  # documents whose content vectors are kept between pairs (bounded memory)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_MASK = np.uint64(0xFFFFFFFF)
_SHINGLE_MIX = tuple(np.uint64(c) for c in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)[:SHINGLE])


@dataclass
class SyndicationDoc:
    """One article as syndication sees it; vectors are normalised sentence embeddings.
    `sentence_vectors` may be a function giving them, called only when a pair needs them.
    `shingles` (text_shingles of the text) and `keys` (each sentence's sentence_key) are
    computed when not given. `key`, when given, identifies everything a verdict on the
    article depends on (text, sentences, vectors' model, language, code): pairs of keyed
    articles can take their verdict from an earlier run (see group_syndication)."""

    id: int
    text: str
    sentences: list[str]
    sentence_vectors: np.ndarray | Callable[[], np.ndarray] | None
    vector: np.ndarray
    language: str = ""
    published: datetime | None = None
    shingles: np.ndarray | None = None
    keys: list[str] | None = None
    key: str = ""


@dataclass
class SyndicationResult:
    group_of: dict[int, str | None] = field(default_factory=dict)
    original_of: dict[int, bool] = field(default_factory=dict)
    groups: list[dict] = field(default_factory=list)
    candidate_pairs: int = 0      # how many pairs were candidates (stays ~linear in docs)
    verdicts: dict[str, str] = field(default_factory=dict)  # pair key -> kind ("" not one story), verified now


def group_syndication(docs: list[SyndicationDoc],
                      known: Callable[[list[str]], dict[str, str]] | None = None) -> SyndicationResult:
    """Group copies and rewrites; singletons get group None and count as originals.

    `known(pair_keys)` may give earlier verdicts ({pair key: kind, "" for not one story})
    of candidate pairs of keyed documents; the others are verified and returned in
    `verdicts`, for the caller to keep. Candidates are found afresh every time.
    """
    docs = sorted(docs, key=lambda d: d.id)
    word_hashes: dict[str, int] = {}  # each distinct word hashed once for the whole corpus
    shingles = [d.shingles if d.shingles is not None else text_shingles(d.text, word_hashes) for d in docs]
    del word_hashes
    pairs = sorted(_lsh_pairs(shingles) | _shared_sentence_pairs(docs) | _neighbour_pairs(docs))
    pair_keys = [_pair_key(docs[i], docs[j]) for i, j in pairs]
    earlier = known([k for k in pair_keys if k]) if known is not None else {}
    verdicts: dict[str, str] = {}
    uf, kinds = _UnionFind(len(docs)), {}
    content: OrderedDict[int, _Body] = OrderedDict()  # recent documents' running text

    def vectors(k: int) -> _Body:
        if k in content:
            content.move_to_end(k)
        else:
            content[k] = _body(docs[k])
            if len(content) > CONTENT_CACHE:
                content.popitem(last=False)
        return content[k]

    for (i, j), pair_key in zip(pairs, pair_keys):
        if pair_key in earlier:
            kind = earlier[pair_key] or None
        else:
            kind = _verify(docs[i], docs[j], shingles[i], shingles[j], lambda: (vectors(i), vectors(j)))
            if pair_key:
                verdicts[pair_key] = kind or ""
        if kind:
            kinds[(i, j)] = kind
            uf.union(i, j)
    result = _result(docs, uf, kinds)
    result.candidate_pairs, result.verdicts = len(pairs), verdicts
    return result


def _pair_key(a: SyndicationDoc, b: SyndicationDoc) -> str:
    """The verdict's key: the rules' VERSION and both documents' keys, in the pair's order
    ("" when one has none)."""
    if not a.key or not b.key:
        return ""
    return hashlib.sha256(f"{VERSION}\n{a.key}\n{b.key}".encode("ascii", "replace")).hexdigest()


# --------------------------------------------------------------------------- candidates

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


def _minhash(shingles: list[np.ndarray]) -> np.ndarray:
    """docs x NUM_PERM signatures by multiply-shift hashing (uint64 wraps on purpose)."""
    rng = np.random.default_rng(12345)
    a = rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
    sigs = np.full((len(shingles), NUM_PERM), np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for row, values in enumerate(shingles):
            if len(values):
                x = values.astype(np.uint64)[:, None]
                sigs[row] = (((x * a + b) >> np.uint64(32)) & _MASK).min(axis=0)
    return sigs


def _lsh_pairs(shingles: list[np.ndarray]) -> set[tuple[int, int]]:
    sigs = _minhash(shingles)
    rows = NUM_PERM // BANDS
    pairs: set[tuple[int, int]] = set()
    for band in range(BANDS):
        buckets: dict[bytes, list[int]] = {}
        for doc, sig in enumerate(sigs[:, band * rows:(band + 1) * rows]):
            if len(shingles[doc]):
                buckets.setdefault(sig.tobytes(), []).append(doc)
        for members in buckets.values():
            pairs |= _bucket_pairs(members)
    return pairs


def _bucket_pairs(members: list[int]) -> set[tuple[int, int]]:
    """All pairs of a small bucket; a huge bucket (boilerplate) becomes a chain."""
    if len(members) <= MAX_BUCKET:
        return {(a, b) for k, a in enumerate(members) for b in members[k + 1:]}
    return set(zip(members, members[1:]))


def _shared_sentence_pairs(docs: list[SyndicationDoc]) -> set[tuple[int, int]]:
    """Texts sharing two identical sentences (one, for a text of one or two): a trimmed wire
    copy keeps its sentences but can share too few shingles overall for LSH to catch."""
    postings: dict[str, list[int]] = {}
    short = set()
    for i, doc in enumerate(docs):
        keys = _sentence_keys(doc)
        if len(keys) <= 2:
            short.add(i)
        for key in keys:
            postings.setdefault(key, []).append(i)
    shared: dict[tuple[int, int], int] = {}
    for members in postings.values():
        for pair in _bucket_pairs(sorted(set(members))):
            shared[pair] = shared.get(pair, 0) + 1
    return {p for p, n in shared.items() if n >= 2 or p[0] in short or p[1] in short}


def _sentence_keys(doc: SyndicationDoc) -> set[str]:
    keys = _keys(doc) if doc.sentences else [sentence_key(s) for s in (doc.text or "").splitlines()]
    return {k for k in keys if key_words(k) >= MIN_SENTENCE_WORDS}


def _keys(doc: SyndicationDoc) -> list[str]:
    """Each sentence's sentence_key: the ones given, else computed."""
    if doc.keys is not None and len(doc.keys) == len(doc.sentences):
        return doc.keys
    return [sentence_key(s) for s in doc.sentences]


def _neighbour_pairs(docs: list[SyndicationDoc]) -> set[tuple[int, int]]:
    """Each article with its nearest neighbours by article vector (cosine).

    Exact brute force in row blocks of NEIGHBOUR_BLOCK: memory stays at one block x n
    similarity matrix (about 20 MB at 10,000 articles) instead of the whole n x n.
    """
    usable = [i for i, d in enumerate(docs) if d.vector is not None and np.size(d.vector)]
    if len(usable) < 2:
        return set()
    vectors = _normalise(np.vstack([np.asarray(docs[i].vector, dtype=np.float32) for i in usable]))
    k = min(NEIGHBOURS + 1, len(usable))
    pairs = set()
    for lo in range(0, len(usable), NEIGHBOUR_BLOCK):
        sims = vectors[lo:lo + NEIGHBOUR_BLOCK] @ vectors.T
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < len(usable) else np.tile(np.arange(len(usable)), (len(sims), 1))
        for row, js in enumerate(top):
            for j in js:
                a, b = usable[lo + row], usable[int(j)]
                if a != b and sims[row, j] >= NEIGHBOUR_MIN_COSINE:
                    pairs.add((min(a, b), max(a, b)))
    return pairs


def _normalise(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=-1, keepdims=True)
    return m / np.where(norms > 0, norms, 1.0)


# --------------------------------------------------------------------------- verification

def _verify(a: SyndicationDoc, b: SyndicationDoc, sa: np.ndarray, sb: np.ndarray,
            content: Callable[[], tuple["_Body", "_Body"]]) -> str | None:
    """The pair's kind (wire|edited|spun) when it is one story, else None. `content` gives
    both documents' running text (only asked for when the shingles do not decide)."""
    if a.language and b.language and a.language.lower()[:2] != b.language.lower()[:2]:
        return None
    jaccard, containment = _overlap(sa, sb)
    if jaccard >= JACCARD_WIRE:
        return "wire"
    body_a, body_b = content()
    if containment >= CONTAINMENT_EDITED and _overlap(body_a.shingles, body_b.shingles)[1] >= RUNNING_CONTAINMENT:
        return "edited"
    # Few shared words: only many matching sentences of the outlets' own text make a copy
    # (two one-line headlines about the same event are not copies of each other).
    copied, spun = _matched_sentences(body_a, body_b)
    return "spun" if spun else "edited" if copied else None


def _overlap(sa: np.ndarray, sb: np.ndarray) -> tuple[float, float]:
    """Jaccard and containment of two sorted arrays of distinct shingles."""
    if not len(sa) or not len(sb):
        return 0.0, 0.0
    shared = len(np.intersect1d(sa, sb, assume_unique=True))  # the union's size follows from it
    return shared / (len(sa) + len(sb) - shared), shared / min(len(sa), len(sb))


@dataclass
class _Body:
    """An article's running text: its shingles, and its sentences' vectors and words."""

    shingles: np.ndarray
    vectors: np.ndarray | None
    words: list[frozenset[str]]


def _matched_sentences(a: _Body, b: _Body) -> tuple[bool, bool]:
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


def _body(doc: SyndicationDoc) -> _Body:
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
    keep = [i for i, k in enumerate(_keys(doc)) if key_words(k) >= MIN_SENTENCE_WORDS]
    keep = _running_sentences(doc, spans, keep)
    given = doc.sentence_vectors() if callable(doc.sentence_vectors) else doc.sentence_vectors
    vectors = np.asarray(given, dtype=np.float32) if given is not None else None
    if vectors is None or vectors.ndim != 2 or len(vectors) != len(doc.sentences):
        return _Body(merged, None, [])
    keys = _keys(doc)
    return _Body(merged, _normalise(vectors[keep]), [frozenset(keys[i].split()) for i in keep])


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
    import bisect

    tails: list[int] = []
    for x in seq:
        k = bisect.bisect_right(tails, x)
        if k == len(tails):
            tails.append(x)
        else:
            tails[k] = x
    return len(tails)


# --------------------------------------------------------------------------- groups

class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _result(docs: list[SyndicationDoc], uf: _UnionFind, kinds: dict) -> SyndicationResult:
    members: dict[int, list[int]] = {}
    for i in range(len(docs)):
        members.setdefault(uf.find(i), []).append(i)
    edge_kinds: dict[int, set[str]] = {}
    for (i, _), kind in kinds.items():
        edge_kinds.setdefault(uf.find(i), set()).add(kind)
    result = SyndicationResult()
    for doc in docs:
        result.group_of[doc.id], result.original_of[doc.id] = None, True
    for root, group in sorted(members.items()):
        if len(group) < 2:
            continue
        original = min(group, key=lambda i: (_when(docs[i].published), docs[i].id))
        gid = f"syn-{min(docs[i].id for i in group)}"
        for i in group:
            result.group_of[docs[i].id] = gid
            result.original_of[docs[i].id] = i == original
        result.groups.append({"group": gid, "article_ids": sorted(docs[i].id for i in group),
                              "original_article_id": docs[original].id,
                              "kind": _group_kind(edge_kinds.get(root, set()))})
    result.groups.sort(key=lambda g: g["article_ids"][0])
    return result


def _when(published: datetime | None) -> tuple[int, datetime]:
    """Sort key: dated articles first, by date (naive dates read as UTC)."""
    if published is None:
        return (1, datetime.min.replace(tzinfo=timezone.utc))
    if published.tzinfo is None:
        published = published.replace(tzinfo=timezone.utc)
    return (0, published)


def _group_kind(kinds: set[str]) -> str:
    if len(kinds) == 1:
        return next(iter(kinds))
    return "edited" if kinds <= {"wire", "edited"} else "mixed"
