"""Shared helpers of the analysis benchmarks: a synthetic store, the sentences analysis sees, RSS."""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def demo_story():
    from framelens.settings import STORIES_DIR
    from framelens.stories import load_story

    return load_story(STORIES_DIR / "demo.yaml")


def build_store(db: str, rows: list[dict], story=None):
    """A fresh SQLite store at `db` holding `rows` (import format), imported through the importer."""
    from framelens.outlets import default_registry
    from framelens.store import Store

    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    story = story or demo_story()
    store = Store(db)
    store.upsert_outlets(o.row() for o in default_registry().outlets.values())
    add_rows(store, rows, story)
    return store


def add_rows(store, rows: list[dict], story=None) -> int:
    """Import `rows` into the store; returns how many were new."""
    from collectors.importer import import_path
    from framelens.outlets import default_registry

    from synth import write_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        path = write_jsonl(rows, Path(tmp) / "rows.jsonl")
        return import_path(store, path, story or demo_story(), default_registry()).new


def make_embedder(kind: str):
    """'model': the real sentence-transformers model; 'hashing': the fast fake."""
    from analysis.embed import HashingEmbedder, SentenceEmbedder

    return SentenceEmbedder() if kind == "model" else HashingEmbedder()


def analysis_sentences(store, story) -> list[str]:
    """Every sentence the analysis embeds, repeats included: the pipeline's own load and split stages."""
    from analysis import detectors as det
    from analysis.pipeline import Context, LoadStage, SentenceStage, _all_detectors
    from framelens.outlets import default_registry

    ctx = Context(story, store, None, default_registry())
    LoadStage().run(ctx)
    SentenceStage().run(ctx)
    docs = ctx.docs + ([ctx.source] if ctx.source and ctx.source not in ctx.docs else [])
    return [s for d in docs for s in d.sentences] + det.prototype_texts(_all_detectors(story))


def peak_rss_mb() -> float:
    """This process's peak resident memory so far in MB (the analysis pipeline's reading)."""
    from analysis.pipeline import peak_rss_mb as peak

    return float(peak() or 0)


@contextmanager
def timed(into: dict, key: str):
    started = time.perf_counter()
    yield
    into[key] = round(time.perf_counter() - started, 3)


def machine() -> str:
    """A short description of where the figures came from."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, load {load:.1f} at start"


def write_json(path: str | None, data: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(data, indent=2, default=str))
