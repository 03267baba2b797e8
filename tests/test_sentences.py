"""The sentence splitter on news text: quotes, abbreviations, initials, headlines, boilerplate."""

from __future__ import annotations

import pytest

from analysis.sentences import split_paragraphs, split_sentences


@pytest.mark.parametrize("text, expected", [
    ('"We are disappointed." Parler said it would appeal.',
     ['"We are disappointed."', "Parler said it would appeal."]),
    ("He said, “This is over.” The company disagreed.",
     ["He said, “This is over.”", "The company disagreed."]),
    ("'It is over,' she said. Then she left.", ["'It is over,' she said.", "Then she left."]),
    ('"Is it over?" she asked. Nobody answered.', ['"Is it over?" she asked.', "Nobody answered."]),
    ("Parler said: “We will win.” AWS declined to comment.",
     ["Parler said: “We will win.”", "AWS declined to comment."]),
    ("“We will appeal,” the company said. The judge did not comment.",
     ["“We will appeal,” the company said.", "The judge did not comment."]),
])
def test_a_sentence_can_end_inside_a_closing_quote(text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("The U.S. District Court ruled. The judge agreed.", ["The U.S. District Court ruled.", "The judge agreed."]),
    ("The U.S. government filed. It was late.", ["The U.S. government filed.", "It was late."]),
    ("Parler sued on Jan. 11 in Seattle. The hearing was Jan. 14.",
     ["Parler sued on Jan. 11 in Seattle.", "The hearing was Jan. 14."]),
    ("Amazon.com Inc. said it would comply. Parler did not.",
     ["Amazon.com Inc. said it would comply.", "Parler did not."]),
    ("Mr. Matze and Sen. Ada Whitlock spoke. They agreed.", ["Mr. Matze and Sen. Ada Whitlock spoke.", "They agreed."]),
    ("Case No. 2:21-cv-00031 was filed. It is pending.", ["Case No. 2:21-cv-00031 was filed.", "It is pending."]),
    ("The app was pulled at 11:59 p.m. Pacific time on Sunday.",
     ["The app was pulled at 11:59 p.m. Pacific time on Sunday."]),
    ("The case is Parler LLC v. Amazon Web Services, Inc., in Seattle.",
     ["The case is Parler LLC v. Amazon Web Services, Inc., in Seattle."]),
])
def test_abbreviations_do_not_end_sentences(text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Parler sued Amazon Web Services Inc. The company said it would fight.",
     ["Parler sued Amazon Web Services Inc.", "The company said it would fight."]),
    ("He moved back to the U.S. In 2020 he returned to Seattle.",
     ["He moved back to the U.S.", "In 2020 he returned to Seattle."]),
    ("Amazon said no. Parler sued.", ["Amazon said no.", "Parler sued."]),
    ("They cited tweets, posts, etc. The judge agreed.", ["They cited tweets, posts, etc.", "The judge agreed."]),
])
def test_an_abbreviation_at_the_end_of_a_sentence_still_ends_it(text, expected):
    assert split_sentences(text) == expected


@pytest.mark.parametrize("text", [
    "U.S. District Judge Barbara J. Rothstein denied the motion.",
    "Barbara J. Rothstein, a Carter appointee, wrote the order.",
    "The order cites J. R. R. Example and A. B. Sample.",
])
def test_initials_do_not_end_sentences(text):
    assert split_sentences(text + " Parler lost.") == [text, "Parler lost."]


def test_decimals_and_prices_stay_whole():
    text = "Shares rose 1.5 percent to $3,292.23 on Thursday. Analysts shrugged. Version 2.0.1 ships soon."
    assert split_sentences(text) == ["Shares rose 1.5 percent to $3,292.23 on Thursday.", "Analysts shrugged.",
                                     "Version 2.0.1 ships soon."]


def test_questions_and_exclamations_end_sentences():
    assert split_sentences("Is this the end? Nobody knows! Maybe.") == ["Is this the end?", "Nobody knows!", "Maybe."]


def test_a_headline_line_without_punctuation_is_its_own_sentence():
    text = "Judge denies Parler bid to restore AWS hosting\nA federal judge on Thursday denied the request."
    assert split_sentences(text) == ["Judge denies Parler bid to restore AWS hosting",
                                     "A federal judge on Thursday denied the request."]


def test_hard_wrapped_lines_are_joined():
    # PDF text wraps mid-sentence: a line that continues in lower case belongs to the sentence before.
    text = ("The Court finds that Parler has\nnot demonstrated a likelihood of\nsuccess on the merits. The motion\n"
            "is denied.")
    assert split_sentences(text) == [
        "The Court finds that Parler has not demonstrated a likelihood of success on the merits.",
        "The motion is denied."]


@pytest.mark.parametrize("line", [
    "Advertisement", "ADVERTISEMENT", "Share this article", "Share", "Sign up for our newsletter",
    "Sign up for our daily newsletter to get the latest news.", "Subscribe to our newsletter",
    "Read more: Parler sues Amazon", "Related: Parler sues Amazon", "Related Articles",
    "Copyright 2021 The Example Post. All rights reserved.", "© 2021 Example Media", "Photo: Example Images",
    "Click here to subscribe", "Follow us on social media", "This article has been updated with comment from Amazon.",
])
def test_boilerplate_lines_are_dropped(line):
    text = f"The judge ruled on Thursday.\n{line}\nParler said it would appeal."
    assert split_sentences(text) == ["The judge ruled on Thursday.", "Parler said it would appeal."]


@pytest.mark.parametrize("sentence", [
    "Related lawsuits are pending in Texas.",
    "Copyright law was not at issue, the judge said.",
    "Share prices of Amazon barely moved.",
    "Advertisement revenue at Parler had collapsed.",
])
def test_sentences_that_merely_start_like_boilerplate_are_kept(sentence):
    assert split_sentences(sentence) == [sentence]


def test_whitespace_is_normalised_and_empty_text_gives_nothing():
    assert split_sentences("  The   judge\truled.  ") == ["The judge ruled."]
    assert split_sentences("") == [] and split_sentences(None) == [] and split_sentences("\n\n — \n") == []


def test_paragraphs_are_split_on_blank_lines():
    assert split_paragraphs("One.\n\nTwo three.\n  \nFour.") == ["One.", "Two three.", "Four."]
