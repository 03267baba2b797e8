"""Syndication: group wire copies, light edits and machine-spun rewrites of one original.

Candidates (never all pairs): MinHash-LSH on word 3-shingles finds texts that share words;
an index of exact sentences finds trimmed copies (high containment, low Jaccard); nearest
neighbours of the article vectors (k = NEIGHBOURS) find rewrites that share few words. Each candidate pair is verified, then union-find joins the verified pairs.

A pair is verified by syndication_pairs.py (word shingles, then the outlets' own sentences).
A group is "wire" when all its verified pairs are, "spun" when all are, "edited" when all
are wire or edited, else "mixed".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone

from collections import OrderedDict
from typing import Callable

import numpy as np

from .sentences import key_words, sentence_key
from .syndication_pairs import (MIN_SENTENCE_WORDS, VERSION, Body, compute_keys, normalise, read_running_text,
                                text_shingles, verify_pair)

NUM_PERM, BANDS = 64, 16           # 16 bands x 4 rows: pairs with Jaccard >= ~0.5 collide
NEIGHBOURS = 10
NEIGHBOUR_MIN_COSINE = 0.6
NEIGHBOUR_BLOCK = 512  # rows of the similarity matrix computed at once
MAX_BUCKET = 64                    # a bigger LSH bucket is linked as a chain, not all pairs
CONTENT_CACHE = 2048  # documents whose running text is kept between pairs (bounded memory)

_MASK = np.uint64(0xFFFFFFFF)


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
    content: OrderedDict[int, Body] = OrderedDict()  # recent documents' running text

    def body(k: int) -> Body:
        if k in content:
            content.move_to_end(k)
        else:
            content[k] = read_running_text(docs[k])
            if len(content) > CONTENT_CACHE:
                content.popitem(last=False)
        return content[k]

    for (i, j), pair_key in zip(pairs, pair_keys):
        if pair_key in earlier:
            kind = earlier[pair_key] or None
        else:
            kind = verify_pair(docs[i], docs[j], shingles[i], shingles[j], lambda: (body(i), body(j)))
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
    keys = compute_keys(doc) if doc.sentences else [sentence_key(s) for s in (doc.text or "").splitlines()]
    return {k for k in keys if key_words(k) >= MIN_SENTENCE_WORDS}



def _neighbour_pairs(docs: list[SyndicationDoc]) -> set[tuple[int, int]]:
    """Each article with its nearest neighbours by article vector (cosine).

    Exact brute force in row blocks of NEIGHBOUR_BLOCK: memory stays at one block x n
    similarity matrix (about 20 MB at 10,000 articles) instead of the whole n x n.
    """
    usable = [i for i, d in enumerate(docs) if d.vector is not None and np.size(d.vector)]
    if len(usable) < 2:
        return set()
    vectors = normalise(np.vstack([np.asarray(docs[i].vector, dtype=np.float32) for i in usable]))
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
