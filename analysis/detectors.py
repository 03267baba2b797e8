"""Evidence-backed detectors built from a story's `Detector`s.

A sentence matches a detector when one of its patterns matches and none of its exclude
patterns does, or when its embedding is close enough to one of the detector's prototype
sentences (≥ threshold) and closer to them than to the detector's near-miss
(negative) prototypes. Each answer keeps the sentences that made it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from framelens.stories import Detector

DEFAULT_THRESHOLD = 0.62
NEGATIVE_MARGIN = 0.02  # a sentence must be this much closer to a prototype than to any near-miss
MAX_EVIDENCE = 3

ATTRIBUTION = re.compile(
    r"\b(said|says|say|claim|told|tells|according to|argued|argues|claimed|claims|contended|contends|alleged|"
    r"alleges|insisted|insists|wrote|writes|stated|states|added|adds|noted|notes|warned|warns|"
    r"complained|complains|accused|accuses|tweeted|posted|testified|asserted|asserts|maintained|"
    r"maintains|countered|counters|responded|responds|called it|described it)\b", re.IGNORECASE)
QUOTED = re.compile(r"[\"“”„«»]")


@dataclass
class Matcher:
    """One detector, compiled: patterns and prototype vectors."""

    detector: Detector
    patterns: list[re.Pattern]
    excludes: list[re.Pattern]
    prototypes: np.ndarray  # (p, d)
    negatives: np.ndarray  # (q, d)
    threshold: float

    @property
    def id(self) -> str:
        return self.detector.id


def build_matchers(detectors: list[Detector], vectors: dict[str, np.ndarray], dim: int,
                   default_threshold: float = DEFAULT_THRESHOLD) -> list[Matcher]:
    """Compile detectors; `vectors` maps prototype text → its embedding."""
    def stack(texts: list[str]) -> np.ndarray:
        return np.vstack([vectors[t] for t in texts]) if texts else np.zeros((0, dim), dtype=np.float32)

    return [Matcher(d, d.compiled(), d.compiled_excludes(), stack(d.prototypes), stack(d.negative_prototypes),
                    d.threshold or default_threshold) for d in detectors]


def prototype_texts(detectors: list[Detector]) -> list[str]:
    return [t for d in detectors for t in d.prototypes + d.negative_prototypes]


@dataclass
class SentenceScores:
    """Per-sentence answers of one matcher over one article."""

    hit: np.ndarray  # bool (n,)
    score: np.ndarray  # float (n,): 1.0 for a pattern hit, else prototype similarity

    def evidence(self, sentences: list[str], limit: int = MAX_EVIDENCE) -> list[str]:
        idx = [i for i in np.argsort(-self.score, kind="stable") if self.hit[i]][:limit]
        return [sentences[i] for i in sorted(idx)]


def score_sentences(matcher: Matcher, sentences: list[str], vecs: np.ndarray) -> SentenceScores:
    """Which sentences match (pattern or prototype) and how strongly."""
    n = len(sentences)
    excluded = np.array([any(p.search(s) for p in matcher.excludes) for s in sentences], dtype=bool)
    by_pattern = np.array([any(p.search(s) for p in matcher.patterns) for s in sentences], dtype=bool)
    sim = _max_sim(vecs, matcher.prototypes, n)
    neg = _max_sim(vecs, matcher.negatives, n) if len(matcher.negatives) else np.full(n, -1.0)
    by_proto = (sim >= matcher.threshold) & (sim > neg + NEGATIVE_MARGIN)
    hit = (by_pattern | by_proto) & ~excluded
    score = np.where(by_pattern & ~excluded, 1.0, np.clip(sim, 0.0, 1.0))
    return SentenceScores(hit, score.astype(float))


def _max_sim(vecs: np.ndarray, protos: np.ndarray, n: int) -> np.ndarray:
    if not len(protos) or not n:
        return np.zeros(n)
    return (vecs @ protos.T).max(axis=1)


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


def answer(matcher: Matcher, sentences: list[str], vecs: np.ndarray) -> Answer:
    """Yes/no with evidence for one article."""
    if not sentences:
        return Answer(False, 0.0, [])
    scores = score_sentences(matcher, sentences, vecs)
    return Answer(bool(scores.hit.any()), float(scores.score.max()), scores.evidence(sentences))


def is_authorial(sentence: str) -> bool:
    """A sentence in the author's own voice: no quotation marks and no attribution verb."""
    return not QUOTED.search(sentence) and not ATTRIBUTION.search(sentence)
