"""Plain field readers shared by the story parsers (`stories`, `story_detectors`).

Each reader takes the `Problems` of the file, the key path of the value and the value as
YAML gave it; a value of the wrong shape adds a problem naming that path and reads as empty.
"""

from __future__ import annotations

import re
from typing import Any

from .textclean import clean_name
from .yamlcheck import Problems, expect, string_list

ID_RE = re.compile(r"^[a-z0-9_]+$")


def read_text(p: Problems, path: str, value: Any, required: bool = False) -> str:
    """A string value without its surrounding whitespace ('' when absent or not a string)."""
    if value is None:
        return ""
    if not expect(p, path, value, str, "a string"):
        return ""
    if required and not value.strip():
        p.add(path, "must not be empty")
    return value.strip()


def read_shown(p: Problems, path: str, value: Any, required: bool = False) -> str:
    """Text a page shows (title, labels, descriptions): without control and bidi characters,
    which would rewrite the page around it, and with its whitespace collapsed."""
    raw = read_text(p, path, value, required)
    text = clean_name(raw) or ""
    if required and raw and not text:
        p.add(path, "must not be empty (it holds only control or bidirectional-override characters)")
    return text


def read_bool(p: Problems, path: str, value: Any) -> bool:
    """A true/false value (False, with a problem, for anything else)."""
    return value if expect(p, path, value, bool, "true or false") else False


def read_regexes(p: Problems, path: str, value: Any) -> list[str]:
    """The patterns of a list that compile (case-insensitive); each one that does not is a problem."""
    good = []
    for i, pattern in enumerate(string_list(p, path, value)):
        try:
            re.compile(pattern, re.IGNORECASE)
            good.append(pattern)
        except re.error as exc:
            p.add(f"{path}[{i}]", f"invalid regular expression {pattern!r}: {exc}")
    return good
