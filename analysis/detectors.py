"""Evidence-backed detectors built from a story's `Detector`s.

A sentence matches a detector when one of its patterns matches and none of its exclude
patterns does, or when its embedding is close enough to one of the detector's prototype
sentences (>= threshold) and closer to them than to the detector's near-miss (negative)
prototypes. Each answer keeps the sentences that made it.

Every sentence of a story's coverage shares its topic (the same parties, the same court),
which lifts raw cosines towards any prototype. So a prototype match must also hold once
the story's topic direction (the mean of all its prototype vectors) is removed from both
sides: `CENTRED_THRESHOLD` on the centred cosine, and closer (centred) to the prototypes
than to the near-misses. The topic comes from the story file, not the corpus, so an
article's answers do not change when other articles are added.

Sentences are scored once per distinct text over a `SentenceBank` (wire copies repeat
many sentences), with one sentences x prototypes matrix product for all detectors.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import numpy as np

from framelens.stories import Detector

DEFAULT_THRESHOLD = 0.6   # raw cosine to a prototype, when the story sets none
CENTRED_THRESHOLD = 0.6   # cosine after removing the story's topic (tuned on analysis/devset.jsonl)
NEGATIVE_MARGIN = 0.02    # a sentence must be this much closer (centred) to a prototype than to any near-miss
TOPIC_PRIOR = 8           # the topic vector is shrunk by n / (n + TOPIC_PRIOR): few prototypes, little centring
MAX_EVIDENCE = 3
_CHUNK = 4096             # sentences per block of the similarity matrix


@dataclass
class Matcher:
    """One detector, compiled: patterns and prototype vectors."""

    detector: Detector
    patterns: list[re.Pattern]
    excludes: list[re.Pattern]
    prototypes: np.ndarray  # (p, d)
    negatives: np.ndarray  # (q, d)
    threshold: float
    topic: np.ndarray | None = None  # (d,): removed before the centred comparison
    lowered: list[re.Pattern] | None = field(init=False)  # `patterns` for lower-cased text; None: search as written
    needles: list[tuple[str, ...] | None] = field(init=False)  # per lowered pattern: text with none of these can't match

    def __post_init__(self) -> None:
        self.lowered = _for_lowered_text(self.patterns) if self.patterns else None
        self.needles = [needles(p.pattern) for p in self.lowered or []]

    @property
    def id(self) -> str:
        return self.detector.id

    def pattern_hit(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    def excluded(self, text: str) -> bool:
        return any(p.search(text) for p in self.excludes)


def build_matchers(detectors: Iterable[Detector], vectors: Mapping[str, np.ndarray], dim: int,
                   default_threshold: float = DEFAULT_THRESHOLD, use_prototypes: bool = True,
                   topic: np.ndarray | None = None) -> list[Matcher]:
    """Compile detectors; `vectors` maps prototype text -> its embedding, `topic` is `topic_vector(...)`.

    `use_prototypes=False` gives the patterns-only baseline the benchmark compares with.
    """
    def stack(texts: list[str]) -> np.ndarray:
        if not use_prototypes or not texts:
            return np.zeros((0, dim), dtype=np.float32)
        return np.vstack([vectors[t] for t in texts]).astype(np.float32)

    return [Matcher(d, _compile(d.patterns), _compile(d.exclude_patterns), stack(d.prototypes),
                    stack(d.negative_prototypes), d.threshold or default_threshold, topic) for d in detectors]


def topic_vector(prototype_vectors: np.ndarray) -> np.ndarray:
    """What a story's prototypes share: their mean, shrunk towards zero when they are few."""
    n = len(prototype_vectors)
    if not n:
        return np.zeros(prototype_vectors.shape[1] if prototype_vectors.ndim == 2 else 1, dtype=np.float32)
    return (prototype_vectors.mean(axis=0) * n / (n + TOPIC_PRIOR)).astype(np.float32)


def centre(vectors: np.ndarray, topic: np.ndarray | None) -> np.ndarray:
    """Rows minus the topic, re-normalised (rows equal to the topic become zero)."""
    if topic is None or not len(vectors):
        return vectors
    out = np.empty(vectors.shape, dtype=np.float32)
    for start in range(0, len(vectors), _CHUNK):  # block by block: no full-size temporaries
        block = vectors[start:start + _CHUNK] - topic
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        out[start:start + _CHUNK] = block / norms
    return out


def _compile(patterns: list[str]) -> list[re.Pattern]:
    """One alternation per detector (fewer passes over each sentence), else one regex each."""
    if not patterns:
        return []
    try:
        return [re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)]
    except re.error:
        return [re.compile(p, re.IGNORECASE) for p in patterns]


def _for_lowered_text(patterns: list[re.Pattern]) -> list[re.Pattern] | None:
    """The same patterns without IGNORECASE, to search text lower-cased once per corpus.

    Case-insensitive matching costs Python's regex engine about a third more per sentence;
    a pattern written in lower case finds the same sentences in the lower-cased text (but
    for the few letters IGNORECASE also equates across scripts: Turkish ı and İ, the long
    ſ). None when a pattern has an upper-case letter (a group name, \\N{...}), a letter
    whose case does not map one to one (ß) or other flags: those search the text as written.
    """
    out = []
    for p in patterns:
        if p.flags & ~(re.IGNORECASE | re.UNICODE) or not _case_free(p.pattern):
            return None
        out.append(re.compile(p.pattern))
    return out


def _case_free(source: str) -> bool:
    """Outside backslash escapes: only ASCII or Latin-1 characters that are their own lower case."""
    i = 0
    while i < len(source):
        c = source[i]
        if c == "\\":
            i += 2
            continue
        if c != c.lower() or not (c.isascii() or ("\u00e0" <= c <= "\u00ff" and c not in "ß÷")):
            return False
        i += 1
    return True


MIN_NEEDLE = 3  # shorter required strings filter too little to be worth the test


def needles(pattern: str) -> tuple[str, ...] | None:
    """Strings of which a text must contain at least one for `pattern` (no flags) to match it.

    Most patterns need a literal word somewhere ("statehouse", or one of "seat", "bench",
    "job"); `needle in text` costs a fraction of a regex search, and most sentences hold
    none, so the search runs only where it can succeed. None where no string of at least
    MIN_NEEDLE characters is required (or the pattern does not parse): search everywhere.
    """
    try:
        from re import _parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_parse
    try:
        parsed = sre_parse.parse(pattern, 0)
    except Exception:  # an unusual pattern: no filter
        return None
    found = _required(list(parsed), sre_parse)
    return tuple(sorted(found)) if found and min(map(len, found)) >= MIN_NEEDLE else None


def _required(items: list, sre) -> frozenset[str] | None:
    """The best set of strings one of which every match of the sequence `items` contains."""
    c = sre.constants if hasattr(sre, "constants") else sre
    repeats = {c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)}
    best, run = None, []

    def consider(candidate):
        nonlocal best
        if candidate and (best is None or min(map(len, candidate)) > min(map(len, best))):
            best = candidate

    for op, arg in items + [(None, None)]:
        if op is c.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            consider(frozenset(["".join(run)]))
            run = []
        if op is c.SUBPATTERN and not arg[1] and not arg[2]:  # a group without flags of its own
            consider(_required(list(arg[3]), sre))
        elif op is c.BRANCH:
            branches = [_required(list(b), sre) for b in arg[1]]
            if all(branches):
                consider(frozenset().union(*branches))
        elif op in repeats and arg[0] >= 1:
            consider(_required(list(arg[2]), sre))
    return best


def prototype_texts(detectors: Iterable[Detector]) -> list[str]:
    """Every example sentence of the detectors, their other languages' included."""
    return [t for d in detectors
            for t in d.prototypes + d.negative_prototypes
            + [x for cues in d.languages.values() for x in cues.prototypes + cues.negative_prototypes]]


# Words that negate what follows them in a clause, in the languages story files carry cues for
# (English, French, Italian, Spanish, Portuguese, German).
NEGATION = re.compile(
    r"\b(?:not|no|never|nothing|none|neither|nor|without|cannot|isn\W?t|wasn\W?t|doesn\W?t|didn\W?t|hadn\W?t|"
    r"hasn\W?t|haven\W?t|won\W?t|aren\W?t|weren\W?t|nicht|kein\w*|nie|niemals|ohne|pas|jamais|rien|sans|non|"
    r"nada|nunca|sin|ni|nem|não|nao|senza|mai|niente|nulla)\b", re.IGNORECASE)
NEGATION_WORDS = 8          # a negation this many words or fewer before a hit, in its clause, negates it
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–]|\s-\s|\b(?:but|however|yet|although|though|while|mais|aber|pero|ma|mas)\b",
                           re.IGNORECASE)


def negated(text: str, start: int) -> bool:
    """Is the phrase at `start` negated: "is not about free speech", "nothing to do with it"?"""
    before = text[:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    clause = before[breaks[-1].end():] if breaks else before
    words = re.findall(r"[\w'’]+", clause)[-NEGATION_WORDS:]
    return bool(NEGATION.search(" ".join(words)))


def _affirmed(m: "Matcher", text: str) -> bool:
    """A pattern hit that no negation in its clause cancels."""
    return any(not negated(text, hit.start()) for p in m.patterns for hit in p.finditer(text))


class SentenceBank:
    """The distinct sentences of a corpus with their (L2-normalised) vectors."""

    def __init__(self, texts: list[str], vectors: np.ndarray):
        self.texts = list(texts)
        vectors = np.asarray(vectors, dtype=np.float32)
        self.vectors = vectors if vectors.ndim == 2 and not len(self.texts) else vectors.reshape(len(self.texts), -1)
        self.index = {t: i for i, t in enumerate(self.texts)}

    def __len__(self) -> int:
        return len(self.texts)

    def ids(self, sentences: list[str]) -> np.ndarray:
        return np.fromiter((self.index[s] for s in sentences), dtype=np.int64, count=len(sentences))

    @classmethod
    def from_lookup(cls, sentences: Iterable[str], lookup: Mapping[str, np.ndarray], dim: int) -> "SentenceBank":
        texts = list(dict.fromkeys(sentences))
        vectors = np.vstack([lookup[t] for t in texts]) if texts else np.zeros((0, dim), np.float32)
        return cls(texts, vectors)


@dataclass
class SentenceScores:
    """Per-sentence answers of one matcher: hit, and strength (1.0 for a pattern, else similarity)."""

    hit: np.ndarray  # bool (n,)
    score: np.ndarray  # float (n,)

    def take(self, ids: np.ndarray) -> "SentenceScores":
        return SentenceScores(self.hit[ids], self.score[ids])

    def evidence(self, sentences: list[str], limit: int = MAX_EVIDENCE) -> list[str]:
        """The strongest matching sentences, in text order."""
        hits = np.flatnonzero(self.hit)
        best = hits[np.argsort(-self.score[hits], kind="stable")][:limit]
        return [sentences[i] for i in sorted(best)]


def max_similarities(vectors: np.ndarray, groups: list[np.ndarray], topic: np.ndarray | None = None
                     ) -> list[np.ndarray]:
    """For each group of prototype vectors, every row's best cosine to it (-1 for an empty group).

    With `topic`, the rows are centred first (`centre`), block by block: the same figures as
    centring them all, without a second copy of the bank (136 MB at 10,000 articles)."""
    n = len(vectors)
    sizes = [len(g) for g in groups]
    out = [np.full(n, -1.0, dtype=np.float32) for _ in groups]
    if not n or not sum(sizes):
        return out
    protos = np.vstack([g for g in groups if len(g)]).astype(np.float32)
    bounds = np.cumsum([0] + sizes)
    for start in range(0, n, _CHUNK):
        rows = vectors[start:start + _CHUNK] if topic is None else centre(vectors[start:start + _CHUNK], topic)
        block = rows @ protos.T  # (chunk, all prototypes)
        for k, size in enumerate(sizes):
            if size:
                out[k][start:start + _CHUNK] = block[:, bounds[k]:bounds[k + 1]].max(axis=1)
    return out


def score_bank(matchers: list[Matcher], bank: SentenceBank, texts: list[str] | None = None,
               allow_prototype: np.ndarray | None = None, centred: bool = True) -> dict[str, SentenceScores]:
    """Score every distinct sentence of the bank for every matcher.

    `texts` replaces the text the patterns see (e.g. the author's unquoted words; None
    entries never match); `allow_prototype` masks the sentences prototypes may match;
    `centred=False` drops the centred test (raw cosine and near-misses only).
    """
    texts = bank.texts if texts is None else texts
    lowered = None
    sims = max_similarities(bank.vectors, [m.prototypes for m in matchers])
    topic = matchers[0].topic if matchers and centred else None
    csims = max_similarities(bank.vectors, [centre(m.prototypes, topic) for m in matchers], topic)
    cnegs = max_similarities(bank.vectors, [centre(m.negatives, topic) for m in matchers], topic)
    centred_threshold = CENTRED_THRESHOLD if topic is not None else -1.0
    out = {}
    for m, sim, csim, cneg in zip(matchers, sims, csims, cnegs):
        if not m.patterns:
            by_pattern = np.zeros(len(bank), bool)
        elif m.lowered is not None:
            if lowered is None:
                lowered = _Haystack([t.lower() if t else "" for t in texts])
            by_pattern = np.zeros(len(bank), bool)
            for p, need in zip(m.lowered, m.needles):
                where = ~by_pattern if need is None else ~by_pattern & lowered.containing(need)
                by_pattern |= _regex_mask(p.search, lowered.texts, where=where)
        else:
            by_pattern = _regex_mask(m.pattern_hit, texts)
        if getattr(m.detector, "negation", False) and by_pattern.any():
            by_pattern &= _regex_mask(lambda t: _affirmed(m, t), texts, where=by_pattern)
        by_proto = (sim >= m.threshold) & (csim >= centred_threshold) & (csim > cneg + NEGATIVE_MARGIN)
        if allow_prototype is not None:
            by_proto &= allow_prototype
        excluded = _regex_mask(m.excluded, bank.texts, where=by_pattern | by_proto) if m.excludes \
            else np.zeros(len(bank), bool)
        hit = (by_pattern | by_proto) & ~excluded
        score = np.where(by_pattern & ~excluded, 1.0, np.clip(sim, 0.0, 1.0)).astype(np.float32)
        out[m.id] = SentenceScores(hit, score)
    return out


class _Haystack:
    """Texts joined once, so finding the texts that contain a string costs a `str.find`
    per text that does (most sentences contain none of a detector's words), not a Python
    step per text."""

    SEPARATOR = "\x00"

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.joined = self.SEPARATOR.join(texts)
        self.starts = list(itertools.accumulate((len(t) + 1 for t in texts), initial=0))

    def containing(self, needles: Iterable[str]) -> np.ndarray:
        """Which texts contain at least one of `needles`."""
        out = np.zeros(len(self.texts), dtype=bool)
        for needle in needles:
            if not needle or self.SEPARATOR in needle:
                out[:] = True
                return out
            at = self.joined.find(needle)
            while at != -1:
                row = bisect.bisect_right(self.starts, at) - 1
                out[row] = True
                at = self.joined.find(needle, self.starts[row + 1])
        return out


def _regex_mask(test: Callable[[str], bool], texts: list[str | None], where: np.ndarray | None = None) -> np.ndarray:
    """test(text) for each text (only at `where`, when given); None texts are False."""
    if where is None:
        return np.fromiter((bool(t) and test(t) for t in texts), dtype=bool, count=len(texts))
    out = np.zeros(len(texts), dtype=bool)
    for i in np.flatnonzero(where):
        out[i] = bool(texts[i]) and test(texts[i])
    return out


@dataclass
class Answer:
    present: bool | None
    score: float
    evidence: list[str] = field(default_factory=list)

    def as_dict(self, with_score: bool = True) -> dict:
        out = {"present": self.present, "evidence": self.evidence}
        if with_score:
            out["score"] = round(float(self.score), 4)
        return out


def answer(scores: SentenceScores, sentences: list[str]) -> Answer:
    """Yes/no with evidence for one article; score is the best hit's strength (else the closest miss's)."""
    if not len(sentences):
        return Answer(False, 0.0, [])
    present = bool(scores.hit.any())
    pool = scores.score[scores.hit] if present else scores.score
    return Answer(present, float(pool.max()), scores.evidence(sentences))
