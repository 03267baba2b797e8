"""The benchmarks' synthetic corpus: deterministic, fictional, importable, and like news coverage."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pytest

from collectors.importer import record_from_row
from framelens.outlets import default_registry

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def synth():
    spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(synth):
    return synth.make_corpus(400, seed=5)


def test_deterministic_and_a_longer_corpus_starts_with_a_shorter_one(synth, corpus):
    assert synth.make_corpus(400, seed=5) == corpus
    assert synth.make_corpus(420, seed=5)[:401] == corpus
    assert synth.make_corpus(400, seed=6) != corpus


def test_rows_import_cleanly_from_fictional_outlets_of_every_lean(corpus):
    assert corpus[0]["role"] == "primary_source" and len(corpus) == 401
    warnings: list[str] = []
    for i, row in enumerate(corpus):
        record, html = record_from_row(row, f"row {i}", warnings)
        assert html is None and record.text
    assert warnings == []
    assert len({r["url"] for r in corpus}) == len(corpus)
    registry = default_registry()
    articles = [r for r in corpus if r["role"] == "article"]
    assert all(registry.domain_for(r["url"]).endswith(".example") for r in articles)
    leans = Counter(registry.lookup(r["url"]).lean for r in articles)
    assert {"left", "lean-left", "center", "lean-right", "right"} <= set(leans)


def test_wire_copies_spun_copies_quotes_and_variety(synth, corpus):
    articles = [r for r in corpus if r["role"] == "article"]
    texts = Counter(r["text"] for r in articles)
    copies = sum(n - 1 for n in texts.values())
    assert 0.08 * len(articles) < copies < 0.25 * len(articles)  # verbatim wire copies
    assert any("magistrate" in r["text"] for r in articles)  # machine-spun rewrites
    assert any(r["language"] == "de" for r in synth.make_corpus(1000, seed=5))
    ruling = synth.ruling_sentences(corpus[0]["text"])
    assert sum(any(q in r["text"] for q in ruling) for r in articles) > len(articles) // 4  # exact quotes
    sentences = [s for r in articles for s in r["text"].replace("\n\n", " ").split(". ")]
    assert len(set(sentences)) > 0.5 * len(sentences)
