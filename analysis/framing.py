"""Frames and stance of one article, each with the sentences behind it (descriptors: analysis/descriptors.py).

Both take per-sentence `SentenceScores` (already computed over the story's sentence
bank) for the article's sentences; nothing here embeds or loops over the corpus.
"""

from __future__ import annotations

import re

import numpy as np

from .detectors import MAX_EVIDENCE, SentenceScores

HEADLINE_WEIGHT, LEAD_WEIGHT, LEAD_SENTENCES = 3.0, 2.0, 3
OPINION_OWN_WEIGHT, OPINION_REPORTED_WEIGHT = 1.5, 0.5  # opinion pieces: the author's commentary counts most
MIN_FRAME_SHARE = 0.02        # below this weighted share of the article no frame is primary ("other")

STANCE_HEADLINE_WEIGHT = 1.5
STANCE_MIN_EVIDENCE = 0.7     # news: a pattern hit, or one strong prototype hit, in the author's voice
OPINION_MIN_EVIDENCE = 0.6    # opinion: one clear prototype hit is enough
STANCE_RATIO = 1.5            # one side must outweigh the other by this much, else neutral
STANCE_PROTOTYPE_MARGIN = 0.05
HYPOTHETICAL_WEIGHT = 0.5     # "would have set a dangerous precedent", "if the court had ..."
HYPOTHETICAL = re.compile(r"\b(?:would|could|might)\s+(?:not\s+)?(?:have\s+)?(?:been|be|set|create|become|mean)\b"
                          r"|\bif\b", re.IGNORECASE)



# ---- frames ---------------------------------------------------------------------------------

def sentence_weights(n: int, has_title: bool, opinion: bool, own: np.ndarray | None = None) -> np.ndarray:
    """Headline and lead weigh more; in opinion pieces the author's own sentences weigh more."""
    w = np.ones(n)
    start = 1 if has_title and n else 0
    if start:
        w[0] = HEADLINE_WEIGHT
    w[start:start + LEAD_SENTENCES] = np.maximum(w[start:start + LEAD_SENTENCES], LEAD_WEIGHT)
    if opinion and own is not None and n:
        w *= np.where(own, OPINION_OWN_WEIGHT, OPINION_REPORTED_WEIGHT)
    return w


def score_frames(scores: dict[str, SentenceScores], sentences: list[str], weights: np.ndarray,
                 fallback: str = "other") -> dict:
    """Weighted share of the article using each frame; the primary frame is the strongest."""
    total = float(weights.sum()) or 1.0
    shares = {fid: round(float((weights * s.hit * s.score).sum()) / total, 4) for fid, s in scores.items()}
    ranked = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))
    primary = ranked[0][0] if ranked and ranked[0][1] >= MIN_FRAME_SHARE else fallback
    evidence = scores[primary].evidence(sentences) if primary in scores else []
    return {"primary": primary, "scores": shares, "evidence": evidence}


# ---- stance ---------------------------------------------------------------------------------

def score_stance(scores: dict[str, SentenceScores], sentences: list[str], has_title: bool, opinion: bool) -> dict:
    """The author's stance from sentences already limited to the author's own words.

    score is the signed balance in [-1, 1]: negative leans critical, positive supportive,
    shrunk towards 0 when there is little evidence.
    """
    labels = [label for label in ("critical", "supportive") if label in scores]
    mass = dict.fromkeys(labels, 0.0)
    votes: dict[str, list[int]] = {label: [] for label in labels}
    for i, sentence in enumerate(sentences):
        label, strength = _sentence_stance({k: scores[k] for k in labels}, i)
        if label:
            weight = (STANCE_HEADLINE_WEIGHT if i == 0 and has_title else 1.0) * \
                (HYPOTHETICAL_WEIGHT if HYPOTHETICAL.search(sentence) else 1.0)
            mass[label] += weight * strength
            votes[label].append(i)
    crit, sup = mass.get("critical", 0.0), mass.get("supportive", 0.0)
    need = OPINION_MIN_EVIDENCE if opinion else STANCE_MIN_EVIDENCE
    label = "neutral"
    if crit >= need and crit >= STANCE_RATIO * sup:
        label = "critical"
    elif sup >= need and sup >= STANCE_RATIO * crit:
        label = "supportive"
    score = (sup - crit) / max(sup + crit, 1.0)
    evidence = [sentences[i] for i in votes.get(label, [])[:MAX_EVIDENCE]]
    return {"label": label, "score": round(score, 4), "evidence": evidence}


def _sentence_stance(scores: dict[str, SentenceScores], i: int) -> tuple[str | None, float]:
    """At most one side per sentence: a pattern beats a prototype; between two prototype hits
    the clearly closer one wins (embeddings barely tell "right call" from "got it wrong")."""
    hits = {label: float(s.score[i]) for label, s in scores.items() if s.hit[i]}
    if not hits:
        return None, 0.0
    patterns = [label for label, v in hits.items() if v >= 1.0]
    if len(patterns) == 1:
        return patterns[0], 1.0
    if len(patterns) > 1:
        return None, 0.0  # both sides' words in one sentence: no verdict
    ranked = sorted(hits.items(), key=lambda kv: -kv[1])
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < STANCE_PROTOTYPE_MARGIN:
        return None, 0.0
    return ranked[0]
