"""Safe file names and spreadsheet cells: what every writer of exported files shares.

CSV cells (and JSON strings) that a spreadsheet would run as a formula (text starting with
= + - @ tab or CR) get a leading apostrophe; numbers are left alone (OWASP ASVS 1.2.10). File
names are reduced to safe characters, at most 100 long, and always land inside the chosen folder.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_NAME = 100
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_name(name: str, ext: str = "") -> str:
    """A portable file name from any text: [A-Za-z0-9._-], no reserved device names, <= 100 chars."""
    ext = re.sub(r"[^a-z0-9]", "", ext.lower())[:10]
    suffix = f".{ext}" if ext else ""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", text)
    text = re.sub(r"[._]{2,}", "_", text).strip("._-") or "export"
    if text.split(".")[0].lower() in _RESERVED:
        text = f"_{text}"
    return text[: MAX_NAME - len(suffix)].rstrip("._-") + suffix


def safe_path(folder: str | Path, name: str, ext: str = "") -> Path:
    """folder/safe_name(name, ext), created, and checked to be inside folder."""
    root = Path(folder).resolve()
    root.mkdir(parents=True, exist_ok=True)
    path = (root / safe_name(name, ext)).resolve()
    if path.parent != root:
        raise ValueError(f"refusing to write outside {root}: {name!r}")
    return path


def protect_cell(value):
    """Neutralise a text cell a spreadsheet would evaluate; leave numbers and other types alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
