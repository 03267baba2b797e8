"""Stance from the author's evaluative language (analysis/appraisal.py, data/lexicons/evaluative.yaml)
and frames from the features an opinion author emphasises (frames[].features).

Every sentence is written for these tests, about a fictional ruling: Kestrel (the loser) sued the
cloud host Nimbus (the winner). The story-level tests run parler-aws with patterns only (a hashing
stand-in for the model) over short invented articles in words its own stance cues do not list.
"""

from __future__ import annotations

import pytest

from analysis.appraisal import appraise, compile_lexicon, load_lexicons, resolve
from analysis.article import ArticleView, detectors_for_texts
from analysis.embed import HashingEmbedder
from analysis.sentences import document_sentences
from analysis.voice import author_text
from framelens.settings import STORIES_DIR
from framelens.stories import load_story

SIDES = {"winner": ["Nimbus", "the cloud host"], "loser": []}


def _verdicts(sentences: list[str], language: str = "en") -> list[str | None]:
    lex = compile_lexicon(language, SIDES)
    return [label for label, _ in resolve([appraise(author_text(s), s, lex) for s in sentences])]


@pytest.mark.parametrize("sentence,verdict", [
    ("The court's decision was careful and sound.", "supportive"),          # praise of the ruling
    ("The decision was not sensible.", "critical"),                         # a negator turns it round
    ("Kestrel's lawyers filed a flimsy, hurried complaint.", "supportive"),  # scorn for the loser's case
    ("Nimbus now holds unchecked power over who may stay online.", "critical"),  # the winner's power
    ("The ruling may be careful, but it leaves a bitter taste.", "critical"),    # the verdict after a concession
    ("This 'sensible' order hands the giants everything.", "critical"),     # a scare-quoted positive word
    ("Did anyone seriously expect Kestrel to win?", "supportive"),          # rhetorical doubt about the loser
    ("Kestrel's chief said the decision was shameful.", None),              # reported speech is not the author's
    ("Nimbus ended the contract last week after the forum filled with alarming posts.", None),  # far from a target
])
def test_each_evaluation_counts_for_the_target_it_is_said_of(sentence, verdict):
    assert _verdicts([sentence]) == [verdict]


def test_a_sentence_without_a_target_speaks_of_the_previous_sentences_subject():
    assert _verdicts(["The judge read the contract line by line.", "It was sober, careful work."]) == \
        [None, "supportive"]
    # the previous sentence may report speech: its topic still carries on
    assert _verdicts(["The ruling tells small sites they live at a landlord's pleasure.",
                      "I find that deeply troubling."]) == [None, "critical"]


@pytest.mark.parametrize("language,sentence,verdict", [
    ("de", "Die Justiz sieht tatenlos zu.", "critical"),
    ("de", "Das Urteil mag sauber sein, aber es ist mutlos.", "critical"),
    ("es", "La jueza tomó una decisión sensata.", "supportive"),
    ("fr", "Cette décision n'est pas raisonnable.", "critical"),
    ("it", "Il ricorso di Kestrel era debole.", "supportive"),
    ("pt", "A decisão foi prudente.", "supportive"),
])
def test_other_languages_read_with_their_own_lexicon(language, sentence, verdict):
    assert _verdicts([sentence], language) == [verdict]


def test_without_sides_or_a_lexicon_nothing_is_appraised():
    assert compile_lexicon("en", {}) is None
    assert compile_lexicon("xx", SIDES) is None
    assert appraise("The decision was sound.", "The decision was sound.", None).hits == []


def test_a_malformed_lexicon_names_its_file_and_key(tmp_path):
    bad = tmp_path / "lexicon.yaml"
    bad.write_text("en:\n  positive: sound\n  targets: {ruling: [court]}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"lexicon\.yaml: 'en\.positive' must be a list"):
        load_lexicons(bad)


# ---------------------------------------------------------------- the story, patterns only

ARTICLES = {
    # Opinion in words the story's stance cues do not list: praise of the decision, scorn for the suit.
    "praise": ("Columnist: the Parler order", "The judge read the hosting contract closely. "
               "It was a measured, thoughtful decision. Parler's hurried lawsuit deserved no better."),
    # A partisan headline scorning the winner's power, then a plain report.
    "partisan": ("Another win for the cloud cartel as Parler stays dark",
                 "A federal judge on Thursday refused Parler's request to make Amazon restore its hosting."),
    # Straight news that mentions the riot and violent posts in passing (in the body) stays the plain, neutral report.
    "news": ("Judge turns down Parler's request against Amazon",
             "A federal judge on Thursday denied Parler's request for an order forcing Amazon to restore its "
             "hosting. The hearing took place by video this week. The service went dark days after the Capitol "
             "riot, when posts urging violence were found."),
    # An opinion headline dwelling on violent content: the safety frame, though no frame cue is worded so.
    "safety_op": ("Opinion: no host owes anyone a stage for threats of violence",
                  "Parler asked a court to put it back on Amazon's servers. The court said no."),
}


@pytest.fixture(scope="module")
def analysed() -> dict[str, dict]:
    story = load_story(STORIES_DIR / "parler-aws.yaml")
    views = {k: ArticleView(*document_sentences(title, text)) for k, (title, text) in ARTICLES.items()}
    views["safety_op"].opinion = True
    detectors = detectors_for_texts(story, HashingEmbedder(), list(views.values()), use_prototypes=False)
    return {k: detectors.analyse(v) for k, v in views.items()}


def test_an_author_who_evaluates_is_not_read_as_neutral(analysed):
    praise = analysed["praise"]
    assert praise["stance"]["label"] == "supportive"
    assert praise["genre"]["label"] == "opinion"
    assert analysed["partisan"]["stance"]["label"] == "critical"


def test_news_mentioning_the_riot_in_passing_stays_plain_and_neutral(analysed):
    news = analysed["news"]
    assert news["stance"]["label"] == "neutral"
    assert news["frame"]["primary"] == "legal_procedural"


def test_a_frames_feature_in_an_opinion_headline_is_that_frames_cue(analysed):
    story = load_story(STORIES_DIR / "parler-aws.yaml")
    assert "violent_content" in story.frame_features["public_safety"]
    assert analysed["safety_op"]["frame"]["primary"] == "public_safety"
