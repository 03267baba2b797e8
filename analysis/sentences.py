"""Sentence splitting with no downloaded data.

Handles abbreviations ("U.S.", "Jan.", "Inc."), initials ("Barbara J. Rothstein"),
sentences that end inside a closing quote, headlines and other lines without final
punctuation (a line break ends them), and web boilerplate lines, which are dropped.
"""

from __future__ import annotations

import re

ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "lt", "gen", "col", "sgt", "capt", "cmdr", "adm",
    "pres", "sec", "atty", "supt", "hon", "rev", "fr", "st", "mt", "ft", "jr", "sr", "esq",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
    "inc", "corp", "co", "ltd", "llc", "plc", "bros", "dept", "univ", "assn", "ave", "blvd",
    "no", "nos", "vol", "pp", "p", "para", "fig", "approx", "est", "vs", "v", "cf", "al", "etc", "ca",
    "u.s", "u.k", "u.n", "e.u", "d.c", "a.m", "p.m", "e.g", "i.e", "n.y", "l.a", "s.f", "ph.d", "wash", "calif",
    "cir", "app", "supp", "f.supp", "ct", "dist", "ex", "jd",
}
# A name or a case party always follows these, so they never end a sentence.
TITLES = {"mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "lt", "gen", "col", "sgt", "capt", "cmdr", "adm",
          "pres", "sec", "atty", "supt", "hon", "rev", "fr", "mt", "ft", "v", "vs", "cf", "e.g", "i.e"}
# These abbreviate only before a number ("No. 2"); "The judge said no." ends a sentence.
NUMBERED = {"no", "nos", "vol", "pp", "para", "fig"}
# After other abbreviations ("U.S.", "Inc.", "etc.") a sentence ends only before a typical sentence start.
SENTENCE_STARTERS = {"the", "a", "an", "he", "she", "it", "they", "we", "i", "in", "but", "and", "this", "that",
                     "there", "his", "her", "its", "their", "on", "at", "as", "for", "after", "when", "while"}

BOILERPLATE = re.compile(
    r"^\s*(advertisement|advertising|sponsored( content)?|share( this( article| story)?)?|"
    r"(sign up|subscribe)( now)?( for| to)?\b.*newsletter.*|read more\b.*|"
    r"related( articles?| stories| coverage| content| links?| reading)?\s*(:.*)?|"
    r"click here\b.*|follow us\b.*|copyright\s*(©|\(c\)|\d{4}|the\b).*|©.*|all rights reserved\.?|"
    r"(tweet|email|print|comments?|facebook|twitter|linkedin|whatsapp)( this)?|"
    r"this (article|story) (was|has been) (updated|corrected)\b.*|"
    r"(photo|image|video)( credit)?:.*|listen to (this|the) (article|story)\b.*)\s*$",
    re.IGNORECASE)

_END = re.compile(r"""([.!?]+|…)(["'”’»)\]]*)(\s+)(?=["'“‘«(\[]?[A-Z0-9À-ÖØ-Þ])""")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_LOOK_BACK = 64  # characters searched for the word before a period (no abbreviation is longer)
_SPACES = re.compile(r"\s+")
_LINE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_TWO_WORD_CHARS = re.compile(r"\w\w")
_INITIALISM = re.compile(r"(?:[a-z]\.)+[a-z]")
_NEXT_WORD = re.compile(r"[\"'“‘(\[]?([A-Za-z]+)")
_KEY_WORD = re.compile(r"[^\W_]+")


def split_paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs (blank-line separated, or one per line for line-broken text)."""
    return [p.strip() for p in re.split(r"\n\s*\n|\r\n\s*\r\n", text or "") if p.strip()]


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, boilerplate lines dropped, whitespace normalised."""
    sentences: list[str] = []
    for line in _unwrap(re.split(r"[\r\n]+", text or "")):
        sentences.extend(s for s in _split_line(line) if _has_words(s))
    return sentences


def _unwrap(lines: list[str]) -> list[str]:
    """Non-boilerplate lines, hard-wrapped ones (PDF text) joined: a line continues when the next starts in lower case."""
    out: list[str] = []
    for line in lines:
        line = _SPACES.sub(" ", line).strip()
        if not line or BOILERPLATE.match(line):
            continue
        if out and line[0].islower() and not _LINE_END.search(out[-1]):
            out[-1] += " " + line
        else:
            out.append(line)
    return out


def _has_words(sentence: str) -> bool:
    return _TWO_WORD_CHARS.search(sentence) is not None


def _split_line(line: str) -> list[str]:
    out, start = [], 0
    for match in _END.finditer(line):
        end = match.end(2)
        if match.group(1) == "." and not _real_end(line, match):
            continue
        out.append(line[start:end].strip())
        start = match.end()
    tail = line[start:].strip()
    if tail:
        out.append(tail)
    return out


def _real_end(line: str, match: re.Match) -> bool:
    """Is the period at `match` a sentence end rather than an abbreviation or initial?"""
    # Only the last characters: searching the whole line before each period made long lines quadratic.
    before = _WORD_BEFORE.search(line, max(0, match.start() - _LOOK_BACK), match.start())
    if not before:
        return True
    word = before.group(1).rstrip(".").lower()
    if match.group(2):  # closing quote after the period: "... the end." She said
        return True
    if len(word) == 1 and word.isalpha():  # an initial: Barbara J. Rothstein
        return False
    if word in TITLES:
        return False
    if word in NUMBERED:
        return not line[match.end():][:1].isdigit()
    if word in ABBREVIATIONS or _INITIALISM.fullmatch(word):  # Inc. / U.S. / W.D.
        nxt = _NEXT_WORD.match(line, match.end())
        return bool(nxt and nxt.group(1).lower() in SENTENCE_STARTERS)
    return True


def sentence_key(sentence: str) -> str:
    """The sentence's words, lower-cased and joined by single spaces: two sentences that
    differ only in case, punctuation or spacing have the same key."""
    return " ".join(_KEY_WORD.findall(sentence.lower()))


def key_words(key: str) -> int:
    """How many words a sentence_key holds."""
    return key.count(" ") + 1 if key else 0


def document_sentences(title: str, text: str) -> tuple[list[str], bool]:
    """An article's sentences with its title first (unless the body already starts with it)."""
    title = re.sub(r"\s+", " ", title or "").strip()
    body = split_sentences(text)
    if title and (not body or body[0] != title):
        return [title] + body, True
    return body, bool(title)
