"""The analysis run end to end: stored shapes, determinism, incrementality, languages, export, CLI, demo."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from analysis.embed import HashingEmbedder
from presentation.export import write_articles_json
from analysis.pipeline import DEFAULT_STAGES, run_analysis
from framelens.records import ArticleRecord
from framelens.stories import load_story
from framelens.store import Store
from tests.test_embed import real_embedder

ROOT = Path(__file__).resolve().parent.parent

KETTLE_STORY = textwrap.dedent("""\
    title: The Kettle ruling
    description: A fictional ruling used by the analysis pipeline tests.
    dates: {start: 2024-05-01, end: 2024-05-20}
    query: {keywords: [kettle ruling]}
    primary_source: {path: kettle-order.txt, title: Order in Brewline v. Kettlehost}
    actors:
      brewline: {label: Brewline, aliases: [Brewline Inc.]}
      kettlehost: {label: Kettlehost, aliases: [Kettlehost Cloud]}
    features:
      - id: names_judge
        label: Names the judge
        patterns: ['\\bJudge Ada Quill\\b']
        prototypes: [The ruling was written by Judge Ada Quill.]
      - id: mentions_outage
        label: Mentions the outage
        patterns: ['\\boutage\\b']
        prototypes: [The service went dark for a week.]
    frames:
      - {id: legal, label: Legal, patterns: ['\\bcourt\\b', '\\bmotion\\b', '\\birreparable harm\\b']}
      - {id: business, label: Business, patterns: ['\\bshares?\\b', '\\binvestors?\\b', '\\banalysts?\\b']}
      - {id: other, label: Other}
    stance:
      target: the ruling
      labels:
        critical: {label: Critical, patterns: ['\\boutrageous\\b']}
        neutral: {label: Neutral}
        supportive: {label: Supportive, patterns: ['\\bright call\\b']}
    descriptors:
      brewline:
        - {id: upstart, label: upstart, patterns: ['\\bupstart\\b']}
    key_facts:
      - {id: denied, label: Motion denied, statement: The court denied the motion., patterns: ['\\bdenied\\b']}
    """)
ORDER = ("ORDER DENYING MOTION FOR A PRELIMINARY INJUNCTION\n\n"
         "The motion is denied because Brewline has not shown irreparable harm. Kettlehost may keep its servers "
         "offline while the case proceeds. The Court expresses no view on the merits of the remaining claims.")
WIRE = ("Judge Ada Quill denied Brewline's motion on Tuesday. Brewline, an upstart brewing app, had asked the court "
        "to order Kettlehost to restore its servers after a week-long outage. \"The motion is denied because Brewline "
        "has not shown irreparable harm,\" the judge wrote. Kettlehost said it was pleased with the decision.")
# (url, outlet domain, title, text, role, language given by the source)
ARTICLES = [
    ("https://court.example/brewline-v-kettlehost/order.pdf", "court.example", "Order in Brewline v. Kettlehost",
     ORDER, "primary_source", "en"),
    ("https://middle.example/wire/brewline-motion-denied", "middle.example",
     "Judge denies Brewline motion against Kettlehost", WIRE, "article", ""),
    ("https://leftside.example/news/brewline-loses-hosting-case", "leftside.example",
     "Brewline loses its hosting case", WIRE, "article", ""),
    ("https://rightway.example/opinion/an-outrageous-ruling", "rightway.example", "Opinion: An outrageous ruling",
     "This outrageous ruling leaves every small company at the mercy of its host. Brewline did nothing to deserve a "
     "week in the dark, and its investors deserve better than a judge who shrugs.", "article", ""),
    ("https://leftside.example/business/brewline-shares-slide", "leftside.example",
     "Brewline shares slide after court loss",
     "Shares in Brewline fell 8 percent on Wednesday after the court denied its motion. Investors worry that the "
     "outage will drive customers to rival apps. One analyst called the decision the right call for Kettlehost.",
     "article", ""),
    ("https://middle.example/de/brewline-antrag-abgelehnt", "middle.example",
     "Richterin weist Antrag von Brewline ab",
     "Eine Bundesrichterin hat am Dienstag den Eilantrag des Unternehmens Brewline abgelehnt. Der Anbieter Kettlehost "
     "muss die Server der App nicht wieder einschalten, entschied das Gericht. Brewline kündigte an, weiter zu "
     "kämpfen, und sprach von einem schweren Schlag für kleine Firmen.", "article", ""),
]
APPEAL = ("https://rightway.example/news/brewline-plans-appeal", "rightway.example", "Brewline plans an appeal",
          "The company will ask a higher court to hear its case next month. Its founders have hired a new legal team.",
          "article", "")

CONTRACT_KEYS = {"url", "outlet", "domain", "lean", "lean_rater", "lean_as_of", "found_on", "title", "published",
                 "language", "role", "features", "frame", "stance", "genre", "descriptors", "key_facts", "quotes",
                 "syndication_group", "cluster", "x", "y"}
PAYLOAD_KEYS = {"features", "frame", "stance", "genre", "descriptors", "descriptor_evidence", "key_facts", "quotes",
                "syndication_group", "syndication_original", "cluster", "x", "y", "language", "evaluated"}
STORY_RESULTS = {"provenance", "clusters", "talking_points", "quote_passages", "syndication", "term_counts",
                 "words_left_right"}


@pytest.fixture
def kettle(stories_dir):
    (stories_dir / "kettle.yaml").write_text(KETTLE_STORY, encoding="utf-8")
    (stories_dir / "kettle-order.txt").write_text(ORDER, encoding="utf-8")
    return load_story("kettle")


def fill(store: Store, registry, rows=ARTICLES, story_id: str = "kettle") -> list[int]:
    """Register the fictional outlets and store the rows; returns the article ids in row order."""
    store.upsert_outlets(o.row() for o in registry.outlets.values())
    ids = []
    for day, (url, domain, title, text, role, language) in enumerate(rows):
        rec = ArticleRecord(url=url, text=text, title=title, role=role, language=language,
                            published=datetime(2024, 5, 7 + day, 9, 0, tzinfo=timezone.utc))
        status, article_id = store.add_article(story_id, rec, url, domain)
        assert status == "new"
        ids.append(article_id)
    return ids


class CountingEmbedder:
    """The hashing stand-in, recording every text it is asked to encode."""

    def __init__(self):
        self.inner, self.name, self.seen = HashingEmbedder(), HashingEmbedder.name, []

    def encode(self, texts):
        self.seen.extend(texts)
        return self.inner.encode(texts)


def export(store: Store, story, out: Path) -> bytes:
    out.mkdir(parents=True, exist_ok=True)
    return write_articles_json(store, story, out).read_bytes()


# ---------------------------------------------------------------- stored results

def test_results_are_stored_in_the_documented_shapes(kettle, store, registry):
    ids = fill(store, registry)
    summary = run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
    assert summary["articles"] == len(ARTICLES) and summary["sentences_encoded"] > 0
    peaks = summary["peak_rss_mb"]  # the process's high-water mark after each stage: where memory peaked
    assert list(peaks) == [*summary["timings"], "save"]
    assert all(isinstance(p, int) and p > 0 for p in peaks.values()) and list(peaks.values()) == sorted(peaks.values())
    results = store.article_results("kettle")
    assert set(results) == set(ids)
    for payload in results.values():
        assert set(payload) >= PAYLOAD_KEYS
        assert set(payload["features"]) == {"names_judge", "mentions_outage"}
        assert set(payload["key_facts"]) == {"denied"}
        assert set(payload["frame"]["scores"]) == {"legal", "business", "other"}
        assert set(payload["descriptors"]) == set(payload["descriptor_evidence"]) == {"brewline"}

    order, wire, copy, opinion, business, german = (results[i] for i in ids)
    assert wire["features"]["names_judge"] == {"present": True, "score": 1.0,
                                               "evidence": ["Judge Ada Quill denied Brewline's motion on Tuesday."]}
    assert wire["key_facts"]["denied"]["present"] is True and "score" not in wire["key_facts"]["denied"]
    assert wire["descriptors"] == {"brewline": ["upstart"]}
    assert wire["frame"]["primary"] == "legal" and business["frame"]["primary"] == "business"
    assert opinion["stance"]["label"] == "critical" and opinion["stance"]["evidence"]
    assert wire["stance"]["label"] == "neutral"
    assert opinion["genre"]["label"] == "opinion" and wire["genre"] == {"label": "news", "source": "text", "evidence": []}
    assert business["stance"]["label"] == "neutral"  # "the right call" is an analyst's, not the author's
    assert {q["fidelity"] for q in wire["quotes"]} == {"exact"}
    assert wire["quotes"][0]["source_passage"].startswith("The motion is denied because Brewline")
    assert wire["syndication_group"] and wire["syndication_group"] == copy["syndication_group"]
    assert [wire["syndication_original"], copy["syndication_original"]] == [True, False]
    assert opinion["syndication_group"] is None and german["syndication_group"] is None

    story_results = store.story_results("kettle")
    assert set(story_results) >= STORY_RESULTS
    provenance = story_results["provenance"]
    assert provenance["model"] == "hashing-256" and provenance["story_file_hash"] == kettle.file_hash
    assert provenance["analysis_version"] and provenance["article_count"] == len(ARTICLES)
    assert set(provenance["content_hashes"]) == {str(i) for i in ids}
    assert [g["article_ids"] for g in story_results["syndication"]] == [[ids[1], ids[2]]]
    assert story_results["quote_passages"]["passages"]
    for cluster in story_results["clusters"]:
        assert {"id", "label", "terms", "typical_article_id", "size"} <= set(cluster)


def test_an_article_in_another_language_is_not_evaluated(kettle, store, registry):
    ids = fill(store, registry)
    run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
    results = store.article_results("kettle")
    german = results[ids[-1]]
    assert german["language"] == "de" and german["evaluated"] is False
    assert all(f["present"] is None for f in german["features"].values())
    assert all(f["present"] is None for f in german["key_facts"].values())
    for i in ids[:-1]:
        assert results[i]["evaluated"] is True and results[i]["language"] in ("en", "")
        assert all(isinstance(f["present"], bool) for f in results[i]["features"].values())
    assert store.story_result("kettle", "provenance").get("not_evaluated", [ids[-1]]) == [ids[-1]]


# ---------------------------------------------------------------- determinism and incrementality

def test_two_fresh_databases_give_byte_identical_exports(kettle, registry, tmp_path):
    exports = []
    for name in ("first", "second"):
        with Store(str(tmp_path / f"{name}.db")) as store:
            fill(store, registry)
            run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
            exports.append(export(store, kettle, tmp_path / name))
            run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)  # again, all from the cache
            assert export(store, kettle, tmp_path / f"{name}-again") == exports[-1]
    assert exports[0] == exports[1]
    assert len(json.loads(exports[0])) == len(ARTICLES)


def test_each_sentence_vector_is_held_once(kettle, store, registry):
    """Articles' sentence vectors are rows of the bank taken on demand, and the lookup views
    of the same array: 10,000 articles keep one copy of each vector, not three."""
    from analysis.embed import CachedEmbedder
    from analysis.pipeline import Context, EmbedStage, LoadStage, SentenceStage, _ItemVectors

    fill(store, registry)
    ctx = Context(kettle, store, CachedEmbedder(HashingEmbedder(), store), registry, model=HashingEmbedder.name)
    for stage in (LoadStage, SentenceStage, EmbedStage):
        stage().run(ctx)
    bank = ctx.bank.vectors
    for doc in ctx.all_docs:
        assert doc._vecs is None and np.shares_memory(doc._table, bank)
        assert np.array_equal(doc.vecs, np.vstack([ctx.lookup[s] for s in doc.sentences]))
    assert all(np.shares_memory(v, bank) for t, v in ctx.lookup.items() if t in ctx.bank.index)
    stacked = np.vstack([d.vecs for d in ctx.docs])
    rows = np.random.default_rng(0).permutation(len(stacked))[:7]
    assert np.array_equal(_ItemVectors(ctx.docs)[rows], stacked[rows]) and len(_ItemVectors(ctx.docs)) == len(stacked)
    ctx.docs[0].vecs = np.ones((2, 3), np.float32)  # set outright: no longer a view of the bank
    assert ctx.docs[0].vecs.shape == (2, 3) and ctx.docs[0]._table is None


def test_chunks_go_shortest_first_and_every_vector_stays_with_its_text(kettle, store, registry, monkeypatch):
    from analysis import pipeline

    calls: list[list[str]] = []

    class Recording(HashingEmbedder):
        def encode(self, sentences):
            calls.append(list(sentences))
            return super().encode(sentences)

    monkeypatch.setattr(pipeline, "ENCODE_CHUNK", 5)
    ctx = pipeline.Context(kettle, store, Recording(), registry, model="hashing-256")
    texts = [f"{'long ' * (i % 7)}sentence {i}" for i in range(23)]
    ticks: list[int] = []
    ctx.progress = lambda stage, done, total: ticks.append(done)
    out = pipeline._encode_in_chunks(ctx, texts)
    assert np.array_equal(out, HashingEmbedder().encode(texts))
    assert [len(c) for c in calls] == [5, 5, 5, 5, 3] and ticks == [0, 5, 10, 15, 20, 23]
    flat = [len(t) for c in calls for t in c]
    assert flat == sorted(flat)


def test_adding_one_article_embeds_only_its_new_sentences(kettle, store, registry):
    fill(store, registry)
    first = CountingEmbedder()
    summary = run_analysis(store, kettle, embedder=first, registry=registry)
    assert summary["sentences_encoded"] == len(set(first.seen)) > 0
    again = CountingEmbedder()
    assert run_analysis(store, kettle, embedder=again, registry=registry)["sentences_encoded"] == 0
    assert again.seen == []

    fill(store, registry, rows=[APPEAL])
    later = CountingEmbedder()
    summary = run_analysis(store, kettle, embedder=later, registry=registry)
    new_sentences = ["Brewline plans an appeal", "The company will ask a higher court to hear its case next month.",
                     "Its founders have hired a new legal team."]
    assert summary["sentences_encoded"] == 3 and sorted(later.seen) == sorted(new_sentences)
    assert len(store.article_results("kettle")) == len(ARTICLES) + 1


def test_an_incremental_run_reuses_unchanged_results_and_equals_a_fresh_run(kettle, registry, tmp_path):
    """Detect and quote results of unchanged articles come from the last run; the export is
    byte-identical to analysing the same corpus in a fresh database."""
    with Store(str(tmp_path / "grown.db")) as store:
        fill(store, registry)
        first = run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
        assert first["reused"] == {"detect": 0, "quotes": 0}
        fill(store, registry, rows=[APPEAL])
        second = run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
        n_articles = sum(1 for row in ARTICLES if row[4] == "article")
        assert second["reused"] == {"detect": len(ARTICLES), "quotes": n_articles}
        # Sentences, shingles and term counts of the unchanged articles, and the verdicts on
        # pairs of them (the two wire copies at least), came from the store too.
        assert second["kept"]["text"] == len(ARTICLES) and second["kept"]["terms"] == n_articles
        assert second["kept"]["pair"] >= 1
        grown = export(store, kettle, tmp_path / "grown")
    with Store(str(tmp_path / "fresh.db")) as store:
        fill(store, registry)
        fill(store, registry, rows=[APPEAL])
        run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
        assert export(store, kettle, tmp_path / "fresh") == grown


def _derived(store: Store) -> dict[str, dict[str, bytes]]:
    import sqlalchemy as sa

    from framelens.schema import derived

    out: dict[str, dict[str, bytes]] = {}
    with store.engine.connect() as conn:
        for kind, key, value in conn.execute(sa.select(derived.c.kind, derived.c.key, derived.c.value)):
            out.setdefault(kind, {})[key] = bytes(value)
    return out


def test_damaged_kept_work_is_redone_and_replaced(kettle, registry, tmp_path):
    """A kept value that does not read back (or a verdict that is not one) is computed again
    and overwritten; the results are those of a fresh database."""
    import sqlalchemy as sa

    from framelens.schema import derived

    with Store(str(tmp_path / "fresh.db")) as store:
        fill(store, registry)
        run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
        fresh = export(store, kettle, tmp_path / "fresh")
    with Store(str(tmp_path / "damaged.db")) as store:
        fill(store, registry)
        run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
        good = _derived(store)
        assert set(good) == {"text", "terms", "pair"}
        bad = {"text": b'{"s": ["one"], "t": true, "k": []}', "terms": b"{not json", "pair": b"maybe"}
        with store.engine.begin() as conn:
            for kind, value in bad.items():
                conn.execute(sa.update(derived).where(derived.c.kind == kind).values(value=value))
        summary = run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
        assert summary["kept"] == {"text": 0, "terms": 0, "pair": 0}
        assert _derived(store) == good
        assert export(store, kettle, tmp_path / "damaged") == fresh
        again = run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
        assert again["kept"]["text"] == len(ARTICLES) and again["kept"]["pair"] == len(good["pair"])


def test_an_edited_article_is_split_and_counted_again(kettle, store, registry):
    import sqlalchemy as sa

    from framelens.schema import articles

    ids = fill(store, registry)
    run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
    with store.engine.begin() as conn:
        conn.execute(sa.update(articles).where(articles.c.id == ids[-1]).values(
            text="Shares in Brewline recovered on Thursday. Analysts now expect an appeal."))
    summary = run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
    assert summary["kept"]["text"] == len(ARTICLES) - 1
    assert summary["kept"]["terms"] == sum(1 for row in ARTICLES if row[4] == "article") - 1
    edited = store.article_results("kettle")[ids[-1]]  # was German, not evaluated
    assert edited["evaluated"] is True and edited["frame"]["primary"] == "business"


def test_a_changed_story_file_or_model_recomputes_every_article(kettle, stories_dir, store, registry):
    fill(store, registry)
    run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
    other_model = CountingEmbedder()
    other_model.name = "another-model"
    assert run_analysis(store, kettle, embedder=other_model, registry=registry)["reused"] == {"detect": 0, "quotes": 0}
    path = stories_dir / "kettle.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    edited = load_story("kettle")
    assert edited.file_hash != kettle.file_hash
    assert run_analysis(store, edited, embedder=other_model, registry=registry)["reused"] == {"detect": 0, "quotes": 0}


def test_an_edited_evaluative_lexicon_recomputes_every_article(kettle, store, registry, monkeypatch):
    from analysis import pipeline

    fill(store, registry)
    run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
    assert run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)["reused"]["detect"] == len(ARTICLES)
    monkeypatch.setattr(pipeline, "lexicon_hash", lambda: "another lexicon")  # stances depend on its words
    assert run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)["reused"] == {"detect": 0, "quotes": 0}


def test_incremental_with_the_real_model(kettle, store, registry):
    fill(store, registry, rows=ARTICLES[:3])
    model = real_embedder()
    first = run_analysis(store, kettle, embedder=model, registry=registry)
    fill(store, registry, rows=[APPEAL])
    second = run_analysis(store, kettle, embedder=model, registry=registry)
    assert first["sentences_encoded"] > 10 and second["sentences_encoded"] == 3
    assert store.story_result("kettle", "provenance")["model"] == "all-MiniLM-L6-v2"


# ---------------------------------------------------------------- the export contract

def _is_float(v) -> bool:
    return isinstance(v, float)


def test_articles_json_follows_the_contract(kettle, store, registry, tmp_path):
    fill(store, registry)
    run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
    records = json.loads(export(store, kettle, tmp_path / "out"))
    assert sorted(r["url"] for r in records) == sorted(row[0] for row in ARTICLES)
    assert {r["role"] for r in records} == {"article", "primary_source"}
    frames = {"legal", "business", "other"}
    for r in records:
        assert set(r) == CONTRACT_KEYS, r["url"]
        for key in ("url", "outlet", "domain", "lean", "title", "language"):
            assert isinstance(r[key], str), key
        datetime.fromisoformat(r["published"])
        assert r["role"] in ("article", "primary_source")
        assert set(r["features"]) == {"names_judge", "mentions_outage"}
        for f in r["features"].values():
            assert set(f) == {"present", "score", "evidence"}
            assert f["present"] in (True, False, None) and _is_float(f["score"])
            assert all(isinstance(s, str) for s in f["evidence"])
        assert set(r["frame"]) == {"primary", "scores", "evidence", "basis"} and r["frame"]["primary"] in frames
        assert all(isinstance(x, str) for x in r["frame"]["evidence"]) and isinstance(r["frame"]["basis"], str)
        assert set(r["genre"]) == {"label", "source", "evidence"}
        assert r["genre"]["label"] in (("news", "opinion") if r["role"] == "article" else ("news", "opinion", ""))
        assert set(r["frame"]["scores"]) == frames and all(_is_float(v) for v in r["frame"]["scores"].values())
        assert set(r["stance"]) == {"label", "score", "evidence"}
        assert r["stance"]["label"] in ("critical", "neutral", "supportive") and _is_float(r["stance"]["score"])
        assert r["descriptors"] == {"brewline": r["descriptors"]["brewline"]}
        assert set(r["descriptors"]["brewline"]) <= {"upstart"}
        assert set(r["key_facts"]) == {"denied"} and set(r["key_facts"]["denied"]) == {"present", "evidence"}
        for q in r["quotes"]:
            assert set(q) == {"text", "fidelity", "source_passage", "similarity"}
            assert q["fidelity"] in ("exact", "close", "altered", "not_in_source")
            assert isinstance(q["text"], str) and (q["source_passage"] is None or isinstance(q["source_passage"], str))
            assert _is_float(q["similarity"])
        assert r["syndication_group"] is None or isinstance(r["syndication_group"], str)
        assert isinstance(r["cluster"], int) and _is_float(r["x"]) and _is_float(r["y"])
    by_url = {r["url"]: r for r in records}
    wire = by_url[ARTICLES[1][0]]
    assert (wire["outlet"], wire["domain"], wire["lean"]) == ("Middle Post", "middle.example", "center")
    assert by_url[ARTICLES[-1][0]]["language"] == "de"


# ---------------------------------------------------------------- the command line

def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analysis", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_run_without_articles_fails_with_1(kettle, tmp_path):
    Store(str(tmp_path / "empty.db")).close()
    done = cli("run", "--story", "kettle", "--db", str(tmp_path / "empty.db"))
    assert done.returncode == 1 and "no articles" in done.stderr


def test_run_on_a_mistyped_database_path_creates_nothing(kettle, tmp_path):
    done = cli("run", "--story", "kettle", "--db", str(tmp_path / "typo" / "framelens.db"))
    assert done.returncode == 2 and "does not exist" in done.stderr
    assert not (tmp_path / "typo").exists()


def test_run_warns_when_there_is_no_primary_source(kettle, stories_dir, store, registry):
    """The story file's local primary source is gone and none was imported: the run still
    works, says why no quote could be checked, and records it in the provenance."""
    path = stories_dir / "kettle.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("primary_source:")), encoding="utf-8")
    fill(store, registry, rows=[r for r in ARTICLES if r[4] == "article"])
    store.close()
    done = cli("run", "--story", "kettle", "--db", str(store.db))
    assert done.returncode == 0, done.stderr
    assert "warning: no primary source for 'kettle'" in done.stderr
    with Store(str(store.db)) as again:
        assert again.story_result("kettle", "provenance")["primary_source"] is None
        assert again.story_result("kettle", "quote_passages") == {"source_article_id": None, "passages": []}


def test_an_unknown_story_is_a_usage_error(kettle, tmp_path):
    for command in (["run"], ["export", "--out", str(tmp_path / "out")]):
        done = cli(*command, "--story", "no-such-story", "--db", str(tmp_path / "x.db"))
        assert done.returncode == 2 and "no-such-story" in done.stderr


def test_bad_embedding_settings_are_usage_errors(kettle, tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMELENS_EMBED_PRECISION", "half")
    done = cli("run", "--story", "kettle", "--db", str(tmp_path / "x.db"))
    assert done.returncode == 2 and "FRAMELENS_EMBED_PRECISION must be one of auto, fp32, bf16" in done.stderr
    assert "Traceback" not in done.stderr
    monkeypatch.setenv("FRAMELENS_EMBED_PRECISION", "bf16")
    monkeypatch.setenv("FRAMELENS_EMBED_BACKEND", "onnx")
    done = cli("run", "--story", "kettle", "--db", str(tmp_path / "x.db"))
    assert done.returncode == 2 and "FRAMELENS_EMBED_BACKEND=onnx runs fp32 only" in done.stderr
    monkeypatch.setenv("FRAMELENS_EMBED_BACKEND", "gpu")
    done = cli("run", "--story", "kettle", "--db", str(tmp_path / "x.db"))
    assert done.returncode == 2 and "FRAMELENS_EMBED_BACKEND must be one of auto, onnx, torch" in done.stderr


def test_export_exit_codes(kettle, store, registry, tmp_path):
    db = str(store.db)
    fill(store, registry)
    done = cli("export", "--story", "kettle", "--db", db, "--out", str(tmp_path / "early"))
    assert done.returncode == 1 and "no analysis results" in done.stderr
    run_analysis(store, kettle, embedder=HashingEmbedder(), registry=registry)
    done = cli("export", "--story", "kettle", "--db", db, "--out", str(tmp_path / "bad"), "--format", "json,gif")
    assert done.returncode == 2 and "unknown format" in done.stderr
    (tmp_path / "a-file").write_text("keep me")
    done = cli("export", "--story", "kettle", "--db", db, "--out", str(tmp_path / "a-file"))
    assert done.returncode == 1 and "is a file, not a folder" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "a-file").read_text() == "keep me"
    done = cli("export", "--story", "kettle", "--db", db, "--out", str(tmp_path / "good"))
    assert done.returncode == 0, done.stderr
    assert len(json.loads((tmp_path / "good" / "articles.json").read_text())) == len(ARTICLES)


# ---------------------------------------------------------------- the bundled demo, end to end

def _quote_words(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def _f1(tp: int, fp: int, fn: int) -> float:
    return 1.0 if not (tp + fp + fn) else 2 * tp / (2 * tp + fp + fn)


def test_the_demo_corpus_matches_its_labels(tmp_path, monkeypatch):
    """Import with the CLI, analyse with the real model, compare with data/demo/labels.json.

    Measured when written: feature macro-F1 0.997 (35 English articles), key-fact macro-F1
    0.924 (lowest 0.84), primary frame 0.857, stance 0.889, syndication groups exact; of 91
    labelled quotations 90 found (none extra) and all 90 graded as labelled. The
    floors sit a little under that. Clusters and words are not scored here, so those
    stages are left out (the full command-line build of the demo runs them in tests/test_demo.py).
    """
    scored = [s for s in DEFAULT_STAGES
              if s.name in {"load", "sentences", "embed", "detect", "quotes", "syndication"}]
    monkeypatch.delenv("FRAMELENS_STORIES_DIR", raising=False)
    db = str(tmp_path / "demo.db")
    done = subprocess.run([sys.executable, "-m", "collectors", "import", "data/demo/articles.jsonl", "--story", "demo",
                           "--db", db], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    labels = json.loads((ROOT / "data" / "demo" / "labels.json").read_text(encoding="utf-8"))
    with Store(db) as store:
        run_analysis(store, load_story("demo"), embedder=real_embedder(), stages=scored)
        urls = {a["id"]: a["url"] for a in store.articles("demo", with_text=False)}
        results = {urls[i]: p for i, p in store.article_results("demo").items()}

    english = [u for u in labels if labels[u]["language"] == "en"]
    assert [u for u in labels if not results[u]["evaluated"]] == [u for u in labels if u not in english]

    def f1_by_item(kind: str) -> dict[str, float]:
        """Per-item F1 of one detector kind ('features', 'key_facts') over the English articles."""
        scores = {}
        for item in sorted(next(iter(labels.values()))[kind]):
            gold = [labels[u][kind][item] for u in english]
            found = [results[u][kind][item]["present"] for u in english]
            scores[item] = _f1(sum(g and p for g, p in zip(gold, found)), sum(p and not g for g, p in zip(gold, found)),
                               sum(g and not p for g, p in zip(gold, found)))
        return scores

    f1 = f1_by_item("features")
    assert sum(f1.values()) / len(f1) >= 0.95, f1
    assert min(f1.values()) >= 0.85, f1
    facts = f1_by_item("key_facts")
    assert sum(facts.values()) / len(facts) >= 0.88 and min(facts.values()) >= 0.75, facts
    labelled = found_quotes = graded_as_labelled = extra = 0
    for u in labels:
        quotes = {_quote_words(q["text"]): q["fidelity"] for q in results[u]["quotes"]}
        gold = {_quote_words(q["quote"]): q["fidelity"] for q in labels[u]["quotes"]}
        labelled += len(gold)
        found_quotes += len(gold.keys() & quotes.keys())
        graded_as_labelled += sum(quotes.get(q) == fidelity for q, fidelity in gold.items())
        extra += len(quotes.keys() - gold.keys())
    assert found_quotes >= 0.95 * labelled and extra <= 2, (labelled, found_quotes, extra)
    assert graded_as_labelled >= 0.95 * labelled, (labelled, graded_as_labelled)
    frame = sum(labels[u]["frame"] == results[u]["frame"]["primary"] for u in english) / len(english)
    stance = sum(labels[u]["stance"] == results[u]["stance"]["label"] for u in labels) / len(labels)
    assert frame >= 0.8 and stance >= 0.8, (frame, stance)

    def groups(rows: dict) -> list[list[str]]:
        found: dict[str, list[str]] = {}
        for u in sorted(labels):
            if rows[u]["syndication_group"]:
                found.setdefault(rows[u]["syndication_group"], []).append(u)
        return sorted(found.values())

    assert groups(results) == groups(labels)


def test_the_demo_labels_fit_the_corpus_and_the_story(monkeypatch):
    """labels.json's key facts are the demo story's, and each labelled quote is in its article
    (its ruling passage in the ruling), so the scores above compare like with like."""
    monkeypatch.delenv("FRAMELENS_STORIES_DIR", raising=False)
    labels = json.loads((ROOT / "data" / "demo" / "labels.json").read_text(encoding="utf-8"))
    rows = [json.loads(line) for line in (ROOT / "data" / "demo" / "articles.jsonl").read_text().splitlines()]
    texts = {r["url"]: r.get("text") or r.get("html") or "" for r in rows}
    ruling = (ROOT / "data" / "demo" / "ruling.txt").read_text(encoding="utf-8")
    facts = {k.id for k in load_story("demo").key_facts}
    assert set(labels) == {r["url"] for r in rows if r.get("role", "article") == "article"}
    for url, label in labels.items():
        assert set(label["key_facts"]) == facts, url
        for q in label["quotes"]:
            assert q["fidelity"] in {"exact", "close", "altered", "not_in_source"}, (url, q)
            assert q["quote"] in texts[url], (url, q["quote"])
            assert (q["source_passage"] is None) == (q["fidelity"] == "not_in_source"), (url, q)
            assert q["source_passage"] is None or q["source_passage"] in ruling, (url, q)
