"""Short quotes credited to the court that reword a phrase of the (fictional) demo ruling.

The articles are invented, on fictional `.example` outlets; the source is the demo ruling
(data/demo/ruling.txt) and the actors are the demo story's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.quote_attributed import credited_to_court
from analysis.quotes import align_quotes, extract_quotes
from analysis.sentences import document_sentences
from framelens.stories import load_story

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo():
    """(ruling sentences, the demo story's actor names) as the analysis run passes them."""
    sentences, _ = document_sentences("", (ROOT / "data/demo/ruling.txt").read_text(encoding="utf-8"))
    story = load_story("demo")
    return sentences, [[actor.label, *actor.aliases] for actor in story.actors.values()]


@pytest.fixture(scope="module")
def embedder():
    from tests.test_embed import real_embedder

    return real_embedder()


def _graded(text: str, demo, embedder=None) -> list[str]:
    sentences, aliases = demo
    return [row["fidelity"] for row in align_quotes(extract_quotes(text), sentences, embedder, aliases)]


# --------------------------------------------------------------------------- attribution

@pytest.mark.parametrize("text, court", [
    ('Judge Whitcombe wrote that the posts were "a threat to named people and nothing else."', True),
    ('"A threat to named people and nothing else," the judge said.', True),
    ('"A threat to named people and nothing else," Whitcombe wrote.', True),
    ("The court's order, which critics of Chirpline had expected, called them \"a plain threat to people.\"", True),
    ('According to the ruling, the posts were "a threat to named people and nothing else."', True),
    # parties, their lawyers and pundits, even when the court comes up later in the sentence
    ("Chirpline's lawyers told the court the posts were \"jokes among friends and nothing else.\"", False),
    ('Stratus said in a statement that the court got it "right on every single point."', False),
    ('"Jokes among friends and nothing else," Chirpline said after the ruling.', False),
    ('A media analyst who follows the court called the posts "jokes among friends and nothing else."', False),
    ('In order to stay online, the app promised "a review of every single post."', False),
    ('Readers wrote in to call the posts "jokes among friends and nothing else."', False),
])
def test_quotes_are_credited_to_the_court_only_by_the_court(text, court, demo):
    quote = extract_quotes(text)[0]
    assert credited_to_court(quote, demo[1]) is court


# --------------------------------------------------------------------------- grading with the model

# Each rewords a short phrase of the demo ruling, two or three of its words swapped for
# near-synonyms, and puts it in the court's mouth (Harbor Lantern, harborlantern.example).
REWORDED = [
    'Judge Whitcombe wrote that the posts were not "exaggeration or political debate" but threats.',
    "Whitcombe ruled that the theory of a conspiracy rested on \"mere timing and guesswork\" alone.",
    'The court found that Chirpline had not met "the tough threshold for the relief" it wanted.',
]


@pytest.mark.parametrize("text", REWORDED)
def test_short_rewording_credited_to_the_court_is_altered(text, demo, embedder):
    assert _graded(text, demo) == ["not_in_source"]  # too short for the word rules alone
    assert _graded(text, demo, embedder) == ["altered"]


def test_altered_short_quote_reports_its_source_sentence(demo, embedder):
    sentences, aliases = demo
    row = align_quotes(extract_quotes(REWORDED[0]), sentences, embedder, aliases)[0]
    assert "hyperbole or political argument" in row["source_passage"]
    assert sentences[row["source_index"]] == row["source_passage"]


@pytest.mark.parametrize("text", [
    # the same rewording in a party's, a company's or a pundit's mouth (Quarry Post, quarrypost.example)
    "Chirpline's lawyers said the posts were \"exaggeration or political debate\" and nothing else.",
    'Stratus said in a statement that the posts were "exaggeration or political debate" at best.',
    'A media analyst called the posts "exaggeration or political debate" in a column.',
    # credited to the court, but sharing one word with the ruling and nothing of its sense
    'The judge said the case was "a political fight about nothing" at all.',
    'The court described the posts as "loud and political complaints" from users.',
])
def test_other_short_quotes_stay_not_in_source(text, demo, embedder):
    assert _graded(text, demo, embedder) == ["not_in_source"]


def test_faithful_short_quotes_keep_their_grades(demo, embedder):
    assert _graded('The judge said the posts were "hyperbole or political argument" instead.', demo,
                   embedder) == ["exact"]
    assert _graded('The ruling said the posts were "hyperbole or political arguments" only.', demo,
                   embedder) == ["close"]


# --------------------------------------------------------------------------- in the analysis run

def test_the_run_credits_short_quotes_by_the_story_actors(stories_dir, store, registry, embedder):
    """The story's judge actor makes the court: the same rewording of the order is altered in
    the judge's mouth and not in source in a party's (Saltmarsh Daily, saltmarsh.example)."""
    from analysis.pipeline import run_analysis
    from tests.test_analysis_pipeline import ARTICLES, KETTLE_STORY, ORDER, fill

    story = KETTLE_STORY.replace("  kettlehost: {label: Kettlehost, aliases: [Kettlehost Cloud]}\n",
                                 "  kettlehost: {label: Kettlehost, aliases: [Kettlehost Cloud]}\n"
                                 "  judge: {label: Judge Ada Quill, aliases: [Quill]}\n")
    assert story != KETTLE_STORY
    (stories_dir / "kettle.yaml").write_text(story, encoding="utf-8")
    order = ORDER + " Brewline's claim of a secret deal rests on faint and wholly unsupported suspicion."
    (stories_dir / "kettle-order.txt").write_text(order, encoding="utf-8")
    article = ('Quill wrote that the claim of a secret deal rested on "flimsy and unsupported suspicions" alone. '
               "Kettlehost's lawyers had called Brewline's papers \"flimsy and unsupported suspicions\" last week.")
    ids = fill(store, registry, [ARTICLES[0][:3] + (order,) + ARTICLES[0][4:]] + [
        ("https://saltmarsh.example/news/quill-denies-brewline", "saltmarsh.example", "Quill denies Brewline",
         article, "article", "en")])
    run_analysis(store, load_story("kettle"), embedder=embedder, registry=registry)
    quotes = store.article_results("kettle")[ids[-1]]["quotes"]
    assert [q["fidelity"] for q in quotes] == ["altered", "not_in_source"]
    assert quotes[0]["source_passage"] == order.split(". ")[-1]
