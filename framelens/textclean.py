"""Cleaning hostile text and URLs before they are stored, shown or sent.

Names, titles and authors lose every control character (C0, C1, NUL) and every
bidirectional control (embeddings, overrides, isolates and marks), and their whitespace is
collapsed: a right-to-left override in an outlet name would otherwise display it reversed
and flip the page's own words after it. Body text keeps its line breaks and tabs but loses
the other controls and the bidi controls. Zero-width joiners (U+200C, U+200D) stay: some
scripts need them inside words.

URLs lose their userinfo (`user:password@`): it must never be stored, shown or sent.
Controls and spaces inside a URL are percent-encoded, so the address still says what it said.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import orjson

BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_CONTROLS = "".join(chr(c) for c in (*range(0x01, 0x20), 0x7f, *range(0x80, 0xa0)))
_DELETE = re.compile(f"[\x00{BIDI_CONTROLS}]+")  # deleted: a space would split a word
_NAME_SPACE = re.compile(f"[{re.escape(_CONTROLS)}]+")  # a line break in a title is a space
_BODY_SPACE = re.compile(f"[{re.escape(''.join(c for c in _CONTROLS if c not in chr(9) + chr(10) + chr(13)))}]+")
_HIDDEN = re.compile(f"[\x00{re.escape(_CONTROLS)}{BIDI_CONTROLS}]")
_URL_BAD = re.compile(f"[\x00{re.escape(_CONTROLS)}{BIDI_CONTROLS} ]")
_SPACES = re.compile(r"\s+")


_SURROGATE = re.compile("[\ud800-\udfff]")
_USERINFO_IN_TEXT = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@\"'<>]+@")
_USERINFO_IN_JSON = re.compile(rb"://[^/\s@\"]+@")


def clean_text(value: str | None) -> str | None:
    """Make text storable on every backend: drop NULs, replace lone surrogates."""
    if value is None:
        return None
    if "\x00" in value:
        value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = _SURROGATE.sub("\ufffd", value)
    return value


def redact_userinfo(text: str) -> str:
    """Free text (a reason, a report line) with `user:password@` taken out of every URL in it."""
    return _USERINFO_IN_TEXT.sub(r"\1", text) if "@" in text else text


def clean_json(value: Any) -> Any:
    """`value` with every string made storable (see clean_text) and its URLs' userinfo
    removed; a payload that needs no change (nearly all) is checked in one C-speed pass."""
    try:
        # orjson refuses a lone surrogate (and keys that are not strings: those take the slow path)
        dumped = orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)
        if b"\\u0000" not in dumped and not _USERINFO_IN_JSON.search(dumped):
            return value
    except (TypeError, ValueError):
        pass
    return _clean_deep(value)


def _clean_deep(value: Any) -> Any:
    if isinstance(value, str):
        return redact_userinfo(clean_text(value))
    if isinstance(value, dict):
        return {clean_text(str(k)): _clean_deep(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_deep(v) for v in value]
    return value


def clean_name(value: str | None) -> str | None:
    """A name, title or author fit to show: no controls, no bidi controls, single spaces."""
    if not value:
        return value
    if _HIDDEN.search(value):
        value = _NAME_SPACE.sub(" ", _DELETE.sub("", value))
    return _SPACES.sub(" ", value).strip()


def shown_name(value: str | None, fallback: str) -> str:
    """A name fit to show, or `fallback` (an outlet's domain) when nothing is left of it: an
    outlet named only by whitespace, controls or bidi characters is shown by its domain."""
    return clean_name(value if isinstance(value, str) else "") or fallback


def clean_body(value: str | None) -> str | None:
    """Body text without NUL, bidi controls or other controls (line breaks and tabs kept)."""
    if not value or not _HIDDEN.search(value):
        return value
    return _BODY_SPACE.sub(" ", _DELETE.sub("", value))


def has_hidden_characters(value: str) -> bool:
    """Whether `value` holds a control or bidi control that cleaning would remove."""
    return bool(_HIDDEN.search(value))


def strip_userinfo(url: str | None) -> str | None:
    """`url` without `user:password@` (and with controls and spaces percent-encoded)."""
    if not url:
        return url
    if _URL_BAD.search(url):
        url = _URL_BAD.sub(lambda m: quote(m.group(0), safe=""), url)
    if "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


__all__ = ["BIDI_CONTROLS", "clean_body", "clean_json", "clean_name", "clean_text", "has_hidden_characters",
           "redact_userinfo", "shown_name", "strip_userinfo"]
