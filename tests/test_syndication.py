"""Syndication: wire copies, light edits and spun rewrites grouped; translations and
independent reports of the same event kept apart; sub-quadratic on 2,000 articles."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from analysis.syndication import SyndicationDoc, group_syndication
from analysis.syndication_pairs import measure_overlap, text_shingles
from tests.measure import traced_peak_mb

T0 = datetime(2024, 5, 10, 14, 0, tzinfo=timezone.utc)

ORIGINAL = """PORT ELLIS (Meridian Wire) — A federal judge on Friday refused to order Cloudhaven to restore hosting for GadgetCo, the app maker that has been offline since Cloudhaven cut it off last week.
Judge Ada Quill denied GadgetCo's request for a preliminary injunction, writing that the company had not shown it was likely to win its case.
GadgetCo sued Cloudhaven on May 3, a day after the hosting company suspended its account over posts that threatened city council members.
The company argues that Cloudhaven broke their contract by cutting service without thirty days of notice.
It also claims that Cloudhaven worked with a rival app, Pellmark, to push it out of the market.
Quill wrote that GadgetCo offered little evidence of any deal between Cloudhaven and Pellmark.
She added that the contract allowed Cloudhaven to suspend service at once when a customer broke its content rules.
GadgetCo's lawyer, Rina Osterhout, said the company would keep fighting in court and was weighing an appeal.
Cloudhaven said it was pleased that the court recognised its right to enforce its rules."""

LOCAL_INTRO = "Residents of Tessmoor who relied on the GadgetCo app will have to wait longer for it to return."

SPUN = """PORT ELLIS (Meridian Wire) — A national magistrate on Friday declined to direct Cloudhaven to bring back web hosting for GadgetCo, the application developer that has been dark since Cloudhaven severed it last week.
Magistrate Ada Quill rejected GadgetCo's appeal for an initial injunction, stating that the firm had not demonstrated it was probable to prevail in its lawsuit.
GadgetCo took legal action against Cloudhaven on May 3, one day after the hosting firm halted its profile over messages that menaced municipal council members.
The firm contends that Cloudhaven violated their agreement by terminating service without thirty days of warning.
It additionally alleges that Cloudhaven collaborated with a competing application, Pellmark, to drive it out of the marketplace.
Quill stated that GadgetCo provided scant proof of any arrangement between Cloudhaven and Pellmark.
She noted that the agreement permitted Cloudhaven to halt service immediately whenever a client violated its content policies.
GadgetCo's attorney, Rina Osterhout, stated the firm would continue battling in court and was considering an appeal.
Cloudhaven stated it was happy that the court acknowledged its right to enforce its policies."""

INDEPENDENT = """GadgetCo lost the first round of its fight with Cloudhaven on Friday.
Judge Ada Quill said no to the app maker's plea for an emergency order putting it back online.
The dispute began after council members in Port Ellis received threats that were posted on the app.
Cloudhaven pulled the plug on May 2, and GadgetCo went to court the next day.
Legal experts said the outcome was no surprise given how such hosting contracts are written.
"Courts rarely force one business to keep serving another," said Tomas Velde, a law professor.
GadgetCo has about two million users, most of them in the northern counties.
Its lawyer, Rina Osterhout, said the company would keep fighting in court and was weighing an appeal.
Cloudhaven declined to comment beyond a short statement."""

GERMAN = """PORT ELLIS — Ein Bundesrichter hat es am Freitag abgelehnt, Cloudhaven zur Wiederherstellung des Hostings für GadgetCo zu verpflichten.
Richterin Ada Quill wies den Antrag von GadgetCo auf eine einstweilige Verfügung ab.
GadgetCo hatte Cloudhaven am 3. Mai verklagt, einen Tag nachdem das Unternehmen das Konto wegen Drohungen gesperrt hatte.
Das Unternehmen argumentiert, Cloudhaven habe den Vertrag gebrochen, weil die Frist von dreißig Tagen nicht eingehalten wurde.
Außerdem behauptet es, Cloudhaven habe mit dem Konkurrenten Pellmark zusammengearbeitet.
Quill schrieb, GadgetCo habe kaum Belege für eine Absprache vorgelegt.
Der Vertrag erlaube eine sofortige Sperrung bei Verstößen gegen die Inhaltsregeln.
GadgetCo will weiter vor Gericht kämpfen und prüft eine Berufung."""

OTHER = """The Tessmoor city council approved a new budget for road repairs on Tuesday.
The plan sets aside four million dollars for potholes and bridge inspections.
Council member Ida Brandt said the money would be spent over three years.
Residents can comment on the plan at a public meeting next month."""


def _sentences(text: str) -> list[str]:
    return [s for line in text.splitlines() for s in re.split(r"(?<=[.!?])\s+", line.strip()) if s]


@pytest.fixture(scope="module")
def encode():
    from tests.test_embed import real_embedder

    model = real_embedder()
    return lambda texts: np.asarray(model.encode(texts))


def _doc(doc_id, text, encode, hours=0, language="en"):
    sentences = _sentences(text)
    vectors = encode(sentences)
    vector = vectors.mean(axis=0)
    return SyndicationDoc(doc_id, text, sentences, vectors, vector / np.linalg.norm(vector),
                          language, T0 + timedelta(hours=hours))


def test_copies_edits_and_spun_rewrites_group_and_the_rest_stay_apart(encode):
    lines = ORIGINAL.splitlines()
    edited = "\n".join([LOCAL_INTRO] + lines[:4] + lines[5:])  # local intro, a paragraph trimmed
    docs = [
        _doc(10, ORIGINAL, encode, hours=0),
        _doc(11, ORIGINAL, encode, hours=2),         # verbatim copy
        _doc(12, edited, encode, hours=3),
        _doc(13, SPUN, encode, hours=30),            # machine-spun rewrite
        _doc(14, INDEPENDENT, encode, hours=1),      # same event, same closing quote, own sentences
        _doc(15, GERMAN, encode, hours=5, language="de"),
        _doc(16, OTHER, encode, hours=4),
        _doc(9, INDEPENDENT.replace("Friday", "Friday evening"), encode, hours=6),
    ]
    result = group_syndication(docs)
    assert result.groups == [
        {"group": "syn-9", "article_ids": [9, 14], "original_article_id": 14, "kind": "wire"},
        {"group": "syn-10", "article_ids": [10, 11, 12, 13], "original_article_id": 10, "kind": "mixed"},
    ]
    assert result.group_of[13] == "syn-10" and result.group_of[15] is None and result.group_of[16] is None
    assert result.original_of == {9: False, 10: True, 11: False, 12: False, 13: False, 14: True,
                                  15: True, 16: True}


def test_spun_pair_alone_is_kind_spun_and_edit_alone_is_edited(encode):
    lines = ORIGINAL.splitlines()
    edited = "\n".join([LOCAL_INTRO] + lines[:4] + lines[5:])
    spun = group_syndication([_doc(1, ORIGINAL, encode), _doc(2, SPUN, encode, hours=1)])
    assert spun.groups[0]["kind"] == "spun"
    edit = group_syndication([_doc(1, ORIGINAL, encode), _doc(2, edited, encode, hours=1)])
    assert edit.groups[0]["kind"] == "edited"


# --------------------------------------------------------------------------- numpy fakes

def _fake(doc_id, words, vectors, language="en", published=None):
    sentences = [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)]
    vectors = vectors[:len(sentences)]
    mean = vectors.mean(axis=0)
    return SyndicationDoc(doc_id, " ".join(words), sentences, vectors, mean / np.linalg.norm(mean),
                          language, published)


def _random_doc(rng, vocab, n_sent=8, dim=32):
    words = list(rng.choice(vocab, 12 * n_sent))
    vectors = rng.normal(size=(n_sent, dim))
    return words, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_translation_with_same_vectors_is_kept_apart():
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(500)]
    words, vectors = _random_doc(rng, vocab)
    result = group_syndication([_fake(1, words, vectors, "en"), _fake(2, words, vectors, "de"),
                                _fake(3, words, vectors, "en-GB")])
    assert result.groups == [{"group": "syn-1", "article_ids": [1, 3], "original_article_id": 1, "kind": "wire"}]


def test_without_sentence_vectors_words_decide():
    rng = np.random.default_rng(1)
    vocab = [f"w{i}" for i in range(500)]
    words, _ = _random_doc(rng, vocab)
    empty = np.zeros((0, 8))
    a = SyndicationDoc(1, " ".join(words), [], empty, np.zeros(0))
    b = SyndicationDoc(2, " ".join(words[:70]), [], empty, np.zeros(0))
    c = SyndicationDoc(3, " ".join(rng.choice(vocab, 96)), [], empty, np.zeros(0))
    result = group_syndication([a, b, c])
    assert result.group_of == {1: "syn-1", 2: "syn-1", 3: None}
    assert result.groups[0]["kind"] == "edited"


def test_trimmed_copy_found_without_vectors_or_lsh():
    rng = np.random.default_rng(5)
    vocab = [f"w{i}" for i in range(3000)]
    words, vectors = _random_doc(rng, vocab, n_sent=40)
    full = _fake(1, words, vectors)
    trimmed = _fake(2, words[:36], vectors[:3])  # the first three of forty sentences
    trimmed.vector = rng.normal(size=vectors.shape[1])  # and a vector nowhere near
    others = [_fake(10 + i, *_random_doc(rng, vocab, n_sent=40)) for i in range(30)]
    result = group_syndication([full, trimmed] + others)
    assert result.groups == [{"group": "syn-1", "article_ids": [1, 2], "original_article_id": 1,
                              "kind": "edited"}]


def test_original_is_earliest_then_lowest_id():
    rng = np.random.default_rng(2)
    words, vectors = _random_doc(rng, [f"w{i}" for i in range(300)])
    naive = datetime(2024, 5, 10, 9, 0)  # naive dates read as UTC
    docs = [_fake(5, words, vectors, published=None), _fake(7, words, vectors, published=naive),
            _fake(6, words, vectors, published=T0), _fake(8, words, vectors, published=naive)]
    result = group_syndication(docs)
    assert result.groups[0]["original_article_id"] == 7 and result.groups[0]["group"] == "syn-5"
    assert result.group_of == {5: "syn-5", 6: "syn-5", 7: "syn-5", 8: "syn-5"}
    assert group_syndication([]).groups == []
    single = group_syndication([docs[0]])
    assert single.group_of == {5: None} and single.original_of == {5: True}


def test_two_thousand_articles_with_planted_groups_is_sub_quadratic():
    rng = np.random.default_rng(3)
    vocab = [f"w{i}" for i in range(20000)]
    docs, planted = [], []
    for i in range(1950):
        docs.append(_fake(i, *_random_doc(rng, vocab)))
    next_id = 1950
    for g in range(10):  # five wire groups (same words) and five spun groups (synonym swaps, near vectors)
        base = docs[g * 100]
        members = [base.id]
        for _ in range(4):
            if g < 5:
                words = base.text.split()
                vectors = base.sentence_vectors
            else:
                # four words in ten swapped: a spun copy keeps names and small words
                words = [w if rng.random() < 0.6 else str(rng.choice(vocab)) for w in base.text.split()]
                noise = rng.normal(scale=0.05, size=base.sentence_vectors.shape)
                vectors = base.sentence_vectors + noise
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            docs.append(_fake(next_id, words, vectors))
            members.append(next_id)
            next_id += 1
        planted.append(sorted(members))
    order = rng.permutation(len(docs))
    result, peak_mb = traced_peak_mb(group_syndication, [docs[i] for i in order])
    assert sorted(g["article_ids"] for g in result.groups) == sorted(planted)
    assert [g["kind"] for g in sorted(result.groups, key=lambda g: g["article_ids"][0])] == \
        ["wire"] * 5 + ["spun"] * 5
    assert result.candidate_pairs <= 12 * len(docs)  # ~k neighbours each, never all pairs
    assert peak_mb < 100  # no n x n similarity matrix (time: benchmarks/bench_scale.py)


def test_deterministic_regardless_of_input_order():
    rng = np.random.default_rng(4)
    vocab = [f"w{i}" for i in range(800)]
    base = [_random_doc(rng, vocab) for _ in range(30)]
    docs = [_fake(i, w, v) for i, (w, v) in enumerate(base)]
    docs += [_fake(100 + i, base[i][0], base[i][1]) for i in range(0, 30, 3)]
    first = group_syndication(docs)
    second = group_syndication(list(reversed(docs)))
    assert first.groups == second.groups and first.group_of == second.group_of
    assert len(first.groups) == 10


def test_shingles_are_sorted_distinct_hashes_and_overlap_counts_shared_ones():
    text = "the court denied the motion and the court denied the appeal"
    s = text_shingles(text)
    assert s.dtype == np.uint32 and np.all(np.diff(s.astype(np.int64)) > 0)
    assert len(s) == 7  # nine 3-word windows; "the court denied" and "court denied the" come twice
    assert np.array_equal(text_shingles(text.upper()), s)  # case does not matter
    assert np.array_equal(text_shingles(text, {}), s)  # the shared word-hash cache changes nothing
    assert measure_overlap(s, s) == (1.0, 1.0)
    longer = text_shingles(text + " while a separate paragraph adds several entirely new words here")
    jaccard, containment = measure_overlap(s, longer)
    assert containment == 1.0 and 0.3 < jaccard < 0.7
    assert measure_overlap(s, text_shingles("nothing in common with that at all")) == (0.0, 0.0)
    assert len(text_shingles("")) == 0 and len(text_shingles("two words")) == 1


def test_earlier_verdicts_are_used_and_new_ones_returned_for_keyed_documents():
    rng = np.random.default_rng(7)
    vocab = np.array([f"w{i}" for i in range(400)])
    words, vectors = _random_doc(rng, vocab)
    docs = [_fake(1, words, vectors), _fake(2, words, vectors), _fake(3, *_random_doc(rng, vocab))]
    for d in docs:
        d.key = f"key-{d.id}"
    first = group_syndication(docs)
    assert [g["article_ids"] for g in first.groups] == [[1, 2]]
    assert first.verdicts and set(first.verdicts.values()) <= {"wire", "edited", "spun", ""}
    asked = []

    def known(keys):
        asked.extend(keys)
        return {k: "" for k in keys}  # an earlier run found no pair to be one story
    second = group_syndication(docs, known=known)
    assert sorted(asked) == sorted(first.verdicts) and second.verdicts == {} and second.groups == []
    assert group_syndication(docs, known=lambda keys: dict(first.verdicts)).groups == first.groups
    for d in docs:
        d.key = ""  # unkeyed documents are always verified, and nothing is returned to keep
    unkeyed = group_syndication(docs, known=known)
    assert unkeyed.groups == first.groups and unkeyed.verdicts == {}


def test_precomputed_shingles_and_sentence_keys_give_the_same_groups():
    from analysis.sentences import sentence_key

    rng = np.random.default_rng(3)
    vocab = np.array([f"w{i}" for i in range(300)])
    words, vectors = _random_doc(rng, vocab)
    docs = [_fake(1, words, vectors), _fake(2, words[:60], vectors), _fake(3, *_random_doc(rng, vocab))]
    plain = group_syndication(docs)
    for d in docs:
        d.shingles, d.keys = text_shingles(d.text), [sentence_key(s) for s in d.sentences]
    assert group_syndication(docs).groups == plain.groups and plain.groups


# --------------------------------------------------------------------------- reposts and independent reports

RULING_QUOTES = [
    'Quill wrote: "The record holds nothing that shows an agreement between Cloudhaven and Pellmark, only timing '
    'and suspicion."',
    '"A contract that lets a host suspend service at once for threats means what it says," she added.',
    '"The public interest does not favour forcing a company to carry posts that name people and say how to hurt '
    'them," the ruling says.',
    '"GadgetCo has not shown that it is likely to win on any of its three claims," Quill concluded.',
]

OWN_A = """GadgetCo's bid to get back online failed on Friday in a federal courtroom in Port Ellis.
The app maker had argued that losing its host for a week was costing it thousands of subscribers."""

OWN_B = """A judge has sided with the hosting firm Cloudhaven in its fight with the app company GadgetCo.
Lawyers for the app say they are studying the decision before deciding whether to go to a higher court."""


def _with_title(doc: SyndicationDoc, title: str, encode) -> SyndicationDoc:
    """The doc as the pipeline gives it: its headline first among the sentences, not in the body."""
    sentences = [title] + doc.sentences
    return SyndicationDoc(doc.id, doc.text, sentences, encode(sentences), doc.vector, doc.language, doc.published)


def _edited_line(line: str) -> str:
    """A copy editor's touch: a word or two changed, the sentence kept."""
    return (line.replace("Friday", "Friday afternoon").replace("said", "stated").replace("the company", "the firm")
            .replace("Cloudhaven", "Cloud Haven"))


def test_repost_with_a_new_headline_and_another_cut_is_one_story(encode):
    """A repost that keeps five lightly edited paragraphs of the original under a new headline,
    with its own opening, shares under half its words with the original's excerpt (which
    starts earlier and stops sooner): its near-identical sentences, in order, make it a copy."""
    lines = ORIGINAL.splitlines()
    original = "\n".join(lines[:8])
    repost = "\n".join([LOCAL_INTRO, OWN_B.splitlines()[0], OTHER.splitlines()[0]]
                       + [_edited_line(line) for line in lines[3:]])
    a = _with_title(_doc(1, original, encode), "Judge keeps GadgetCo offline", encode)
    b = _with_title(_doc(2, repost, encode, hours=5), "What the GadgetCo ruling means for Tessmoor app users", encode)
    assert measure_overlap(text_shingles(original), text_shingles(repost))[1] < 0.5  # the shingles alone split them
    result = group_syndication([a, b])
    assert [g["article_ids"] for g in result.groups] == [[1, 2]] and result.groups[0]["kind"] == "edited"


def test_independent_reports_quoting_the_same_ruling_stay_apart(encode):
    """Two outlets' own write-ups that quote the same four passages of the ruling word for
    word: most of their words are shared quotations, none of their own sentences are."""
    a = _doc(1, OWN_A.splitlines()[0] + "\n" + "\n".join(RULING_QUOTES) + "\n" + OWN_A.splitlines()[1], encode)
    b = _doc(2, OWN_B.splitlines()[0] + "\n" + "\n".join(RULING_QUOTES) + "\n" + OWN_B.splitlines()[1], encode,
             hours=2)
    assert measure_overlap(text_shingles(a.text), text_shingles(b.text))[1] >= 0.5  # by shingles, a copy
    assert group_syndication([a, b]).groups == []


def test_spun_copy_of_a_quoting_article_is_still_one_story(encode):
    """The quotations are left out of the comparison, not the rest: a rewrite of an article
    full of quotes is found from its own sentences."""
    lines = ORIGINAL.splitlines()
    spun = SPUN.splitlines()
    a = _doc(1, "\n".join(lines[:5] + RULING_QUOTES[:2] + lines[5:]), encode)
    b = _doc(2, "\n".join(spun[:5] + RULING_QUOTES[:2] + spun[5:]), encode, hours=3)
    assert [g["kind"] for g in group_syndication([a, b]).groups] == ["spun"]
