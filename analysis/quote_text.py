"""Finding quoted spans in article text (quotes.py grades them against the source).

Handled: straight and curly double quotes, „German“ and «guillemet» pairs, single-quote
quotations where the marks cannot be apostrophes, quotes running over several paragraphs
(each paragraph reopens the quote, only the last closes it), block quotes ("> " lines,
indented paragraphs, and the paragraph after an introduction such as "She wrote:" that
carries no quote marks of its own), and quotes cut by ellipses or with [bracketed] words.
Quotes of 1-2 words are scare quotes ("Big Tech") and are skipped; 3-word quotes are
returned with `short=True` (quotes.align_quotes keeps them only when the source has them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_WORDS = 3             # fewer words: a scare quote, not a quotation
SHORT_BELOW = 4           # MIN_WORDS <= words < SHORT_BELOW: kept, flagged short
MAX_SINGLE_WORDS = 80     # a single-quoted "quote" longer than this is mis-paired apostrophes
MAX_BLOCK_WORDS = 200

OPENERS, CLOSERS = "“„«»", "”»«"
# Which marks close a quote opened by each mark: German „…“ and »…«, French «…».
_CLOSES = {"“": "”\"", "„": "“”\"", "«": "»", "»": "«", '"': '"”'}
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_SPEECH = (r"(?:said|says|wrote|writes|added|adds|told|tells|stated|states|argued|argues|noted|notes|"
           r"declared|declares|explained|explains|asked|asks|claimed|claims|continued|insisted|"
           r"warned|tweeted|posted|ruled|concluded|found|reads|read|put it)")
_NAME = (r"(?:[Tt]he\s+[a-z]+(?:\s+[a-z]+)?|[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3}|"
         r"[Hh]e|[Ss]he|[Tt]hey|[Ii]t|[Ww]e|I)")
_AFTER = re.compile(rf"^\s*[,.]?\s*(?:{_SPEECH}\s+(?P<a>{_NAME})|(?P<b>{_NAME})\s+{_SPEECH}\b)")
_BEFORE = re.compile(rf"(?P<n>{_NAME})\s+{_SPEECH}\b[^.!?\"“”]{{0,40}}[:,]?\s*$")
_ACCORDING = re.compile(rf"[Aa]ccording to\s+(?P<n>{_NAME})\s*,?\s*$")
_INTRO = re.compile(rf"\b{_SPEECH}\b[^.!?]{{0,80}}:\s*$")


@dataclass
class Quote:
    """A quoted span: its text (marks stripped) and where it sits in the article."""

    text: str
    start: int
    end: int
    speaker_hint: str = ""
    short: bool = False  # 3 words: kept only if it matches the source exactly
    lead_in: str = ""    # the words of its sentence before the quote (who it is credited to)


_INITIALISM = re.compile(r"\b[^\W\d_](?:\.[^\W\d_])+\.?(?!\w)")


def norm_tokens(text: str) -> list[str]:
    """Lower-case word tokens, punctuation dropped, apostrophes straightened; an initialism
    is one word with or without its dots ("U.S." and "US" are both "us")."""
    text = _INITIALISM.sub(lambda m: m.group().replace(".", ""), text or "")
    return [t.replace("’", "'") for t in _TOKEN.findall(text.lower())]


# --------------------------------------------------------------------------- party names

def alias_groups(groups) -> dict[tuple[str, ...], int]:
    """Each name's words (possessive 's dropped) -> its group's number."""
    found: dict[tuple[str, ...], int] = {}
    for number, names in enumerate(groups or ()):
        for name in names:
            words = _unpossessive(tuple(norm_tokens(name)))
            if words:
                found.setdefault(words, number)
    return found


def _unpossessive(words: tuple[str, ...]) -> tuple[str, ...]:
    if words and words[-1].endswith("'s") and len(words[-1]) > 2:
        return words[:-1] + (words[-1][:-2],)
    return words


def same_party(quoted: list[str], source: list[str], aliases: dict[tuple[str, ...], int] | None) -> bool:
    """Whether two word runs are different names of one party (`aliases` from alias_groups)."""
    if not aliases:
        return False
    a, b = _unpossessive(tuple(quoted)), _unpossessive(tuple(source))
    return a != b and a in aliases and aliases.get(b) == aliases[a]


# --------------------------------------------------------------------------- extraction

def extract_quotes(text: str) -> list[Quote]:
    """Every quotation in `text`, in order of position."""
    text = text or ""
    lines = _line_starts(text)
    spans = _double_quoted(text, lines)
    spans += _single_quoted(text, spans)
    spans += _block_quoted(text, spans)
    quotes = [_make_quote(text, s, e, strip) for s, e, strip in sorted(spans, key=lambda t: t[:2])]
    return [q for q in quotes if q is not None]


# --------------------------------------------------------------------------- double quotes

def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\n", text)]


def _para_of(pos: int, lines: list[int]) -> int:
    lo, hi = 0, len(lines) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if lines[mid] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _at_para_start(text: str, pos: int, lines: list[int]) -> bool:
    return not text[lines[_para_of(pos, lines)]:pos].strip()


def _double_quoted(text: str, lines: list[int]) -> list[tuple[int, int, list[int]]]:
    """(start, end, reopen marks) of each double-quoted span, pairing marks left to right."""
    spans, open_at, reopens = [], None, []
    for m in re.finditer(r"[\"“”„«»]", text):
        pos, ch = m.start(), m.group()
        if ch == '"':
            opens, closes = _straight_role(text, pos)
        else:
            opens = ch in "“„«" or (ch == "»" and open_at is None)
            closes = open_at is not None and ch in _CLOSES[text[open_at]]
        if open_at is None:
            if opens:
                open_at, reopens = pos, []
            continue
        last_para = _para_of(reopens[-1] if reopens else open_at, lines)
        if opens and _para_of(pos, lines) > last_para and _at_para_start(text, pos, lines):
            reopens.append(pos)  # multi-paragraph quote: the new paragraph reopens it
        elif closes:
            spans.append((open_at + 1, pos, reopens))
            open_at, reopens = None, []
        elif opens:
            spans += _unclosed(text, open_at, reopens, lines)
            open_at, reopens = pos, []
    if open_at is not None:
        spans += _unclosed(text, open_at, reopens, lines)
    return spans


def _straight_role(text: str, pos: int) -> tuple[bool, bool]:
    """Whether a straight " can open and can close, from its neighbours (5" opens nothing)."""
    before, after = text[pos - 1:pos], text[pos + 1:pos + 2]
    opens = (not before or before.isspace() or before in "([{—–-/:'‘") and after.strip() != ""
    closes = bool(before.strip()) and (not after or after.isspace() or after in ".,;:!?)]}—–-'’")
    return opens, closes or not opens


def _unclosed(text: str, open_at: int, reopens: list[int], lines: list[int]) -> list:
    """An open quote never closed: keep it when it opened a paragraph (close mark lost)."""
    if not _at_para_start(text, open_at, lines):
        return []
    last = reopens[-1] if reopens else open_at
    end = text.find("\n", last)
    return [(open_at + 1, len(text) if end < 0 else end, reopens)]


# --------------------------------------------------------------------------- single quotes

_SINGLE_OPEN = re.compile(r"(?:(?<=^)|(?<=[\s(\[“\"—–:]))['‘](?=[^\W_]|\[|…)", re.MULTILINE)
_SINGLE_CLOSE = re.compile(r"(?<=[^\s'‘])['’](?=$|[\s.,;:!?)\]—–\"”-])", re.MULTILINE)


def _single_quoted(text: str, taken: list) -> list[tuple[int, int, list[int]]]:
    """Single-quoted spans outside double quotes, where the marks cannot be apostrophes."""
    marks = [(m.start(), "open") for m in _SINGLE_OPEN.finditer(text)]
    marks += [(m.start(), "close") for m in _SINGLE_CLOSE.finditer(text)]
    spans, open_at = [], None
    for pos, kind in sorted(marks):
        if _inside(pos, taken):
            continue
        if kind == "open" and (open_at is None or "\n" in text[open_at:pos]):
            if not re.match(r"['‘]\d0s\b|['‘]n['’]", text[pos:pos + 4]):  # '90s, rock 'n' roll
                open_at = pos
        elif kind == "close" and open_at is not None and not _possessive(text, pos):
            inner = text[open_at + 1:pos]
            if "\n" not in inner and len(norm_tokens(inner)) <= MAX_SINGLE_WORDS:
                spans.append((open_at + 1, pos, []))
            open_at = None
    return spans


def _possessive(text: str, pos: int) -> bool:
    """"the judges' ruling": an s, the mark, then a lower-case word."""
    return text[pos - 1:pos] == "s" and re.match(r"['’]\s+[a-z]", text[pos:pos + 3]) is not None


def _inside(pos: int, spans: list) -> bool:
    return any(s - 1 <= pos <= e for s, e, _ in spans)


# --------------------------------------------------------------------------- block quotes

def _block_quoted(text: str, taken: list) -> list[tuple[int, int, list[int]]]:
    """Paragraphs that are wholly a quotation but carry no quote marks."""
    spans, previous = [], ""
    for m in re.finditer(r"[^\n]+", text):
        line = m.group()
        body = line.strip()
        marked = re.search(r"[\"“”„«»]", body) is not None
        if body.startswith(">"):
            start = m.start() + line.index(">") + 1
            if spans and spans[-1][2] == [">"] and not text[spans[-1][1]:m.start()].strip():
                start = spans.pop()[0]  # consecutive "> " lines are one block
            spans.append((start, m.end(), [">"]))
        elif not marked and body and not _inside(m.start() + 1, taken):
            indented = re.match(r"(?: {4,}|\t)\S", line) is not None
            introduced = _INTRO.search(previous) is not None
            if (indented or introduced) and len(norm_tokens(body)) <= MAX_BLOCK_WORDS:
                spans.append((m.start() + len(line) - len(line.lstrip()), m.end(), []))
        if body:
            previous = body
    return spans


# --------------------------------------------------------------------------- quote records

def _make_quote(text: str, start: int, end: int, reopens: list[int]) -> Quote | None:
    skip = {p for p in reopens if isinstance(p, int)}
    inner = "".join(ch for i, ch in enumerate(text[start:end], start) if i not in skip)
    inner = re.sub(r"(?m)^\s*>\s?", "", inner)
    clean = re.sub(r"\s+", " ", inner).strip().rstrip(",;:").strip()
    words = len(norm_tokens(re.sub(r"\[[^\]]*\]", " ", clean)))
    if words < MIN_WORDS:
        return None
    return Quote(clean, start, end, _speaker(text, start, end), short=words < SHORT_BELOW,
                 lead_in=_lead_in(text, start))


_SENTENCE_END = re.compile(r"[.!?][\"”’»]?\s+(?=[A-Z\"“]|$)")


def _lead_in(text: str, start: int) -> str:
    """The words of the quote's sentence before its opening mark (at most 300 characters)."""
    before = text[max(0, start - 301):max(0, start - 1)]
    ends = [m.end() - 1 for m in _SENTENCE_END.finditer(before)]
    cut = max([before.rfind("\n"), *ends])
    return before[cut + 1:].strip()


def _speaker(text: str, start: int, end: int) -> str:
    """Who the sentence around the quote credits it to, when that is easy to see."""
    tail = text[end:end + 80]
    after = _AFTER.match((tail[1:] if tail[:1] in "\"“”„«»'‘’" else tail).split("\n")[0])
    if after:
        return _trim_name(after.group("a") or after.group("b"))
    before = text[max(0, start - 120):max(0, start - 1)].rstrip().split("\n")[-1]
    m = _BEFORE.search(before) or _ACCORDING.search(before)
    return _trim_name(m.group("n")) if m else ""


def _trim_name(name: str) -> str:
    """Cut a name at a sentence end: "Rep. Nora Vale. The" -> "Rep. Nora Vale"."""
    kept = []
    for word in name.split():
        kept.append(word)
        if word.endswith(".") and len(word.strip(".")) > 3 and "." not in word.strip("."):
            break
    return " ".join(kept).rstrip(".,")


# --------------------------------------------------------------------------- for alignment

_ATTACHED = re.compile(r"(?<=\w)\[([^\]\s]*)\]|\[([^\]\s]*)\](?=\w)")
_MARKERS = re.compile(r"(\[[^\]]*\]|…|\.\s?\.\s?\.)")
_ELLIPSES = {"", "...", "…", ". . ."}


def quote_segments(text: str) -> list[list[tuple[list[str], str]]]:
    """A quote as segments (split at ellipses) of pieces (split at [insertions]).

    Each piece is (words, gap before it): "" first, "bracket" after an insertion,
    "ellipsis" at the start of a later segment. "[p]arallel" is just "parallel";
    "[sic]" is dropped.
    """
    text = _ATTACHED.sub(lambda m: m.group(1) or m.group(2) or "", text)
    segments: list[list] = [[]]
    gap = ""
    for part in _MARKERS.split(text):
        if _MARKERS.fullmatch(part or "x"):
            inner = part.strip("[]").strip()
            if part.startswith("[") and inner.lower().rstrip("!") == "sic":
                continue
            if part.startswith("[") and inner not in _ELLIPSES:
                gap = gap or "bracket"
                continue
            if segments[-1]:
                segments.append([])
            gap = "ellipsis"
            continue
        words = norm_tokens(part)
        if words:
            segments[-1].append((words, gap if segments[-1] or len(segments) > 1 else ""))
            gap = ""
    return [s for s in segments if s]
