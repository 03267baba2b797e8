"""Per-article work that depends on the article's title and text alone, kept between runs.

Every run splits each article into sentences, hashes its word 3-shingles (syndication) and
counts its terms (cluster labels, distinctive words). An article whose title and text did
not change since an earlier run takes these from the store's `derived` table instead
(schema.derived), so a run after adding a few articles does this work for those alone.

A key is a digest of the title, the text and CODE (the source of the modules that compute
the values), so a value is never stale: an edited splitter simply finds no kept values.
A value that cannot be read back (a damaged row) is recomputed and replaced.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import orjson

from .sentences import document_sentences, sentence_key

log = logging.getLogger(__name__)

TEXT, TERMS, PAIR = "text", "terms", "pair"  # the kinds of kept work (schema.derived.kind)


def _code_digest() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("prep.py", "sentences.py", "words.py", "syndication.py"):
        try:
            digest.update((here / name).read_bytes())
        except OSError:  # no source (a frozen install): the module's name stands in
            digest.update(name.encode())
    return digest.hexdigest()[:16]


CODE = _code_digest()
WRITE_EVERY = 1000  # new values written to the store this many at a time (10,000 encoded bags: 80 MB)


def content_key(title: str, text: str) -> str:
    """What an article's kept work depends on: its title, its text and CODE."""
    data = f"{CODE}\x00{title or ''}\x00{text or ''}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def split(title: str, text: str) -> dict:
    """The article's sentences (title first), whether the title is one, and each sentence's key."""
    sentences, has_title = document_sentences(title or "", text or "")
    return {"sentences": sentences, "has_title": has_title, "keys": [sentence_key(s) for s in sentences]}


def encode_split(value: dict) -> bytes:
    return orjson.dumps({"s": value["sentences"], "t": value["has_title"], "k": value["keys"]})


def decode_split(blob: bytes) -> dict:
    data = orjson.loads(blob)
    sentences, keys = data["s"], data["k"]
    if not (isinstance(sentences, list) and isinstance(keys, list) and len(sentences) == len(keys)
            and all(isinstance(s, str) for s in sentences) and all(isinstance(k, str) for k in keys)):
        raise ValueError("not a kept sentence split")
    return {"sentences": sentences, "has_title": bool(data["t"]), "keys": keys}


def terms(title: str, text: str, word_hashes: dict | None = None, vocabulary: dict | None = None) -> tuple:
    """The body's word 3-shingles (syndication) and the title and body's term counts (words)."""
    from .syndication import text_shingles
    from .words import term_bag

    return text_shingles(text or "", word_hashes), term_bag(f"{title or ''}\n{text or ''}", vocabulary)


def encode_terms(value: tuple) -> bytes:
    shingles, bag = value
    return orjson.dumps({"h": base64.b64encode(np.asarray(shingles, dtype="<u4").tobytes()).decode("ascii"),
                   "b": dict(bag)})


def decode_terms(blob: bytes, vocabulary: dict | None = None) -> tuple:
    data = orjson.loads(blob)
    shingles = np.frombuffer(base64.b64decode(data["h"], validate=True), dtype="<u4").astype(np.uint32)
    bag = data["b"]
    if not isinstance(bag, dict) or not isinstance(sum(bag.values()), int):  # one pass in C
        raise ValueError("not kept term counts")
    if vocabulary is None:
        return shingles, Counter(bag)
    return shingles, Counter({vocabulary.setdefault(t, t): n for t, n in bag.items()})


def kept(store, kind: str, keys: Sequence[str], compute: Callable[[int], Any],
         encode: Callable[[Any], bytes], decode: Callable[[bytes], Any], tally: dict | None = None) -> list:
    """The value for each of `keys`, in order: the store's kept one where it has one that
    reads back, else `compute(i)`, which is then kept (a damaged one replaced).
    `tally[kind]` counts the values taken from the store."""
    found = store.get_derived(kind, keys) if store is not None else {}
    values, new, damaged, hits = [], {}, 0, 0
    for i, key in enumerate(keys):
        blob = found.get(key)
        if blob is not None:
            try:
                values.append(decode(blob))
                hits += 1
                continue
            except (ValueError, KeyError, TypeError):
                damaged += 1
        value = compute(i)
        values.append(value)
        try:
            new[key] = encode(value)
        except (TypeError, ValueError):  # not storable (a lone surrogate): computed again next run
            pass
        if len(new) >= WRITE_EVERY:
            _write(store, kind, new)
    if tally is not None:
        tally[kind] = hits
    if damaged:
        log.warning("%d kept %r values could not be read back; recomputed them", damaged, kind)
    _write(store, kind, new)
    return values


def _write(store, kind: str, new: dict) -> None:
    """Keep `new` (where the store is writable) and empty it."""
    if new and store is not None and not store.readonly:
        store.put_derived(kind, new)
    new.clear()

