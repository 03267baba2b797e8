"""Sentence embeddings: the only module that imports sentence-transformers/torch.

Every embedder has `.name` and `.encode(list[str]) -> np.ndarray` of L2-normalised float32
rows. `SentenceEmbedder` runs the real model (the packaged all-MiniLM-L6-v2 by default,
loaded offline from site-packages), `CachedEmbedder` adds the store's (model, text hash)
cache, and `HashingEmbedder` is a deterministic stand-in for tests where the model is not
the point.
"""

from __future__ import annotations

import hashlib
import os
import re
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from framelens import settings


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (matrix / norms).astype(np.float32)


PRECISIONS = ("auto", "fp32", "bf16")


def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (x86 AVX512-BF16 or AMX), from /proc/cpuinfo."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def resolve_precision(value: str | None = None) -> str:
    """fp32 or bf16 for a FRAMELENS_EMBED_PRECISION value (auto: bf16 only where the CPU has it)."""
    value = (value or settings.get("FRAMELENS_EMBED_PRECISION")).strip().lower()
    if value not in PRECISIONS:
        raise ValueError(f"FRAMELENS_EMBED_PRECISION must be one of {', '.join(PRECISIONS)}, not {value!r}")
    if value == "auto":
        return "bf16" if native_bf16() else "fp32"
    return value


class SentenceEmbedder:
    """The sentence-transformers model, loaded lazily and offline.

    With bf16 precision (FRAMELENS_EMBED_PRECISION) the model runs under CPU autocast
    (matrix products in bfloat16): its cosines stay within 1e-4 of fp32's, but a vector
    then moves by ~1e-4 with the other sentences in its batch, so fp32 stays the default.
    The name carries "+bf16" so the cache and the results' provenance never mix the two.
    """

    def __init__(self, model_path: str | None = None, batch_size: int = 32, precision: str | None = None):
        self.path = model_path or settings.model_path()
        configured = settings.get("FRAMELENS_MODEL")
        self.precision = resolve_precision(precision)
        base = Path(self.path).name if (model_path or configured) else "all-MiniLM-L6-v2"
        self.name = base + ("+bf16" if self.precision == "bf16" else "")
        self.batch_size = batch_size
        self._model = None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            from sentence_transformers import SentenceTransformer

            if not Path(self.path).exists():
                raise FileNotFoundError(f"embedding model folder {self.path} does not exist (FRAMELENS_MODEL)")
            self._model = SentenceTransformer(self.path, device="cpu", local_files_only=True)
        return self._model

    @property
    def dim(self) -> int:
        return int(self._load().get_embedding_dimension())

    def encode(self, sentences: list[str]) -> np.ndarray:
        """Embed each distinct sentence once, in batches of similar length."""
        if not sentences:
            return np.zeros((0, self.dim), dtype=np.float32)
        distinct = list(dict.fromkeys(sentences))
        order = sorted(range(len(distinct)), key=lambda i: len(distinct[i]))
        model = self._load()
        import torch

        lowered = torch.autocast("cpu", dtype=torch.bfloat16) if self.precision == "bf16" else nullcontext()
        with lowered:
            vectors = model.encode([distinct[i] for i in order], batch_size=self.batch_size,
                                   normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        if self.precision == "bf16":  # unit rows in float32, not bfloat16's ~1e-3
            vectors = _normalise(np.asarray(vectors, dtype=np.float32))
        by_text = {distinct[i]: vectors[j] for j, i in enumerate(order)}
        return np.asarray([by_text[s] for s in sentences], dtype=np.float32)


class HashingEmbedder:
    """Deterministic bag of hashed words and word pairs: a fast stand-in for the model in tests."""

    name = "hashing-256"

    def __init__(self, dim: int = 256):
        self.dim = dim

    def encode(self, sentences: list[str]) -> np.ndarray:
        out = np.zeros((len(sentences), self.dim), dtype=np.float32)
        for row, sentence in enumerate(sentences):
            words = re.findall(r"\w+", sentence.lower())
            for token in words + [f"{a} {b}" for a, b in zip(words, words[1:])]:
                out[row, int(hashlib.md5(token.encode()).hexdigest()[:8], 16) % self.dim] += 1.0
        return _normalise(out)


class CachedEmbedder:
    """Wraps an embedder with the store's cache; counts what it really encoded."""

    def __init__(self, embedder, store):
        self.inner = embedder
        self.store = store
        self.name = embedder.name
        self.encoded_count = 0

    def encode(self, sentences: list[str]) -> np.ndarray:
        hashes = [text_hash(s) for s in sentences]
        cached = {h: np.frombuffer(v, dtype=np.float32) for h, v in self.store.get_embeddings(self.name, hashes).items()}
        missing = list(dict.fromkeys(s for s, h in zip(sentences, hashes) if h not in cached))
        if missing:
            fresh = self.inner.encode(missing)
            self.encoded_count += len(missing)
            new = {text_hash(s): v for s, v in zip(missing, fresh)}
            self.store.put_embeddings(self.name, {h: v.astype(np.float32).tobytes() for h, v in new.items()},
                                      dim=int(fresh.shape[1]))
            cached.update(new)
        if not sentences:
            return np.zeros((0, 1), dtype=np.float32)
        return np.vstack([cached[h] for h in hashes]).astype(np.float32)
