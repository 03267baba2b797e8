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


# --------------------------------------------------------------------------- framing representation

def _framing_case(groups: list[tuple[int, dict, str, str]], dim: int = 32, seed: int = 0):
    """Articles from (count, features present, language, lean) groups: payloads, sentence
    vectors (a strong per-language direction + a weak per-feature one) and the Framing."""
    from analysis import representation as rep
    from analysis.clusters import Framing

    rng = np.random.default_rng(seed)
    columns = [rep.Column("feature:appointing_president", "feature", "Names the appointing president"),
               rep.Column("feature:big_tech", "feature", "Says 'Big Tech'"),
               rep.Column("feature:violent_posts", "feature", "Leads with the violent posts"),
               rep.Column("stance:critical", "stance", "Critical"), rep.Column("stance:neutral", "stance", "Neutral")]
    language_dirs = {lang: rng.normal(size=dim) * 3 for lang in ("en", "es", "de")}
    feature_dirs = {c.key.split(":")[1]: rng.normal(size=dim) for c in columns[:3]}
    payloads, vectors, languages, leans = [], [], [], []
    for count, present, lang, lean in groups:
        for _ in range(count):
            features = {k: {"present": bool(present.get(k))} for k in feature_dirs}
            stance = "critical" if present.get("big_tech") else "neutral"
            payloads.append({"features": features, "stance": {"label": stance}, "evaluated": True})
            v = language_dirs[lang] + sum(feature_dirs[k] for k in feature_dirs if present.get(k))
            vectors.append(v + rng.normal(scale=0.2, size=dim))
            languages.append(lang)
            leans.append(lean)
    sentences = rep.remove_language(np.array(vectors), languages)
    table = rep.detector_table(payloads, columns)
    framing = Framing(table, rep.impute(table.values, sentences), leans, languages)
    return rep.combine(table, sentences), framing, payloads


def test_removing_the_language_direction_puts_the_same_framing_together():
    from analysis.representation import remove_language

    rng = np.random.default_rng(3)
    framing = {name: rng.normal(size=24) for name in ("president", "violence")}
    language = {lang: rng.normal(size=24) * 5 for lang in ("en", "es")}
    rows = [(lang, name) for lang in language for name in framing for _ in range(4)]
    raw = np.array([language[lang] + framing[name] + rng.normal(scale=0.1, size=24) for lang, name in rows])
    cos = lambda a, b: float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))  # noqa: E731
    same_frame_other_language = (0, 8)    # en/president vs es/president
    same_language_other_frame = (0, 4)    # en/president vs en/violence
    assert cos(*raw[list(same_frame_other_language)]) < cos(*raw[list(same_language_other_frame)])
    fixed = remove_language(raw, [lang for lang, _ in rows])
    assert cos(*fixed[list(same_frame_other_language)]) > 0.9
    assert cos(*fixed[list(same_language_other_frame)]) < 0


def test_unread_articles_take_their_neighbours_detector_values():
    from analysis.representation import impute

    values = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [np.nan, np.nan]])
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.95, 0.05]])
    filled = impute(values, vectors)
    assert filled[3, 0] == pytest.approx(2 / 3) and filled[3, 1] == pytest.approx(1 / 3)  # 3 nearest
    assert np.array_equal(filled[:3], values[:3])
    assert np.array_equal(impute(np.full((2, 2), np.nan), vectors[:2]), np.zeros((2, 2)))  # nothing read


def test_clusters_are_named_by_what_distinguishes_them_across_languages():
    groups = [(5, {"appointing_president": 1, "big_tech": 1}, "en", "right"),
              (2, {"appointing_president": 1, "big_tech": 1}, "es", "right"),
              (5, {"violent_posts": 1}, "en", "left"), (2, {"violent_posts": 1}, "de", "lean-left")]
    x, framing, _ = _framing_case(groups)
    ids = list(range(len(x)))
    result = cluster_articles(ids, x, ["texto de la nota"] * len(ids), framing=framing)
    assert len(result.clusters) == 2
    by_cluster = {c["id"]: c for c in result.clusters}
    president = by_cluster[result.cluster_of[0]]
    violence = by_cluster[result.cluster_of[7]]
    assert {result.cluster_of[i] for i in range(7)} == {president["id"]}   # English and Spanish together
    assert {result.cluster_of[i] for i in range(7, 14)} == {violence["id"]}
    assert president["label"] == "Names the appointing president · Says 'Big Tech' · Critical"
    assert violence["label"] == "Leads with the violent posts · Neutral"
    assert president["leans"] == {"right": 7} and violence["leans"] == {"lean-left": 2, "left": 5}
    assert president["distinguishing"][0]["share"] == 1.0 and president["distinguishing"][0]["rest_share"] == 0.0
    assert "Names the appointing president" in result.axes["x"]["high"] + result.axes["x"]["low"]


@pytest.mark.parametrize("n", [1, 8])
def test_small_framing_sets_give_a_sensible_answer(n):
    half = max(1, n // 2)
    groups = [(half, {"appointing_president": 1}, "en", "right")] + \
        ([(n - half, {"violent_posts": 1}, "en", "left")] if n > 1 else [])
    x, framing, _ = _framing_case(groups, seed=n)
    ids = list(range(100, 100 + n))
    result = cluster_articles(ids, x, ["a few words here"] * n, framing=framing)
    assert set(result.cluster_of) == set(ids) and sum(c["size"] for c in result.clusters) == n
    if n == 1:
        assert len(result.clusters) == 1 and result.clusters[0]["typical_article_id"] == 100
        assert "Names the appointing president" in result.clusters[0]["label"]
    else:
        assert len(result.clusters) == 2
        # both clusters are neutral: the stance tells them apart no better than nothing, so it
        # stays in `stance` and leaves the labels (the 14-article case above keeps differing ones)
        assert sorted(c["label"] for c in result.clusters) == [
            "Leads with the violent posts", "Names the appointing president"]
        assert {c["stance"] for c in result.clusters} == {"Neutral"}
    assert cluster_articles(ids, x, ["a few words here"] * n, framing=framing) == result  # deterministic


@pytest.mark.parametrize("lang, text, content", [
    ("es", "el juez de la corte dijo que la plataforma de la empresa no tiene razón para los usuarios", "plataforma"),
    ("pt", "o juiz da corte disse que a plataforma da empresa não tem razão para os usuários", "plataforma"),
    ("de", "der Richter des Gerichts sagte, dass die Plattform der Firma nicht mit den Nutzern sprach", "plattform"),
    ("fr", "le juge de la cour a dit que la plateforme de la société ne pas est pour les utilisateurs", "plateforme"),
    ("it", "il giudice della corte ha detto che la piattaforma della società non è per gli utenti", "piattaforma"),
])
def test_word_labels_drop_the_stop_words_of_every_language(lang, text, content):
    from analysis.clusters import _cluster_terms
    from analysis.stopwords import stopwords_for
    from analysis.words import tokenize

    from collections import Counter

    bags = [Counter(tokenize(text, bigrams=True))] * 3 + [Counter(tokenize("unrelated english filler words", True))] * 3
    labels = np.array([0, 0, 0, 1, 1, 1])
    plain = _cluster_terms(labels, bags)[0]
    cleaned = _cluster_terms(labels, bags, stopwords_for(["en", lang]))[0]
    stop = stopwords_for([lang])
    assert any(w in stop for t in plain for w in t.split())  # English-only stop words leave "de", "la", "der"...
    assert cleaned and not any(w in stop for t in cleaned for w in t.split())
    assert content in " ".join(cleaned)


def test_the_demo_clusters_separate_articles_naming_the_appointing_president(demo_db):
    """Among the articles the detectors read, those naming the judge's appointing president sit
    in clusters whose label says so, and those clusters are mostly such articles."""
    import json
    from pathlib import Path

    from framelens.store import Store

    gold = json.loads((Path(__file__).resolve().parent.parent / "data/demo/labels.json").read_text())
    with Store(demo_db, readonly=True) as store:
        results, story = store.article_results("demo"), store.story_results("demo")
        urls = {a["id"]: a["url"] for a in store.articles("demo")}
    labels = {c["id"]: c["label"] for c in story["clusters"]}
    names_it = {c for c, label in labels.items() if "appointing president" in label}
    assert names_it, labels
    read = [(aid, p) for aid, p in results.items() if p.get("evaluated") and urls[aid] in gold]
    ap = {aid: gold[urls[aid]]["features"]["appointing_president"] for aid, _ in read}
    for aid, p in read:
        assert (p["cluster"] in names_it) == ap[aid] or (not ap[aid] and p["cluster"] in names_it), (aid, p["cluster"])
    for c in names_it:
        members = [ap[aid] for aid, p in read if p["cluster"] == c]
        assert sum(members) / len(members) >= 2 / 3, (labels[c], members)
    assert all(p["cluster"] in names_it for aid, p in read if ap[aid])


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
