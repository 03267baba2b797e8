"""Aligning a quote's words with the primary source (quotes.py turns this into grades).

The source is one stream of lower-case words (contractions spelled out) with an inverted
index of words and word trigrams, so a quote is compared with a few candidate windows,
not with the whole source: long rulings stay fast.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from .quote_text import alias_groups, norm_tokens, same_party

ELLIPSIS_GAP = 250
BRACKET_GAP = 6
ADDED_SHARE = 0.2
MAX_NAME_WORDS = 4  # the longest party name looked for at a quote's edge
EDGE_UNKNOWN = 4   # this many quote words at an edge, none like the source there: text the source lacks

FUNCTION_WORDS = frozenset("""a an the of to in on at for by with from and or but as is are was were be been
being has have had do does did this that these those it its he she they we i you his her their our
will would can could shall should may might must which who whom what there than then so if into""".split())
_NEGATION = frozenset({"not", "no", "never", "nor", "none", "nothing", "without"})
_AUX_PAIRS = {frozenset(p) for p in [("is", "was"), ("are", "were"), ("has", "had"), ("have", "had"),
                                     ("does", "did"), ("do", "did"), ("will", "would"), ("can", "could"),
                                     ("shall", "should"), ("may", "might"), ("is", "are"), ("was", "were"),
                                     ("has", "have"), ("a", "an"), ("a", "the"), ("an", "the")]}
_CONTRACTIONS = {"won't": "will not", "can't": "can not", "cannot": "can not", "shan't": "shall not",
                 "it's": "it is", "that's": "that is", "there's": "there is", "he's": "he is",
                 "she's": "she is", "what's": "what is", "let's": "let us"}
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"), ("'m", " am"),
             ("'d", " would"))


# --------------------------------------------------------------------------- source index

class SourceIndex:
    """The primary source as one token stream, with the indexes alignment needs.
    `aliases` are groups of names of one party ("AWS", "Amazon"): a quote naming the party
    by another of its names is a trivial edit, not a substitution."""

    def __init__(self, sentences: list[str], aliases=()):
        self.sentences = list(sentences)
        self.aliases = alias_groups(aliases)
        self.tokens: list[str] = []
        self.sent_of: list[int] = []
        for i, sentence in enumerate(self.sentences):
            words = norm_tokens(sentence)
            self.tokens += words
            self.sent_of += [i] * len(words)
        self.expanded, self.expanded_sent = _expand_stream(self.tokens, self.sent_of)
        # expanded-stream index where each sentence starts (one extra entry: the end)
        self.starts = np.searchsorted(np.asarray(self.expanded_sent, dtype=int),
                                      np.arange(len(self.sentences) + 1)).tolist()
        self.positions = _positions(self.tokens)
        self.expanded_positions = _positions(self.expanded)
        self.trigrams = _trigram_index(self.expanded)
        self.rare_cap = max(5, len(self.tokens) // 500)
        self._vectors: dict[int, np.ndarray] = {}

    def vectors(self, embedder) -> np.ndarray:
        """Sentence vectors, computed once per embedder."""
        key = id(embedder)
        if key not in self._vectors:
            self._vectors[key] = encode_unit(embedder, self.sentences) if self.sentences else np.zeros((0, 1))
        return self._vectors[key]

    def passage(self, first: int, last: int) -> str:
        return " ".join(self.sentences[first:last + 1])


def _positions(tokens: list[str]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for i, token in enumerate(tokens):
        index[token].append(i)
    return index


def _trigram_index(tokens: list[str]) -> dict[tuple, list[int]]:
    index: dict[tuple, list[int]] = defaultdict(list)
    for i in range(len(tokens) - 2):
        index[tuple(tokens[i:i + 3])].append(i)
    return index


def _expand(word: str) -> list[str]:
    """Spell out a contraction so "doesn't" aligns with "does not" (a close edit)."""
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word].split()
    for suffix, full in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return (word[:-len(suffix)] + full).split()
    return [word]


def _expand_stream(tokens: list[str], sent_of: list[int]) -> tuple[list[str], list[int]]:
    out, sents = [], []
    for token, sent in zip(tokens, sent_of):
        parts = _expand(token)
        out += parts
        sents += [sent] * len(parts)
    return out, sents


_CACHE: dict[tuple, SourceIndex] = {}


def source_index(sentences, aliases=()) -> SourceIndex:
    """Build the index once per source text; a run aligns every article against one source."""
    if isinstance(sentences, SourceIndex):
        return sentences
    key = (tuple(sentences), tuple(tuple(names) for names in aliases or ()))
    if key not in _CACHE:
        if len(_CACHE) >= 4:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = SourceIndex(list(sentences), aliases)
    return _CACHE[key]


def encode_unit(embedder, texts: list[str]) -> np.ndarray:
    vectors = np.asarray(embedder.encode(list(texts)), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


# --------------------------------------------------------------------------- exact search

def find_exact(segments: list[list[tuple[list[str], str]]], src: SourceIndex) -> tuple[int, int] | None:
    """(first, last) source token of an exact occurrence of all pieces in order, else None."""
    pieces = [(words, gap) for segment in segments for words, gap in segment if words]
    if not pieces:
        return None
    for start in _piece_starts(pieces[0][0], src, 0, len(src.tokens))[:200]:
        end = start + len(pieces[0][0])
        for words, gap in pieces[1:]:
            limit = end + {"bracket": BRACKET_GAP, "ellipsis": ELLIPSIS_GAP}.get(gap, 0)
            found = _piece_starts(words, src, end, limit + 1)
            if not found:
                break
            end = found[0] + len(words)
        else:
            return start, end - 1
    return None


def _piece_starts(words: list[str], src: SourceIndex, lo: int, hi: int) -> list[int]:
    """Start positions in [lo, hi) where `words` occur verbatim, via the rarest word."""
    offset, rare = min(enumerate(words), key=lambda kv: (len(src.positions.get(kv[1], ())), kv[0]))
    starts = []
    for pos in src.positions.get(rare, ()):
        start = pos - offset
        if lo <= start < hi and src.tokens[start:start + len(words)] == words:
            starts.append(start)
    return starts


# --------------------------------------------------------------------------- fuzzy alignment

@dataclass
class Alignment:
    """How a quote's words sit against one source span (counts in words)."""

    quote_len: int = 0
    matched: int = 0
    content_matched: int = 0   # matched words that are not function words
    inflected: int = 0         # replaced by a form of the same word ("rejects"/"rejected")
    substituted: int = 0       # replaced by another word, or a negation added/dropped
    negations: int = 0         # of those, negations added, dropped or moved
    added: int = 0             # quote words with no source counterpart
    dropped: int = 0           # source words inside the span missing from the quote
    span_len: int = 0
    first: int | None = None   # expanded-stream positions of the aligned source span
    last: int | None = None

    @property
    def dice(self) -> float:
        total = self.quote_len + self.span_len
        return 2.0 * self.matched / total if total else 0.0

    @property
    def in_place(self) -> bool:
        """Words changed where they stood, not a different sentence sharing a phrase."""
        return self.first is not None and self.added <= max(2, ADDED_SHARE * self.quote_len)

    def rank(self) -> tuple:
        return (self.matched - self.substituted - self.added, -self.inflected - self.dropped)

    def add(self, other: "Alignment") -> None:
        for name in ("quote_len", "matched", "content_matched", "inflected", "substituted",
                     "negations", "added", "dropped", "span_len"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.first is not None:
            self.first = other.first if self.first is None else min(self.first, other.first)
            self.last = other.last if self.last is None else max(self.last, other.last)


def align_fuzzy(segments, src: SourceIndex) -> Alignment:
    """Align each ellipsis-separated segment near its best anchor, in order."""
    total, lo = Alignment(), 0
    for segment in segments:
        words, gaps = segment_words(segment)
        if not words:
            continue
        best = _align_segment(words, gaps, src, lo)
        if best.first is None and lo:
            best = _align_segment(words, gaps, src, 0)
        total.add(best)
        if best.last is not None:
            lo = best.last
    return total


def segment_words(segment: list[tuple[list[str], str]]) -> tuple[list[str], set[int]]:
    """Expanded words of a segment and the indexes where a bracket gap sits before a word."""
    words, gaps = [], set()
    for piece, gap in segment:
        if gap == "bracket":
            gaps.add(len(words))
        for word in piece:
            words += _expand(word)
    return words, gaps


def _align_segment(words: list[str], gaps: set[int], src: SourceIndex, lo: int) -> Alignment:
    best = Alignment(quote_len=len(words), added=len(words))
    pad = max(4, len(words) // 3) + BRACKET_GAP * len(gaps)
    for anchor in _anchors(words, src, lo):
        # an anchor is the start of an 8-word bin, so the window reaches 8 further
        a, b = max(0, anchor - pad), min(len(src.expanded), anchor + 8 + len(words) + pad)
        candidate = score_window(words, gaps, src, a, b)
        if candidate.rank() > best.rank():
            best = candidate
    return best


def _anchors(words: list[str], src: SourceIndex, lo: int, keep: int = 3) -> list[int]:
    """Likely start positions: votes from shared trigrams (weight 3) and rare words (1)."""
    votes: Counter = Counter()
    for i in range(len(words) - 2):
        for pos in src.trigrams.get(tuple(words[i:i + 3]), ()):
            if pos >= lo:
                votes[(pos - i) // 8] += 3
    for i, word in enumerate(words):
        hits = src.expanded_positions.get(word, ())
        if word not in FUNCTION_WORDS and 0 < len(hits) <= src.rare_cap:
            for pos in hits:
                if pos >= lo:
                    votes[(pos - i) // 8] += 1
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]
    return [max(0, b * 8) for b, _ in ranked]


def score_window(words: list[str], gaps: set[int], src: SourceIndex, a: int, b: int) -> Alignment:
    """Align a segment with src.expanded[a:b]; the aligned span runs from first to last match."""
    window = src.expanded[a:b]
    ops = SequenceMatcher(None, words, window, autojunk=False).get_opcodes()
    equal = _core_matches(ops, words, src.expanded_sent[a:b])
    result = Alignment(quote_len=len(words))
    if not equal:
        result.added = len(words)
        return result
    span = [ops[equal[0]][3], ops[equal[-1]][4]]
    free = 0
    for tag, i1, i2, j1, j2 in ops[equal[0]:equal[-1] + 1]:
        free += _score_op(result, tag, words[i1:i2], window[j1:j2], i1 in gaps, src.aliases)
    # the words before and after the matched span, each side taken whole
    head, tail = ops[equal[0]], ops[equal[-1]]
    if head[1] > 0:
        _score_edge(result, words[:head[1]], src, a, (0, head[3]), span, leading=True)
    if tail[2] < len(words):
        _score_edge(result, words[tail[2]:], src, a, (tail[4], len(window)), span, leading=False)
    result.first, result.last = a + span[0], a + span[1] - 1
    result.span_len = span[1] - span[0] - free
    return result


def _core_matches(ops: list[tuple], words: list[str], sent: list[int]) -> list[int]:
    """Indexes of the equal opcodes, without stray matches at either end that sit in another
    sentence: a lone "the" in the next sentence, or a word or two of the previous one far
    from the rest of the match, is not the quote going on."""
    equal = [k for k, op in enumerate(ops) if op[0] == "equal"]

    def stray(k: int, neighbour: int) -> bool:
        i1, i2, j1 = ops[k][1], ops[k][2], ops[k][3]
        between = ops[neighbour][1] - i2 if neighbour > k else i1 - ops[neighbour][2]  # quote words
        far = between >= EDGE_UNKNOWN
        short = i2 - i1 <= 2 and (far or all(w in FUNCTION_WORDS for w in words[i1:i2]))
        return short and sent[j1] != sent[ops[neighbour][3]]

    while len(equal) > 1 and stray(equal[-1], equal[-2]):
        equal.pop()
    while len(equal) > 1 and stray(equal[0], equal[1]):
        equal.pop(0)
    return equal


def _score_edge(result: Alignment, quoted: list[str], src: SourceIndex, a: int,
                source: tuple[int, int], span: list[int], leading: bool) -> None:
    """Quote words before/after the matched span: they replace words when the same source
    sentence goes on there ("nothing more than" for "little more than"), else they are added."""
    sentence = src.expanded_sent[a + (span[0] if leading else span[1] - 1)]
    same = [j for j in range(*source) if src.expanded_sent[a + j] == sentence]
    if _edge_renamed(result, quoted, src, a, same, span, leading):
        return
    # A quote running on past where the source sentence stops says something else there.
    k = len(quoted) if len(quoted) <= len(same) else 0
    opposite = [src.expanded[a + j] for j in (same[len(same) - k:] if leading else same[:k])]
    if k >= EDGE_UNKNOWN and not any(_trivial_pair(q, s) for q, s in zip(quoted, opposite)):
        # a long edge with nothing like the source there: the quote goes on where the known
        # text has a gap (or says something else), which is not a substitution
        k, opposite = 0, []
    paired = quoted[len(quoted) - k:] if leading else quoted[:k]
    _score_pairs(result, paired, opposite, src.aliases)
    result.added += len(quoted) - k
    if k and leading:
        span[0] = same[len(same) - k]
    elif k:
        span[1] = same[k - 1] + 1


def _edge_renamed(result: Alignment, quoted: list[str], src: SourceIndex, a: int, same: list[int],
                  span: list[int], leading: bool) -> bool:
    """The edge words are another name of the party the source names there ("the app maker"
    for "GadgetCo"): one trivial edit, and the span takes in the source's name."""
    for m in range(1, min(len(same), MAX_NAME_WORDS) + 1):
        named = same[len(same) - m:] if leading else same[:m]
        if same_party(quoted, [src.expanded[a + j] for j in named], src.aliases):
            result.inflected += 1
            span[0 if leading else 1] = named[0] if leading else named[-1] + 1
            return True
    return False


def _score_op(result: Alignment, tag: str, quoted: list[str], source: list[str], at_gap: bool,
              aliases: dict[tuple[str, ...], int] | None = None) -> int:
    """Count one opcode; returns the source words a bracketed insertion stands for (free)."""
    negations = sum(w in _NEGATION for w in quoted + source)
    if tag == "equal":
        result.matched += len(quoted)
        result.content_matched += sum(w not in FUNCTION_WORDS for w in quoted)
    elif tag == "insert" and at_gap and len(source) <= BRACKET_GAP:
        return len(source)
    elif tag == "insert":
        result.dropped += len(source) - negations
        result.substituted += negations
        result.negations += negations
    elif tag == "delete":
        result.added += len(quoted) - negations
        result.substituted += negations
        result.negations += negations
    else:
        _score_pairs(result, quoted, source, aliases)
    return 0


def _score_pairs(result: Alignment, quoted: list[str], source: list[str],
                 aliases: dict[tuple[str, ...], int] | None = None) -> None:
    """Words replaced pairwise; the longer side's surplus is added or dropped. Another name
    of the same party ("Amazon" for "AWS") is one trivial edit."""
    if same_party(quoted, source, aliases):
        result.inflected += 1
        return
    k = min(len(quoted), len(source))
    trivial = sum(_trivial_pair(q, s) for q, s in zip(quoted, source))
    result.negations += sum((q in _NEGATION) != (s in _NEGATION) for q, s in zip(quoted, source))
    result.inflected += trivial
    result.substituted += k - trivial
    result.added += len(quoted) - k
    result.dropped += len(source) - k


def _trivial_pair(a: str, b: str) -> bool:
    if a in _NEGATION or b in _NEGATION:
        return False
    if frozenset((a, b)) in _AUX_PAIRS:
        return True
    stem = len(_common_prefix(a, b))
    return stem >= 4 and stem >= min(len(a), len(b)) - 3


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]
