"""The Story lab's computing side: try one detector on a story's stored sentences at once.

The corpus's sentence vectors come from the store's embedding cache (the model the last
analysis used), so an edit never re-embeds the corpus. Example sentences the cache lacks
are embedded by `embed_new`, which starts the model only when called (the page calls it on
a button press, never on a plain view). Matching is the analysis's own (`score_bank`),
without the story-topic centring, which needs every prototype of the story.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from framelens.stories import Detector

from . import detectors as det
from . import prep
from .embed import text_hash

NEAR_MISS_BAND = 0.1  # sentences this far under the threshold are shown as near-misses


@dataclass
class LabCorpus:
    """Every distinct sentence of the story's articles, with its articles and stored vector."""

    texts: list[str]
    vectors: np.ndarray          # rows of zeros where the cache has no vector
    has_vector: np.ndarray
    rows: pd.DataFrame           # sentence index, article id, outlet, lean
    model: str


def load_corpus(store, story_id: str, articles: pd.DataFrame) -> LabCorpus:
    """The sentences of `articles` (id, title, text, outlet, lean) and their cached vectors."""
    provenance = store.story_result(story_id, "provenance", {}) or {}
    model = provenance.get("model") or ""
    index: dict[str, int] = {}
    records = []
    for art in articles.itertuples():
        for sentence in prep.split(art.title or "", art.text or "")["sentences"]:
            records.append((index.setdefault(sentence, len(index)), art.id, art.outlet, art.lean))
    texts = list(index)
    cached = store.get_embeddings(model, [text_hash(t) for t in texts]) if model and texts else {}
    dim = len(next(iter(cached.values()))) // 4 if cached else 1
    vectors = np.zeros((len(texts), dim), np.float32)
    has = np.zeros(len(texts), bool)
    for i, t in enumerate(texts):
        blob = cached.get(text_hash(t))
        if blob is not None:
            vectors[i], has[i] = np.frombuffer(blob, np.float32), True
    rows = pd.DataFrame(records, columns=["sentence", "article", "outlet", "lean"])
    return LabCorpus(texts, vectors, has, rows, model)


def cached_vectors(store, model: str, texts: list[str]) -> dict[str, np.ndarray]:
    """Vectors of `texts` the store's cache holds for `model`."""
    if not model or not texts:
        return {}
    found = store.get_embeddings(model, [text_hash(t) for t in texts])
    return {t: np.frombuffer(found[text_hash(t)], np.float32) for t in texts if text_hash(t) in found}


def embed_new(model: str, texts: list[str]) -> dict[str, np.ndarray]:
    """Embed example sentences with the model the corpus was embedded with (started now)."""
    from .embed import HashingEmbedder, SentenceEmbedder

    embedder = HashingEmbedder() if model.startswith("hashing-") else SentenceEmbedder()
    if embedder.name != model:
        raise ValueError(f"the corpus was embedded with {model!r}, this setup has {embedder.name!r}: "
                         "rerun `python -m analysis run` first")
    return dict(zip(texts, embedder.encode(texts))) if texts else {}


def try_detector(corpus: LabCorpus, detector: Detector, vectors: dict[str, np.ndarray]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(caught, near_misses): one row per sentence and article, with how it matched and its score."""
    dim = corpus.vectors.shape[1]
    usable = {t: v for t, v in vectors.items() if len(v) == dim}
    detector = replace(detector, prototypes=[p for p in detector.prototypes if p in usable],
                       negative_prototypes=[p for p in detector.negative_prototypes if p in usable])
    matcher = det.build_matchers([detector], usable, dim)[0]
    bank = det.SentenceBank(corpus.texts, corpus.vectors)
    scores = det.score_bank([matcher], bank, centred=False)[detector.id]
    sim = det.max_similarities(corpus.vectors, [matcher.prototypes])[0] if len(matcher.prototypes) \
        else np.zeros(len(corpus.texts), np.float32)
    by_pattern = np.array([matcher.pattern_hit(t) for t in corpus.texts], bool) if matcher.patterns \
        else np.zeros(len(corpus.texts), bool)
    excluded = np.array([matcher.excluded(t) for t in corpus.texts], bool) if matcher.excludes \
        else np.zeros(len(corpus.texts), bool)
    near = ~scores.hit & ((by_pattern & excluded) | ((sim >= matcher.threshold - NEAR_MISS_BAND) & corpus.has_vector))
    why = np.where(by_pattern & ~excluded, "pattern", "example sentences")
    why_not = np.where(excluded, "exclude pattern", np.where(sim >= matcher.threshold, "near-miss example",
                                                             "just under the threshold"))
    return (_rows(corpus, np.flatnonzero(scores.hit), sim, why),
            _rows(corpus, np.flatnonzero(near), sim, why_not))


def _rows(corpus: LabCorpus, picked: np.ndarray, sim: np.ndarray, why: np.ndarray) -> pd.DataFrame:
    table = pd.DataFrame({"sentence": picked, "text": [corpus.texts[i] for i in picked],
                          "how": why[picked], "similarity": np.round(sim[picked], 3)})
    merged = table.merge(corpus.rows, on="sentence")
    return merged.drop(columns=["sentence"]).sort_values(["similarity", "text"], ascending=[False, True])


def counts(caught: pd.DataFrame, corpus: LabCorpus, by: str) -> pd.DataFrame:
    """Articles caught per lean or outlet, of all the story's articles in that group."""
    totals = corpus.rows.drop_duplicates("article").groupby(by).size().rename("articles")
    hit = caught.drop_duplicates("article").groupby(by).size().rename("caught")
    out = pd.concat([hit, totals], axis=1).fillna(0).astype(int).reset_index()
    out["share"] = (out["caught"] / out["articles"].where(out["articles"] > 0, 1)).round(2)
    return out.sort_values(["share", by], ascending=[False, True])
