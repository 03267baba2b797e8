"""Frames, stance and actor descriptors of one article, each with the sentences behind it.

All three take per-sentence `SentenceScores` (already computed over the story's sentence
bank) for the article's sentences; nothing here embeds or loops over the corpus.
"""

from __future__ import annotations

import re

import numpy as np

from framelens.stories import Actor

from .detectors import MAX_EVIDENCE, Matcher, SentenceScores

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

PROXIMITY = 60                # characters between a descriptor pattern hit and the actor's name, in one clause
APPOSITIVE_HOPS = 2           # clauses to walk back from an appositive to the name it describes
PRONOUN = re.compile(r"\b(?:she|he|her|his|it|its)\b", re.IGNORECASE)
FOLLOW_ON = re.compile(r"^\W*(it|its|she|he|her|his|the\s+(platform|site|app|company|service|network|"
                       r"social\s+network|firm|startup|judge|court|provider|giant))\b", re.IGNORECASE)


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


# ---- descriptors ----------------------------------------------------------------------------

def actor_regex(actor: Actor) -> re.Pattern:
    names = sorted({n for n in [actor.label, actor.id.replace("_", " "), *actor.aliases] if n}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE)


class ActorFinder:
    """Where each story actor is named in a sentence."""

    def __init__(self, actors: dict[str, Actor]):
        self.regexes = {a: actor_regex(actor) for a, actor in actors.items()}

    def spans(self, sentence: str) -> dict[str, list[tuple[int, int]]]:
        found = {a: [m.span() for m in rx.finditer(sentence)] for a, rx in self.regexes.items()}
        return {a: s for a, s in found.items() if s}


def describe_actors(finder: ActorFinder, matchers: dict[str, list[Matcher]],
                    scores: dict[str, dict[str, SentenceScores]], sentences: list[str]) -> dict[str, dict[str, list[str]]]:
    """actor -> descriptor id -> evidence sentences, counting only what is said about that actor."""
    mentions = [finder.spans(s) for s in sentences]
    out: dict[str, dict[str, list[str]]] = {}
    for actor, actor_matchers in matchers.items():
        about = _about(actor, mentions, sentences)
        found = {}
        for m in actor_matchers:
            s = scores[actor][m.id]
            keep = [i for i in np.flatnonzero(s.hit & about)
                    if s.score[i] < 1.0 or _attached(m, actor, sentences[i], mentions[i])]
            if keep:
                found[m.id] = [sentences[i] for i in keep[:MAX_EVIDENCE]]
        out[actor] = found
    return out


def _about(actor: str, mentions: list[dict], sentences: list[str]) -> np.ndarray:
    """Sentences naming the actor, or continuing about it ("It ...", "The platform ...")."""
    about = np.zeros(len(sentences), dtype=bool)
    for i, named in enumerate(mentions):
        if actor in named:
            about[i] = True
        elif i and not named and set(mentions[i - 1]) == {actor} and FOLLOW_ON.match(sentences[i]):
            about[i] = True
    return about


def _attached(m: Matcher, actor: str, sentence: str, named: dict[str, list[tuple[int, int]]]) -> bool:
    """Does one of the detector's pattern hits describe this actor?"""
    if actor not in named:
        return True  # a follow-on sentence about the actor that names no one
    return any(actor in _owners(hit.span(), sentence, named) for p in m.patterns for hit in p.finditer(sentence))


def _owners(hit: tuple[int, int], sentence: str, named: dict[str, list[tuple[int, int]]]) -> set[str]:
    """The actors a descriptor at `hit` describes.

    Inside a clause that names actors: the nearest one ("the right-wing app Parler").
    In a clause that names none, an appositive or relative clause ("Parler, a Twitter
    rival favoured by the right, said ..."): the name that ends the clause before it.
    """
    segments = _segments(sentence)
    k = next(i for i, (a, b) in enumerate(segments) if a <= hit[0] < b or i == len(segments) - 1)
    start, end = segments[k]
    leads = len(re.findall(r"\w+", sentence[start:hit[0]])) <= 2  # "the tech giant that ...": an appositive
    before = _clause_owner(sentence, segments, k, named) if leads else set()
    if before:
        return before
    inside = {a: [sp for sp in spans if start <= sp[0] < end] for a, spans in named.items()}
    gaps = {a: min(_gap(hit, sp) for sp in spans) for a, spans in inside.items() if spans}
    if gaps:
        best = min(gaps.values())
        return {a for a, g in gaps.items() if g == best and g <= PROXIMITY}
    if PRONOUN.search(sentence[start:end]):  # "...; she was confirmed after Carter nominated her"
        earlier = [(sp[1], a) for a, spans in named.items() for sp in spans if sp[1] <= start]
        return {max(earlier)[1]} if earlier and start - max(earlier)[0] <= 2 * PROXIMITY else set()
    return _clause_owner(sentence, segments, k, named)


def _clause_owner(sentence: str, segments: list[tuple[int, int]], k: int,
                  named: dict[str, list[tuple[int, int]]]) -> set[str]:
    """The actor whose name ends the clause before segment k (skipping empty and unnamed ones)."""
    for j in range(k - 1, max(-1, k - 1 - APPOSITIVE_HOPS), -1):
        a, b = segments[j]
        text = sentence[a:b].rstrip(" '’\"”")
        if not text.strip():
            continue
        tail = a + len(text)
        enders = {name for name, spans in named.items() if any(abs(sp[1] - tail) <= 2 for sp in spans)}
        if enders or re.search(r"(?<!^)\b[A-Z][a-z]", text.strip()):
            return enders  # the clause ends with an actor, or with some other named thing
    return set()


_SEPARATORS = re.compile(r"[,;:()\[\]—–]|\s-\s")


def _segments(sentence: str) -> list[tuple[int, int]]:
    """Spans of the sentence between clause punctuation."""
    out, start = [], 0
    for sep in _SEPARATORS.finditer(sentence):
        out.append((start, sep.start()))
        start = sep.end()
    out.append((start, len(sentence)))
    return out


def _gap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, b[0] - a[1], a[0] - b[1])
