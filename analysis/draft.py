"""A story draft from the coverage at hand: key facts aligned to the primary source and
candidate framing features from talking points, plus the word-level parts (draft_text).

    sentences → embed (once, cached) → key facts: source statements most articles paraphrase (draft_facts)
                                     → features: talking points whose presence varies most by lean/outlet

Every candidate keeps the articles it rests on, so the written draft can say how many and
which outlets. Deterministic for the same input (fixed seeds, stable ordering).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from .draft_facts import draft_key_facts, report_units, source_statements
from .draft_inputs import Coverage
from .draft_patterns import MIN_PRECISION, phrase_index, suggest_pattern
from .draft_text import ActorDraft, DescriptorDraft, find_actors, find_descriptors, find_references, \
    phrase_label, suggest_relevance
from .sentences import document_sentences, sentence_key
from .words import STOPWORDS, tokenize

DISTINCT_COSINE = 0.8   # two talking points this close are one
NEAR_IDENTICAL = 0.9    # two typical sentences this close (raw cosine) say the same thing
SHARED_SENTENCES = 0.5  # two points sharing this share of the smaller one's sentences are one
OWN_COSINE = 0.5        # a coverage sentence is a point's own at this cosine to its centre (story mean out)
MAX_FEATURES = 12


@dataclass
class Candidate:
    """A drafted detector: key fact or framing feature, with what it is based on."""

    id: str
    label: str
    statement: str
    prototypes: list[str]
    articles: set[int]
    pattern: str = ""
    spread: str = ""
    terms: list[str] = field(default_factory=list)
    pattern_note: str = ""
    source_wording: str = ""   # a key fact worded as the coverage says it: the source's own sentence
    source_sentence: str = ""   # a key fact that is one clause of a longer source sentence: that sentence


@dataclass
class StoryDraft:
    actors: list[ActorDraft]
    descriptors: dict[str, list[DescriptorDraft]]
    key_facts: list[Candidate]
    features: list[Candidate]
    relevance_all: list[str]
    relevance_any: list[str]
    outlets: dict[int, str] = field(default_factory=dict)
    leans: dict[int, str] = field(default_factory=dict)


def make_draft(coverage: Coverage, source_text: str, query: str, embedder) -> StoryDraft:
    """Every candidate part of a story draft from the coverage and the primary source's text."""
    docs = {a["id"]: document_sentences(a.get("title") or "", a.get("text") or "")[0] for a in coverage.articles}
    source = source_statements(document_sentences("", source_text)[0])
    actors = find_actors(docs, list(dict.fromkeys(source.values())))  # whole sentences, not clauses too
    find_references(actors, docs)
    vectors = _Vectors(embedder, [u for ss in docs.values() for s in ss for u in [s, *report_units(s)]] + list(source))
    terms = _term_articles(docs)
    required, alternatives = suggest_relevance(actors, terms, len(docs), query)
    return StoryDraft(
        actors=actors, descriptors={a.id: find_descriptors(a, docs) for a in actors[:3]},
        key_facts=draft_key_facts(source, docs, vectors, _fact_candidate(set())),
        features=draft_features(independent(docs), vectors, coverage, _name_words(actors)),
        relevance_all=required, relevance_any=alternatives,
        outlets={a["id"]: a.get("outlet_name") or a["domain"] for a in coverage.articles},
        leans={a["id"]: a.get("lean") or "unrated" for a in coverage.articles})


class _Vectors:
    """Each distinct text embedded once, looked up by text."""

    def __init__(self, embedder, texts: list[str]):
        distinct = list(dict.fromkeys(texts))
        matrix = np.asarray(embedder.encode(distinct), dtype=np.float32) if distinct else np.zeros((0, 1))
        self.row = {t: i for i, t in enumerate(distinct)}
        self.matrix = matrix

    def of(self, texts: list[str]) -> np.ndarray:
        return self.matrix[[self.row[t] for t in texts]] if texts else self.matrix[:0]

    def centred(self, texts: list[str]) -> np.ndarray:
        """Unit rows with the whole story's mean taken out: every sentence of one story is close
        to every other, and what is left says what a sentence adds (as the detectors centre)."""
        if not hasattr(self, "_topic"):
            self._topic = self.matrix.mean(axis=0) if len(self.matrix) else np.zeros(self.matrix.shape[1])
        rows = self.of(texts) - self._topic
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def _fact_candidate(used: set[str]):
    def make(statement: str, prototypes: list[str], articles: set[int], sentence: str, worded: str) -> Candidate:
        # a statement in the coverage's words keeps the source's sentence (its comment says so)
        return Candidate(_unique_id(statement, used), _label(statement), statement, prototypes, articles,
                         source_sentence=sentence if sentence not in (statement, worded) else "",
                         source_wording=sentence if worded else "")
    return make


def independent(docs: dict[int, list[str]], overlap: float = 0.5) -> dict[int, list[str]]:
    """One article per group of copies: an article sharing half its sentences with an earlier
    one is a copy (wire partners, light edits), which would make a wire story's every
    sentence look like a talking point."""
    kept: dict[int, list[str]] = {}
    seen: list[set[str]] = []
    for doc, sentences in docs.items():
        keys = {sentence_key(s) for s in sentences if len(s.split()) >= 5}
        if keys and any(len(keys & other) >= overlap * min(len(keys), len(other)) for other in seen):
            continue
        kept[doc] = sentences
        seen.append(keys)
    return kept


def _name_words(actors: list[ActorDraft]) -> set[str]:
    return {w for a in actors for n in [a.label] + a.aliases for w in tokenize(n)}


def draft_features(docs: dict[int, list[str]], vectors: _Vectors, coverage: Coverage,
                   names: set[str] = frozenset()) -> list[Candidate]:
    """Talking points whose presence varies most between leans (outlets when too few leans
    are rated), as suggestions. A talking point is the cluster of sentences that share a
    distinctive word or word pair (the point's suggested pattern); points whose sentences
    mean the same (centroid cosine >= DISTINCT_COSINE) or come from the same articles merge."""
    lean = {a["id"]: a.get("lean") or "unrated" for a in coverage.articles if a["id"] in docs}
    outlet = {a["id"]: a.get("outlet_name") or a["domain"] for a in coverage.articles if a["id"] in docs}
    if len(docs) < 3:
        return []
    scored = []
    for term, sentences in _term_sentences(docs, names).items():
        members = {d for d, _ in sentences}
        spread, note = _spread(members, lean, outlet)
        if spread > 0:
            scored.append((spread * np.log1p(len(members)) * _coherence(vectors, sentences) ** 2,
                           term, sentences, members, note))
    scored.sort(key=lambda x: (-x[0], x[1]))
    corpus = list(dict.fromkeys(s for ss in docs.values() for s in ss))
    return _merged_points(scored, vectors, corpus)


def _coherence(vectors: _Vectors, sentences: list[tuple[int, str]]) -> float:
    """The length of the sentences' mean vector: near 1 when they say one thing (a talking
    point), low when the word turns up in all sorts of sentences ('case', 'said')."""
    return float(np.linalg.norm(vectors.centred(list(dict.fromkeys(s for _, s in sentences))).mean(axis=0)))


def _term_sentences(docs: dict[int, list[str]], names: set[str]) -> dict[str, list[tuple[int, str]]]:
    """Each word or word pair in 2+ articles but not in most, with the sentences holding it."""
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for doc, sentences in docs.items():
        for sentence in sentences:
            for term in set(tokenize(sentence, bigrams=True)):
                if not (set(term.split()) & names) and len(term) > 3 and term.replace(" ", "").isalpha():
                    found[term].append((doc, sentence))
    n = len(docs)
    return {t: ss for t, ss in found.items() if 2 <= len({d for d, _ in ss}) <= 0.5 * n}


def _merged_points(scored: list, vectors: _Vectors, corpus: list[str]) -> list[Candidate]:
    used: set[str] = set()
    out: list[Candidate] = []
    kept: list[tuple[np.ndarray, set[str], set[int], Candidate]] = []
    meaning = vectors.centred(corpus) if corpus else np.zeros((0, vectors.matrix.shape[1]))
    for _, term, sentences, members, note in scored:
        texts = list(dict.fromkeys(s for _, s in sentences))
        centroid = vectors.centred(texts).mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        examples = _typical(texts, vectors, centroid)
        own = set(np.flatnonzero(meaning @ centroid >= OWN_COSINE).tolist())
        twin = next((c for v, t, _, c in kept if _same_point(vectors, (centroid, set(texts), examples), (v, t, c))), None)
        if twin is not None:
            twin.terms.append(term)
            twin.articles |= members
            continue
        if len(out) >= 3 * MAX_FEATURES:
            continue
        cand = Candidate(_unique_id(term, used), f"Mentions {term}", "", examples, set(members), spread=note)
        cand.terms = [term]
        kept.append((centroid, set(texts), own, cand))
        out.append(cand)
    where = phrase_index(corpus)
    hits = [_suggest(cand, own, corpus, where) for _, _, own, cand in kept]
    return _merge_by_matches(out, hits)[:MAX_FEATURES]


def _merge_by_matches(points: list[Candidate], hits: list[set[int]]) -> list[Candidate]:
    """Points whose suggested patterns catch mostly the same sentences are one talking
    point told with other words ('judge denies' and 'denied Parler'): the better-ranked one
    keeps the other's terms and articles."""
    out: list[tuple[Candidate, set[int]]] = []
    for cand, caught in zip(points, hits):
        twin = next((c for c, h in out if caught and h and
                     len(caught & h) >= SHARED_SENTENCES * min(len(caught), len(h))), None)
        if twin is None:
            out.append((cand, caught))
        else:
            twin.terms += cand.terms
            twin.articles |= cand.articles
    return [c for c, _ in out]


def _same_point(vectors: _Vectors, new: tuple, old: tuple) -> bool:
    """Two talking points are one when their sentences mean the same (centroids), when their
    most typical sentences are the same or near-identical (one wire sentence holds many
    words; two outlets' wordings of one line), or when most of the smaller one's sentences
    are the other's too (heavily overlapping members)."""
    (v_new, own_new, examples), (v_old, own_old, cand) = new, old
    if float(v_old @ v_new) >= DISTINCT_COSINE or examples[0] in cand.prototypes:
        return True
    typical = _unit(vectors.of([examples[0], cand.prototypes[0]]))
    if float(typical[0] @ typical[1]) >= NEAR_IDENTICAL:
        return True
    return bool(own_new and own_old) and \
        len(own_new & own_old) >= SHARED_SENTENCES * min(len(own_new), len(own_old))


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)


def _suggest(cand: Candidate, own: set[int], corpus: list[str], where: dict[str, set[int]]) -> set[int]:
    """The point's checked pattern (draft_patterns) and a label quoting its typical sentence;
    its own sentences are the coverage sentences whose meaning is near its centre. Returns
    the sentences the pattern catches (none without a pattern)."""
    found = suggest_pattern(own, corpus, where)
    if found is not None:
        cand.pattern = found.pattern
        cand.pattern_note = (f"the pattern matches {found.matched} coverage sentences, {found.precision:.0%} of "
                             f"them this point's own ({found.own_found} of its {found.own_total})")
        cand.label = phrase_label(found.phrases, cand.prototypes[0])
    else:
        cand.pattern_note = (f"no pattern: no phrase of its sentences reaches {MIN_PRECISION:.0%} precision "
                             "on the coverage (its prototypes alone detect it)")
        cand.label = phrase_label(cand.terms[:4], cand.prototypes[0])
    return found.hits if found is not None else set()


def _typical(texts: list[str], vectors: _Vectors, centroid: np.ndarray, limit: int = 3) -> list[str]:
    """The sentences closest to the point's centre, leaving out near-copies of one already taken."""
    matrix = vectors.centred(texts)
    picked: list[int] = []
    for i in np.argsort(-(matrix @ centroid), kind="stable"):
        if len(picked) < limit and not any(float(matrix[i] @ matrix[j]) >= 0.9 for j in picked):
            picked.append(int(i))
    return [texts[i] for i in picked]


def _spread(members: set[int], lean: dict[int, str], outlet: dict[int, str]) -> tuple[float, str]:
    """How unevenly leans report a point: the largest minus the smallest share among leans
    with two or more articles (outlets when too few leans are rated), and a note saying so."""
    groups: dict[str, list[int]] = defaultdict(list)
    for doc, name in lean.items():
        groups[name].append(doc)
    groups = {g: ds for g, ds in groups.items() if len(ds) >= 2 and g != "unrated"}
    if len(groups) < 2:
        groups = {g: ds for g, ds in _by(outlet).items() if len(ds) >= 2}
    if len(groups) < 2:
        return 0.0, ""
    shares = {g: sum(d in members for d in ds) / len(ds) for g, ds in groups.items()}
    hi, lo = max(shares, key=shares.get), min(shares, key=shares.get)
    return shares[hi] - shares[lo], f"{shares[hi]:.0%} of {hi} articles, {shares[lo]:.0%} of {lo}"


def _by(mapping: dict[int, str]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for key, value in mapping.items():
        out[value].append(key)
    return out


def _term_articles(docs: dict[int, list[str]]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    for doc, sentences in docs.items():
        for word in set(tokenize(" ".join(sentences))):
            out[word].add(doc)
    return out


def _label(sentence: str) -> str:
    words = sentence.split()
    return " ".join(words[:8]) + ("…" if len(words) > 8 else "")


def _unique_id(sentence: str, used: set[str]) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", sentence.lower()) if w not in STOPWORDS and len(w) > 2][:3]
    base, name, n = "_".join(words) or "item", "_".join(words) or "item", 2
    while name in used:
        name, n = f"{base}_{n}", n + 1
    used.add(name)
    return name
