"""Clusters and the framing map (1 to 10,000 articles); recurring talking points."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.clusters import ClusterResult, cluster_articles, discover_talking_points
from analysis.sentences import sentence_key
from tests.measure import traced_peak_mb

FRAMES = {
    "safety": "threats violent posts council members police safety riot",
    "speech": "censorship free speech platform silenced conservatives expression",
    "market": "shares investors market revenue hosting contracts business",
}


def _framed_corpus(per_frame: int, seed: int = 0, dim: int = 64):
    """Articles that share a strong topic vector and differ by a weaker framing direction."""
    rng = np.random.default_rng(seed)
    topic = rng.normal(size=dim) * 4
    directions = {name: rng.normal(size=dim) for name in FRAMES}
    ids, vectors, texts, truth = [], [], [], []
    for f, (name, words) in enumerate(FRAMES.items()):
        for k in range(per_frame):
            ids.append(100 + f * per_frame + k)
            vectors.append(topic + directions[name] + rng.normal(scale=0.3, size=dim))
            texts.append(f"GadgetCo ruling judge Quill. {words} item{'x' * k}")
            truth.append(name)
    return ids, np.array(vectors), texts, truth


def test_framing_clusters_recovered_under_a_shared_topic():
    ids, vectors, texts, truth = _framed_corpus(12)
    raw_cos = vectors @ vectors.T / np.outer(np.linalg.norm(vectors, axis=1), np.linalg.norm(vectors, axis=1))
    assert raw_cos.min() > 0.8  # on raw vectors every article looks alike: the topic dominates
    result = cluster_articles(ids, vectors, texts)
    assert len(result.clusters) == 3
    for name in FRAMES:
        members = {result.cluster_of[i] for i, t in zip(ids, truth) if t == name}
        assert len(members) == 1
    for cluster in result.clusters:
        frame = truth[ids.index(cluster["typical_article_id"])]
        assert set(cluster["terms"][:3]) <= set(FRAMES[frame].split()) | {
            " ".join(p) for p in zip(FRAMES[frame].split(), FRAMES[frame].split()[1:])}
        assert "gadgetco" not in cluster["terms"] and "ruling" not in cluster["terms"]  # the topic
        assert cluster["label"] == ", ".join(cluster["terms"][:3])
        assert result.cluster_of[cluster["typical_article_id"]] == cluster["id"]
    assert [c["size"] for c in result.clusters] == [12, 12, 12]
    assert [c["id"] for c in result.clusters] == [0, 1, 2]


def test_map_coordinates_separate_frames():
    ids, vectors, texts, truth = _framed_corpus(10, seed=1)
    result = cluster_articles(ids, vectors, texts)
    xy = np.array([result.xy[i] for i in ids])
    assert xy.shape == (30, 2) and np.isfinite(xy).all()
    centres = [xy[[t == name for t in truth]].mean(axis=0) for name in FRAMES]
    spread = max(np.linalg.norm(xy[[t == name for t in truth]] - c, axis=1).max() for name, c in zip(FRAMES, centres))
    gap = min(np.linalg.norm(a - b) for i, a in enumerate(centres) for b in centres[i + 1:])
    assert gap > spread


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10])
def test_small_inputs_do_not_crash(n):
    rng = np.random.default_rng(n)
    ids = list(range(5, 5 + n))
    result = cluster_articles(ids, rng.normal(size=(n, 16)), [f"text number {i}" for i in ids])
    assert isinstance(result, ClusterResult)
    assert set(result.cluster_of) == set(ids) and set(result.xy) == set(ids)
    assert sum(c["size"] for c in result.clusters) == n
    if n < 3:
        assert len(result.clusters) == (1 if n else 0)
    for cluster in result.clusters:
        assert set(cluster) == {"id", "label", "terms", "typical_article_id", "size"}
        assert cluster["typical_article_id"] in ids


def test_identical_vectors_make_one_cluster():
    vectors = np.tile(np.arange(8.0), (6, 1))
    result = cluster_articles(list(range(6)), vectors, ["same words"] * 6)
    assert len(result.clusters) == 1 and set(result.cluster_of.values()) == {0}


def test_deterministic():
    ids, vectors, texts, _ = _framed_corpus(8, seed=2)
    first, second = cluster_articles(ids, vectors, texts), cluster_articles(ids, vectors.copy(), list(texts))
    assert first == second


def test_ten_thousand_articles_without_an_n_by_n_matrix():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(10_000, 384)).astype(np.float32)
    texts = [f"word{i % 50} common text" for i in range(10_000)]
    result, peak_mb = traced_peak_mb(cluster_articles, list(range(10_000)), vectors, texts)
    assert peak_mb < 300  # one 10,000 x 10,000 float64 matrix alone would be 800 MB (time: benchmarks/bench_scale.py)
    assert len(result.cluster_of) == 10_000 and 2 <= len(result.clusters) <= 10


# --------------------------------------------------------------------------- talking points

def _near(rng, direction, scale=0.15):
    v = direction + rng.normal(scale=scale, size=direction.shape)
    return v / np.linalg.norm(v)


def test_talking_points_from_fake_vectors():
    rng = np.random.default_rng(0)
    dim = 48
    topic, appeal, rare = (rng.normal(size=dim) for _ in range(3))
    topic, appeal, rare = (d / np.linalg.norm(d) for d in (topic, appeal, rare))
    items, vectors = [], []
    for article in range(10):
        items.append((article, f"A judge ruled against GadgetCo in case number {article}."))
        vectors.append(_near(rng, topic, 0.05))        # every article: the topic itself
        if article < 4:
            items.append((article, f"GadgetCo plans to appeal the decision soon, version {article}."))
            vectors.append(_near(rng, appeal, 0.05))   # four articles: a talking point
        if article < 2:
            items.append((article, f"Only two outlets mention this particular detail {article}."))
            vectors.append(_near(rng, rare, 0.05))     # two articles: below min_articles
        for k in range(3):
            items.append((article, f"Unrelated filler sentence {article} {k} with words."))
            vectors.append(_near(rng, rng.normal(size=dim), 0.01))
    points = discover_talking_points(items, np.array(vectors), min_articles=3)
    assert len(points) == 1
    assert points[0]["article_ids"] == [0, 1, 2, 3]
    assert points[0]["sentence"].startswith("GadgetCo plans to appeal")
    assert points[0]["id"].startswith("tp-") and points[0]["label"]
    assert discover_talking_points(items, np.array(vectors), min_articles=3) == points
    keys = [sentence_key(sentence) for _, sentence in items]  # as the pipeline passes them
    assert discover_talking_points(items, np.array(vectors), min_articles=3, keys=keys) == points


def test_talking_points_edge_cases():
    assert discover_talking_points([], np.zeros((0, 8))) == []
    items = [(1, "Too short."), (2, "Also short.")]
    assert discover_talking_points(items, np.ones((2, 8))) == []


def test_talking_points_scale_without_quadratic_memory():
    rng = np.random.default_rng(1)
    n = 200_000
    vectors = rng.normal(size=(n, 24)).astype(np.float32)
    items = [(i // 20, f"sentence {i} of a large synthetic corpus here") for i in range(n)]
    points, peak_mb = traced_peak_mb(discover_talking_points, items, vectors)
    assert isinstance(points, list)
    assert peak_mb < 400  # measured ~220 MB; all pairs of 200,000 sentences would be 320 GB


def test_talking_point_linkage_equals_sklearns_average_linkage():
    """The matrix-product linkage partitions sentences exactly as sklearn's cosine average linkage."""
    from sklearn.cluster import AgglomerativeClustering

    from analysis.clusters import TP_LINK_DISTANCE, _sentence_centroids

    rng = np.random.default_rng(4)
    centres = rng.normal(size=(30, 48))
    x = centres[rng.integers(0, 30, 900)] + 0.3 * rng.normal(size=(900, 48))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                     distance_threshold=TP_LINK_DISTANCE).fit(x).labels_
    expected = [x[labels == c].mean(axis=0) for c in np.unique(labels) if (labels == c).sum() >= 2]
    expected = np.vstack(expected) / np.linalg.norm(np.vstack(expected), axis=1, keepdims=True)
    got = _sentence_centroids(x, seed=0)
    assert len(got) == len(expected) > 10
    order = lambda m: m[np.lexsort(m.T[::-1])]  # noqa: E731 - rows in a canonical order
    np.testing.assert_allclose(order(got), order(expected), atol=1e-5)


@pytest.fixture(scope="module")
def encode():
    from tests.test_embed import real_embedder

    model = real_embedder()
    return lambda texts: np.asarray(model.encode(texts))


def test_talking_points_with_the_model_find_paraphrases(encode):
    articles = {
        1: ["GadgetCo said it would appeal the ruling to the circuit court.",
            "Cloudhaven suspended the app after threats against council members.",
            "The company has about two million users in the region."],
        2: ["GadgetCo says it will appeal the judge's decision.",
            "Shares of Cloudhaven's parent rose slightly in morning trading.",
            "Quill has served on the federal bench for three decades."],
        3: ["Lawyers for GadgetCo said they would challenge the ruling on appeal.",
            "Critics called the suspension an act of corporate censorship.",
            "The council thanked police for investigating the threats."],
        4: ["GadgetCo said it was disappointed by the ruling.",  # same actor, another point
            "A bakery in Tessmoor reopened after a month of renovations.",
            "The weather service expects heavy rain over the weekend."],
    }
    items = [(a, s) for a, sentences in articles.items() for s in sentences]
    points = discover_talking_points(items, encode([s for _, s in items]), min_articles=3)
    assert len(points) == 1 and points[0]["article_ids"] == [1, 2, 3]
    assert "appeal" in points[0]["sentence"]
