"""Quotes: extraction from article text and fidelity against a (fictional) ruling."""

from __future__ import annotations


import numpy as np
import pytest

from analysis.quotes import Quote, align_quotes, extract_quotes, quote_passages
from tests.measure import traced_peak_mb

RULING = [
    "This matter comes before the Court on the motion of Plaintiff GadgetCo for a preliminary injunction.",
    "GadgetCo asks the Court to order Defendant Cloudhaven to restore the hosting it suspended on May 2.",
    "The Court has considered the motion, the opposition and the declarations of both sides.",
    "GadgetCo's theory of a conspiracy between Cloudhaven and Pellmark rests on little more than timing and suspicion.",
    "Parallel conduct, without more, does not establish an agreement, and the record contains nothing more.",
    "At this time, GadgetCo has not demonstrated a likelihood of success on the merits.",
    "The posts in the record are not hyperbole; several name specific people and describe how to hurt them.",
    "The Court rejects any suggestion that the public interest favors requiring Cloudhaven to host the kind "
    "of abusive, violent content at issue here.",
    "The First Amendment restrains the government; it does not, by itself, bind a private hosting company.",
    "It is not dismissing GadgetCo's substantive underlying claims, and nothing here decides who will prevail.",
    "This is not a close call.",
    "The motion is denied.",
]


def _grade(text: str, embedder=None, short: bool = False) -> dict:
    rows = align_quotes([Quote(text, 0, len(text), short=short)], RULING, embedder)
    return rows[0] if rows else {}


# --------------------------------------------------------------------------- extraction

def _texts(text: str) -> list[str]:
    return [q.text for q in extract_quotes(text)]


def test_straight_and_curly_quotes_with_speakers():
    text = ('Judge Ada Quill wrote that "this is not a close call." Critics called it '
            '“a gift to Big Tech firms,” said Rep. Nora Vale. The ruling’s reach is limited.')
    quotes = extract_quotes(text)
    assert [q.text for q in quotes] == ["this is not a close call.", "a gift to Big Tech firms"]
    assert quotes[0].speaker_hint == "Judge Ada Quill" and quotes[1].speaker_hint == "Rep. Nora Vale"
    assert text[quotes[0].start:quotes[0].end] == "this is not a close call."


def test_apostrophes_are_not_quotes():
    text = ("GadgetCo's lawyers didn't say whether the '90s-era contract, the judges' ruling "
            "and rock 'n' roll matter to Cloudhaven’s customers.")
    assert extract_quotes(text) == []


def test_single_quoted_headline_and_nested_single_quotes():
    assert _texts("Judge: 'This is not a close call' as GadgetCo loses bid") == ["This is not a close call"]
    nested = 'The order cites posts urging users to "go back and \'finish the job\' this week," it said.'
    assert _texts(nested) == ["go back and 'finish the job' this week"]


def test_scare_quotes_dropped_and_three_word_quotes_flagged_short():
    assert _texts('A so-called "free speech" app and "Big Tech" rivals.') == []
    quotes = extract_quotes('It rests on "timing and suspicion," the judge said.')
    assert [(q.text, q.short) for q in quotes] == [("timing and suspicion", True)]
    assert extract_quotes('She said "this is not close."')[0].short is False


def test_multi_paragraph_quote_reopens_each_paragraph():
    text = ('Cloudhaven said in a statement:\n\n"We suspended the account after repeated warnings.\n\n'
            '"We will keep enforcing our rules for every customer," the statement said.\n\nOther news.')
    quotes = extract_quotes(text)
    assert len(quotes) == 1
    assert quotes[0].text == ("We suspended the account after repeated warnings. "
                              "We will keep enforcing our rules for every customer")
    curly = "“First part of a long statement here.\n“Second part that closes it,” she said."
    assert _texts(curly) == ["First part of a long statement here. Second part that closes it"]


def test_unclosed_paragraph_quote_and_stray_inch_mark():
    assert _texts('"This statement never gets its closing mark in print\nNext paragraph here.') == [
        "This statement never gets its closing mark in print"]
    assert _texts('The 5" screen is big. "This is a real quote here," he said.') == ["This is a real quote here"]


def test_german_and_french_quote_marks():
    assert _texts("„Das ist keine knappe Entscheidung“, schrieb Quill.") == ["Das ist keine knappe Entscheidung"]
    assert _texts("«Ce n'est pas une décision serrée», a écrit Quill.") == ["Ce n'est pas une décision serrée"]


def test_block_quotes():
    text = ("In her order, Quill wrote:\n\nThe Court rejects any suggestion that the public interest "
            "favors it.\n\nGadgetCo plans to appeal the decision next week.")
    quotes = extract_quotes(text)
    assert [q.text for q in quotes] == ["The Court rejects any suggestion that the public interest favors it."]
    assert quotes[0].speaker_hint == "Quill"
    assert _texts("> The motion is denied today.\n> Nothing more is decided here.\nNarrative line.") == [
        "The motion is denied today. Nothing more is decided here."]
    assert _texts("Intro line.\n    The Court emphasizes what it is not deciding in this case.\nMore.") == [
        "The Court emphasizes what it is not deciding in this case."]


def test_ellipses_and_brackets_kept_in_quote_text():
    quotes = extract_quotes('"[T]he Court … is not dismissing the claims," Quill wrote.')
    assert quotes[0].text == "[T]he Court … is not dismissing the claims"
    assert quotes[0].speaker_hint == "Quill"


# --------------------------------------------------------------------------- grading by words

@pytest.mark.parametrize("quote", [
    "the court rejects any suggestion that the public interest favors requiring Cloudhaven to host "
    "the kind of abusive violent content at issue here",                     # case and punctuation
    "GadgetCo's theory of a conspiracy … rests on little more than timing and suspicion",  # ellipsis
    "Parallel conduct ... does not establish an agreement. ... At this time, GadgetCo has not "
    "demonstrated a likelihood of success",                                  # ellipsis over two sentences
    "[p]arallel conduct, without more, does not establish an agreement",     # bracketed letter
    "[The Court] is not dismissing GadgetCo's substantive underlying claims",  # insertion replaces "It"
    "This is not a close call [sic].",
])
def test_exact_quotes(quote):
    row = _grade(quote)
    assert row["fidelity"] == "exact" and row["similarity"] == 1.0


def test_exact_quote_reports_its_passage():
    row = _grade("rests on little more than timing and suspicion")
    assert row["source_index"] == 3 and row["source_passage"] == RULING[3]
    assert set(row) == {"text", "fidelity", "source_passage", "similarity", "source_index"}


@pytest.mark.parametrize("quote", [
    "At this time GadgetCo hasn't demonstrated a likelihood of success on the merits",  # contraction
    "The posts in the record were not hyperbole",                                   # tense
    "This is simply not a close call.",                                             # a word added
    "The Court rejects any suggestion that the public interest favors requiring Cloudhaven to host "
    "the kind of abusive, violent content here",                                    # words dropped
])
def test_close_quotes(quote):
    assert _grade(quote)["fidelity"] == "close"


@pytest.mark.parametrize("quote", [
    "At this point, GadgetCo has not demonstrated a likelihood of success on the merits",
    "the kind of abusive, violent material at issue here",
    "nothing more than timing and suspicion",
    "This is now a close call.",
    "At this time, GadgetCo has not shown a likelihood of success on the merits",
])
def test_altered_quotes_by_words_alone(quote):
    row = _grade(quote)
    assert row["fidelity"] == "altered"
    assert row["source_index"] is not None and 0 < row["similarity"] < 1


@pytest.mark.parametrize("quote", [
    "We will keep fighting in court to get back online",
    "The public deserves a platform that answers to its users, not to Big Tech",
    "This ruling is a dangerous blow to free expression on the internet",
])
def test_quotes_of_other_people_are_not_in_source(quote):
    row = _grade(quote)
    assert row["fidelity"] == "not_in_source"
    assert row["source_passage"] is None and row["source_index"] is None


def test_pieces_out_of_order_are_not_exact():
    assert _grade("This is not a close call … GadgetCo asks the Court to order Defendant Cloudhaven")[
        "fidelity"] != "exact"


def test_short_quotes_kept_only_when_the_source_has_them():
    assert _grade("timing and suspicion", short=True)["fidelity"] == "exact"
    assert _grade("radical content farms", short=True) == {}
    kept = align_quotes(extract_quotes('It is "timing and suspicion" and "radical content farms," he said.'), RULING)
    assert [r["text"] for r in kept] == ["timing and suspicion"]


def test_empty_inputs():
    assert align_quotes([], RULING) == []
    assert _grade("anything at all here")["fidelity"] == "not_in_source"
    assert align_quotes(["a quote with no source"], [])[0]["fidelity"] == "not_in_source"


def test_deterministic():
    quotes = extract_quotes('"At this point, GadgetCo has not demonstrated success," and "This is not a close call."')
    assert align_quotes(quotes, RULING) == align_quotes(quotes, list(RULING))


def test_long_source_many_quotes_stays_small():
    rng = np.random.default_rng(0)
    vocab = [f"w{a}{b}" for a in "abcdefghijklmnopqrst" for b in "abcdefghijklmnopqrstuvwxyz"] * 3
    source = [" ".join(rng.choice(vocab, 20)) for _ in range(4000)] + RULING
    quotes = [" ".join(source[i].split()[3:15]) for i in rng.choice(4000, 150)]
    quotes += [" ".join(rng.choice(vocab, 12)) for _ in range(150)]
    rows, peak_mb = traced_peak_mb(align_quotes, quotes, source)
    assert peak_mb < 150  # measured ~31 MB (time: benchmarks/)
    assert [r["fidelity"] for r in rows[:150]] == ["exact"] * 150
    assert sum(r["fidelity"] == "not_in_source" for r in rows[150:]) >= 145


# --------------------------------------------------------------------------- grading with the model

@pytest.fixture(scope="module")
def embedder():
    from tests.test_embed import real_embedder

    return real_embedder()


def test_machine_spun_quote_is_altered_with_the_model(embedder):
    spun = ("The tribunal dismisses every notion that society's welfare favours forcing Cloudhaven "
            "to carry this brand of abusive, violent material involved here")
    assert _grade(spun)["fidelity"] == "not_in_source"  # too few shared words on their own
    row = _grade(spun, embedder)
    assert row["fidelity"] == "altered" and row["source_index"] == 7
    assert row["source_passage"] == RULING[7] and row["similarity"] >= 0.6


@pytest.mark.parametrize("quote", [
    "The court rejects the idea that the public interest favours requiring Cloudhaven to host such "
    "abusive and violent content here",
    "At present, GadgetCo has not established a probability of success on the merits",
    "GadgetCo's conspiracy theory rests on barely anything beyond timing and suspicion",
    "Parallel behaviour, absent more, fails to establish an agreement",
])
def test_synonym_rewrites_are_altered_with_the_model(embedder, quote):
    assert _grade(quote, embedder)["fidelity"] == "altered"


@pytest.mark.parametrize("quote", [
    "This ruling is a dangerous blow to free expression on the internet",
    "We will keep fighting in court to get back online",
    "Das ist keine knappe Entscheidung",                                  # a translation
    "Cloudhaven was right to drop a customer that ignored threats against lawmakers",
    "The court has handed the largest hosting companies a veto over speech",
    # other people echoing the ruling's words: a shared phrase is not a quotation
    "GadgetCo has demonstrated a likelihood of success and we will prove it",
    "This is a close call, and the judge got it wrong",
    "Cloudhaven has every right to suspend customers who host violent content",
    "The First Amendment protects our users, and the government knows it",
    "The public interest favors restoring GadgetCo's service right away",
    "Our posts were hyperbole, not threats against specific people",
])
def test_other_quotes_stay_not_in_source_with_the_model(embedder, quote):
    assert _grade(quote, embedder)["fidelity"] == "not_in_source"


def test_half_changed_words_with_another_meaning_are_not_altered_with_the_model(embedder):
    """Someone else's sentence sharing "restore the hosting it ... May" with the ruling's:
    its opening words are nothing like the ruling's there (an edge of EDGE_UNKNOWN words:
    words alone see another sentence), and the model says the meaning differs."""
    quote = "we ask every customer to restore the hosting it paused in May"
    assert _grade(quote)["fidelity"] == "not_in_source"
    graded = _grade(quote, embedder)
    assert graded["fidelity"] == "not_in_source" and graded["source_passage"] is None


def test_model_keeps_word_grades(embedder):
    assert _grade("This is not a close call.", embedder)["fidelity"] == "exact"
    assert _grade("The posts in the record were not hyperbole", embedder)["fidelity"] == "close"
    assert _grade("At this point, GadgetCo has not demonstrated a likelihood of success", embedder)[
        "fidelity"] == "altered"


def test_many_articles_are_graded_together_with_the_same_results(embedder):
    """align_many: each list's rows equal align_quotes' for it alone, from one embedder call
    for the quotes and one for the passages they need (not two per article)."""
    from analysis.quotes import align_many
    from tests.test_embed import CountingEmbedder

    articles = [
        extract_quotes('The judge said "This is not a close call." Critics called it "a gift to Big Tech".'),
        [Quote("The tribunal dismisses every notion that society's welfare favours forcing Cloudhaven to carry "
               "this brand of abusive, violent material involved here", 0, 0)],
        [],
        [Quote("At present, GadgetCo has not established a probability of success on the merits", 0, 0),
         Quote("We will keep fighting in court to get back online", 0, 0), "Parallel behaviour, absent more, "
         "fails to establish an agreement"],
    ]
    alone = [align_quotes(quotes, RULING, embedder) for quotes in articles]
    counting = CountingEmbedder(embedder)
    together = align_many(articles, RULING, counting)
    assert together == alone and len(together) == len(articles) and together[2] == []
    assert [r["fidelity"] for r in together[1]] == ["altered"]
    assert len(counting.calls) <= 3  # the source's sentences, the quotes, their passages
    assert align_many([], RULING, counting) == []


# --------------------------------------------------------------------------- names, initialisms, gaps, several sources

PARTIES = [["Cloudhaven", "Cloudhaven Hosting", "CH Cloud"], ["GadgetCo", "GadgetCo Inc.", "the app maker"]]


@pytest.mark.parametrize("quote, fidelity", [
    ("GadgetCo asks the Court to order Defendant CH Cloud to restore the hosting it suspended on May 2", "close"),
    ("the app maker asks the Court to order Defendant Cloudhaven to restore the hosting it suspended", "close"),
    ("GadgetCo's theory of a conspiracy between CH Cloud and Pellmark rests on little more than timing", "close"),
    # one party for another is a misquote, names or not
    ("GadgetCo asks the Court to order Defendant Pellmark to restore the hosting it suspended on May 2", "altered"),
    ("GadgetCo asks the Court to order Defendant Cloudhaven to restore the app maker it suspended on May 2",
     "altered"),
])
def test_another_name_of_the_same_party_is_a_close_quote(quote, fidelity):
    rows = align_quotes([quote], RULING, aliases=PARTIES)
    assert rows[0]["fidelity"] == fidelity
    if fidelity == "close":  # without the story's names it reads as a word swap
        assert align_quotes([quote], RULING)[0]["fidelity"] == "altered"


def test_initialisms_with_or_without_dots_are_one_word():
    source = ["The unrest at the U.S. Capitol showed how quickly angry words can become a violent crowd."]
    for quote in ("The unrest at the US Capitol showed how quickly angry words can become a violent crowd",
                  "the unrest at the U.S Capitol", "the unrest at the u.s. capitol"):
        assert align_quotes([quote], source)[0]["fidelity"] == "exact", quote


@pytest.mark.parametrize("quote", [
    # the quote opens with words the known text of the source does not hold (a gap in it)
    "Although GadgetCo has had little time to gather proof, the Court has considered the motion, the opposition "
    "and the declarations of both sides",
    "the Court has considered the motion, the opposition and the declarations, which leave many questions open "
    "for a later stage",
])
def test_a_quote_running_on_where_the_known_source_stops_is_not_altered(quote):
    assert align_quotes([quote], RULING)[0]["fidelity"] == "not_in_source"
    # words swapped inside the same passage still are
    assert align_quotes(["The Court has weighed the motion, the opposition and the statements of both sides"],
                        RULING)[0]["fidelity"] == "altered"


def test_every_primary_source_document_is_searched_each_passage_once():
    from analysis.quotes import merge_sources

    appendix = ["This is not a close call!", "The motion is denied.",
                "Cloudhaven warned GadgetCo twice in writing before it suspended the account."]
    merged = merge_sources([RULING, appendix])
    assert merged == RULING + [appendix[2]]  # the copy's repeated passages are left out
    quote = "Cloudhaven warned GadgetCo twice in writing before it suspended the account"
    assert align_quotes([quote], RULING)[0]["fidelity"] == "not_in_source"
    assert align_quotes([quote], merged)[0]["fidelity"] == "exact"
    assert merge_sources([]) == [] and merge_sources([[], ["", "One more sentence."]]) == ["One more sentence."]


# --------------------------------------------------------------------------- passages payload

def test_quote_passages_payload():
    per_article = {
        11: align_quotes(["This is not a close call.", "We will keep fighting in court to get back online"], RULING),
        12: align_quotes(["This is simply not a close call.", "this is not a close call"], RULING),
        13: align_quotes(["the kind of abusive, violent material at issue here"], RULING),
    }
    payload = quote_passages(per_article, RULING, source_article_id=99)
    assert payload["source_article_id"] == 99
    assert payload["passages"] == [
        {"index": 7, "text": RULING[7], "quoted_by": [{"article_id": 13, "fidelity": "altered"}]},
        {"index": 10, "text": RULING[10], "quoted_by": [{"article_id": 11, "fidelity": "exact"},
                                                         {"article_id": 12, "fidelity": "exact"}]},
    ]
    assert quote_passages({}, RULING, 99) == {"source_article_id": 99, "passages": []}


# --------------------------------------------------------------------------- in the analysis run

def test_the_run_aligns_quotes_with_every_primary_source_document(stories_dir, store, registry):
    """Two documents of the source (the order and a later page of it, which repeats one of
    the order's sentences): a quote of either is found, each passage is listed once, and
    another of a party's names from the story file makes a close quote, not an altered one."""
    from analysis.embed import HashingEmbedder
    from analysis.pipeline import run_analysis
    from framelens.stories import load_story
    from tests.test_analysis_pipeline import ARTICLES, KETTLE_STORY, ORDER, fill

    story = KETTLE_STORY.replace("aliases: [Brewline Inc.]", "aliases: [Brewline Inc., the brewing app]")
    assert story != KETTLE_STORY
    (stories_dir / "kettle.yaml").write_text(story, encoding="utf-8")
    (stories_dir / "kettle-order.txt").write_text(ORDER, encoding="utf-8")
    page_two = ("The motion is denied because Brewline has not shown irreparable harm. Kettlehost warned Brewline "
                "twice in writing before it took the servers offline.")
    article = ('The order notes that "Kettlehost warned Brewline twice in writing before it took the servers '
               'offline." The judge wrote that "the motion is denied because Brewline has not shown irreparable '
               'harm." She added that "Kettlehost warned the brewing app twice in writing."')
    rows = ARTICLES[:2] + [
        ("https://court.example/brewline-v-kettlehost/page-two.pdf", "court.example", "Order, page two", page_two,
         "primary_source", "en"),
        ("https://middle.example/news/kettlehost-warned-brewline", "middle.example", "Kettlehost had warned Brewline",
         article, "article", "en")]
    ids = fill(store, registry, rows)
    run_analysis(store, load_story("kettle"), embedder=HashingEmbedder(), registry=registry)
    quotes = store.article_results("kettle")[ids[-1]]["quotes"]
    assert [q["fidelity"] for q in quotes] == ["exact", "exact", "close"]
    passages = [p["text"] for p in store.story_result("kettle", "quote_passages")["passages"]]
    assert passages == ["The motion is denied because Brewline has not shown irreparable harm.",
                        "Kettlehost warned Brewline twice in writing before it took the servers offline."]
