"""How an article describes each story actor, wherever it refers to it.

An actor is referred to by its names (`aliases`) and, once it has been named, by the
generic references its story file lists ("the platform", "the app", "la red social"),
pre-modified or not ("the pro-Trump platform", "the conservative-leaning social media
app"). A descriptor's pattern hit counts for the actor it is attached to: the nearest
reference in its clause, the name an appositive or relative clause follows ("Parler,
which is favoured by ..."), or the subject a trailing "particularly among ..." continues.
Prototype hits count in sentences about the actor. Nothing here knows any story.
"""

from __future__ import annotations

import re

import numpy as np

from framelens.stories import Actor

from .detectors import MAX_EVIDENCE, Matcher, SentenceScores

PROXIMITY = 60                # characters between a descriptor pattern hit and the actor's name, in one clause
CLAUSE_LEAD = 4               # words a clause may open with before a descriptor that still describes the name before it
APPOSITIVE_HOPS = 2           # clauses to walk back from an appositive to the name it describes
MODIFIERS = 3                 # words a reference may carry between its first word and the rest ("the pro-Trump app")
NOUN_CASE_MODIFIERS = 6       # ... where nouns are capitalised (German: "die bei Trump-Fans beliebte Plattform")
PRONOUN = re.compile(r"\b(?:she|he|her|his|it|its)\b", re.IGNORECASE)
FOLLOW_ON = re.compile(r"^\W*(?:it|its|she|he|her|his)\b", re.IGNORECASE)
# Relative pronouns of the languages stories carry cues for (English, French, Italian,
# Spanish, Portuguese, German; the German ones are also its articles, which after a comma
# open an appositive all the same).
_RELATIVES = (r"that|which|who|whose|where|qui|que|dont|où|che|cui|dove|quien|cuyo|cuya|donde|cujo|cuja|onde|"
              r"der|die|das|dessen|deren|welche[rsmn]?|wo")
# An appositive or relative clause: it describes the name that ends the clause before it
# ("Parler, a ...", "Parler, ce réseau qui ...", "Parler, das sich ...").
APPOSITIVE = re.compile(rf"^\W*(?:a|an|one\s+of|un|une|uno|una|um|uma|ein|eine|einer|la|le|el|il|lo|o|{_RELATIVES}"
                        r"|(?:ce|cet|cette|questo|questa|este|esta|esse|essa)\s+\w+"
                        # a participle: "known as", "conhecida como", "beliebt bei"
                        r"|known|popular|favou?red|beloved|regarded|described|conhecid[oa]|considerad[oa]|connue?"
                        r"|réputée?|considérée?|prisée?|conosciut[oa]|considerat[oa]|conocid[oa]|bekannt|beliebt"
                        r"|(?:\w+\s+){1,2}(?:which|who|qui|dont|che|cui|cuyo|cuya|cujo|cuja|welche[rsmn]?))\b",
                        re.IGNORECASE)
RELATIVE = re.compile(rf"^\W*(?:{_RELATIVES})\b", re.IGNORECASE)
# "..., particularly among conservatives": continues the predicate of the sentence's subject.
CONTINUATION = re.compile(r"^\W*(?:\w+\s+)?(?:among|with|by|for|on)\b", re.IGNORECASE)

Spans = dict[str, list[tuple[int, int]]]


def actor_regex(actor: Actor) -> re.Pattern:
    """The actor's names as one whole-word, case-insensitive regex."""
    names = sorted({n for n in [actor.label, actor.id.replace("_", " "), *actor.aliases] if n}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)", re.IGNORECASE)


# A modifier inside a reference: a lower-case word or a hyphenated one ("pro-Trump"), never a
# bare capitalised name ("the Apple and Google app stores" is not a reference to an app).
# Where the reference's own noun is capitalised, as every German noun is, any word may be.
_MODIFIER = r"(?-i:[a-zà-ÿß][\w'’-]*|[\w'’]+-[\w'’-]+)"
_ANY_WORD = r"[\w'’.-]+"


def reference_regex(references: list[str], headline: bool = False) -> re.Pattern | None:
    """Generic references, each allowing a few modifiers after its first word:
    "the platform" also finds "the pro-Trump platform" and "the conservative-leaning platform".
    In a headline the first word (an article) may be dropped: "... to host pro-Trump app"."""
    alternatives = []
    for ref in sorted({r.strip() for r in references if r.strip()}, key=len, reverse=True):
        first, *rest = ref.split()
        if not rest:
            alternatives.append(re.escape(first))
            continue
        tail = r"\s+".join(re.escape(w) for w in rest)
        word, most = (_ANY_WORD, NOUN_CASE_MODIFIERS) if rest[-1][:1].isupper() else (_MODIFIER, MODIFIERS)
        alternatives.append(re.escape(first) + rf"\s+(?:{word}\s+){{0,{most}}}?" + tail)
        if headline:
            alternatives.append(rf"(?:{word}\s+){{1,{most}}}?" + tail)
    if not alternatives:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


class ActorFinder:
    """Where each story actor is named, or referred to, in a sentence."""

    def __init__(self, actors: dict[str, Actor]):
        self.regexes = {a: actor_regex(actor) for a, actor in actors.items()}
        self.references = {a: rx for a, actor in actors.items() if (rx := reference_regex(actor.references))}
        self.headline_references = {a: reference_regex(actor.references, headline=True) for a in self.references
                                    for actor in [actors[a]]}

    def spans(self, sentence: str) -> Spans:
        """Where each actor is named (names only)."""
        found = {a: [m.span() for m in rx.finditer(sentence)] for a, rx in self.regexes.items()}
        return {a: s for a, s in found.items() if s}

    def mentions(self, sentences: list[str], has_title: bool = False) -> list[Spans]:
        """Per sentence, where each actor is named or referred to. A reference stands for the
        actor only after the article has named it; one several actors share goes to the one
        named last ("the company" after "Amazon" is Amazon)."""
        out, last_named = [], {}
        for i, sentence in enumerate(sentences):
            named = self.spans(sentence)
            found = {a: list(s) for a, s in named.items()}
            references = self.headline_references if i == 0 and has_title else self.references
            for span, owners in self._reference_hits(sentence, named, references):
                known = [(last_named.get(a, (-1, -1)), a) for a in owners]
                here = [((i, sp[0]), a) for a in owners for sp in named.get(a, []) if sp[1] <= span[0]]
                best = max(known + here)
                if best[0] >= (0, 0):
                    found.setdefault(best[1], []).append(span)
            for a, s in named.items():
                last_named[a] = (i, max(sp[0] for sp in s))
            out.append({a: sorted(s) for a, s in found.items()})
        return out

    @staticmethod
    def _reference_hits(sentence: str, named: Spans, references: dict[str, re.Pattern]
                        ) -> list[tuple[tuple[int, int], list[str]]]:
        """Reference spans that overlap no name, with the actors each may stand for."""
        taken = [sp for s in named.values() for sp in s]
        hits: dict[tuple[int, int], list[str]] = {}
        for a, rx in references.items():
            for m in rx.finditer(sentence):
                if not any(m.start() < b and a0 < m.end() for a0, b in taken):
                    hits.setdefault(m.span(), []).append(a)
        return sorted(hits.items())


def describe_actors(finder: ActorFinder, matchers: dict[str, list[Matcher]],
                    scores: dict[str, dict[str, SentenceScores]], sentences: list[str],
                    has_title: bool = False) -> dict[str, dict[str, list[str]]]:
    """actor -> descriptor id -> evidence sentences, counting only what is said about that actor."""
    mentions = finder.mentions(sentences, has_title)
    out: dict[str, dict[str, list[str]]] = {}
    for actor, actor_matchers in matchers.items():
        about = _about(actor, mentions, sentences)
        by_pattern = {m.id: {i for i in np.flatnonzero(scores[actor][m.id].hit & about)
                             if scores[actor][m.id].score[i] >= 1.0 and _attached(m, actor, sentences[i], mentions[i])}
                      for m in actor_matchers}
        # A sentence one descriptor's words already describe is not read again by the embeddings:
        # "favoured by Trump supporters" and "favoured by conservatives" embed alike.
        explained = set().union(*by_pattern.values())
        found = {}
        for m in actor_matchers:
            s = scores[actor][m.id]
            by_proto = {i for i in np.flatnonzero(s.hit & about) if s.score[i] < 1.0 and i not in explained}
            keep = sorted(by_pattern[m.id] | by_proto)
            if keep:
                found[m.id] = [sentences[i] for i in keep[:MAX_EVIDENCE]]
        out[actor] = found
    return out


def _about(actor: str, mentions: list[Spans], sentences: list[str]) -> np.ndarray:
    """Sentences naming or referring to the actor, or continuing about it ("It ...")."""
    about = np.zeros(len(mentions), dtype=bool)
    for i, named in enumerate(mentions):
        if actor in named:
            about[i] = True
        elif i and not named and set(mentions[i - 1]) == {actor} and FOLLOW_ON.match(sentences[i]):
            about[i] = True
    return about


def _attached(m: Matcher, actor: str, sentence: str, named: Spans) -> bool:
    """Does one of the detector's pattern hits describe this actor?"""
    if actor not in named:
        return True  # a follow-on sentence about the actor ("It ...") that names no one
    return any(actor in _owners(hit.span(), sentence, named) for p in m.patterns for hit in p.finditer(sentence))


def _owners(hit: tuple[int, int], sentence: str, named: Spans) -> set[str]:
    """The actors a descriptor at `hit` describes.

    An appositive or relative clause ("Parler, a Twitter rival favoured by the right, said
    ...") describes the name that ends the clause before it. Inside a clause that names
    actors: the nearest one ("the right-wing app Parler"). A trailing "particularly among
    ..." continues the sentence's subject.
    """
    segments = _segments(sentence)
    k = next(i for i, (a, b) in enumerate(segments) if a <= hit[0] < b or i == len(segments) - 1)
    start, end = segments[k]
    opening = sentence[start:hit[0]]
    if APPOSITIVE.match(opening) or len(re.findall(r"\w+", opening)) <= 2:
        before = _clause_owner(sentence, segments, k, named)
        if before or (before is not None and APPOSITIVE.match(opening)):
            return before  # an appositive of another named thing describes that thing
    inside = {a: [sp for sp in spans if start <= sp[0] < end] for a, spans in named.items()}
    gaps = {a: min(_gap(hit, sp) for sp in spans) for a, spans in inside.items() if spans}
    if gaps:
        best = min(gaps.values())
        near = {a for a, g in gaps.items() if g == best and g <= PROXIMITY}
        return near or _relative_owner(hit, sentence, inside)
    if PRONOUN.search(sentence[start:end]):  # "...; she was confirmed after Carter nominated her"
        earlier = [(sp[1], a) for a, spans in named.items() for sp in spans if sp[1] <= start]
        return {max(earlier)[1]} if earlier and start - max(earlier)[0] <= 2 * PROXIMITY else set()
    if k and CONTINUATION.match(opening):
        return _subject(start, named)
    if k >= 2 and APPOSITIVE.match(sentence[slice(*segments[k - 1])]):
        # The predicate after a relative clause is the named subject's again:
        # "Parler, which ..., was long a haven for extremists".
        subject = _clause_owner(sentence, segments, k - 1, named)
        if subject:
            return subject
    if len(re.findall(r"\w+", opening)) > CLAUSE_LEAD:
        return set()  # a clause of its own ("..., then cut it off after an attack by Trump supporters")
    return _clause_owner(sentence, segments, k, named) or set()


def _relative_owner(hit: tuple[int, int], sentence: str, inside: Spans) -> set[str]:
    """The actor a relative clause holding the hit hangs on, however long the clause:
    "the site that has become known as a voice for ... right-wing users"."""
    before = [(sp[1], a) for a, spans in inside.items() for sp in spans if sp[1] <= hit[0]]
    if not before:
        return set()
    end, actor = max(before)
    return {actor} if RELATIVE.match(sentence[end:hit[0]]) else set()


def _subject(start: int, named: Spans) -> set[str]:
    """The one actor the sentence names before the clause at `start` ("Parler has become ...,
    particularly among ..."); none when several are named."""
    before = {a for a, spans in named.items() if any(sp[1] <= start for sp in spans)}
    return before if len(before) == 1 else set()


def _clause_owner(sentence: str, segments: list[tuple[int, int]], k: int, named: Spans) -> set[str] | None:
    """The actor whose name ends the clause before segment k (skipping empty and unnamed ones);
    an empty set when that clause ends with some other named thing, None when none ends one."""
    for j in range(k - 1, max(-1, k - 1 - APPOSITIVE_HOPS), -1):
        a, b = segments[j]
        text = sentence[a:b].rstrip(" '’\"”")
        if not text.strip():
            continue
        tail = a + len(text)
        enders = {name for name, spans in named.items() if any(abs(sp[1] - tail) <= 2 for sp in spans)}
        if enders or re.search(r"(?<!^)\b[A-Z][a-z]", text.strip()):
            return enders  # the clause ends with an actor, or with some other named thing
    return None


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
