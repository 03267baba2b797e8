"""Detectors: patterns vs prototypes, near-misses, attribution, stance and descriptors.

The matching rules are checked with a small story and a table of hand-made vectors (so
similarities are exact); the hard cases of issue 4 run the real parler-aws story with the
real model, through `run_analysis`, over short articles written for these tests.
"""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import numpy as np
import pytest

from analysis import detectors as det
from analysis.article import story_detectors
from analysis.pipeline import run_analysis
from framelens.records import ArticleRecord
from framelens.settings import STORIES_DIR
from framelens.stories import load_story
from framelens.store import Store
from tests.test_embed import real_embedder

PUBLISHED = datetime(2021, 1, 22, 12, 0, tzinfo=timezone.utc)


def add_articles(store: Store, story_id: str, articles: dict[str, tuple[str, str, str]]) -> dict[str, int]:
    """Store {slug: (url, title, text)} as English articles; returns slug -> article id."""
    ids = {}
    for slug, (url, title, text) in articles.items():
        rec = ArticleRecord(url=url, text=text, title=title, published=PUBLISHED, language="en")
        status, ids[slug] = store.add_article(story_id, rec, url, urlsplit(url).hostname)
        assert status == "new", slug
    return ids


def analyse(store: Store, story, articles: dict[str, tuple[str, str, str]], embedder) -> dict[str, dict]:
    ids = add_articles(store, story.id, articles)
    run_analysis(store, story, embedder=embedder)
    results = store.article_results(story.id)
    return {slug: results[i] for slug, i in ids.items()}


def present(payload: dict) -> set[str]:
    return {k for k, v in payload["features"].items() if v["present"]}


# ---------------------------------------------------------------- the rules, with exact vectors

RULES_STORY = textwrap.dedent("""\
    title: Rules
    dates: {start: 2024-05-01, end: 2024-05-20}
    query: {keywords: [rules]}
    features:
      - id: by_pattern
        label: Pattern with an exclusion
        patterns: ['\\bcarter appointee\\b']
        exclude_patterns: ['\\bsara carter\\b']
      - id: by_prototype
        label: Prototype with a near-miss
        prototypes: [PROTO]
        negative_prototypes: [NEAR_MISS]
        threshold: 0.6
    """)


class TableEmbedder:
    """Vectors from a table (unit length); any other text gets its own orthogonal direction."""

    name = "table"
    dim = 16

    def __init__(self, table: dict[str, tuple[float, float]]):
        self.table, self.spare = table, {}

    def encode(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            if text in self.table:
                out[row, :2] = self.table[text]
            else:
                out[row, 2 + self.spare.setdefault(text, len(self.spare) % (self.dim - 2))] = 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def rules(tmp_path, monkeypatch):
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "rules.yaml").write_text(RULES_STORY, encoding="utf-8")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(folder))
    return load_story("rules")


def test_patterns_prototypes_exclusions_and_near_misses(rules, store):
    margin = det.NEGATIVE_MARGIN
    table = {"PROTO": (1.0, 0.0), "NEAR_MISS": (0.0, 1.0),
             "Same as the prototype.": (1.0, 0.0),
             "Close to the prototype.": (0.8, 0.6),                   # cos 0.8 to PROTO, 0.6 to NEAR_MISS
             "Too far from the prototype.": (0.55, 0.835),            # below the 0.6 threshold
             "Closer to the near-miss.": (0.66, 0.75),                # above threshold, but nearer the near-miss
             "Within the margin.": (0.7075, 0.7075 - margin / 2)}     # not clearly closer to the prototype
    articles = {slug: (f"https://rules.example/{slug}", "", text) for slug, text in {
        "pattern": "The judge is a Carter appointee, critics said.",
        "excluded": "Sara Carter appointee lists were shared online.",
        "same": "Same as the prototype.",
        "close": "Close to the prototype.",
        "far": "Too far from the prototype.",
        "near_miss": "Closer to the near-miss.",
        "margin": "Within the margin.",
    }.items()}
    results = analyse(store, rules, articles, TableEmbedder(table))
    assert present(results["pattern"]) == {"by_pattern"}
    assert results["pattern"]["features"]["by_pattern"]["score"] == 1.0
    assert results["pattern"]["features"]["by_pattern"]["evidence"] == [articles["pattern"][2]]
    assert present(results["excluded"]) == set()
    assert present(results["same"]) == {"by_prototype"} and present(results["close"]) == {"by_prototype"}
    assert results["close"]["features"]["by_prototype"]["score"] == pytest.approx(0.8, abs=1e-3)
    assert results["close"]["features"]["by_prototype"]["evidence"] == ["Close to the prototype."]
    for slug in ("far", "near_miss", "margin"):
        assert present(results[slug]) == set(), slug
        assert results[slug]["features"]["by_prototype"]["evidence"] == []


# ---------------------------------------------------------------- issue 4's hard cases, real model

NEWS_TITLE = "Judge denies Parler's bid to force Amazon to restore its service"
CASES = {
    # appointing president: explicit, paraphrased, and the near-misses that must not count
    "carter_appointee": ("", "U.S. District Judge Barbara Rothstein, a Carter appointee, denied Parler's request."),
    "nominated_1979": ("", "Rothstein was nominated to the bench in 1979 by the 39th president."),
    "judgeship": ("", "Rothstein got her judgeship from Jimmy Carter."),
    "put_on_bench": ("", "The ruling came from a judge whom Jimmy Carter put on the federal bench decades ago."),
    "owes_her_seat": ("", "The judge owes her seat to Jimmy Carter."),
    "disappointed": ("", "Parler said it was disappointed by the ruling and would keep fighting in court."),
    "assigned": ("", "The case was assigned to U.S. District Judge Barbara Rothstein in Seattle."),
    "sara_carter": ("", "Sara Carter, a commentator, appointed herself the app's loudest defender."),
    # attribution: what a party claims is reported, so the feature is present
    "claims_collusion": ("", "Parler claims AWS colluded with Twitter."),
    "alleged_helping_twitter": ("", "Parler alleged that Amazon acted to protect Twitter, one of its biggest "
                                    "customers, by knocking a rival offline."),
    "contract_only": ("", "Parler said AWS broke its contract by giving it too little notice."),
    # stance: neutral news quoting critics stays neutral; the author's own voice counts
    "news_quoting_critics": (NEWS_TITLE, "A federal judge on Thursday denied Parler's request for a preliminary "
                             "injunction against Amazon Web Services. "
                             "\"This ruling is a chilling blow to free speech,\" "
                             "said Parler's lawyer. Critics of the decision called it outrageous and a dangerous "
                             "precedent. Amazon said it welcomed the ruling and called it the right call."),
    "opinion_critical": ("Opinion: The Parler ruling is a gift to Big Tech",
                         "This ruling is a chilling blow to free speech online. Once again a liberal judge has handed "
                         "the tech giants exactly what they wanted. Conservatives should be alarmed."),
    "opinion_supportive": ("Opinion: The court got the Parler case right",
                           "The judge made the right call. No business should be compelled to carry threats of "
                           "violence on its servers, and Parler's flimsy lawsuit never had much of a chance."),
    # descriptors, and descriptor words that belong to someone else
    "pro_trump": ("", "Parler, an app popular with Trump supporters, has been offline since Jan. 10."),
    "far_right": ("", "Parler, a far-right social network, sued Amazon on Jan. 11."),
    "styles_itself": ("", "Parler styles itself a free speech platform."),
    "twitter_alternative": ("", "Parler, a Twitter alternative, went dark after Amazon pulled its hosting."),
    "gab_far_right": ("", "Gab, a far-right site, welcomed new users while Parler stayed offline."),
    "tech_giant_is_amazon": ("", "Amazon, the tech giant, said it had warned Parler for weeks."),
    "plain_mention": ("", "Parler sued Amazon on Jan. 11 in federal court in Seattle."),
}
OPINION = {"opinion_critical", "opinion_supportive"}


@pytest.fixture(scope="module")
def hard(tmp_path_factory) -> dict[str, dict]:
    story = load_story(STORIES_DIR / "parler-aws.yaml")
    store = Store(str(tmp_path_factory.mktemp("hard") / "hard.db"))
    articles = {slug: (f"https://{'opinion' if slug in OPINION else 'news'}-desk.example/"
                       f"{'opinion/' if slug in OPINION else ''}{slug}", title, text)
                for slug, (title, text) in CASES.items()}
    try:
        yield analyse(store, story, articles, real_embedder())
    finally:
        store.close()


@pytest.mark.parametrize("slug", ["carter_appointee", "nominated_1979", "judgeship"])
def test_the_appointing_president_counts_when_named_or_paraphrased(hard, slug):
    feature = hard[slug]["features"]["appointing_president"]
    assert feature["present"] is True and feature["evidence"], feature


def test_a_paraphrase_counts_through_the_prototypes(hard):
    # No pattern of the story matches "got her judgeship from Jimmy Carter": the score is a similarity.
    feature = hard["judgeship"]["features"]["appointing_president"]
    assert feature["present"] is True and 0.72 <= feature["score"] < 1.0


@pytest.mark.parametrize("slug", ["put_on_bench", "owes_her_seat"])
def test_harder_paraphrases_of_the_appointing_president(hard, slug):
    # These score only 0.60-0.67 against the prototypes (under the 0.72 threshold); the
    # story's patterns for "Carter put ... on the bench" and "owes her seat to Carter" catch them.
    feature = hard[slug]["features"]["appointing_president"]
    assert feature["present"] is True and feature["score"] == 1.0


@pytest.mark.parametrize("slug", ["disappointed", "assigned", "sara_carter"])
def test_near_misses_of_the_appointing_president_do_not_count(hard, slug):
    feature = hard[slug]["features"]["appointing_president"]
    assert feature["present"] is False and feature["evidence"] == []


@pytest.mark.parametrize("slug", ["claims_collusion", "alleged_helping_twitter"])
def test_a_reported_claim_makes_the_feature_present(hard, slug):
    assert hard[slug]["features"]["antitrust_claim"]["present"] is True


def test_a_contract_claim_is_not_the_antitrust_claim(hard):
    assert hard["contract_only"]["features"]["antitrust_claim"]["present"] is False


def test_neutral_news_quoting_critics_stays_neutral(hard):
    payload = hard["news_quoting_critics"]
    assert payload["stance"]["label"] == "neutral", payload["stance"]
    assert "free_speech" in present(payload)  # the quoted words still frame the article


def test_an_opinion_in_the_authors_voice_counts(hard):
    critical, supportive = hard["opinion_critical"]["stance"], hard["opinion_supportive"]["stance"]
    assert critical["label"] == "critical" and critical["score"] < 0 and critical["evidence"]
    assert supportive["label"] == "supportive" and supportive["score"] > 0 and supportive["evidence"]


@pytest.mark.parametrize("slug, descriptor", [
    ("pro_trump", "pro_trump"), ("far_right", "far_right"),
    ("styles_itself", "free_speech"), ("twitter_alternative", "twitter_alternative"),
])
def test_descriptors_of_the_actor(hard, slug, descriptor):
    payload = hard[slug]
    assert payload["descriptors"]["parler"] == [descriptor]
    assert payload["descriptor_evidence"]["parler"][descriptor] == [CASES[slug][1]]


def test_a_descriptor_of_another_name_does_not_count(hard):
    assert hard["gab_far_right"]["descriptors"]["parler"] == []
    amazon = hard["tech_giant_is_amazon"]["descriptors"]
    assert amazon["aws"] == ["tech_giant"] and amazon["parler"] == []


def test_naming_an_actor_is_not_describing_it(hard):
    assert hard["plain_mention"]["descriptors"] == {"parler": [], "aws": [], "judge": []}
    assert present(hard["plain_mention"]) == set()


# ---------------------------------------------------------------- the labelled dev set

def test_the_dev_set_uses_the_storys_ids():
    """analysis/devset.jsonl (scored by benchmarks/bench_detectors.py) stays consistent with parler-aws."""
    story = load_story(STORIES_DIR / "parler-aws.yaml")
    features = {f.id for f in story.features}
    descriptors = {a: {d.id for d in ds} for a, ds in story.descriptors.items()}
    frames = {f.id for f in story.frames}
    rows = [json.loads(line) for line in (Path(__file__).resolve().parent.parent / "analysis" / "devset.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 60 and len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["outlet"].endswith(".example") and r["text"].strip(), r["id"]
        assert set(r["features"]) <= features, r["id"]
        assert all(set(ids) <= descriptors[actor] for actor, ids in r["descriptors"].items()), r["id"]
        assert r["stance"] in ("critical", "neutral", "supportive") and r.get("frame") in frames | {None}, r["id"]
        assert r.get("kind", "news") in ("news", "opinion"), r["id"]


def test_lower_cased_search_finds_the_same_sentences_as_case_insensitive_search():
    """Patterns without upper-case letters search lower-cased text; the others keep IGNORECASE."""
    sentences = ["A CARTER APPOINTEE ruled.", "Judge Quill, a Carter-appointed judge.", "No match here.",
                 "İstanbul and Straße carter", "GEWALTTÄTIGE BEITRÄGE", "\\S carter", "", "carter\tappointee"]
    sources = {r"\bcarter[- \s]appoint(ee|ed)\b": True, r"\S+ carter\b": True, r"\bCarter\b": False,
               r"(?P<Name>carter)": False, r"\N{LATIN SMALL LETTER SHARP S}": False, r"straße": False,
               r"gewalttätige[nr]? beiträge": True}
    for source, fast in sources.items():
        compiled = det._compile([source])
        expected = [bool(s) and any(p.search(s) for p in compiled) for s in sentences]
        lowered = det._for_lowered_text(compiled)
        assert (lowered is not None) == fast, source
        if lowered is not None:
            got = [bool(s) and any(p.search(s.lower()) for p in lowered) for s in sentences]
            assert got == expected, source
    none = np.zeros((0, 4), np.float32)
    matcher = det.Matcher(SimpleNamespace(id="x"), det._compile([r"\bcarter appointee\b"]), [], none, none, 0.6)
    bank = det.SentenceBank(sentences, np.eye(len(sentences), 4, dtype=np.float32))
    hits = det.score_bank([matcher], bank, centred=False)["x"].hit
    assert hits.tolist() == [True] + [False] * (len(sentences) - 1)


def test_required_words_are_found_from_the_pattern():
    """A pattern's search runs only on texts holding one of the strings every match needs."""
    assert det.needles(r"\bcarter[- ](appointee|appointed|nominee|judge)\b") == ("carter",)
    assert det.needles(r"\b(seat|bench|job) to (president )?carter\b") == ("carter",)  # the longest need
    assert det.needles(r"(?:\bviolent (content|posts?)\b)|(?:\bposts?\b.{0,40}\bviolen(t|ce)\b)") == \
        ("violen", "violent ")  # one of each branch
    assert det.needles(r"\b(ordered|orders) (the )?(restoration|reinstatement)\b") == \
        ("instatement", "storation")  # the longest need (the parser takes out the shared "re")
    for nothing in (r"a|bc", r"\d+ votes?|\w+", r"(ab)+c", r"x{0,3}", r"(carter)?", "[ab]cd", "(", "ca*rt"):
        assert det.needles(nothing) is None, nothing  # optional, too short, or unparsable: search everywhere
    assert det.needles("ca*rter") == ("rter",)


def test_searching_only_texts_with_the_required_words_finds_the_same_sentences(monkeypatch):
    """Every pattern of the bundled stories, over the dev set, the stories' prototypes and
    texts built to slip past a filter: the filtered search hits exactly what a plain one does."""
    stories = [load_story(STORIES_DIR / name) for name in ("parler-aws.yaml", "demo.yaml")]
    texts = [json.loads(line)["text"] for line in Path("analysis/devset.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    detectors = [d for s in stories for d in story_detectors(s)]
    texts += [t for d in detectors for t in d.prototypes + d.negative_prototypes]
    texts += ["", "\x00carter appointee", "CARTER\x00APPOINTEE", "a carter-appointed judge\x00", "Carter appointee"]
    patterns = [p for d in detectors for p in det._for_lowered_text(det._compile(d.patterns)) or []]
    assert len(patterns) > 30 and sum(det.needles(p.pattern) is not None for p in patterns) > len(patterns) // 2
    lowered = det._Haystack([t.lower() for t in texts])
    hits = 0
    for p in patterns:
        plain = np.array([bool(p.search(t)) for t in lowered.texts])
        need = det.needles(p.pattern)
        if need is not None:
            assert not (plain & ~lowered.containing(need)).any(), p.pattern  # no match without a needle
        hits += int(plain.sum())
    assert hits > 50

    none = np.zeros((0, 4), np.float32)
    bank = det.SentenceBank(list(dict.fromkeys(texts)), np.zeros((len(set(texts)), 4), np.float32))
    matchers = [det.Matcher(d, det._compile(d.patterns), det._compile(d.exclude_patterns), none, none, 0.6)
                for d in detectors]
    filtered = det.score_bank(matchers, bank, centred=False)
    monkeypatch.setattr(det, "needles", lambda pattern: None)
    plain = det.score_bank([det.Matcher(m.detector, m.patterns, m.excludes, none, none, 0.6) for m in matchers],
                           bank, centred=False)
    assert {k: v.hit.tolist() for k, v in filtered.items()} == {k: v.hit.tolist() for k, v in plain.items()}
