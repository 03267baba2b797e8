"""News or opinion: how an article is read before its frame and stance are weighed.

Straight news takes the frame of its headline and lead; opinion and partisan pieces take the
frame of the author's own commentary (analysis/framing.py). The outlet's kind, an opinion
section in the URL or an "Opinion:" headline, in six languages (`is_opinion`), settle it
(`hint`); otherwise the text does: commentary in the author's own voice (first or second
person, rhetorical questions, exclamations, words that judge or insinuate) in at least
`MIN_COMMENTARY` sentences and in a share of them. News conventions (a dateline, a wire
credit, a byline) raise the bar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .voice import strip_quoted

MIN_COMMENTARY = 2          # commentary sentences an article needs before it reads as opinion
MIN_COMMENTARY_SHARE = 0.12  # ... and their share of its own-voice sentences
NEWS_CONVENTION_EXTRA = 1   # a dateline or wire credit asks for one more commentary sentence
MAX_CUES = 3                # cue sentences kept as the verdict's evidence

# Opinion sections and headline labels, in the languages stories carry cues for (French,
# Italian, Spanish, Portuguese, German) as well as English.
OPINION_URL = re.compile(r"/(opinion|opinions|editorial|editorials|commentary|column|columns|op-ed|oped|"
                         r"blogs?|perspectives?|views?|opinione|opiniones|opiniao|opiniões|opinioes|editoriale|"
                         r"editoriali|commenti|commento|tribunes?|chroniques?|debats|kommentare?|meinung|"
                         r"leitartikel|gastbeitrag)/", re.I)
OPINION_TITLE = re.compile(r"^\s*(opinion|editorial|commentary|column|op-ed|analysis|perspective|opinión|opinião|"
                           r"opinione|editoriale|commento|tribuna|columna|coluna|crónica|crônica|tribune|éditorial|"
                           r"chronique|point\s+de\s+vue|kommentar|meinung|leitartikel|gastbeitrag|kolumne)\s*[:|—–-]",
                           re.I)

# Words by which authors judge, insinuate or address the reader; a reporter's copy avoids them.
_COMMENTARY = re.compile(
    r"\b(?:sadly|unfortunately|thankfully|fortunately|regrettably|mercifully|surely|of\s+course|frankly|"
    r"obviously|needless\s+to\s+say|ironically|predictably|unsurprisingly|perhaps|arguably|remarkably|"
    r"shockingly|tellingly|conveniently|finally|absurd\w*|ridiculous\w*|laughabl\w|shameful\w*|outrageous\w*|"
    r"disgrace\w*|pathetic|bad\s+news\s+for|good\s+news\s+for|had\s+a\s+point|the\s+(?:same\s+)?narrative|"
    r"pretext\w*|so-called|double\s+standards?|make\s+no\s+mistake|let'?s\s+be\s+clear|the\s+truth\s+is|"
    r"in\s+other\s+words|it\s+seems|appears?\s+to\s+(?:be\s+the\s+case|echo)|bodes?\s+(?:ill|well)|figment|"
    r"remains?\s+to\s+be\s+seen|totally|nicely|handily|short\s+and\s+sweet|"
    r"(?:is|was)\s+(?:it\s+)?(?:right|wrong|fair|unfair)\s+(?:for|to|that)|ought\s+to|should|"
    r"(?:real|fundamental|bigger|larger|broader|deeper)\s+(?:question|issue|problem|story)|"
    r"the\s+left\W?s?\b|leftists?|the\s+mainstream\s+media|legacy\s+media|woke)",
    re.IGNORECASE)
_PERSONAL = re.compile(r"\b(?:I|I'm|I’m|I've|I’ve|me|my|(?i:you|your|you're|you’re))\b")
_DATELINE = re.compile(r"^\W*(?:[A-Z][A-Za-z.]*[ ,]*){1,4}\((?:Reuters|AP|AFP|UPI|CN|Bloomberg|dpa|ANSA|EFE)\)"
                       r"|\((?:Reuters|AP|AFP|UPI|CNN|Bloomberg|dpa|ANSA|EFE)\)\s*[-—–]|^\W*By\s+[A-Z][a-z]+\s+"
                       r"(?:[A-Z]\.\s+)?[A-Z][a-z]+\W*$")


@dataclass
class Genre:
    """The verdict: 'news' or 'opinion', where it came from and the sentences behind it."""

    label: str
    source: str  # "outlet or URL" (the hint), "text" or "the author's stance"
    cues: list[str] = field(default_factory=list)

    @property
    def opinion(self) -> bool:
        return self.label == "opinion"

    def as_dict(self) -> dict:
        return {"label": self.label, "source": self.source, "evidence": self.cues[:MAX_CUES]}


def is_opinion(row: dict) -> bool:
    """Opinion outlet, an opinion section in the URL, or an "Opinion:" headline."""
    return row.get("kind") == "opinion" or bool(OPINION_URL.search(row.get("url") or "")) \
        or bool(OPINION_TITLE.match(row.get("title") or ""))


def is_commentary(sentence: str) -> bool:
    """Does the author's own (unquoted) text of the sentence judge, insinuate or address the reader?"""
    own = strip_quoted(sentence)
    return bool(_COMMENTARY.search(own) or _PERSONAL.search(own) or re.search(r"[?!]\s*$", own))


def judge_genre(sentences: list[str], own: list[bool], hint: bool = False) -> Genre:
    """News or opinion, from the hint or from the author's own sentences (`own[i]`: sentence i
    is in the author's voice; the headline included, a partisan headline is commentary too)."""
    if hint:
        return Genre("opinion", "outlet or URL")
    mine = [s for s, o in zip(sentences, own) if o]
    cues = [s for s in mine if is_commentary(s)]
    need = MIN_COMMENTARY + (NEWS_CONVENTION_EXTRA if any(_DATELINE.search(s) for s in sentences[:8]) else 0)
    if len(cues) >= need and len(cues) >= MIN_COMMENTARY_SHARE * len(mine):
        return Genre("opinion", "text", cues)
    return Genre("news", "text")


def with_stance(genre: Genre, stance: dict) -> Genre:
    """Straight news does not take sides: an article whose author does (a critical or
    supportive stance in their own words) is read as opinion for its frame as well."""
    if genre.opinion or stance.get("label") in (None, "neutral"):
        return genre
    return Genre("opinion", "the author's stance", list(stance.get("evidence") or []))
