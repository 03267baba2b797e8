"""The analysis run: an ordered list of small stages over one story's articles.

    load → sentences → embed → detect (features, frames, stance, descriptors, facts)
         → quotes → syndication → clusters + talking points → words → store

Each stage is a small object with `run(ctx)` that reads and adds fields of a shared
`Context`; any stage can be replaced, and the embedder can be swapped (tests pass a
fake). Results go to the store in one transaction, so readers never see a mix of runs.
Deterministic: stable ordering and fixed seeds.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import numpy as np

from framelens.outlets import OutletRegistry, default_registry
from framelens.stories import Story
from framelens.store import Store

from . import detectors as det
from .framing import describe_actor, score_frames, score_stance, sentence_weights
from .language import detect_language
from .sentences import split_sentences

ANALYSIS_VERSION = "1.0"
OPINION_URL = re.compile(r"/(opinion|opinions|editorial|editorials|commentary|column|columns|op-ed|blogs?)/", re.I)
OPINION_TITLE = re.compile(r"^\s*(opinion|editorial|commentary|column|op-ed)\s*[:|—–-]", re.I)


@dataclass
class Doc:
    """One article during analysis."""

    id: int
    row: dict
    sentences: list[str] = field(default_factory=list)
    vecs: np.ndarray | None = None
    language: str = ""
    evaluated: bool = True
    opinion: bool = False
    payload: dict = field(default_factory=dict)

    @property
    def vector(self) -> np.ndarray:
        if self.vecs is None or not len(self.vecs):
            return np.zeros(1, dtype=np.float32)
        v = self.vecs.mean(axis=0)
        n = np.linalg.norm(v)
        return (v / n if n else v).astype(np.float32)


@dataclass
class Context:
    story: Story
    store: Store
    embedder: object
    registry: OutletRegistry
    docs: list[Doc] = field(default_factory=list)
    source: Doc | None = None  # the primary source
    story_results: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    progress: Callable[[str, int, int], None] | None = None

    @property
    def articles(self) -> list[Doc]:
        return [d for d in self.docs if d.row["role"] == "article"]

    def tick(self, stage: str, i: int, n: int) -> None:
        if self.progress:
            self.progress(stage, i, n)


class LoadStage:
    name = "load"

    def run(self, ctx: Context) -> None:
        rows = ctx.store.articles(ctx.story.id)
        outlets = {o["domain"]: o for o in ctx.store.outlet_rows()}
        for row in rows:
            outlet = outlets.get(row["domain"]) or ctx.registry.lookup(row["domain"]).row()
            row["outlet_name"], row["lean"], row["kind"] = outlet["name"], outlet["lean"], outlet["kind"]
        ctx.docs = [Doc(r["id"], r) for r in rows]
        primaries = [d for d in ctx.docs if d.row["role"] == "primary_source"]
        ctx.source = primaries[0] if primaries else _local_primary(ctx.story)


def _local_primary(story: Story) -> Doc | None:
    ps = story.primary_source
    if ps is None or ps.path is None or not ps.path.is_file():
        return None
    text = ps.path.read_text(encoding="utf-8", errors="replace")
    return Doc(0, {"id": 0, "title": ps.title, "text": text, "role": "primary_source", "url": ps.url})


class SentenceStage:
    name = "sentences"

    def run(self, ctx: Context) -> None:
        for doc in ctx.docs + ([ctx.source] if ctx.source and ctx.source not in ctx.docs else []):
            title = (doc.row.get("title") or "").strip()
            body = split_sentences(doc.row.get("text") or "")
            doc.sentences = ([title] if title and (not body or body[0] != title) else []) + body
            doc.row["_has_title"] = bool(title)
            doc.language = doc.row.get("language") or detect_language(doc.row.get("text") or "")
            doc.evaluated = _same_language(doc.language, ctx.story.language)
            doc.opinion = _is_opinion(doc.row)


def _same_language(found: str, wanted: str) -> bool:
    return not found or found.split("-")[0].lower() == wanted.lower()


def _is_opinion(row: dict) -> bool:
    return row.get("kind") == "opinion" or bool(OPINION_URL.search(row.get("url") or "")) \
        or bool(OPINION_TITLE.match(row.get("title") or ""))


class EmbedStage:
    """Every distinct sentence of every document and every prototype, in one batched call."""

    name = "embed"

    def run(self, ctx: Context) -> None:
        docs = ctx.docs + ([ctx.source] if ctx.source and ctx.source not in ctx.docs else [])
        protos = det.prototype_texts(_all_detectors(ctx.story))
        texts = list(dict.fromkeys([s for d in docs for s in d.sentences] + protos))
        ctx.tick("embed", 0, len(texts))
        vectors = _encode_in_chunks(ctx, texts)
        lookup = dict(zip(texts, vectors))
        dim = vectors.shape[1] if len(vectors) else 1
        for d in docs:
            d.vecs = np.vstack([lookup[s] for s in d.sentences]) if d.sentences else np.zeros((0, dim), np.float32)
        ctx.story_results["_lookup"] = lookup
        ctx.story_results["_dim"] = dim


def _encode_in_chunks(ctx: Context, texts: list[str], chunk: int = 2048) -> np.ndarray:
    parts = []
    for start in range(0, len(texts), chunk):
        parts.append(ctx.embedder.encode(texts[start:start + chunk]))
        ctx.tick("embed", min(start + chunk, len(texts)), len(texts))
    return np.vstack(parts) if parts else np.zeros((0, 1), dtype=np.float32)


def _all_detectors(story: Story) -> list:
    return (story.features + story.frames + story.key_facts + list(story.stance.values())
            + [d for dets in story.descriptors.values() for d in dets])


class DetectStage:
    """Features, frames, stance, descriptors and key facts, with evidence."""

    name = "detect"

    def run(self, ctx: Context) -> None:
        lookup, dim = ctx.story_results["_lookup"], ctx.story_results["_dim"]
        build = lambda dets: det.build_matchers(dets, lookup, dim)
        features, frames, facts = build(ctx.story.features), build(ctx.story.frames), build(ctx.story.key_facts)
        stance = {m.id: m for m in build(list(ctx.story.stance.values()))}
        descriptors = {a: build(d) for a, d in ctx.story.descriptors.items()}
        fallback = "other" if any(f.id == "other" for f in ctx.story.frames) else (
            ctx.story.frames[0].id if ctx.story.frames else "")
        for i, doc in enumerate(ctx.docs):
            doc.payload.update(_detect(ctx.story, doc, features, frames, facts, stance, descriptors, fallback))
            ctx.tick("detect", i + 1, len(ctx.docs))


def _detect(story, doc: Doc, features, frames, facts, stance, descriptors, fallback) -> dict:
    s, v = doc.sentences, doc.vecs
    if not doc.evaluated:
        unknown = {"present": None, "score": 0.0, "evidence": []}
        return {"features": {m.id: dict(unknown) for m in features},
                "frame": {"primary": fallback, "scores": {m.id: 0.0 for m in frames}, "evidence": []},
                "stance": {"label": "neutral", "score": 0.0, "evidence": []},
                "descriptors": {a: [] for a in descriptors}, "descriptor_evidence": {a: {} for a in descriptors},
                "key_facts": {m.id: {"present": None, "evidence": []} for m in facts},
                "language": doc.language, "evaluated": False}
    weights = sentence_weights(s, doc.row.get("_has_title", False), doc.opinion)
    described = {a: describe_actor(story.actors[a], ms, s, v) for a, ms in descriptors.items() if a in story.actors}
    return {
        "features": {m.id: det.answer(m, s, v).as_dict() for m in features},
        "frame": score_frames(frames, s, v, weights, fallback),
        "stance": score_stance(stance, s, v, doc.row.get("_has_title", False)),
        "descriptors": {a: sorted(found) for a, found in described.items()},
        "descriptor_evidence": described,
        "key_facts": {m.id: det.answer(m, s, v).as_dict(with_score=False) for m in facts},
        "language": doc.language, "evaluated": True,
    }


class QuoteStage:
    """Quoted spans of each article, graded against the primary source."""

    name = "quotes"

    def run(self, ctx: Context) -> None:
        from .quotes import align_quotes, extract_quotes, quote_passages

        source = ctx.source
        source_sentences = source.sentences if source else []
        aligned = {}
        for doc in ctx.articles:
            quotes = extract_quotes(doc.row.get("text") or "")
            rows = align_quotes(quotes, source_sentences, embedder=ctx.embedder) if quotes else []
            aligned[doc.id] = rows
            doc.payload["quotes"] = [{"text": r["text"], "fidelity": r["fidelity"],
                                      "source_passage": r.get("source_passage"),
                                      "similarity": round(float(r.get("similarity") or 0.0), 4)} for r in rows]
        for doc in ctx.docs:
            doc.payload.setdefault("quotes", [])
        if source is not None and source_sentences:
            ctx.story_results["quote_passages"] = quote_passages(aligned, source_sentences, source.id)
        else:
            ctx.story_results["quote_passages"] = {"source_article_id": None, "passages": []}


class SyndicationStage:
    name = "syndication"

    def run(self, ctx: Context) -> None:
        from .syndication import SyndicationDoc, group_syndication

        docs = [SyndicationDoc(id=d.id, text=d.row.get("text") or "", sentences=d.sentences,
                               sentence_vectors=d.vecs, vector=d.vector, language=d.language,
                               published=d.row.get("published")) for d in ctx.articles]
        result = group_syndication(docs)
        for d in ctx.docs:
            d.payload["syndication_group"] = result.group_of.get(d.id)
            d.payload["syndication_original"] = bool(result.original_of.get(d.id, True))
        ctx.story_results["syndication"] = result.groups


class ClusterStage:
    name = "clusters"

    def run(self, ctx: Context) -> None:
        from .clusters import cluster_articles, discover_talking_points

        arts = ctx.articles
        if arts:
            vectors = np.vstack([d.vector for d in arts]) if arts[0].vecs is not None else np.zeros((len(arts), 1))
            result = cluster_articles([d.id for d in arts], vectors,
                                      [f"{d.row.get('title') or ''}\n{d.row.get('text') or ''}" for d in arts], seed=0)
        for d in ctx.docs:
            x, y = result.xy.get(d.id, (0.0, 0.0)) if arts else (0.0, 0.0)
            d.payload["cluster"] = int(result.cluster_of.get(d.id, -1)) if arts else -1
            d.payload["x"], d.payload["y"] = round(float(x), 5), round(float(y), 5)
        ctx.story_results["clusters"] = result.clusters if arts else []
        originals = [d for d in arts if d.payload.get("syndication_original", True) and d.evaluated]
        items = [(d.id, s) for d in originals for s in d.sentences]
        vecs = np.vstack([d.vecs for d in originals if len(d.sentences)]) if items else np.zeros((0, 1))
        ctx.story_results["talking_points"] = discover_talking_points(items, vecs, seed=0) if items else []


class WordsStage:
    name = "words"

    def run(self, ctx: Context) -> None:
        from .words import build_term_tables

        rows = [{"text": d.row.get("text") or "", "title": d.row.get("title") or "", "lean": d.row["lean"],
                 "kind": d.row["kind"], "syndication_original": d.payload.get("syndication_original", True)}
                for d in ctx.articles]
        ctx.story_results.update(build_term_tables(rows))


DEFAULT_STAGES = [LoadStage, SentenceStage, EmbedStage, DetectStage, QuoteStage, SyndicationStage,
                  ClusterStage, WordsStage]


def run_analysis(store: Store, story: Story, embedder=None, registry: OutletRegistry | None = None,
                 stages=None, progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Analyse `story` in `store` and save the results; returns a short summary."""
    from .embed import CachedEmbedder, SentenceEmbedder

    inner = embedder or SentenceEmbedder()
    cached = CachedEmbedder(inner, store)
    ctx = Context(story, store, cached, registry or default_registry(), progress=progress)
    run_id = store.start_run(story.id, "analysis", sources=inner.name)
    status, summary = "failed", {}
    try:
        for stage in (stages or DEFAULT_STAGES):
            started = time.perf_counter()
            stage().run(ctx)
            ctx.timings[stage.name] = round(time.perf_counter() - started, 3)
        summary = _save(ctx, inner.name, cached.encoded_count)
        status = "ok"
        return summary
    finally:
        store.finish_run(run_id, status, summary or {"timings": ctx.timings})


def _save(ctx: Context, model: str, encoded: int) -> dict:
    ctx.story_results.pop("_lookup", None)
    ctx.story_results.pop("_dim", None)
    extractors: dict[str, int] = {}
    for d in ctx.docs:
        extractors[d.row.get("extractor") or "import"] = extractors.get(d.row.get("extractor") or "import", 0) + 1
    ctx.story_results["provenance"] = {
        "model": model, "analysis_version": ANALYSIS_VERSION, "story_file_hash": ctx.story.file_hash,
        "computed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "article_count": len(ctx.docs), "extractors": dict(sorted(extractors.items())),
        "content_hashes": {str(d.id): d.row["content_hash"] for d in ctx.docs}}
    ctx.store.replace_results(ctx.story.id, {d.id: d.payload for d in ctx.docs}, ctx.story_results)
    return {"articles": len(ctx.docs), "sentences_encoded": encoded, "timings": ctx.timings}
