"""Kept per-article work (analysis/prep.py): keys, round trips, what happens without a store."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import prep
from analysis.sentences import document_sentences
from analysis.syndication import text_shingles
from analysis.words import term_bag

TITLE = "Judge denies Brewline motion"
TEXT = "Judge Ada Quill denied the motion on Tuesday. Brewline's lawyers said they would appeal.\n\nShares fell."


def test_the_key_covers_title_text_and_code(monkeypatch):
    key = prep.content_key(TITLE, TEXT)
    assert len(key) == 64 and key == prep.content_key(TITLE, TEXT)
    assert len({key, prep.content_key(TITLE + "!", TEXT), prep.content_key(TITLE, TEXT + " "),
                prep.content_key(TITLE + "\x00", TEXT[1:])}) == 4
    monkeypatch.setattr(prep, "CODE", "edited-splitter")
    assert prep.content_key(TITLE, TEXT) != key


def test_a_split_reads_back_as_computed():
    split = prep.split(TITLE, TEXT)
    assert (split["sentences"], split["has_title"]) == document_sentences(TITLE, TEXT)
    assert split["keys"][1] == "judge ada quill denied the motion on tuesday"
    assert prep.decode_split(prep.encode_split(split)) == split


def test_terms_read_back_as_computed_and_share_strings():
    shingles, bag = prep.terms(TITLE, TEXT)
    assert np.array_equal(shingles, text_shingles(TEXT)) and bag == term_bag(f"{TITLE}\n{TEXT}")
    vocabulary: dict[str, str] = {}
    got_shingles, got_bag = prep.decode_terms(prep.encode_terms((shingles, bag)), vocabulary)
    assert got_shingles.dtype == np.uint32 and np.array_equal(got_shingles, shingles)
    assert got_bag == bag and list(got_bag) == list(bag)  # the same counts in the same order
    _, again = prep.decode_terms(prep.encode_terms((shingles, bag)), vocabulary)
    assert all(a is b for a, b in zip(got_bag, again))


@pytest.mark.parametrize("blob", [b"", b"[1, 2]", b'{"h": "!!", "b": {}}', b'{"h": "", "b": {"a": "x"}}',
                                  b'{"s": ["a"], "t": true, "k": []}'])
def test_damaged_values_do_not_read_back(blob):
    with pytest.raises((ValueError, KeyError, TypeError)):
        prep.decode_terms(blob)
    with pytest.raises((ValueError, KeyError, TypeError)):
        prep.decode_split(blob)


def test_without_a_store_everything_is_computed():
    calls = []
    tally: dict = {}
    values = prep.kept(None, prep.TEXT, ["a", "b"], lambda i: calls.append(i) or str(i), str.encode, bytes.decode, tally)
    assert values == ["0", "1"] and calls == [0, 1] and tally == {"text": 0}
