"""Clusters and the framing map; recurring talking points across articles.

cluster_articles:
- the pipeline passes the framing representation of each article (analysis/representation.py:
  what the detectors found plus its framing sentences with topic and language removed), used
  as given; plain article vectors (no `framing`) have their mean (the topic) subtracted first
  and rows re-normalised;
- PCA to at most REDUCED_DIMS dimensions (eigenvectors of the d x d covariance, signs
  fixed: deterministic and cheap at 10,000 articles); its first two components are the
  2-D map (no UMAP: ~10 s a fit);
- k-means for k = 2 .. min(MAX_K, n - 1, max(2, sqrt n)); k is the largest whose silhouette
  (on at most SILHOUETTE_SAMPLE articles, fixed seed) is at least SILHOUETTE_KEEP of the best
  (silhouette alone favours two clusters, and a framing split finer than that is the point);
  fewer than 3 articles make one cluster; MiniBatchKMeans above MINIBATCH_ABOVE articles;
- clusters are numbered by size (largest 0), ties by smallest article id; with `framing`
  each is named by what distinguishes it (analysis/cluster_labels.py), with its lean mix;
  its distinctive terms (class-based, like BERTopic's c-TF-IDF; see _cluster_terms; the
  stop words of every language the articles are in left out) and its most typical article
  (closest to the centroid) are kept either way.

discover_talking_points: see its docstring.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from .cluster_labels import distinguishing, framing_label, lean_mix, majority_stance, map_axes
from .representation import FramingTable
from .sentences import key_words, sentence_key
from .stopwords import stopwords_for
from .words import add_bags, tokenize

REDUCED_DIMS = 50
MAX_K = 10
SILHOUETTE_SAMPLE = 2000
SILHOUETTE_KEEP = 0.9            # the most clusters whose silhouette is >= 90 % of the best
MINIBATCH_ABOVE = 2000
LABEL_TERMS = 8
TOPIC_TERM_SHARE = 0.7           # a term in 70 % of all articles is the topic, never a label

TP_SAMPLE = 3000                 # sentences clustered directly (agglomerative is quadratic)
TP_LINK_DISTANCE = 0.3           # average-linkage cosine distance: members ~ cosine >= 0.7
TP_MEMBER_COSINE = 0.75          # a sentence joins a point at this cosine to its centroid
TP_TOPIC_SHARE = 0.8             # made by >= 80 % of articles: the topic, not a talking point
TP_MIN_WORDS = 5


@dataclass
class ClusterResult:
    cluster_of: dict[int, int] = field(default_factory=dict)
    xy: dict[int, tuple[float, float]] = field(default_factory=dict)
    clusters: list[dict] = field(default_factory=list)
    axes: dict = field(default_factory=dict)  # map axis -> the framing columns pulling each way


@dataclass
class Framing:
    """What the detectors found, for labels: the table (NaN where not read), its imputed
    values, and each article's lean and language (aligned with the ids)."""

    table: FramingTable
    imputed: np.ndarray
    leans: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)


def cluster_articles(ids: list[int], vectors: np.ndarray, texts: list[str], seed: int = 0,
                     bags: list[Counter] | None = None, framing: Framing | None = None) -> ClusterResult:
    """Cluster article vectors by framing and place them on a 2-D map (see module doc).
    `bags`: each text's `tokenize(text, bigrams=True)` counts, when the caller has them.
    With `framing`, `vectors` is the framing representation (analysis/representation.py,
    used as given) and clusters are named by what the detectors found."""
    ids = list(ids)
    if not ids:
        return ClusterResult()
    x = np.asarray(vectors, dtype=np.float64)
    reduced = _reduce(x.reshape(len(x), -1) if framing is not None else _residuals(x))
    if len(ids) >= 3 and np.ptp(reduced, axis=0).max() > 1e-9:
        labels = _kmeans_labels(reduced, seed)
    else:  # too few articles, or all the same: one cluster
        labels = np.zeros(len(ids), dtype=int)
    labels = _renumber(labels, ids)
    xy = _map_xy(reduced)
    result = ClusterResult(
        cluster_of={i: int(c) for i, c in zip(ids, labels)},
        xy={i: (round(float(x), 4), round(float(y), 4)) for i, (x, y) in zip(ids, xy)},
    )
    if bags is None:
        bags = [Counter(tokenize(t or "", bigrams=True)) for t in texts]
    stop = stopwords_for(framing.languages if framing is not None else ())
    result.clusters = _describe(ids, reduced, labels, bags, stop)
    if framing is not None:
        _name_by_framing(result.clusters, framing, labels)
        result.axes = map_axes(framing.table, framing.imputed, xy)
    return result


def _name_by_framing(clusters: list[dict], framing: Framing, labels: np.ndarray) -> None:
    """Each cluster's label from what distinguishes it (analysis/cluster_labels.py), its lean mix.

    A stance every cluster shares tells the clusters apart no better than nothing: it stays
    in `stance` but leaves the label."""
    stances = {c["id"]: majority_stance(framing.table, labels, c["id"]) for c in clusters}
    shared = len(clusters) > 1 and len(set(stances.values())) == 1
    for c in clusters:
        items = distinguishing(framing.table, labels, c["id"])
        stance = stances[c["id"]]
        words = ", ".join(c["terms"][:3])
        c["label"] = framing_label(items, "" if shared else stance) or \
            (f"words: {words}" if words else f"cluster {c['id']}")
        c["distinguishing"], c["stance"] = items, stance
        c["leans"] = lean_mix(framing.leans, labels, c["id"]) if framing.leans else {}


def _normalise(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    return m / np.where(norms > 1e-12, norms, 1.0)


def _residuals(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors minus their mean (the shared topic), re-normalised."""
    unit = _normalise(vectors.reshape(len(vectors), -1))
    return _normalise(unit - unit.mean(axis=0))


def _reduce(x: np.ndarray) -> np.ndarray:
    """PCA to at most REDUCED_DIMS dimensions, by the eigenvectors of the d x d covariance
    (cheap at 10,000 articles); each component's sign is fixed so runs agree."""
    centred = x - x.mean(axis=0)
    if len(x) < 2 or not np.any(centred):
        return np.zeros((len(x), 2))
    values, vecs = np.linalg.eigh(centred.T @ centred)
    order = np.argsort(values)[::-1][:max(2, min(REDUCED_DIMS, len(x) - 1))]
    vecs = vecs[:, order]
    vecs *= np.where(vecs[np.abs(vecs).argmax(axis=0), np.arange(vecs.shape[1])] < 0, -1.0, 1.0)
    return centred @ vecs


def _map_xy(reduced: np.ndarray) -> np.ndarray:
    return reduced[:, :2]


def _kmeans_labels(x: np.ndarray, seed: int) -> np.ndarray:
    """k-means with k chosen by silhouette on a fixed sample."""
    from sklearn.metrics import silhouette_score

    n = len(x)
    kmax = min(MAX_K, n - 1, max(2, int(math.sqrt(n))))
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(n, SILHOUETTE_SAMPLE, replace=False)) if n > SILHOUETTE_SAMPLE else np.arange(n)
    scores = {}
    for k in range(2, kmax + 1):
        labels = _fit(x[sample], k, seed, quick=True).labels_
        scores[k] = silhouette_score(x[sample], labels) if len(set(labels)) > 1 else -1.0
    best = max(scores.values())
    k = max(k for k, s in scores.items() if s >= best * SILHOUETTE_KEEP) if best > 0 else 2
    model = _fit(x, k, seed)
    return np.asarray(model.labels_ if len(sample) == n else model.predict(x))


def _fit(x: np.ndarray, k: int, seed: int, quick: bool = False):
    """KMeans (MiniBatchKMeans for many articles); `quick` for the k search."""
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.exceptions import ConvergenceWarning

    if len(x) > MINIBATCH_ABOVE:
        model = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=2048)
    else:
        model = KMeans(n_clusters=k, random_state=seed, n_init=2 if quick else 4, max_iter=30 if quick else 300)
    with warnings.catch_warnings():  # duplicate articles leave fewer distinct points than k
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x)


def _renumber(labels: np.ndarray, ids: list[int]) -> np.ndarray:
    """Cluster 0 is the largest; ties by smallest article id."""
    groups: dict[int, list[int]] = {}
    for label, i in zip(labels, ids):
        groups.setdefault(int(label), []).append(i)
    order = sorted(groups, key=lambda g: (-len(groups[g]), min(groups[g])))
    new = {old: n for n, old in enumerate(order)}
    return np.array([new[int(label)] for label in labels], dtype=int)


def _describe(ids: list[int], reduced: np.ndarray, labels: np.ndarray, bags: list[Counter],
              stop: frozenset[str] = frozenset()) -> list[dict]:
    terms = _cluster_terms(labels, bags, stop)
    out = []
    for c in range(int(labels.max()) + 1 if len(labels) else 0):
        members = np.flatnonzero(labels == c)
        centroid = reduced[members].mean(axis=0)
        distance = np.linalg.norm(reduced[members] - centroid, axis=1)
        typical = min(zip(distance.round(9), (ids[m] for m in members)))[1]
        top = terms.get(c, [])
        out.append({"id": c, "label": ", ".join(top[:3]) or f"cluster {c}", "terms": top,
                    "typical_article_id": int(typical), "size": int(len(members))})
    return out


def _cluster_terms(labels: np.ndarray, bags: list[Counter], stop: frozenset[str] = frozenset()) -> dict[int, list[str]]:
    """Distinctive terms per cluster: p_c * log(p_c / p_rest), the term's share in the cluster
    against its (smoothed) share in all other clusters, so the story's own vocabulary, which
    every cluster uses, drops out and frequent distinctive terms rise."""
    members: dict[int, list[Counter]] = {}
    for label, bag in zip(labels, bags):
        members.setdefault(int(label), []).append(bag)
    tf = {label: add_bags(group) for label, group in members.items()}
    docs_with: dict[int, Counter] = {}
    for label, group in members.items():
        docs_with[label] = Counter(chain.from_iterable(bag.keys() for bag in group))
    total = add_bags(tf.values())
    vocab, all_words = len(total) or 1, sum(total.values())
    doc_freq: Counter = Counter()
    for counts in docs_with.values():
        doc_freq.update(counts)
    # Terms in most articles name the story itself ("chirpline", "judge"), not a framing.
    topic = {t for t, f in doc_freq.items() if len(labels) >= 5 and f >= TOPIC_TERM_SHARE * len(labels)}
    out = {}
    for c, counts in tf.items():
        size, n_c = int((labels == c).sum()), sum(counts.values()) or 1
        n_rest = all_words - n_c
        scores = {}
        for term, v in counts.items():
            # In a cluster of 3+ a term must come from 2+ articles: one article's pet word is no label.
            if (size >= 3 and docs_with[c][term] < 2) or term in topic or any(w in stop for w in term.split()):
                continue
            p_c, p_rest = v / n_c, (total[term] - v + 0.5) / (n_rest + 0.5 * vocab)
            scores[term] = p_c * math.log(p_c / p_rest)
        ranked = sorted(((t, v) for t, v in scores.items() if v > 0), key=lambda kv: (-kv[1], kv[0]))
        out[c] = [t for t, _ in ranked[:LABEL_TERMS]]
    return out


# --------------------------------------------------------------------------- talking points

def discover_talking_points(sentence_items: list[tuple[int, str]], vectors: np.ndarray, seed: int = 0,
                            min_articles: int = 3, keys: list[str] | None = None) -> list[dict]:
    """Points made by at least `min_articles` different articles, as clusters of sentences.

    `vectors[rows]` gives the vectors of items `rows` (an array aligned with the items, or
    any object indexed the same way, e.g. rows of a shared table taken on demand). `keys`:
    each item's sentence_key, when the caller has them.

    Identical sentences (the same sentence_key) are merged first. At most TP_SAMPLE distinct sentences (a fixed-seed
    sample above that) are clustered by average-linkage on cosine distance (threshold
    TP_LINK_DISTANCE); every sentence then joins its nearest cluster centroid when the cosine
    is >= TP_MEMBER_COSINE, so the cost beyond the sample is linear in sentences. Sentences
    under TP_MIN_WORDS words are ignored.
    A point made by >= TP_TOPIC_SHARE of all articles (and more than min_articles) is the
    story itself ("a judge denied the request") and is skipped. Pass one article per
    syndication group, or a wire story's every sentence becomes a "talking point".
    """
    texts, article_sets, rows = _distinct_sentences(sentence_items, keys)
    n_articles = len({a for a, _ in sentence_items})
    if len(texts) < 2 or n_articles < min_articles:
        return []
    x = vectors[np.asarray(rows, dtype=np.int64)]  # fancy indexing copies: normalised in place
    if not (isinstance(x, np.ndarray) and x.dtype == np.float32 and x.flags.owndata and x.flags.writeable):
        x = np.array(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x /= np.where(norms > 1e-12, norms, 1.0)
    centroids = _sentence_centroids(x, seed)
    if not len(centroids):
        return []
    points = _assign(x, centroids, article_sets, texts)
    topic_cut = max(min_articles + 1, math.ceil(TP_TOPIC_SHARE * n_articles))
    kept = [p for p in points if min_articles <= len(p["article_ids"]) < topic_cut]
    return sorted(kept, key=lambda p: (-len(p["article_ids"]), p["sentence"]))


def _distinct_sentences(items: list[tuple[int, str]], keys: list[str] | None = None
                        ) -> tuple[list[str], list[set[int]], list[int]]:
    """Distinct long-enough sentences, the articles that wrote each, and a row per sentence."""
    seen: dict[str, int] = {}
    texts, articles, rows = [], [], []
    if keys is None or len(keys) != len(items):
        keys = [sentence_key(sentence) for _, sentence in items]
    for row, ((article, sentence), key) in enumerate(zip(items, keys)):
        if key_words(key) < TP_MIN_WORDS:
            continue
        if key not in seen:
            seen[key] = len(texts)
            texts.append(sentence.strip())
            articles.append(set())
            rows.append(row)
        articles[seen[key]].add(article)
    return texts, articles, rows


def _sentence_centroids(x: np.ndarray, seed: int) -> np.ndarray:
    """Centroids of the multi-sentence clusters of a (sampled) average-linkage clustering."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(len(x), TP_SAMPLE, replace=False)) if len(x) > TP_SAMPLE else np.arange(len(x))
    chosen = x[sample]
    picked = chosen.astype(np.float64)
    # Rows are unit vectors, so cosine distance is 1 - x.x' (one matrix product: several
    # times faster than pdist's cosine); merges at or above the threshold are not made.
    # In place: one sample x sample matrix at a time (72 MB at 3,000), not three.
    distances = picked @ picked.T
    np.subtract(1.0, distances, out=distances)
    np.clip(distances, 0.0, 2.0, out=distances)
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="average")
    del distances
    labels = fcluster(tree, t=np.nextafter(TP_LINK_DISTANCE, 0.0), criterion="distance")
    centroids = [chosen[labels == c].mean(axis=0) for c in np.unique(labels) if (labels == c).sum() >= 2]
    return _normalise(np.vstack(centroids)) if centroids else np.zeros((0, x.shape[1]))


def _assign(x: np.ndarray, centroids: np.ndarray, article_sets: list[set[int]], texts: list[str]) -> list[dict]:
    """Each sentence to its nearest centroid (chunked: no sentence x sentence matrix)."""
    best, score = np.empty(len(x), dtype=int), np.empty(len(x), dtype=np.float32)
    for lo in range(0, len(x), 8192):
        sims = x[lo:lo + 8192] @ centroids.T
        best[lo:lo + 8192], score[lo:lo + 8192] = sims.argmax(axis=1), sims.max(axis=1)
    points = []
    for c in range(len(centroids)):
        members = np.flatnonzero((best == c) & (score >= TP_MEMBER_COSINE))
        if len(members) < 2:
            continue
        articles = set().union(*(article_sets[m] for m in members))
        rep = int(members[np.lexsort((members, -score[members]))[0]])
        points.append(_point(texts[rep], articles))
    return points


def _point(sentence: str, articles: set[int]) -> dict:
    digest = hashlib.sha1(sentence.lower().encode("utf-8")).hexdigest()[:10]
    words = sentence.split()
    label = " ".join(words[:8]) + ("…" if len(words) > 8 else "")
    return {"id": f"tp-{digest}", "label": label, "sentence": sentence, "article_ids": sorted(articles)}
