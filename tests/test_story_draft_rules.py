"""The story draft's rules on invented text: suggested patterns are checked phrases, talking
points that say the same thing merge, and a ruling's legal-form disposition is worded as the
coverage reports it. (Invented sentences about fictional parties; outlets on .example.)"""

from __future__ import annotations

import re

import pytest

from analysis.draft import Candidate, _merge_by_matches, _same_point, _Vectors
from analysis.draft_facts import draft_key_facts, legal_form, source_statements
from analysis.draft_patterns import MIN_PRECISION, candidate_phrases, phrase_regex, suggest_pattern

# sentences 0-3 are the point (a ferry line's fares), 4-9 are other talk that shares its words
CORPUS = [
    "The ferry fares will rise by a third next spring, the harbour board said.",
    "Riders learned that ferry fares will rise again after the vote.",
    "Commuters fear the ferry fares will climb beyond what they can pay.",
    "Higher ferry fares were the main complaint at the meeting.",
    "The kind of meeting the board held was unusual.",
    "The board said the vote was the kind it rarely takes.",
    "A kind word from the mayor did not calm the room.",
    "The harbour board meets again next spring.",
    "The mayor said the meeting was calm.",
    "Rain delayed the morning crossing.",
]
OWN = {0, 1, 2, 3}


def test_candidate_phrases_are_runs_without_stop_word_edges():
    phrases = candidate_phrases("The ferry fares will rise by a third.")
    assert "ferry fares" in phrases and "fares will rise" in phrases
    assert not any(p.split()[0] in {"the", "by", "a"} or p.split()[-1] in {"the", "by", "a"} for p in phrases)
    assert all(len(p.split()) in (2, 3) for p in phrases)


def test_suggested_pattern_is_a_checked_phrase_not_a_single_word():
    found = suggest_pattern(OWN, CORPUS)
    assert found is not None and found.precision >= MIN_PRECISION
    assert all(len(p.split()) >= 2 for p in found.phrases)  # never 'kind' or 'fares' alone
    regex = re.compile(found.pattern, re.IGNORECASE)
    caught = {i for i, s in enumerate(CORPUS) if regex.search(s)}
    assert caught == found.hits and caught <= OWN | {7} and len(caught & OWN) >= 3
    assert found.precision == len(caught & OWN) / len(caught)


def test_no_pattern_when_no_phrase_reaches_the_precision():
    # the 'point' is the three 'kind' sentences, which share no two-word phrase with each other
    assert suggest_pattern({4, 5, 6}, CORPUS) is None


def test_phrase_regex_is_escaped_and_safe():
    regex = phrase_regex("c++ (rate")
    assert re.compile(regex).search("a C++ (rate here".lower())
    assert not re.compile(regex).search("cc rate")


class _Fixed:
    """Hand-made unit vectors: the merge rules, not the model, are under test here."""

    def __init__(self, table):
        self.table = table

    def encode(self, texts):
        import numpy as np
        return np.array([self.table[t] for t in texts], dtype=float)


def test_points_with_near_identical_typical_sentences_merge():
    import numpy as np
    a, b, c = "Fares rise by a third.", "Fares will rise by a third.", "Rain delayed the crossing."
    vectors = _Vectors(_Fixed({a: [1, 0, 0.1], b: [1, 0, 0.12], c: [0, 1, 0]}), [a, b, c])
    old = (np.array([1.0, 0, 0]), {a}, Candidate("fares", "", "", [a], {1}))
    assert _same_point(vectors, (np.array([0.0, 0, 1]), {b}, [b]), old)  # centroids apart, wordings one
    assert not _same_point(vectors, (np.array([0.0, 0, 1]), {c}, [c]), old)


def test_points_with_mostly_shared_sentences_merge():
    import numpy as np
    a, b, c, d = "one two.", "three four.", "five six.", "seven eight."
    vectors = _Vectors(_Fixed({a: [1, 0, 0], b: [0, 1, 0], c: [0, 0, 1], d: [0.6, 0.8, 0]}), [a, b, c, d])
    old = (np.array([1.0, 0, 0]), {a, b, c}, Candidate("x", "", "", [a], {1}))
    assert _same_point(vectors, (np.array([0.0, 0, 1]), {b, c}, [d]), old)
    assert not _same_point(vectors, (np.array([0.0, 0, 1]), {c, d, "nine ten."}, [d]), old)  # one of three


def test_points_whose_patterns_catch_the_same_sentences_merge():
    first, second, third = (Candidate(n, "", "", ["s"], {i}) for i, n in enumerate(["denies", "denied", "fares"]))
    first.terms, second.terms, third.terms = ["denies"], ["denied"], ["fares"]
    kept = _merge_by_matches([first, second, third], [{1, 2, 3}, {2, 3, 9}, {5, 6}])
    assert kept == [first, third] and first.terms == ["denies", "denied"] and first.articles == {0, 1}


def test_legal_form_recognises_dispositions_only():
    assert legal_form("For the reasons above, the motion is denied.")
    assert legal_form("Plaintiff's request for a stay is GRANTED.")
    assert legal_form("IT IS HEREBY ORDERED that the parties confer.")
    assert not legal_form("The ferry company denied that fares would rise.")
    # a terse disposition is a statement even below the usual length
    assert "The motion is denied." in source_statements(["The motion is denied."])


@pytest.mark.slow
def test_a_legal_form_disposition_is_worded_as_the_coverage_reports_it():
    from analysis.embed import SentenceEmbedder

    source = source_statements([
        "This matter comes before the Court on the motion of Plaintiff Gullwing Ferries for an order "
        "requiring the Harbour Board to restore its landing rights at the north pier.",
        "The Board revoked the landing rights after a failed safety inspection in May.",
        "For the reasons set out below, the motion is denied.",
    ])
    reports = ["A judge refused to order the Harbour Board to give Gullwing Ferries back its pier.",
               "The court denied Gullwing Ferries' bid to force the Harbour Board to restore its landing rights.",
               "A judge rejected the ferry line's request to get its north pier landing rights back.",
               "Gullwing Ferries lost its bid in court to win back its landing rights at the north pier."]
    docs = {i: [r, "The Board revoked the landing rights after a safety inspection failed in May."]
            for i, r in enumerate(reports)}
    vectors = _Vectors(SentenceEmbedder(), [s for ss in docs.values() for s in ss] + list(source))
    made = draft_key_facts(source, docs, vectors, lambda s, p, a, sentence, worded: (s, worded, a))
    worded = [(s, w, a) for s, w, a in made if w]
    assert len(worded) == 1, made
    statement, legal, articles = worded[0]
    assert legal == "For the reasons set out below, the motion is denied."
    assert statement in reports[:3] and len(articles) >= 3  # a plain report of the denial, not the legal form


def test_acronyms_join_their_actor_and_a_role_splits_a_name():
    from analysis.draft_text import find_actors

    docs = {
        1: ["Northern Ports Authority fined Gullwing Ferries.", "Gullwing CEO Ann Lee said the fine was unfair."],
        2: ["The NPA said Gullwing Ferries ignored two warnings.", "Ann Lee plans to appeal."],
        3: ["Northern Ports Authority and the NPA board met Gullwing Ferries.", "Gullwing CEO Ann Lee left early."],
    }
    actors = {a.label: a for a in find_actors(docs, [])}
    assert "NPA" in actors["Northern Ports Authority"].aliases and "NPA" not in actors
    assert "Ann Lee" in actors and not any("CEO" in n for a in actors.values() for n in [a.label] + a.aliases)


def test_references_beside_a_name_or_opening_the_next_sentence():
    from analysis.draft_text import find_actors, find_references

    docs = {
        1: ["The ferry company Gullwing Ferries lost its pier.", "Harbour Board asked Gullwing Ferries to leave the site."],
        2: ["Gullwing Ferries, the company, will appeal.", "Harbour Board said little."],
        3: ["Gullwing Ferries lost its pier.", "The company said it would move south."],
        4: ["Harbour Board met on Monday.", "Officials told Gullwing Ferries to clear the site."],
    }
    actors = find_actors(docs, [])
    find_references(actors, docs)
    by_label = {a.label: a for a in actors}
    # beside the name (before it, or after it with a comma) and opening the next sentence;
    # 'the site' inside a sentence says nothing about whom it means
    assert by_label["Gullwing Ferries"].references == ["the company"]
    assert by_label["Harbour Board"].references == []


@pytest.mark.slow
def test_real_coverage_draft_recovers_parler_aws(tmp_path, monkeypatch):
    """A draft from the real coverage (../shared/realdev, its primary_source row the order),
    written to a temporary stories folder (never into the project: other publishers' texts),
    against the hand-written parler-aws story by the demo test's one-to-one meaning rule.
    Development figures: 6 of 15 key facts (the denial now by its worded fact), 3 of the 5
    features that have prototypes (the two literal ones have none to compare)."""
    from pathlib import Path

    from framelens.__main__ import main as framelens_main
    from framelens.stories import load_story
    from framelens.store import Store
    from tests.test_story_draft import FACT_COSINE, FEATURE_COSINE, fact_scores, feature_scores, one_to_one

    realdev = Path(__file__).resolve().parent.parent.parent / "shared" / "realdev" / "articles.jsonl"
    if not realdev.exists():
        pytest.skip(f"no development set at {realdev} (it is kept outside the project; a clone has none)")
    gold = load_story("parler-aws")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path))
    db = str(tmp_path / "cache.db")
    assert framelens_main(["story", "draft", "realdraft", "--title", "Parler v. AWS (draft)", "--query",
                           "Parler Amazon injunction", "--articles", str(realdev), "--db", db]) == 0
    draft = load_story("realdraft")
    from analysis.embed import CachedEmbedder, SentenceEmbedder
    with Store(db) as store:
        encode = CachedEmbedder(SentenceEmbedder(), store).encode
        facts = one_to_one(fact_scores(gold.key_facts, draft.key_facts, encode), FACT_COSINE,
                           gold.key_facts, draft.key_facts)
        meaning = [f for f in gold.features if f.prototypes]
        features = one_to_one(feature_scores(meaning, draft.features, encode), FEATURE_COSINE, meaning, draft.features)
    assert len(facts) >= 6 and "injunction_denied" in {g for g, _, _ in facts}, facts
    assert len(features) >= 3, features
    assert "AWS" in draft.actors["amazon"].aliases and "the platform" in draft.actors["parler"].references
    for feature in draft.features:  # every suggested pattern is phrases of two words or more
        for pattern in feature.patterns:
            text = getattr(pattern, "pattern", pattern)
            assert all(r"[\W_]+" in part for part in text[3:-1].split("|")), (feature.id, text)


def test_a_clause_after_the_actors_generic_reference_describes_it():
    from analysis.draft_text import ActorDraft, find_descriptors

    gull = ActorDraft("gullwing", "Gullwing Ferries", ["Gullwing"], {1, 2}, references=["the app"])
    docs = {1: ["Riders booked trips on the ferry booking app, which is popular with anglers."],
            2: ["Gullwing, favored by anglers and divers, lost its pier."],
            3: ["The weather app, which is popular with sailors, was down."]}
    words = {d.label: d.articles for d in find_descriptors(gull, docs)}
    assert words.get("angler") == {1, 2}
    assert "sailor" not in words  # one article only (the floor is two)
