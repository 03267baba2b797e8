"""The author's evaluative language about the ruling and the parties, in any language with a lexicon.

Stance patterns in a story file catch the phrases its authors foresaw; this module reads the
evaluation itself, with the generic per-language lexicon `data/lexicons/evaluative.yaml`:
an evaluative word (adjective, adverb, loaded verb or noun) in the author's own words counts
for the target nearest to it in its clause: the ruling (court, judge, decision), the side
that lost (its case) or the side that won (its power), as the story's `stance.sides` says.
Praise of the ruling or the winner and scorn for the loser's case support the ruling; the
reverse criticises it. A negator turns a word round, an intensifier makes it count more,
after a concession ("may be sound, but ...") only the clause after the contrast counts, a
positive word in scare quotes ("this 'reasonable' decision") is irony, and a rhetorical doubt
("did anyone really expect ... to win?") scorns the side it names (the loser when it names none).
A clause with evaluation but no target takes the target of its sentence, else of the sentence
before (`resolve`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .voice import strip_quoted

LEXICON = Path(__file__).resolve().parent.parent / "data" / "lexicons" / "evaluative.yaml"
RULING, WINNER, LOSER = 1, 1, -1   # sign of each target: how praising it bears on the ruling
APPRAISAL_STRENGTH = 0.6            # one evaluative word: less than a story's stance pattern (1.0)
INTENSIFIED_STRENGTH = 0.9
MAX_GAP = 32                        # characters between an evaluative word and the target it is said of
SCARE_QUOTE_WORDS = 3               # a quoted span this short with a positive word in it is irony
LISTS = ("positive", "negative", "intensifiers", "negators", "contrast", "doubt")


@dataclass
class Lexicon:
    """One language's compiled evaluative words and target words (by side sign)."""

    language: str
    words: dict[str, re.Pattern]
    targets: list[tuple[re.Pattern, int]] = field(default_factory=list)


def _alternation(entries: list[str]) -> str:
    parts = sorted({re.escape(e.strip().lower()).replace(r"\*", r"\w*") for e in entries if e and e.strip()},
                   key=len, reverse=True)
    return r"(?<![\w'’-])(?:" + "|".join(parts) + r")(?![\w-])" if parts else r"(?!x)x"


@lru_cache(maxsize=1)
def lexicon_hash(path: Path = LEXICON) -> str:
    """SHA-256 of the lexicon file: stored stances depend on it, so an edit recomputes them."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def load_lexicons(path: Path = LEXICON) -> dict[str, dict]:
    """The raw lexicon file by language code; a malformed file names itself and the bad key."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping of language code to word lists")
    for lang, spec in data.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("targets"), dict):
            raise ValueError(f"{path}: '{lang}' needs word lists and a 'targets' mapping")
        for key in LISTS:
            if not isinstance(spec.get(key, []), list):
                raise ValueError(f"{path}: '{lang}.{key}' must be a list of words")
    return data


def compile_lexicon(language: str, sides: dict[str, list[str]]) -> Lexicon | None:
    """The language's lexicon; `sides` maps 'winner' and 'loser' to the story's words for them
    (the winner's names and references join the generic power words; the loser is found by its
    case, not its name, since news describes its users' posts in hard words without judging the
    ruling). None: no lexicon for the language, or the story names no sides."""
    spec = load_lexicons().get((language or "en").lower()[:2])
    if spec is None or not sides:
        return None
    words = {key: re.compile(_alternation(spec.get(key, [])), re.IGNORECASE) for key in LISTS}
    t = spec["targets"]
    targets = [(re.compile(_alternation(t.get("ruling", [])), re.IGNORECASE), RULING)]
    if "winner" in sides:
        targets.append((re.compile(_alternation(list(t.get("power", [])) + list(sides["winner"])), re.IGNORECASE),
                        WINNER))
    if "loser" in sides:
        targets.append((re.compile(_alternation(list(t.get("claim", [])) + list(sides["loser"])), re.IGNORECASE),
                        LOSER))
    return Lexicon(language, words, targets)


@dataclass
class Appraisal:
    """The evaluation in one sentence: signed hits (+ praise, - scorn) for each target sign (0: no target)."""

    hits: list[tuple[int, int, float]] = field(default_factory=list)  # (polarity, target sign (0: none), strength)
    subject: int = 0  # the sentence's first target, which a next sentence without one refers back to


def appraise(own: str | None, raw: str, lex: Lexicon) -> Appraisal:
    """The author's evaluations in a sentence (`own`: its unquoted, unreported words; None: reported)."""
    if lex is None:
        return Appraisal()
    if own is None:  # reported speech evaluates nothing of the author's, but its topic carries on
        return Appraisal(subject=_first_target(strip_quoted(raw).lower(), lex))
    text = own.lower()
    out = Appraisal(subject=_first_target(text, lex))
    clause = _after_concession(text, lex)
    start = len(text) - len(clause)
    for polarity, key in ((1, "positive"), (-1, "negative"), (-1, "doubt")):
        for m in lex.words[key].finditer(clause):
            sign = _nearest_target(text, start + m.start(), start + m.end(), lex, clause_start=start)
            if key == "doubt" and not sign:
                sign = LOSER
            if sign is None:
                continue
            flip = -1 if key != "doubt" and _negated(clause[:m.start()], lex) else 1
            out.hits.append((polarity * flip, sign, _strength(clause[:m.start()], lex)))
    for span in _scare_quoted(raw, lex):
        out.hits.append((-1, _first_target(text, lex) or RULING, APPRAISAL_STRENGTH))
    return out


def _after_concession(text: str, lex: Lexicon) -> str:
    """The clause after the last contrast that follows an evaluation, else the whole text."""
    cut = 0
    for m in lex.words["contrast"].finditer(text):
        before = text[:m.start()]
        if m.start() > 0 and (lex.words["positive"].search(before) or lex.words["negative"].search(before)):
            cut = m.end()
    return text[cut:]


def _nearest_target(text: str, start: int, end: int, lex: Lexicon, clause_start: int = 0) -> int | None:
    """The sign of the target nearest the word in its clause, within MAX_GAP characters; a clause after
    a concession without a target of its own speaks of the sentence's subject ("..., but it ...").
    0: the sentence names no target (the previous sentence's subject is meant); None: its targets are
    too far from the word to be what it evaluates."""
    near = [(_gap(m, start, end), s) for pattern, s in lex.targets for m in pattern.finditer(text, clause_start)]
    if near:
        gap, sign = min(near, key=lambda gs: gs[0])
        return sign if gap <= MAX_GAP else None
    if clause_start:
        return _first_target(text, lex) or 0
    return None if _first_target(text, lex) else 0


def _gap(m: re.Match, start: int, end: int) -> int:
    if m.start() <= start < m.end() or start <= m.start() < end:
        return 0
    return min(abs(m.start() - end), abs(start - m.end()))


def _first_target(text: str, lex: Lexicon) -> int:
    found = [(m.start(), s) for pattern, s in lex.targets for m in [pattern.search(text)] if m]
    return min(found)[1] if found else 0


def _negated(before: str, lex: Lexicon) -> bool:
    """A negator among the two words before the evaluative word ("not sound", "nicht überzeugend")."""
    return bool(lex.words["negators"].search(" ".join(before.split()[-2:])))


def _strength(before: str, lex: Lexicon) -> float:
    tail = " ".join(before.split()[-2:])
    return INTENSIFIED_STRENGTH if lex.words["intensifiers"].search(tail) else APPRAISAL_STRENGTH


_SHORT_QUOTE = re.compile(r"(?<!\w)['‘\"“«]\s*([^'’\"”»]{1,40}?)\s*['’\"”»](?!\w)")


def _scare_quoted(raw: str, lex: Lexicon) -> list[str]:
    """Short quoted spans holding a positive word: the author distancing themselves from the praise."""
    spans = [m.group(1) for m in _SHORT_QUOTE.finditer(raw) if len(m.group(1).split()) <= SCARE_QUOTE_WORDS]
    return [s for s in spans if lex.words["positive"].search(s.lower())]


def resolve(appraisals: list[Appraisal]) -> list[tuple[str | None, float]]:
    """Each sentence's verdict on the ruling from its evaluations ('supportive', 'critical' or None)
    and its strength; a hit without a target takes the previous sentence's subject."""
    out, previous = [], 0
    for a in appraisals:
        total = 0.0
        for polarity, sign, strength in a.hits:
            total += polarity * (sign or previous) * strength
        out.append((None, 0.0) if abs(total) < 1e-9 else
                   ("supportive" if total > 0 else "critical", min(abs(total), INTENSIFIED_STRENGTH)))
        previous = a.subject or previous
    return out
