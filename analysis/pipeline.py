"""The analysis run: an ordered list of small stages over one story's articles.

    load → sentences → embed → detect (features, frames, stance, descriptors, facts)
         → quotes → syndication → clusters + talking points → words → store

Each stage is a small object with `run(ctx)` that reads and adds fields of a shared
`Context`; any stage can be replaced or given precomputed inputs (a Context whose docs
already have sentences skips nothing but re-uses them; tests pass a fake embedder).
Results go to the store in one transaction, so readers never see a mix of runs.
Deterministic: stable ordering (article id), fixed seeds, rounded floats.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

import numpy as np

from framelens.outlets import OutletRegistry, default_registry
from framelens.stories import Story, evaluates, readable_languages
from framelens.store import Store

from . import detectors as det
from . import prep
from .appraisal import lexicon_hash
from .article import ArticleView, DetectorsByLanguage, story_detectors
from .genre import is_opinion
from .language import detect_language
from .sentences import sentence_key
from .words import term_bag

ANALYSIS_VERSION = "2.5"
QUOTE_CHUNK = 500  # articles whose quotes are graded together (progress ticks between)
ENCODE_CHUNK = 2048  # texts per embedder call (progress ticks; the cache writes per chunk)

_all_detectors = story_detectors  # the name benchmarks/_common.py uses


@dataclass
class Doc:
    """One article during analysis."""

    id: int
    row: dict
    sentences: list[str] = field(default_factory=list)
    has_title: bool = False
    language: str = ""
    evaluated: bool = True
    opinion: bool = False
    payload: dict = field(default_factory=dict)
    key: str = ""  # prep.content_key of the title and text
    keys: list[str] = field(default_factory=list)  # each sentence's sentence_key
    # The sentence vectors: set outright, or rows `_ids` of the shared `_table` (the bank),
    # taken on demand, so 10,000 articles do not hold a second copy of every vector.
    _vecs: np.ndarray | None = field(default=None, repr=False)
    _table: np.ndarray | None = field(default=None, repr=False)
    _ids: np.ndarray | None = field(default=None, repr=False)

    @property
    def vecs(self) -> np.ndarray | None:
        """The sentence vectors (one row per sentence, L2-normalised), or None before embedding."""
        if self._vecs is not None or self._table is None:
            return self._vecs
        return self._table[self._ids]

    @vecs.setter
    def vecs(self, value: np.ndarray | None) -> None:
        self._vecs, self._table, self._ids = value, None, None

    def use_rows(self, table: np.ndarray, ids: np.ndarray) -> None:
        """Take the sentence vectors from rows `ids` of `table` when asked."""
        self._vecs, self._table, self._ids = None, table, ids

    @property
    def vector(self) -> np.ndarray:
        """The article's mean sentence vector, L2-normalised."""
        if self.vecs is None or not len(self.vecs):
            return np.zeros(self.vecs.shape[1] if self.vecs is not None and self.vecs.ndim == 2 else 1,
                            dtype=np.float32)
        v = self.vecs.mean(axis=0)
        n = np.linalg.norm(v)
        return (v / n if n else v).astype(np.float32)


@dataclass
class Context:
    story: Story
    store: Store | None
    embedder: object
    registry: OutletRegistry | None
    docs: list[Doc] = field(default_factory=list)
    source: Doc | None = None  # the primary source (a stored article, or the story's local file)
    bank: det.SentenceBank | None = None
    lookup: dict[str, np.ndarray] = field(default_factory=dict)  # text -> vector, for this run
    story_results: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    memory: dict = field(default_factory=dict)  # stage -> the process's peak RSS (MB) once it ended
    progress: Callable[[str, int, int], None] | None = None
    model: str = ""
    previous: dict[int, dict] = field(default_factory=dict)  # the last run's payloads, by article id
    reused: dict = field(default_factory=dict)  # stage -> articles whose result came from the last run
    kept: dict = field(default_factory=dict)  # prep kind -> values taken from the store (analysis/prep.py)
    bags: dict = field(default_factory=dict)  # article id -> term counts, from syndication to words

    @property
    def articles(self) -> list[Doc]:
        return [d for d in self.docs if d.row.get("role", "article") == "article"]

    @property
    def all_docs(self) -> list[Doc]:
        """The story's documents plus the primary source when it is not one of them."""
        return self.docs + ([self.source] if self.source is not None and self.source not in self.docs else [])

    def tick(self, stage: str, i: int, n: int) -> None:
        if self.progress:
            self.progress(stage, i, n)


class LoadStage:
    """The story's articles (oldest id first) with their outlet's name, lean and kind."""

    name = "load"

    def run(self, ctx: Context) -> None:
        rows = ctx.store.articles(ctx.story.id)
        outlets = {o["domain"]: o for o in ctx.store.outlet_rows()}
        registry = ctx.registry or default_registry()
        for row in rows:
            outlet = outlets.get(row["domain"]) or registry.lookup(row["domain"]).row()
            row["outlet_name"], row["lean"], row["kind"] = outlet["name"], outlet["lean"], outlet["kind"]
        ctx.docs = [Doc(r["id"], r) for r in rows]
        ctx.previous = ctx.store.article_results(ctx.story.id) if ctx.store is not None else {}
        primaries = [d for d in ctx.docs if d.row["role"] == "primary_source"]
        ctx.source = primaries[0] if primaries else _local_primary(ctx.story)


def _local_primary(story: Story) -> Doc | None:
    ps = story.primary_source
    if ps is None or ps.path is None or not ps.path.is_file():
        return None
    text = ps.path.read_text(encoding="utf-8", errors="replace")
    return Doc(0, {"id": 0, "title": ps.title, "text": text, "role": "primary_source", "url": ps.url})


class SentenceStage:
    """Sentences (title first), language, whether the story's detectors apply, opinion or news.
    An article split by an earlier run takes its sentences from the store (analysis/prep.py)."""

    name = "sentences"

    def run(self, ctx: Context) -> None:
        for doc in ctx.all_docs:
            doc.key = prep.content_key(doc.row.get("title") or "", doc.row.get("text") or "")
        todo = [d for d in ctx.all_docs if not d.sentences]
        splits = prep.kept(ctx.store, prep.TEXT, [d.key for d in todo],
                           lambda i: prep.split(todo[i].row.get("title") or "", todo[i].row.get("text") or ""),
                           prep.encode_split, prep.decode_split, ctx.kept)
        for doc, split in zip(todo, splits):
            doc.sentences, doc.has_title, doc.keys = split["sentences"], split["has_title"], split["keys"]
        readable = readable_languages(ctx.story)
        for doc in ctx.all_docs:
            if len(doc.keys) != len(doc.sentences):  # sentences given from outside
                doc.keys = [sentence_key(s) for s in doc.sentences]
            given = doc.row.get("language") or ""
            key = hashlib.sha256(f"{doc.key}\n{given}".encode("utf-8", "surrogatepass")).hexdigest()
            old = ctx.previous.get(doc.id)
            if old is not None and old.get("language_key") == key and isinstance(old.get("language"), str):
                doc.language = old["language"]  # the same text as last run: the same language
            else:
                doc.language = detect_language(f"{doc.row.get('title') or ''}\n{doc.row.get('text') or ''}") or \
                    given.split("-")[0].lower()
            doc.payload["language_key"] = key
            doc.evaluated = evaluates(ctx.story, doc.language, readable)  # the story's language or one with cues
            doc.opinion = is_opinion(doc.row)


class EmbedStage:
    """Every distinct sentence of every document and every prototype, in one batched pass."""

    name = "embed"

    def run(self, ctx: Context) -> None:
        # The documents' distinct sentences first, then the prototypes they lack: the bank is
        # a view of the first rows, the lookup views of all; one copy of each vector in all.
        distinct = list(dict.fromkeys(s for d in ctx.all_docs for s in d.sentences))
        seen = set(distinct)
        texts = distinct + [t for t in dict.fromkeys(det.prototype_texts(story_detectors(ctx.story))) if t not in seen]
        del seen
        vectors = _encode_in_chunks(ctx, texts)
        dim = vectors.shape[1] if len(vectors) else 1
        ctx.lookup = dict(zip(texts, vectors))
        ctx.bank = det.SentenceBank(distinct, vectors[:len(distinct)] if len(distinct) else np.zeros((0, dim), np.float32))
        for d in ctx.all_docs:
            if d.sentences:
                d.use_rows(ctx.bank.vectors, ctx.bank.ids(d.sentences))
            else:
                d.vecs = np.zeros((0, dim), np.float32)


def _encode_in_chunks(ctx: Context, texts: list[str]) -> np.ndarray:
    """All `texts` encoded, chunk by chunk (shortest first, so a chunk's sentences batch
    well together), into one preallocated array in the order given."""
    ctx.tick("embed", 0, len(texts))
    out = None
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(texts), ENCODE_CHUNK):
        rows = order[start:start + ENCODE_CHUNK]
        part = np.asarray(ctx.embedder.encode([texts[i] for i in rows]), dtype=np.float32)
        if out is None:
            out = np.empty((len(texts), part.shape[1]), dtype=np.float32)
        out[rows] = part
        ctx.tick("embed", min(start + ENCODE_CHUNK, len(texts)), len(texts))
    return out if out is not None else np.zeros((0, 1), dtype=np.float32)


def result_key(ctx: Context, doc: Doc, *extra: str) -> str:
    """What a per-article result depends on: the article's text and title (its content key),
    opinion and language, the story file, the evaluative lexicon, the model and the analysis
    version (plus `extra`)."""
    key = doc.key or prep.content_key(doc.row.get("title") or "", doc.row.get("text") or "")
    parts = [ANALYSIS_VERSION, ctx.model, ctx.story.file_hash, lexicon_hash(), key, doc.opinion, doc.evaluated,
             doc.language, *extra]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def _reusable(ctx: Context, doc: Doc, key_name: str, key: str) -> dict | None:
    """The last run's payload of this article when it was computed from the same inputs."""
    old = ctx.previous.get(doc.id)
    return old if old is not None and old.get(key_name) == key else None


class DetectStage:
    """Features, frames, stance, descriptors and key facts, with evidence (analysis/article.py).

    Per-article results depend only on the article, the story file, the model and the
    analysis version, so an article whose result key matches the last run's keeps that
    result; only the others are scored (over a bank of their sentences alone).
    """

    name = "detect"

    def run(self, ctx: Context) -> None:
        fresh = []
        for doc in ctx.docs:
            key = result_key(ctx, doc)
            old = _reusable(ctx, doc, "detect_key", key)
            if old is not None and old.get("detect_fields"):
                doc.payload.update({k: old[k] for k in old["detect_fields"] if k in old})
                doc.payload["detect_fields"], doc.payload["detect_key"] = old["detect_fields"], key
            else:
                fresh.append((doc, key))
        ctx.reused["detect"] = len(ctx.docs) - len(fresh)
        if not fresh:
            return
        dim = ctx.bank.vectors.shape[1] if ctx.bank is not None and ctx.bank.vectors.ndim == 2 else 1
        bank = ctx.bank if len(fresh) == len(ctx.docs) else \
            det.SentenceBank.from_lookup((s for d, _ in fresh for s in d.sentences), ctx.lookup, dim)
        views = [ArticleView(doc.sentences, doc.has_title, doc.opinion, doc.evaluated, doc.language) for doc, _ in fresh]
        detectors = DetectorsByLanguage(ctx.story, bank, ctx.lookup, views)
        for i, ((doc, key), view) in enumerate(zip(fresh, views)):
            result = detectors.analyse(view)
            doc.payload.update(result)
            doc.payload["detect_fields"], doc.payload["detect_key"] = sorted(result), key
            ctx.tick("detect", i + 1, len(fresh))


class LookupEmbedder:
    """This run's vectors by text; anything new goes to the wrapped (cached) embedder once."""

    def __init__(self, lookup: dict[str, np.ndarray], inner):
        self.lookup, self.inner = lookup, inner
        self.name = getattr(inner, "name", "embedder")

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.lookup]
        if missing:
            self.lookup.update(zip(missing, np.asarray(self.inner.encode(missing), dtype=np.float32)))
        dim = next(iter(self.lookup.values())).shape[0] if self.lookup else 1
        return np.vstack([self.lookup[t] for t in texts]) if texts else np.zeros((0, dim), np.float32)


class QuoteStage:
    """Quoted spans of each article, graded against the primary source (analysis/quotes.py)."""

    name = "quotes"

    def run(self, ctx: Context) -> None:
        from .quotes import GRADING_VERSION, align_many, extract_quotes, merge_sources, quote_passages

        # every primary-source document (copies or parts of the source), each passage once
        primaries = [d for d in ctx.docs if d.row["role"] == "primary_source"] or [d for d in [ctx.source] if d]
        source_sentences = merge_sources(d.sentences for d in primaries)
        aliases = [[actor.label, *actor.aliases] for actor in ctx.story.actors.values()]
        source_hash = hashlib.sha256("\n".join(source_sentences).encode("utf-8")).hexdigest()
        embedder = LookupEmbedder(ctx.lookup, ctx.embedder)
        articles, fresh = ctx.articles, []
        for doc in articles:
            key = result_key(ctx, doc, "quotes", source_hash, GRADING_VERSION)
            old = _reusable(ctx, doc, "quotes_key", key)
            if old is not None:
                doc.payload["quotes"] = old.get("quotes", [])
            else:
                fresh.append((doc, extract_quotes(doc.row.get("text") or "")))
            doc.payload["quotes_key"] = key
        ctx.reused["quotes"] = reused = len(articles) - len(fresh)
        # fresh articles' quotes graded QUOTE_CHUNK articles at a time: one embedder call for
        # their quotes, one for the passages those need (not two per article)
        for start in range(0, len(fresh), QUOTE_CHUNK):
            part = fresh[start:start + QUOTE_CHUNK]
            for (doc, _), rows in zip(part, align_many([q for _, q in part], source_sentences, embedder=embedder,
                                                           aliases=aliases)):
                doc.payload["quotes"] = [{"text": r["text"], "fidelity": r["fidelity"],
                                          "source_passage": r.get("source_passage"),
                                          "source_index": r.get("source_index"),
                                          "similarity": round(float(r.get("similarity") or 0.0), 4)} for r in rows]
            ctx.tick("quotes", reused + start + len(part), len(articles))
        aligned = {doc.id: doc.payload["quotes"] for doc in articles}
        for doc in ctx.docs:
            doc.payload.setdefault("quotes", [])
        if ctx.source is not None and source_sentences:
            ctx.story_results["quote_passages"] = quote_passages(aligned, source_sentences, ctx.source.id)
        else:
            ctx.story_results["quote_passages"] = {"source_article_id": None, "passages": []}


class SyndicationStage:
    """Wire copies and rewrites grouped (analysis/syndication.py); the earliest is the original.

    Each article's shingles and term counts (for the clusters and words stages), and each
    candidate pair's verdict, come from the store when an earlier run worked them out
    from the same texts (and, for verdicts, the same model and languages)."""

    name = "syndication"

    def run(self, ctx: Context) -> None:
        from .syndication import SyndicationDoc, group_syndication

        arts = ctx.articles
        word_hashes: dict[str, int] = {}
        vocabulary: dict[str, str] = {}  # bags share each term's string (a third of their memory)
        terms = prep.kept(ctx.store, prep.TERMS, [d.key for d in arts],
                          lambda i: prep.terms(arts[i].row.get("title") or "", arts[i].row.get("text") or "",
                                               word_hashes, vocabulary),
                          prep.encode_terms, lambda blob: prep.decode_terms(blob, vocabulary), ctx.kept)
        del word_hashes, vocabulary
        ctx.bags = {d.id: bag for d, (_, bag) in zip(arts, terms)}
        docs = [SyndicationDoc(id=d.id, text=d.row.get("text") or "", sentences=d.sentences,
                               sentence_vectors=(lambda d=d: d.vecs), vector=d.vector, language=d.language,
                               published=d.row.get("published"), shingles=shingles, keys=d.keys,
                               key=_verdict_key(ctx, d))
                for d, (shingles, _) in zip(arts, terms)]
        del terms
        result = group_syndication(docs, known=lambda keys: _known_verdicts(ctx, keys))
        if result.verdicts and ctx.store is not None and not ctx.store.readonly:
            ctx.store.put_derived(prep.PAIR, {k: v.encode("ascii") for k, v in result.verdicts.items()})
        for d in ctx.docs:
            d.payload["syndication_group"] = result.group_of.get(d.id)
            d.payload["syndication_original"] = bool(result.original_of.get(d.id, True))
        ctx.story_results["syndication"] = result.groups


VERDICTS = frozenset({"", "wire", "edited", "spun"})


def _verdict_key(ctx: Context, doc: Doc) -> str:
    """What a syndication verdict on the article depends on besides the other article."""
    return hashlib.sha256(f"{doc.key}\n{ctx.model}\n{doc.language}".encode("utf-8", "surrogatepass")).hexdigest()


def _known_verdicts(ctx: Context, keys: list[str]) -> dict[str, str]:
    if ctx.store is None:
        return {}
    found = {k: v.decode("ascii", "replace") for k, v in ctx.store.get_derived(prep.PAIR, keys).items()}
    found = {k: v for k, v in found.items() if v in VERDICTS}  # anything else is verified again
    ctx.kept[prep.PAIR] = len(found)
    return found


class ClusterStage:
    """The framing map and clusters of articles, then talking points over original articles' sentences."""

    name = "clusters"

    def run(self, ctx: Context) -> None:
        from .clusters import cluster_articles, discover_talking_points

        arts = ctx.articles
        # One article per syndication group is clustered (twenty wire copies would otherwise
        # weigh twenty times in the shared "topic" removed first, and form a cluster of their own);
        # each copy takes its original's cluster and place on the map.
        original_of = {m: g["original_article_id"] for g in ctx.story_results.get("syndication") or []
                       for m in g["article_ids"]}
        firsts = [d for d in arts if original_of.get(d.id, d.id) == d.id]
        cluster_of, xy, clusters = {}, {}, []
        texts = [f"{d.row.get('title') or ''}\n{d.row.get('text') or ''}" for d in firsts]
        vocabulary: dict[str, str] = {}
        for d, text in zip(firsts, texts):  # the syndication stage counted them (unless replaced)
            if d.id not in ctx.bags:
                ctx.bags[d.id] = term_bag(text, vocabulary)
        del vocabulary
        bags = [ctx.bags[d.id] for d in firsts]
        axes = {}
        if firsts:
            vectors, framing = framing_inputs(ctx, firsts)
            result = cluster_articles([d.id for d in firsts], vectors, texts, seed=0, bags=bags, framing=framing)
            cluster_of, xy, clusters, axes = result.cluster_of, result.xy, result.clusters, result.axes
            for copy, original in original_of.items():
                if original in cluster_of:
                    cluster_of[copy], xy[copy] = cluster_of[original], xy[original]
        for d in ctx.docs:
            x, y = xy.get(d.id, (0.0, 0.0))
            d.payload["cluster"] = int(cluster_of.get(d.id, -1))
            d.payload["x"], d.payload["y"] = round(float(x), 5), round(float(y), 5)
        ctx.story_results["clusters"], ctx.story_results["map_axes"] = clusters, axes
        originals = [d for d in arts if d.payload.get("syndication_original", True) and d.evaluated and d.sentences]
        items = [(d.id, s) for d in originals for s in d.sentences]
        keys = [k for d in originals for k in d.keys]  # aligned with the sentences (SentenceStage)
        vecs = _ItemVectors(originals) if items else np.zeros((0, 1), np.float32)
        ctx.story_results["talking_points"] = discover_talking_points(items, vecs, seed=0, keys=keys) if items else []


def framing_inputs(ctx: Context, docs: list[Doc]):
    """The framing representation of `docs` and what labels its clusters (analysis/representation.py)."""
    from .clusters import Framing
    from . import representation as rep

    detectors = ctx.story.features + ctx.story.frames + list(ctx.story.stance.values())
    texts = [t for d in detectors for t in d.prototypes if t in ctx.lookup]
    dim = ctx.bank.vectors.shape[1] if ctx.bank is not None and ctx.bank.vectors.ndim == 2 else 1
    prototypes = np.vstack([ctx.lookup[t] for t in texts]) if texts else np.zeros((0, dim), np.float32)
    languages = [d.language or "" for d in docs]
    sentences = rep.remove_language(np.vstack([rep.framing_vector(d.vecs, prototypes) for d in docs]), languages)
    table = rep.detector_table([d.payload for d in docs], rep.story_columns(ctx.story))
    framing = Framing(table, rep.impute(table.values, sentences), [d.row.get("lean", "unrated") for d in docs],
                      languages)
    return rep.combine(table, sentences), framing


class _ItemVectors:
    """The vectors of every sentence of `docs` in order, as if stacked, without stacking them:
    `self[rows]` builds only the rows asked for (talking points want the distinct ones)."""

    def __init__(self, docs: list[Doc]):
        self.docs = docs
        self.starts = np.cumsum([0] + [len(d.sentences) for d in docs])

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        order = np.argsort(rows, kind="stable")
        ordered = rows[order]
        which = np.searchsorted(self.starts, ordered, side="right") - 1
        out = None
        for run in np.split(np.arange(len(rows)), np.flatnonzero(np.diff(which)) + 1):
            if not len(run):
                continue
            k = int(which[run[0]])
            block = self.docs[k].vecs[ordered[run] - self.starts[k]]
            if out is None:
                out = np.empty((len(rows), block.shape[1]), dtype=np.float32)
            out[order[run]] = block
        return out if out is not None else np.zeros((0, 1), np.float32)


class WordsStage:
    """Term counts by lean and kind, and Fightin' Words left vs right (analysis/words.py)."""

    name = "words"

    def run(self, ctx: Context) -> None:
        from .words import build_term_tables

        rows = [{"text": d.row.get("text") or "", "title": d.row.get("title") or "", "lean": d.row.get("lean", "unrated"),
                 "kind": d.row.get("kind", "national"), "syndication_original": d.payload.get("syndication_original", True),
                 "bag": ctx.bags.get(d.id)}
                for d in ctx.articles if d.evaluated]
        ctx.story_results.update(build_term_tables(rows))
        ctx.bags = {}  # no longer needed: free them before the results are written


DEFAULT_STAGES = [LoadStage, SentenceStage, EmbedStage, DetectStage, QuoteStage, SyndicationStage,
                  ClusterStage, WordsStage]


def run_analysis(store: Store, story: Story, embedder=None, registry: OutletRegistry | None = None,
                 stages=None, progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Analyse `story` in `store` and save the results; returns a short summary.

    Only sentences the store's embedding cache lacks are encoded; everything else is
    recomputed. The run is recorded in the runs table (kind 'analysis') with its timings.
    """
    from .embed import CachedEmbedder, SentenceEmbedder

    inner = embedder or SentenceEmbedder()
    cached = CachedEmbedder(inner, store)
    ctx = Context(story, store, cached, registry or default_registry(), progress=progress, model=inner.name)
    run_id = store.start_run(story.id, "analysis", sources=inner.name)
    status, summary = "failed", {}
    try:
        for stage in (stages or DEFAULT_STAGES):
            started = time.perf_counter()
            stage().run(ctx)
            ctx.timings[stage.name] = round(time.perf_counter() - started, 3)
            ctx.memory[stage.name] = peak_rss_mb()
        summary = save_results(ctx, inner.name, cached.encoded_count)
        ctx.memory["save"] = peak_rss_mb()  # the summary holds this same dict
        status = "ok"
        return summary
    finally:
        store.finish_run(run_id, status, summary or {"timings": ctx.timings})


def save_results(ctx: Context, model: str, encoded: int) -> dict:
    """Provenance plus every payload, in one transaction."""
    extractors: dict[str, int] = {}
    for d in ctx.docs:
        name = d.row.get("extractor") or "import"
        extractors[name] = extractors.get(name, 0) + 1
    ctx.story_results["provenance"] = {
        "model": model, "analysis_version": ANALYSIS_VERSION, "story_file_hash": ctx.story.file_hash,
        "computed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "article_count": len(ctx.docs), "extractors": dict(sorted(extractors.items())),
        "content_hashes": {str(d.id): d.row.get("content_hash") for d in ctx.docs},
        "not_evaluated": sorted(d.id for d in ctx.docs if not d.evaluated),
        "primary_source": None if ctx.source is None else {"article_id": ctx.source.id or None,
                                                           "url": ctx.source.row.get("url") or "",
                                                           "sentences": len(ctx.source.sentences)}}
    ctx.store.replace_results(ctx.story.id, {d.id: d.payload for d in ctx.docs}, ctx.story_results)
    return {"articles": len(ctx.docs), "sentences_encoded": encoded, "sentences": len(ctx.bank or []),
            "reused": ctx.reused, "kept": ctx.kept, "primary_source": ctx.story_results["provenance"]["primary_source"],
            "timings": ctx.timings, "peak_rss_mb": ctx.memory}


def peak_rss_mb() -> int | None:
    """This process's peak resident memory so far in MB (None where the OS does not say):
    read after each stage, it shows which stage set the peak."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10))
