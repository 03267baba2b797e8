"""Whose voice a sentence is in: the author's own, or quoted and reported speech.

Stance and opinion weighting look only at the author's own words, so quoted spans are cut
out of a sentence and a sentence that reports what someone else said ("X said", "according
to", "critics called it ...") is not the author's. An evaluative adverb in front of the
speech verb ("the judge rightly said so") or a first-person speaker ("I think") keeps the
sentence in the author's voice.
"""

from __future__ import annotations

import re

# Balanced quoted spans: straight, curly, low-9 and guillemet double quotes, and curly singles.
_QUOTED_SPAN = re.compile(r'"[^"]*"|“[^”“]*”|„[^“”]*[“”]|«[^»]*»|»[^«]*«|(?<!\w)‘[^’‘]*’(?!\w)'
                          r"|(?<![\w'])'(?=\w)[^\n]*?(?<=[\w.,!?])'(?![\w'])")
_OPENERS, _CLOSERS = "“„«‘", "”»’"

_SPEECH = (
    r"said|says|say|saying|told|tells|tell|stated|states|added|adds|noted|notes|wrote|writes|"
    r"argued|argues|argue|arguing|claimed|claims|claim|claiming|contended|contends|contend|"
    r"alleged|alleges|allege|insisted|insists|insist|asserted|asserts|maintained|maintains|"
    r"warned|warns|warn|complained|complains|accused|accuses|accuse|tweeted|tweets|testified|"
    r"countered|counters|responded|responds|replied|replies|explained|explains|acknowledged|"
    r"acknowledges|conceded|concedes|announced|announces|vowed|vows|predicted|predicts|"
    r"blasted|blasts|slammed|slams|criticized|criticised|criticizes|criticises|praised|praises|"
    r"hailed|hails|welcomed|welcomes|decried|decries|condemned|condemns|denounced|denounces|"
    r"lamented|laments|cheered|cheers|applauded|applauds|celebrated|celebrates|"
    r"cry|cries|cried|crying|"
    r"believes|believe|believed|thinks|think|"
    r"described|describes|characterized|characterised|dubbed|labeled|labelled|branded|"
    r"called|calls|calling"
)
_SPEECH_VERB = re.compile(rf"\b({_SPEECH})\b(?!\s+(?:for|on|off|up|out)\b)", re.IGNORECASE)
_ACCORDING = re.compile(r"\b(according\s+to|in\s+a\s+statement|in\s+a\s+(?:court\s+)?filing|in\s+an?\s+"
                        r"(?:interview|email|post|tweet|letter|ruling|order|opinion)|spokes(?:man|woman|person)|"
                        r"per\s+(?:the|a)\s+(?:statement|filing|complaint))\b", re.IGNORECASE)
# The author evaluating what a speaker said keeps the sentence the author's.
_EVALUATIVE = {"rightly", "correctly", "wrongly", "falsely", "absurdly", "sensibly", "wisely", "properly",
               "mistakenly", "bizarrely", "laughably", "accurately", "fairly", "unfairly", "plausibly",
               "dishonestly", "ridiculously", "reasonably", "persuasively", "convincingly", "aptly"}
_FIRST_PERSON = {"i", "we", "i'd", "we'd", "i've", "we've", "i'll", "we'll"}
# "the claim that ...", "its statement", "their calls": a speech word after these is a noun, not reported speech.
_DETERMINERS = {"the", "a", "an", "its", "their", "his", "her", "this", "that", "these", "those", "our", "my",
                "your", "such", "any", "no", "whose", "every", "each"}
# "X argued ..., but the issue is ...": the clause after a contrast is the author's again.
_CONTRAST = re.compile(r"(?:,|;|…|\.\.\.)\s*(?:but|yet|however,?)\s+", re.IGNORECASE)
MIN_TAIL_WORDS = 5
_WORD_BEFORE = re.compile(r"([\w'’]+)\W*$")


def strip_quoted(sentence: str) -> str:
    """The sentence with quoted spans cut out (an unclosed quote runs to the end, an unopened one from the start)."""
    if not _QUOTE_CHAR.search(sentence) and "'" not in sentence:
        return " ".join(sentence.split())
    text = _QUOTED_SPAN.sub(" … ", sentence)
    text = _cut_unbalanced(text)
    return re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s+", " ", text)).strip()


_QUOTE_CHAR = re.compile(r'["“”„«»‘’]')


def _cut_unbalanced(text: str) -> str:
    match = _QUOTE_CHAR.search(text)
    while match:
        i = match.start()
        if _opens(text, i):
            return text[:i]  # the quote runs on into the next sentence
        if _closes(text, i):
            text = text[i + 1:]  # the quote began in the previous sentence
            match = _QUOTE_CHAR.search(text)
        else:
            match = _QUOTE_CHAR.search(text, i + 1)
    return text


def _opens(text: str, i: int) -> bool:
    ch, before, after = text[i], text[i - 1] if i else " ", text[i + 1] if i + 1 < len(text) else " "
    return ch in "“„«" or (ch in "‘\"" and not before.isalnum() and after.isalnum())


def _closes(text: str, i: int) -> bool:
    ch, before, after = text[i], text[i - 1] if i else " ", text[i + 1] if i + 1 < len(text) else " "
    if ch == "’":  # an apostrophe (don’t, Parlers’) is not a closing quote
        return not (before.isalnum() and (after.isalnum() or before in "sS"))
    return ch in "”»\""


def has_quotes(sentence: str) -> bool:
    return bool(re.search(r'["“”„«»]|(?<!\w)‘|’(?!\w)', sentence))


def is_reported(text: str) -> bool:
    """Does (quote-stripped) text report what someone else said or thinks?"""
    if _ACCORDING.search(text):
        return True
    for match in _SPEECH_VERB.finditer(text):
        before = _WORD_BEFORE.search(text[:match.start()])
        word = before.group(1).lower() if before else ""
        if word in _EVALUATIVE or word in _FIRST_PERSON or word in _DETERMINERS:
            continue
        if word in ("so", "also") and _first_person_before(text, match.start()):
            continue
        return True
    return False


def _first_person_before(text: str, end: int) -> bool:
    words = re.findall(r"[\w'’]+", text[:end].lower())[-3:]
    return any(w in _FIRST_PERSON for w in words)


def author_text(sentence: str) -> str | None:
    """What the author says in their own voice: the unquoted words, or None for reported speech."""
    own = strip_quoted(sentence)
    if not re.search(r"\w\w", own):
        return None
    if is_reported(own):
        return _contrast_tail(own)
    return own


def _contrast_tail(text: str) -> str | None:
    """The author's clause after a contrast that closes reported speech, if there is one."""
    parts = _CONTRAST.split(text)
    if len(parts) < 2:
        return None
    tail = parts[-1]
    if len(tail.split()) < MIN_TAIL_WORDS or is_reported(tail) or not is_reported(" ".join(parts[:-1])):
        return None
    return tail


def is_authorial(sentence: str) -> bool:
    """Entirely the author's: no quoted words and no reported speech."""
    return not has_quotes(sentence) and author_text(sentence) is not None
