"""Sentence embeddings: the only module that imports sentence-transformers/torch/onnxruntime.

Every embedder has `.name` and `.encode(list[str]) -> np.ndarray` of L2-normalised float32
rows. `SentenceEmbedder` runs the real model (the packaged all-MiniLM-L6-v2 by default,
loaded offline from site-packages), `CachedEmbedder` adds the store's (model, text hash)
cache, and `HashingEmbedder` is a deterministic stand-in for tests where the model is not
the point.

The model's transformer runs on batches of sentences with one token count (no padding,
so a vector depends only on its sentence), on one core per worker thread: in ONNX Runtime
for fp32 when it can (FRAMELENS_EMBED_BACKEND; exported once from the loaded model, cached
on disk, checked against PyTorch on load, same vectors to ~1e-7, so both share one cache
name), in PyTorch for bf16 (FRAMELENS_EMBED_PRECISION).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import warnings
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path

import numpy as np

from framelens import settings

log = logging.getLogger(__name__)

# oneDNN (PyTorch's CPU kernels) caches up to 1,024 compiled kernels, each holding its own
# reordered weights: with one batch shape per token count, bf16 runs grew by ~25 MB per
# 2,000 sentences (2.2 GB peak at 10,000 articles). 32 keeps memory flat at the same speed
# (measured 405-437 sentences/s either way). Read when torch first builds a kernel.
os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "32")


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
    value = _choice("FRAMELENS_EMBED_PRECISION", PRECISIONS, value)
    if value == "auto":
        return "bf16" if native_bf16() else "fp32"
    return value


BACKENDS = ("auto", "onnx", "torch")


def resolve_backend(value: str | None = None) -> str:
    """A validated FRAMELENS_EMBED_BACKEND value (auto, onnx or torch)."""
    return _choice("FRAMELENS_EMBED_BACKEND", BACKENDS, value)


def _choice(setting: str, allowed: tuple[str, ...], value: str | None) -> str:
    """`value` (else the setting), lower-cased, when it is one of `allowed`; else a ValueError naming them."""
    value = (value or settings.get(setting)).strip().lower()
    if value not in allowed:
        raise ValueError(f"{setting} must be one of {', '.join(allowed)}, not {value!r}")
    return value


class EncoderUnavailable(RuntimeError):
    """A batched encoder cannot serve this model here; the message says why."""


class OnnxUnavailable(EncoderUnavailable):
    """The ONNX path cannot serve this model here; the message says why."""


INPUTS = ("input_ids", "attention_mask", "token_type_ids")
TOKENIZE_PART = 256  # fewest texts per tokenizer call on a worker thread
# Most rows x tokens² in one batch: a full batch of 32 up to 128 tokens; longer texts go in
# smaller batches. Attention holds rows x heads x tokens² scores per layer, and the runtime's
# memory arena keeps its largest batch's worth: 32 texts of 256 tokens held ~650 MB more.
ATTENTION_BUDGET = 32 * 128 * 128
# Texts the direct tokenizer must turn into the model's own inputs: spaces around, accents,
# CJK, emoji, control characters, an empty text and one past the truncation length.
TOKEN_PROBES = ["probe", "  Spaces around.  ", "Café déjà vu — naïve “quotes”", "日本語のテキスト 😀",
                "tab\there\nnewline\u200b", "", "word " * 400]


class BatchedEncoder:
    """Runs the model's transformer on batches of sentences with the same token count.

    Tokenisation (the model's Rust tokenizer directly where it gives the model's own inputs,
    else its preprocess) happens all at once; texts that tokenize the same are run once;
    sentences are grouped by exact token count, so no batch carries padding and a
    sentence's vector depends on nothing but its tokens: bit for bit in fp32 through ONNX
    Runtime; PyTorch's kernels may block a batch by its size (bf16 on Intel AMX moves a
    vector by up to ~1e-3 with its batch's size). Groups run on `workers` threads, each on
    one core: on small CPUs that beats one batch spread over every core. Mean pooling and normalisation are done here, as
    the model's Pooling and Normalize modules would. Subclasses say how a batch runs.
    """

    def __init__(self, model, workers: int):
        self.model = model
        self.workers = max(1, workers)
        kinds = [type(module).__name__ for module in model]
        pooling = getattr(model[1], "pooling_mode", None) if len(kinds) > 1 else None
        if kinds[:2] != ["Transformer", "Pooling"] or pooling != "mean" or any(k != "Normalize" for k in kinds[2:]):
            raise self.unavailable(f"the model is {' + '.join(kinds)} with {pooling!r} pooling; batched encoding "
                                   "handles a Transformer with mean Pooling (and Normalize) only")
        tokenizer = getattr(model, "tokenizer", None)
        if getattr(tokenizer, "padding_side", "right") != "right":
            raise self.unavailable("the tokenizer pads on the left")
        self.inputs = [name for name in INPUTS if name in self._features(["probe"])]
        if "attention_mask" not in self.inputs:
            raise self.unavailable("the tokenizer gives no attention mask")
        self.tokenizer = self._direct_tokenizer()

    unavailable = EncoderUnavailable

    def _features(self, texts: list[str]) -> dict:
        prepare = getattr(self.model, "preprocess", None) or self.model.tokenize
        return prepare(texts)

    def _direct_tokenizer(self):
        """A copy of the model's Rust tokenizer, unpadded and truncating where the model does,
        when it gives the same inputs as the model's own preprocess on TOKEN_PROBES; else None.

        The preprocess pads every call to its longest text and builds torch tensors through
        Python objects (measured 0.19 s per 2,000 sentences, on one core while the other
        waits); the direct path takes about half that, split across the worker threads.
        """
        backend = getattr(getattr(self.model, "tokenizer", None), "backend_tokenizer", None)
        limit = getattr(self.model, "max_seq_length", None)
        if backend is None or not isinstance(limit, int) or limit <= 0:
            return None
        try:
            from tokenizers import Tokenizer

            direct = Tokenizer.from_str(backend.to_str())
            direct.no_padding()
            direct.enable_truncation(limit)
            theirs = self._features(TOKEN_PROBES)
            mine = self._arrays(TOKEN_PROBES, direct)
        except Exception as exc:  # an unusual tokenizer: the model's preprocess serves
            log.info("tokenizing through the model's preprocess: %s", exc)
            return None
        kept = theirs["attention_mask"].numpy() > 0
        widths = mine["attention_mask"].sum(axis=1)
        for row, text in enumerate(TOKEN_PROBES):
            if any(not np.array_equal(theirs[name].numpy()[row][kept[row]], mine[name][row, :widths[row]])
                   for name in self.inputs):
                log.info("tokenizing through the model's preprocess: the direct tokenizer differs on %r", text)
                return None
        return direct

    def _arrays(self, texts: list[str], tokenizer=None, pool: ThreadPoolExecutor | None = None) -> dict[str, np.ndarray]:
        """int64 inputs (rows padded with zeros on the right, mask 0 there) for `texts`; the
        direct tokenizer runs in parts on `pool` when given (it releases the GIL)."""
        tokenizer = tokenizer or self.tokenizer
        if tokenizer is None:
            features = self._features(texts)
            return {name: features[name].numpy().astype(np.int64, copy=False) for name in self.inputs}
        if pool is not None and len(texts) >= 2 * TOKENIZE_PART:
            step = max(TOKENIZE_PART, -(-len(texts) // self.workers))
            parts = pool.map(tokenizer.encode_batch, [texts[i:i + step] for i in range(0, len(texts), step)])
            encodings = [e for part in parts for e in part]
        else:
            encodings = tokenizer.encode_batch(texts)
        width = max((len(e.ids) for e in encodings), default=0)
        out = {name: np.zeros((len(texts), width), dtype=np.int64) for name in self.inputs}
        fields = {"input_ids": "ids", "attention_mask": "attention_mask", "token_type_ids": "type_ids"}
        for row, e in enumerate(encodings):
            for name in self.inputs:
                values = getattr(e, fields[name])
                out[name][row, :len(values)] = values
        return out

    def run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        """Token embeddings (batch, tokens, dim) as float32 for one batch of int64 inputs."""
        raise NotImplementedError

    def _pooled(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        tokens = self.run(feed)
        mask = feed["attention_mask"][..., None].astype(np.float32)
        return _normalise((tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None))

    def plan(self, texts: list[str], batch_size: int, pool: ThreadPoolExecutor | None = None):
        """(owner, batches): `owner[i]` is the row whose vector text i gets (the first text the
        tokenizer turns into the same inputs: for an uncased model, texts differing only in
        case, accents or spacing are run once), and `batches` yields (rows, inputs) for those
        first rows, rows with the same token count together, cut to that count (at most
        `batch_size` rows, fewer for long texts: ATTENTION_BUDGET)."""
        arrays = self._arrays(texts, pool=pool)
        lengths = arrays["attention_mask"].sum(axis=1)
        first: dict[bytes, int] = {}
        owner = np.fromiter((first.setdefault(b"".join(arrays[name][row, :lengths[row]].tobytes()
                                                       for name in self.inputs), row) for row in range(len(texts))),
                            dtype=np.int64, count=len(texts))
        runs = np.flatnonzero(owner == np.arange(len(texts)))
        order = runs[np.argsort(lengths[runs], kind="stable")]
        bounds = np.flatnonzero(np.diff(lengths[order])) + 1

        def batches():
            for same in np.split(order, bounds):
                width = int(lengths[same[0]])
                step = max(1, min(batch_size, ATTENTION_BUDGET // max(1, width * width)))
                for start in range(0, len(same), step):
                    rows = same[start:start + step]
                    yield rows, {name: np.ascontiguousarray(a[rows, :width]) for name, a in arrays.items()}

        return owner, batches()

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit float32 vectors for `texts`, in order."""
        out: np.ndarray | None = None

        def put(rows, vectors):
            nonlocal out
            if out is None:
                out = np.empty((len(texts), vectors.shape[1]), dtype=np.float32)
            out[rows] = vectors

        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        if self.workers == 1:
            owner, batches = self.plan(texts, batch_size)
            for rows, feed in batches:
                put(rows, self._pooled(feed))
        else:
            with ThreadPoolExecutor(self.workers, thread_name_prefix="embed") as pool:
                owner, batches = self.plan(texts, batch_size, pool)
                pending: deque = deque()
                for rows, feed in batches:
                    pending.append((rows, pool.submit(self._pooled, feed)))
                    if len(pending) >= 2 * self.workers:
                        rows, future = pending.popleft()
                        put(rows, future.result())
                for rows, future in pending:
                    put(rows, future.result())
        same = owner != np.arange(len(texts))
        if same.any():
            out[same] = out[owner[same]]
        return out


class TorchEncoder(BatchedEncoder):
    """The transformer in PyTorch, fp32 or under bfloat16 autocast, one intra-op thread per worker."""

    def __init__(self, model, workers: int, precision: str = "fp32"):
        super().__init__(model, workers)
        self.precision = precision
        self.transformer = model[0].auto_model.eval()

    def run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        import torch

        # autocast and inference mode are per thread: set here, in the worker
        lowered = torch.autocast("cpu", dtype=torch.bfloat16) if self.precision == "bf16" else nullcontext()
        with torch.inference_mode(), lowered:
            out = self.transformer(**{name: torch.from_numpy(a) for name, a in feed.items()}).last_hidden_state
        return out.float().numpy()

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        import torch

        threads = torch.get_num_threads()
        if self.workers > 1:
            torch.set_num_threads(1)  # each worker thread runs its batch on one core
        try:
            return super().encode(texts, batch_size)
        finally:
            torch.set_num_threads(threads)


# Sentences the exported graph must reproduce before it is used: short, long, truncated.
PROBES = ["Short.", "Judge Rothstein, a Carter appointee, denied Parler's request.",
          "Amazon Web Services said the posts broke its terms. " * 3, "word " * 400]
PROBE_TOLERANCE = 1e-4  # max |difference| of unit vectors; a faithful export is ~1e-7
EXPORT_FORMAT = 1  # bump when the export itself changes


class OnnxEncoder(BatchedEncoder):
    """The model's transformer exported to ONNX and run by ONNX Runtime on the CPU (fp32).

    One session serves every worker thread (2 cores: ~1.2-1.3x PyTorch's own fp32 encode,
    same vectors to ~1e-7). The export is cached under FRAMELENS_CACHE_DIR, keyed by the
    weights and the exporter's versions, written whole or not at all, and every load is
    checked against the PyTorch model on PROBES.
    """

    unavailable = OnnxUnavailable

    def __init__(self, model, workers: int, folder: str | None = None, cache_dir: str | None = None):
        try:
            import onnxruntime
        except ImportError as exc:
            raise OnnxUnavailable(f"onnxruntime is not installed ({exc})") from None
        super().__init__(model, workers)
        self.folder = Path(folder) if folder else None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # parallel across batches, not inside one
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        source = self._exported(cache_dir)
        try:
            self.session = onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # a damaged cache file: export again
            if not isinstance(source, str):
                raise OnnxUnavailable(f"ONNX Runtime cannot load the exported model: {exc}") from None
            log.warning("re-exporting the ONNX model: %s would not load (%s)", source, exc)
            Path(source).unlink(missing_ok=True)
            try:
                self.session = onnxruntime.InferenceSession(self._exported(cache_dir), options,
                                                            providers=["CPUExecutionProvider"])
            except Exception as again:
                raise OnnxUnavailable(f"ONNX Runtime cannot load the exported model: {again}") from None
        self.difference = self._check()

    def _key(self) -> str:
        import torch
        import transformers

        digest = hashlib.sha256(f"{EXPORT_FORMAT}|{torch.__version__}|{transformers.__version__}|"
                                f"{','.join(self.inputs)}".encode())
        folder = self.folder
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in {".safetensors", ".bin", ".json"}
                       ) if folder and folder.is_dir() else []
        if files:
            for path in files:
                digest.update(str(path.relative_to(folder)).encode())
                with open(path, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        digest.update(block)
        else:  # weights from elsewhere: hash the tensors themselves
            for name, tensor in self.model[0].auto_model.state_dict().items():
                digest.update(name.encode())
                digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()[:20]

    def _exported(self, cache_dir: str | None) -> str | bytes:
        """The path of the cached export (made now if missing), or the bytes where nothing is writable."""
        import io

        folder = Path(cache_dir or settings.cache_dir()) / "onnx"
        path = folder / f"transformer-{self._key()}.onnx"
        if path.exists():
            return str(path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=folder)
            os.close(fd)
        except OSError as exc:
            log.warning("cannot cache the ONNX export in %s (%s); exporting in memory", folder, exc)
            buffer = io.BytesIO()
            self._export(buffer)
            return buffer.getvalue()
        try:
            self._export(tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)  # whole or not at all, even with two processes exporting at once
        finally:
            Path(tmp).unlink(missing_ok=True)
        return str(path)

    def _export(self, target) -> None:
        import torch

        transformer = self.model[0].auto_model.eval()
        names = self.inputs

        class Graph(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.transformer = transformer

            def forward(self, *tensors):
                return self.transformer(**dict(zip(names, tensors))).last_hidden_state

        features = self._features(["two words", "a few more words here"])
        axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "token_embeddings"]}
        try:
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                torch.onnx.export(Graph().eval(), tuple(features[n] for n in names), target, input_names=names,
                                  output_names=["token_embeddings"], dynamic_axes=axes, opset_version=17,
                                  dynamo=False)
        except Exception as exc:
            raise OnnxUnavailable(f"exporting the model to ONNX failed: {type(exc).__name__}: {exc}") from None

    def _check(self) -> float:
        """Largest |difference| from the PyTorch model on PROBES; too large makes the path unavailable."""
        mine = self.encode(PROBES)
        theirs = np.asarray(self.model.encode(PROBES, batch_size=len(PROBES), normalize_embeddings=True,
                                              convert_to_numpy=True, show_progress_bar=False), dtype=np.float32)
        difference = float(np.abs(mine - theirs).max())
        if not difference <= PROBE_TOLERANCE:
            raise OnnxUnavailable(f"the ONNX model's vectors differ from PyTorch's by {difference:.1e} "
                                  f"(allowed {PROBE_TOLERANCE:.0e})")
        return difference

    def run(self, feed: dict[str, np.ndarray]) -> np.ndarray:
        return self.session.run(None, feed)[0]


class SentenceEmbedder:
    """The sentence-transformers model, loaded lazily and offline.

    fp32 (FRAMELENS_EMBED_PRECISION) runs the transformer in ONNX Runtime (`OnnxEncoder`)
    unless FRAMELENS_EMBED_BACKEND says torch; bf16 runs it in PyTorch under CPU autocast
    (matrix products in bfloat16, cosines within 1e-4 of fp32's). Either way sentences are
    batched by exact token count (`BatchedEncoder`), so a vector never depends on the rest
    of its batch. The name carries "+bf16" so the cache and the results' provenance never
    mix precisions. With backend auto, anything that stops the ONNX path falls back to
    PyTorch with a logged reason; a model the batched path cannot serve falls back to
    sentence-transformers' own encode. `backend` says which one ran.
    """

    def __init__(self, model_path: str | None = None, batch_size: int = 32, precision: str | None = None,
                 backend: str | None = None):
        self.path = model_path or settings.model_path()
        configured = settings.get("FRAMELENS_MODEL")
        self.precision = resolve_precision(precision)
        self.requested_backend = resolve_backend(backend)
        if self.requested_backend == "onnx" and self.precision == "bf16":
            raise ValueError("FRAMELENS_EMBED_BACKEND=onnx runs fp32 only; bf16 needs the torch backend")
        base = Path(self.path).name if (model_path or configured) else "all-MiniLM-L6-v2"
        self.name = base + ("+bf16" if self.precision == "bf16" else "")
        self.batch_size = batch_size
        self.backend = "torch" if self.precision == "bf16" or self.requested_backend == "torch" else "onnx"
        self._model = None
        self._encoder: BatchedEncoder | None = None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # its "Loading weights" bar garbles CLI output and cron logs
            if not Path(self.path).exists():
                raise FileNotFoundError(f"embedding model folder {self.path} does not exist (FRAMELENS_MODEL)")
            self._model = SentenceTransformer(self.path, device="cpu", local_files_only=True)
        return self._model

    @property
    def dim(self) -> int:
        return int(self._load().get_embedding_dimension())

    def encoder(self) -> BatchedEncoder | None:
        """The batched encoder (built on first use); None where only sentence-transformers' encode serves."""
        if self._encoder is not None or self.backend == "sentence-transformers":
            return self._encoder
        import torch

        model, workers = self._load(), torch.get_num_threads()
        if self.backend == "onnx":
            try:
                self._encoder = OnnxEncoder(model, workers, folder=self.path)
                return self._encoder
            except OnnxUnavailable as exc:
                if self.requested_backend == "onnx":
                    raise
                log.warning("embedding with PyTorch: %s", exc)
                self.backend = "torch"
        try:
            self._encoder = TorchEncoder(model, workers, self.precision)
        except EncoderUnavailable as exc:
            log.warning("embedding with sentence-transformers' encode: %s", exc)
            self.backend = "sentence-transformers"
        return self._encoder

    def encode(self, sentences: list[str]) -> np.ndarray:
        """Embed each distinct sentence once."""
        if not sentences:
            return np.zeros((0, self.dim), dtype=np.float32)
        distinct = list(dict.fromkeys(sentences))
        batched = self.encoder()
        if batched is not None:
            vectors = batched.encode(distinct, batch_size=self.batch_size)
        else:
            import torch

            lowered = torch.autocast("cpu", dtype=torch.bfloat16) if self.precision == "bf16" else nullcontext()
            with lowered:
                vectors = _normalise(np.asarray(self._load().encode(
                    distinct, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True,
                    show_progress_bar=False), dtype=np.float32))
        if len(distinct) == len(sentences):
            return np.asarray(vectors, dtype=np.float32)
        row = {text: i for i, text in enumerate(distinct)}
        return np.asarray(vectors[[row[s] for s in sentences]], dtype=np.float32)


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
