"""Whose words count: quoted and reported speech (analysis/voice.py), which actor a
descriptor describes, and how stance evidence is weighed (analysis/framing.py).
Pure functions on short texts; no model."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.detectors import SentenceScores, centre, topic_vector
from analysis.descriptors import ActorFinder, _owners
from analysis.framing import score_frames, score_stance
from analysis.voice import author_text, has_quotes, is_authorial, is_reported, strip_quoted
from framelens.stories import Actor

ACTORS = ActorFinder({
    "parler": Actor("parler", "Parler", ["Parler", "Parler's"]),
    "aws": Actor("aws", "Amazon Web Services", ["Amazon Web Services", "AWS", "Amazon"]),
    "judge": Actor("judge", "Judge Barbara J. Rothstein", ["Rothstein", "the judge"]),
})


@pytest.mark.parametrize("sentence, own", [
    ('"This is a chilling blow to free speech," said a spokesperson.', "… said a spokesperson."),
    ("“We will appeal,” the company said.", "… the company said."),
    ('Judge on Parler bid: "not a close call"', "Judge on Parler bid: …"),
    ("Judge: Parler ban 'not a close call'", "Judge: Parler ban …"),
    ("„Das ist falsch“, sagte er.", "…, sagte er."),
    ('"We will win in the end.', ""),                        # a quote running on into the next sentence
    ('We will appeal," he said, adding more.', "he said, adding more."),  # ... and its end
    ("Parler's lawyers don’t agree.", "Parler's lawyers don’t agree."),  # apostrophes are not quotes
    ("Parlers’ lawyers were outraged.", "Parlers’ lawyers were outraged."),
])
def test_quoted_words_are_cut_out(sentence, own):
    assert strip_quoted(sentence) == own


@pytest.mark.parametrize("text", [
    "Conservatives blasted the ruling as censorship.",
    "Parler's lawyers argued that Amazon acted in bad faith.",
    "According to Amazon, the posts were violent.",
    "In a statement, the company welcomed the decision.",
    "Critics called it outrageous.",
    "A spokesperson for the group declined to comment further.",
])
def test_reported_speech_is_not_the_authors(text):
    assert is_reported(text) and author_text(text) is None


@pytest.mark.parametrize("text", [
    "The judge rightly said so.",                      # the author evaluating what was said
    "Rothstein correctly noted that Parler offered no evidence.",
    "I think the court got it wrong.",                 # the author speaking
    "Posts calling for violence were flagged.",        # "calling for" is not speech
    "This ruling is a chilling blow to free speech.",
    "Every small platform should be worried.",
])
def test_the_authors_own_voice(text):
    assert not is_reported(text) and is_authorial(text)


def test_a_sentence_with_a_quote_is_partly_the_authors():
    sentence = 'The ruling, which the judge called "not a close call", is correct.'
    assert has_quotes(sentence) and not is_authorial(sentence)
    assert author_text('The ruling was "not a close call" and it is correct.') == "The ruling was … and it is correct."


def owners(sentence: str, words: str) -> set[str]:
    start = sentence.index(words)
    return _owners((start, start + len(words)), sentence, ACTORS.spans(sentence))


@pytest.mark.parametrize("sentence, words, expected", [
    ("Parler, a social network popular with supporters of President Donald Trump, sued Amazon.",
     "supporters of President Donald Trump", {"parler"}),          # appositive, Amazon is nearer but elsewhere
    ("Amazon, the tech giant that pulled Parler offline, said it had warned the app.", "tech giant", {"aws"}),
    ("The right-wing app Parler is suing Amazon's cloud division.", "right-wing", {"parler"}),
    ("Amazon Web Services (AWS), the largest cloud provider, hosts thousands of sites.", "largest cloud", {"aws"}),
    ("Parler, the app, which is popular with conservatives, sued.", "conservatives", {"parler"}),
    ("Rothstein, 86, is a longtime judge; she was confirmed after Carter nominated her.", "Carter nominated",
     {"judge"}),
    ("Parler's growth came as Twitter, once popular with Trump supporters, banned the president.",
     "Trump supporters", set()),                                    # describes Twitter
    ("Gab, a far-right site, welcomed new users while Parler stayed offline.", "far-right", set()),
    ("Conservative media outlets rallied behind the company after the ruling against Parler.", "Conservative",
     set()),                                                        # too far from the name
])
def test_a_descriptor_belongs_to_the_name_it_describes(sentence, words, expected):
    assert owners(sentence, words) == expected


def scores(hits: list[float | None]) -> SentenceScores:
    """None = no hit; 1.0 = a pattern hit; other values = a prototype hit of that similarity."""
    return SentenceScores(np.array([h is not None for h in hits]), np.array([h or 0.0 for h in hits], np.float32))


SENTENCES = ["Headline", "One.", "Two.", "Three would have set a dangerous precedent."]


def test_a_single_prototype_hit_does_not_make_news_partisan():
    stance = score_stance({"critical": scores([None, 0.62, None, None]), "supportive": scores([None] * 4)},
                          SENTENCES, has_title=True, opinion=False)
    assert stance["label"] == "neutral" and stance["evidence"] == [] and -1 < stance["score"] < 0


def test_a_pattern_beats_an_embedding_on_the_other_side():
    # "The judge made the right call": the supportive pattern matches, and the embedding is
    # close to a critical prototype as well (antonyms embed alike); only the pattern counts.
    stance = score_stance({"critical": scores([None, 0.69, None, None]), "supportive": scores([None, 1.0, None, None])},
                          SENTENCES, has_title=True, opinion=True)
    assert stance["label"] == "supportive" and stance["evidence"] == ["One."]


def test_hypotheticals_weigh_less():
    both = {"critical": scores([None, None, None, 1.0]), "supportive": scores([None, 1.0, None, None])}
    assert score_stance(both, SENTENCES, has_title=True, opinion=True)["label"] == "supportive"


def test_the_headline_counts_more_and_ties_are_neutral():
    tie = {"critical": scores([None, 1.0, None, None]), "supportive": scores([None, None, 1.0, None])}
    assert score_stance(tie, SENTENCES, has_title=True, opinion=True)["label"] == "neutral"
    headline = {"critical": scores([1.0, None, None, None]), "supportive": scores([None, None, 1.0, None])}
    stance = score_stance(headline, SENTENCES, has_title=True, opinion=True)  # 1.5 >= 1.5 x 1.0
    assert stance["label"] == "critical" and stance["evidence"] == ["Headline"] and stance["score"] < 0


def test_frames_fall_back_to_other_when_nothing_scores():
    weights = np.ones(3)
    frames = score_frames({"legal": scores([None] * 3), "safety": scores([None] * 3)}, ["a", "b", "c"], weights)
    assert frames["primary"] == "other" and frames["scores"] == {"legal": 0.0, "safety": 0.0}
    frames = score_frames({"legal": scores([1.0, None, None]), "safety": scores([None, 0.7, 0.7])}, ["a", "b", "c"],
                          np.array([3.0, 1.0, 1.0]))
    assert frames["primary"] == "legal" and frames["evidence"] == ["a"]


def test_centring_removes_the_shared_topic():
    rng = np.random.default_rng(0)
    topic = rng.normal(size=8)
    protos = np.vstack([topic + rng.normal(scale=0.3, size=8) for _ in range(40)])
    protos /= np.linalg.norm(protos, axis=1, keepdims=True)
    t = topic_vector(protos.astype(np.float32))
    assert np.linalg.norm(t) > 0.8 * np.linalg.norm(protos.mean(axis=0))  # many prototypes: little shrinkage
    raw = protos @ protos.T
    centred = centre(protos, t) @ centre(protos, t).T
    assert centred[np.triu_indices(40, 1)].mean() < raw[np.triu_indices(40, 1)].mean() - 0.3
    assert np.linalg.norm(topic_vector(protos[:1])) < 0.2  # one prototype: barely any centring


# ---- frame weighting: headline and lead, the opinion author's own voice ------------------------------
