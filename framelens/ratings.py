"""Lean ratings as dated facts from named raters, and the one rule that turns them into a lean.

An outlet carries any number of ratings `{rater, lean, as_of, url}`. Which lean the
dashboard shows comes from `effective_lean`: the newest rating of the rater the reader
picked, or, by default, the consensus rule below. "unrated" is a value, never a guess.

Consensus (the default):
1. each rater counts once, with its newest rating (by `as_of`; on a tie the later one listed);
2. no rating gives "unrated"; one rater gives its lean;
3. several raters give the median of their leans on the scale left (-2) … right (+2); with
   an even number of raters that is the mean of the two middle leans, rounded toward the
   centre (left + center give lean-left; lean-left + left give lean-left; left + right give center).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

LEANS = ("left", "lean-left", "center", "lean-right", "right", "unrated")
SCALE = {"left": -2, "lean-left": -1, "center": 0, "lean-right": 1, "right": 2}
CONSENSUS = ""  # the rater value that asks for the consensus rule
AS_OF_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True)
class Rating:
    """One rater's lean for one outlet, as of a date (YYYY, YYYY-MM or YYYY-MM-DD)."""

    rater: str
    lean: str
    as_of: str = ""
    url: str = ""

    def as_dict(self) -> dict:
        return {"rater": self.rater, "lean": self.lean, "as_of": self.as_of, "url": self.url}


@dataclass(frozen=True)
class Verdict:
    """The lean shown for an outlet, with the rater(s) and the date it rests on."""

    lean: str
    rater: str = ""
    as_of: str = ""


UNRATED = Verdict("unrated")


def rating_from(value: dict) -> Rating:
    """A Rating from a stored dict (the store's JSON column, the registry's entries)."""
    return Rating(str(value.get("rater") or ""), str(value.get("lean") or "unrated"),
                  str(value.get("as_of") or ""), str(value.get("url") or ""))


def ratings_of_row(outlet: dict) -> list[Rating]:
    """An outlet row's ratings (the store's or the registry's); a row from before ratings
    were kept gives its one lean as an undated rating from its `lean_source`."""
    stored = outlet.get("ratings")
    if stored:
        return [rating_from(r) for r in stored if isinstance(r, dict)]
    lean = outlet.get("lean") or "unrated"
    return [] if lean not in SCALE else [Rating(outlet.get("lean_source") or "unnamed rater", lean)]


def newest_by_rater(ratings) -> dict[str, Rating]:
    """Each rater's newest rating (raters compared without case), in first-seen order."""
    out: dict[str, Rating] = {}
    for r in ratings:
        key = r.rater.casefold()
        if r.lean in SCALE and (key not in out or r.as_of >= out[key].as_of):
            out[key] = r
    return out


def effective_lean(ratings, rater: str = CONSENSUS) -> Verdict:
    """The lean for a reader's choice of rater: that rater's newest rating, or the consensus."""
    newest = newest_by_rater(ratings)
    if rater:
        pick = newest.get(rater.casefold())
        return Verdict(pick.lean, pick.rater, pick.as_of) if pick else UNRATED
    if not newest:
        return UNRATED
    used = sorted(newest.values(), key=lambda r: SCALE[r.lean])
    lean = _median_lean([SCALE[r.lean] for r in used])
    label = used[0].rater if len(used) == 1 else "consensus of " + ", ".join(sorted(r.rater for r in used))
    return Verdict(lean, label, max(r.as_of for r in used))


def _median_lean(positions: list[int]) -> str:
    n = len(positions)
    if n % 2:
        value = positions[n // 2]
    else:
        a, b = positions[n // 2 - 1], positions[n // 2]
        value = int((a + b) / 2)  # int() truncates toward zero: toward the centre
    return next(lean for lean, v in SCALE.items() if v == value)


def raters_of(ratings) -> list[str]:
    """The raters named in a collection of ratings, sorted, each once."""
    return sorted({r.rater for r in ratings if r.rater}, key=str.casefold)


def check_as_of(value: str) -> str:
    """'' when `value` is a usable date (YYYY, YYYY-MM, YYYY-MM-DD), else why not."""
    if not AS_OF_RE.match(value or ""):
        return f"as_of must be a date like 2024-06-30 (or 2024-06, 2024), got {value!r}"
    if len(value) == 10:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return f"as_of {value!r} is not a real date"
    return ""
