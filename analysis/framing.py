"""Frames and stance of one article, each with the sentences behind it (descriptors: analysis/descriptors.py).

Both take per-sentence `SentenceScores` (already computed over the story's sentence
bank) for the article's sentences; nothing here embeds or loops over the corpus.
"""

from __future__ import annotations

import re

import numpy as np

from .detectors import MAX_EVIDENCE, SentenceScores

# Straight news: the headline and the lead decide, the body only breaks a silence there.
HEADLINE_WEIGHT, LEAD_WEIGHT, LEAD_SENTENCES = 3.0, 1.5, 3
BODY_OWN_WEIGHT, BODY_REPORTED_WEIGHT = 0.3, 0.15
# Opinion: the author's commentary decides; the news summary it opens with (often a plain
# news headline and lead) and quoted parties count little.
COMMENTARY_WEIGHT, OPINION_OWN_WEIGHT, OPINION_REPORTED_WEIGHT, OPINION_SUMMARY_WEIGHT = 2.0, 0.5, 0.1, 0.2
# The story's default frame (its first: what a plain report of the event is) counts less where
# emphasis is given: a headline that reports the decision says what happened, not how to see it.
DEFAULT_HEADLINE_WEIGHT, DEFAULT_LEAD_WEIGHT = 1.0, 1.25
MIN_LEAD_WORDS = 6            # shorter lines (bylines, "Skip to main content", "Image 01") are no lead
# A photo caption is followed (or ended) by its credit; neither is the lead.
PHOTO_CREDIT = re.compile(r"\b(?:photo|image|picture|illustration)s?\s*(?:by|:|credit)|\((?:AP|Reuters|AFP|Getty)\b"
                          r"|\bGetty\s+Images\b|/(?:AP|Reuters|AFP|Getty|UPI|Shutterstock)\b|\bLicense\s+Photo\b",
                          re.IGNORECASE)
EMPHASIS = 1.0                # sentence weights from here up are headline, lead or commentary
MIN_FRAME_SHARE = 0.01        # below this weighted share of the article no frame is primary ("other")

STANCE_HEADLINE_WEIGHT = 1.5
STANCE_MIN_EVIDENCE = 0.7     # news: a pattern hit, or one strong prototype hit, in the author's voice
OPINION_MIN_EVIDENCE = 0.6    # opinion: one clear prototype hit is enough
STANCE_RATIO = 1.5            # one side must outweigh the other by this much, else neutral
STANCE_PROTOTYPE_MARGIN = 0.05
HYPOTHETICAL_WEIGHT = 0.5     # "would have set a dangerous precedent", "if the court had ..."
HYPOTHETICAL = re.compile(r"\b(?:would|could|might)\s+(?:not\s+)?(?:have\s+)?(?:been|be|set|create|become|mean)\b"
                          r"|\bif\b", re.IGNORECASE)



# ---- frames ---------------------------------------------------------------------------------

def lead_indices(sentences: list[str], has_title: bool, names_actor: list[bool]) -> list[int]:
    """The lead: the first body sentence that says something, and the next ones that name one
    of the story's actors. Page furniture is skipped: whatever comes before the headline's repetition
    in the body (taglines, menus), photo captions and their credits, bylines."""
    start = 1 if has_title and sentences else 0
    title = sentences[0].strip().lower() if start else ""
    repeats = [i for i in range(start, len(sentences)) if title and sentences[i].strip().lower() == title]
    lead = []
    for i in range((repeats[-1] + 1) if repeats else start, len(sentences)):
        text = sentences[i].strip()
        caption = PHOTO_CREDIT.search(text) or (i + 1 < len(sentences) and PHOTO_CREDIT.search(sentences[i + 1]))
        if (names_actor[i] or not lead) and len(text.split()) >= MIN_LEAD_WORDS and not caption:
            lead.append(i)
            if len(lead) == LEAD_SENTENCES:
                break
    return lead


def emphasis_weights(n: int, has_title: bool, lead: list[int], own: np.ndarray, commentary: np.ndarray,
                     opinion: bool, default: bool = False) -> np.ndarray:
    """How much each sentence counts towards a frame (`default`: towards the story's default frame).

    News: the headline and the lead carry the article's emphasis; the body counts a
    little (the author's sentences more than reported speech). Opinion: the author's
    commentary counts most, the rest of their own words less, the news summary it opens
    with (headline and lead) and other people's words least. The default frame gains
    less from emphasis: it is the frame of the plain report the rest departs from.
    """
    own = np.asarray(own, dtype=bool)
    summary = ([0] if has_title and n else []) + list(lead)
    if opinion:
        w = np.where(own, OPINION_OWN_WEIGHT, OPINION_REPORTED_WEIGHT)
        w[summary] = np.minimum(w[summary], OPINION_SUMMARY_WEIGHT)
        if default:
            return w
        w = np.where(np.asarray(commentary, dtype=bool) & own, COMMENTARY_WEIGHT, w)
        if has_title and n:
            w[0] = COMMENTARY_WEIGHT  # another frame in an opinion headline is the author's own emphasis
        return w
    w = np.where(own, BODY_OWN_WEIGHT, BODY_REPORTED_WEIGHT)
    w[list(lead)] = DEFAULT_LEAD_WEIGHT if default else LEAD_WEIGHT
    if has_title and n:
        w[0] = DEFAULT_HEADLINE_WEIGHT if default else HEADLINE_WEIGHT
    return w


def score_frames(scores: dict[str, SentenceScores], sentences: list[str], weights: np.ndarray | dict,
                 fallback: str = "other", basis: str = "") -> dict:
    """Weighted share of the article using each frame; the primary frame is the strongest.

    weights: one weight per sentence, or a frame id -> weights mapping (the story's default
    frame is weighed apart). evidence: the sentences that weighed most for the primary
    frame (the deciding ones); basis: what was weighed ("headline and lead", ...).
    """
    per = weights if isinstance(weights, dict) else dict.fromkeys(scores, weights)
    total = float(max(w.sum() for w in per.values())) if per else 1.0
    shares = {fid: round(float((per[fid] * s.hit * s.score).sum()) / (total or 1.0), 4) for fid, s in scores.items()}
    ranked = sorted(((f, v) for f, v in shares.items() if _grounded(scores[f], per[f])), key=lambda kv: (-kv[1], kv[0]))
    primary = ranked[0][0] if ranked and ranked[0][1] >= MIN_FRAME_SHARE else fallback
    evidence = _deciding(scores[primary], sentences, per[primary]) if ranked and primary == ranked[0][0] else []
    return {"primary": primary, "scores": shares, "evidence": evidence,
            "basis": basis if evidence else "no frame cues"}


def _grounded(s: SentenceScores, weights: np.ndarray) -> bool:
    """Can the frame be primary: one of its patterns matched, or it is found where emphasis is
    (headline, lead, commentary)? A likeness to an example sentence deep in the body is too little."""
    return bool((s.hit & ((s.score >= 1.0) | (weights >= EMPHASIS))).any())


def _deciding(s: SentenceScores, sentences: list[str], weights: np.ndarray) -> list[str]:
    """The primary frame's sentences that weighed most, in text order."""
    mass = weights * s.hit * s.score
    best = [i for i in np.argsort(-mass, kind="stable")[:MAX_EVIDENCE] if mass[i] > 0]
    return [sentences[i] for i in sorted(best)]


# ---- stance ---------------------------------------------------------------------------------

def score_stance(scores: dict[str, SentenceScores], sentences: list[str], has_title: bool, opinion: bool,
                 appraisals: list[tuple[str | None, float]] | None = None) -> dict:
    """The author's stance from sentences already limited to the author's own words.

    appraisals: each sentence's verdict from the author's evaluative language
    (analysis/appraisal.py), which counts where the story's own stance cues say nothing.

    score is the signed balance in [-1, 1]: negative leans critical, positive supportive,
    shrunk towards 0 when there is little evidence.
    """
    labels = [label for label in ("critical", "supportive") if label in scores]
    mass = dict.fromkeys(labels, 0.0)
    votes: dict[str, list[int]] = {label: [] for label in labels}
    for i, sentence in enumerate(sentences):
        label, strength = _sentence_stance({k: scores[k] for k in labels}, i)
        if not label and appraisals and appraisals[i][0] in mass:
            label, strength = appraisals[i]
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
