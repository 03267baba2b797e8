"""A parse cache for outlet registry files: the validated outlets of a file, stored as JSON
in the cache folder (`FRAMELENS_CACHE_DIR`) under the sha256 of the file's bytes and the
loader's version.

Composing the registry with line numbers (for file:line errors) is most of the cost of
loading it; a file that validated once needs neither again until its bytes change. The
cache is an optimisation only: a missing, corrupt, unreadable or unwritable cache means
the full validated parse, never an error. JSON, not pickle, so a planted cache file can
at worst give wrong outlets, never run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from . import settings
from .ratings import Rating

# Bump when the Outlet fields, the validation or the stored layout change: old entries are then ignored.
LOADER_VERSION = 1
_FIELDS = ("domain", "name", "kind", "country", "feeds", "demo", "aliases", "notes")


def cache_key(data: bytes) -> str:
    """The cache key of a registry file's bytes under this loader version."""
    return hashlib.sha256(b"framelens-outlets-v%d\n" % LOADER_VERSION + data).hexdigest()


def cache_path(key: str) -> Path:
    """Where the parsed outlets for `key` are stored."""
    return Path(settings.cache_dir()) / "outlets" / f"{key}.json"


def read_cached(key: str) -> list | None:
    """The outlets stored under `key`, or None when there is no usable entry."""
    from .outlets import Outlet

    try:
        stored = json.loads(cache_path(key).read_text(encoding="utf-8"))
        if stored.get("version") != LOADER_VERSION or stored.get("key") != key:
            return None
        return [Outlet(**{f: item[f] for f in _FIELDS},
                       ratings=[Rating(**r) for r in item["ratings"]]) for item in stored["outlets"]]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # absent, unreadable or corrupt: parse the file instead


def write_cached(key: str, outlets: list) -> bool:
    """Store validated outlets under `key` (atomically); False when the cache cannot be written."""
    payload = {"version": LOADER_VERSION, "key": key,
               "outlets": [dict({f: getattr(o, f) for f in _FIELDS},
                                ratings=[r.as_dict() for r in o.ratings]) for o in outlets]}
    target = cache_path(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".outlets-", suffix=".tmp")
    except OSError:
        return False  # a read-only cache folder: the next load parses again
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(payload, out, ensure_ascii=False)
        os.replace(tmp, target)  # readers never see half a file
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        return False
    return True
