"""Frames, stance and actor descriptors, each with the sentences that support it."""

from __future__ import annotations

import re

import numpy as np

from framelens.stories import Actor

from .detectors import Matcher, is_authorial, score_sentences

HEADLINE_WEIGHT, LEAD_WEIGHT, LEAD_SENTENCES = 3.0, 2.0, 3
STANCE_RATIO = 1.5  # one side's evidence must outweigh the other's by this much
PROXIMITY = 100  # characters between a descriptor pattern and the actor's name
FOLLOW_ON = re.compile(r"^(it|its|the (platform|site|app|company|service|network|firm|startup))\b", re.IGNORECASE)


def sentence_weights(sentences: list[str], has_title: bool, opinion: bool) -> np.ndarray:
    """Headline and lead weigh more; in opinion pieces the author's own sentences weigh more."""
    w = np.ones(len(sentences))
    start = 0
    if has_title and sentences:
        w[0] = HEADLINE_WEIGHT
        start = 1
    w[start:start + LEAD_SENTENCES] = np.maximum(w[start:start + LEAD_SENTENCES], LEAD_WEIGHT)
    if opinion:
        w *= np.array([1.5 if is_authorial(s) else 0.5 for s in sentences])
    return w


def score_frames(matchers: list[Matcher], sentences: list[str], vecs: np.ndarray,
                 weights: np.ndarray, fallback: str = "other") -> dict:
    """Weighted share of sentences using each frame; the primary frame is the strongest."""
    total = float(weights.sum()) or 1.0
    scores, evidence = {}, {}
    for m in matchers:
        s = score_sentences(m, sentences, vecs)
        scores[m.id] = round(float((weights * s.hit * s.score).sum()) / total, 4)
        evidence[m.id] = s.evidence(sentences)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    primary = ranked[0][0] if ranked and ranked[0][1] > 0 else fallback
    return {"primary": primary, "scores": scores, "evidence": evidence.get(primary, [])}


def score_stance(matchers: dict[str, Matcher], sentences: list[str], vecs: np.ndarray,
                 has_title: bool) -> dict:
    """The author's stance: quoted and attributed sentences are not the author's voice.

    score is signed: negative leans critical, positive supportive, 0 neutral.
    """
    own = np.array([(i == 0 and has_title) or is_authorial(s) for i, s in enumerate(sentences)], dtype=bool)
    mass, evidence = {}, {}
    for label in ("critical", "supportive"):
        m = matchers.get(label)
        if m is None or not sentences:
            mass[label], evidence[label] = 0.0, []
            continue
        s = score_sentences(m, sentences, vecs)
        s.hit &= own
        mass[label] = float((s.hit * s.score).sum())
        evidence[label] = s.evidence(sentences)
    crit, sup = mass["critical"], mass["supportive"]
    if crit > 0 and crit >= STANCE_RATIO * sup:
        label = "critical"
    elif sup > 0 and sup >= STANCE_RATIO * crit:
        label = "supportive"
    else:
        label = "neutral"
    score = 0.0 if crit + sup == 0 else (sup - crit) / (sup + crit)
    return {"label": label, "score": round(score, 4), "evidence": evidence.get(label, [])}


def actor_regex(actor: Actor) -> re.Pattern:
    names = sorted({n for n in [actor.label, actor.id.replace("_", " "), *actor.aliases] if n}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE)


def describe_actor(actor: Actor, matchers: list[Matcher], sentences: list[str], vecs: np.ndarray) -> dict[str, list[str]]:
    """Descriptor id → evidence sentences, for the sentences that speak about the actor."""
    name = actor_regex(actor)
    spans = [[m.span() for m in name.finditer(s)] for s in sentences]
    about = np.array([bool(spans[i]) or (i > 0 and bool(spans[i - 1]) and bool(FOLLOW_ON.match(s)))
                      for i, s in enumerate(sentences)], dtype=bool)
    found: dict[str, list[str]] = {}
    for m in matchers:
        s = score_sentences(m, sentences, vecs)
        keep = s.hit & about
        for i in np.flatnonzero(keep):
            if s.score[i] >= 1.0 and spans[i] and not _near(m, sentences[i], spans[i]):
                keep[i] = False
        if keep.any():
            found[m.id] = [sentences[i] for i in np.flatnonzero(keep)[:3]]
    return found


def _near(m: Matcher, sentence: str, name_spans: list[tuple[int, int]]) -> bool:
    """A pattern hit counts for the actor only when it sits near one of the actor's names."""
    for pattern in m.patterns:
        for hit in pattern.finditer(sentence):
            if any(abs(hit.start() - e) <= PROXIMITY or abs(s - hit.end()) <= PROXIMITY for s, e in name_spans):
                return True
    return False
