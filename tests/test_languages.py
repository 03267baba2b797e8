"""Per-language cues, actor references and negation (issue 15, items 3-5).

The story-format and resolution rules run on small invented stories without a model; the
articles in German, Spanish and English run the real parler-aws story with the real
model through `run_analysis`. Every sentence here was written for these tests; the
outlets are fictional `.example` sites.
"""

from __future__ import annotations

import textwrap
from urllib.parse import urlsplit

import numpy as np
import pytest

from analysis import detectors as det
from analysis.descriptors import ActorFinder, _owners, reference_regex
from analysis.pipeline import run_analysis
from framelens.records import ArticleRecord
from framelens.settings import STORIES_DIR
from framelens.stories import (Actor, ConfigError, Detector, cue_languages, evaluates, load_story,
                               story_in_language)
from framelens.store import Store
from tests.test_detectors import PUBLISHED
from tests.test_embed import real_embedder

CUED_STORY = textwrap.dedent("""\
    title: Cues
    language: en
    dates: {start: 2024-05-01, end: 2024-05-20}
    query: {keywords: [cues]}
    actors:
      harbor:
        label: Harborline
        references: ["the app"]
        languages:
          es: {references: ["la aplicación"]}
    features:
      - id: flood
        label: Mentions the flood
        patterns: ['\\bflood\\b']
        prototypes: ["The river flooded the town."]
        languages:
          de:
            patterns: ['\\bhochwasser\\b']
            exclude_patterns: ['\\bhochwasserschutz\\b']
            prototypes: ["Der Fluss trat über die Ufer."]
    """)


@pytest.fixture
def stories_dir(tmp_path, monkeypatch):
    folder = tmp_path / "stories"
    folder.mkdir()
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(folder))
    return folder


def write_story(folder, name: str, text: str):
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return load_story(name)


# ---------------------------------------------------------------- the story format

def test_cues_and_references_are_read_per_language(stories_dir):
    story = write_story(stories_dir, "cues", CUED_STORY)
    assert cue_languages(story) == {"de", "es"}
    assert evaluates(story, "en") and evaluates(story, "de") and evaluates(story, "es") and evaluates(story, "")
    assert not evaluates(story, "nl")
    german = story_in_language(story, "de")
    flood = german.features[0]
    assert flood.patterns == ["\\bflood\\b", "\\bhochwasser\\b"] and flood.exclude_patterns == ["\\bhochwasserschutz\\b"]
    assert flood.prototypes == ["Der Fluss trat über die Ufer."]  # the English example is left out
    assert story_in_language(story, "es").actors["harbor"].references == ["la aplicación", "the app"]
    assert story_in_language(story, "en") is story


@pytest.mark.parametrize("bad, message", [
    ("    languages:\n      EN: {patterns: ['x']}\n", "features[0].languages.EN: 'EN' is not a two-letter"),
    ("    languages:\n      de: {pattern: ['x']}\n", "features[0].languages.de.pattern: unknown key"),
    ("    languages:\n      de: {patterns: ['(']}\n", "features[0].languages.de.patterns[0]: invalid regular"),
    ("    languages:\n      de: {}\n", "features[0].languages.de: needs patterns or prototypes"),
    ("    languages: [de]\n", "features[0].languages: expected a mapping"),
])
def test_bad_language_cues_are_reported_with_their_key(stories_dir, bad, message):
    text = textwrap.dedent("""\
        title: Bad
        dates: {start: 2024-05-01, end: 2024-05-20}
        query: {keywords: [bad]}
        features:
          - id: flood
            label: Flood
            patterns: ['flood']
        """) + bad
    with pytest.raises(ConfigError) as err:
        write_story(stories_dir, "bad", text)
    assert message in str(err.value)


def test_a_bad_actor_reference_block_is_reported(stories_dir):
    text = CUED_STORY.replace('es: {references: ["la aplicación"]}', "es: {aliases: [x]}")
    with pytest.raises(ConfigError) as err:
        write_story(stories_dir, "bad", text)
    assert "actors.harbor.languages.es.aliases: unknown key" in str(err.value)
    assert "actors.harbor.languages.es: missing required key 'references'" in str(err.value)


# ---------------------------------------------------------------- negation

@pytest.mark.parametrize("sentence, negated", [
    ("This dispute is not about free speech at all.", True),
    ("The case has nothing to do with free speech, the judge wrote.", True),
    ("Der Streit hat nichts mit free speech zu tun, aber viel mit Verträgen.", False),  # "nichts" is not a negator here
    ("No one doubts this is a fight over free speech.", True),
    ("They were not given notice, but the fight is over free speech.", False),  # "but" ends the negated clause
    ("Parler calls the suspension an attack on free speech.", False),
    ("La disputa no tiene que ver con la free speech.", True),
])
def test_a_negation_in_the_clause_cancels_a_hit(sentence, negated):
    assert det.negated(sentence, sentence.index("free speech")) is negated


def test_a_detector_with_negation_ignores_negated_hits():
    sentences = ["This dispute is not about free speech.", "Critics call it an attack on free speech.",
                 "Nobody disputes that, but free speech is what it is about."]
    bank = det.SentenceBank(sentences, np.eye(3, dtype=np.float32))
    plain = Detector("speech", "Speech", patterns=[r"\bfree speech\b"])
    negatable = Detector("speech_n", "Speech", patterns=[r"\bfree speech\b"], negation=True)
    matchers = det.build_matchers([plain, negatable], {}, 3, use_prototypes=False)
    scores = det.score_bank(matchers, bank)
    assert scores["speech"].hit.tolist() == [True, True, True]
    assert scores["speech_n"].hit.tolist() == [False, True, True]


# ---------------------------------------------------------------- references and anaphora (no model)

FINDER = ActorFinder({
    "parler": Actor("parler", "Parler", ["Parler"], ["the platform", "the app", "the company"]),
    "aws": Actor("aws", "Amazon", ["Amazon", "AWS"], ["the company", "the retailer"]),
})


def referred(sentences: list[str], has_title: bool = False) -> list[dict[str, list[str]]]:
    return [{a: [s[x:y] for x, y in spans] for a, spans in found.items()}
            for s, found in zip(sentences, FINDER.mentions(sentences, has_title))]


def test_a_reference_stands_for_the_actor_only_after_it_is_named():
    sentences = ["The app was offline on Monday.", "Then Parler sued.", "The conservative-leaning app said so."]
    assert referred(sentences) == [{}, {"parler": ["Parler"]}, {"parler": ["The conservative-leaning app"]}]


def test_a_shared_reference_goes_to_the_actor_named_last():
    sentences = ["Parler sued Amazon on Monday.", "The company said it had warned the platform."]
    assert referred(sentences)[1] == {"aws": ["The company"], "parler": ["the platform"]}
    assert referred(["Amazon cut off Parler.", "The company will appeal."])[1] == {"parler": ["The company"]}


def test_capitalised_names_are_not_modifiers_and_headlines_may_drop_the_article():
    assert referred(["Parler was dropped from the Apple and Google app stores."]) == [{"parler": ["Parler"]}]
    headline = ["Parler loses bid to make Amazon host pro-Trump app again"]
    assert any(span.endswith("pro-Trump app") for span in referred(headline, has_title=True)[0]["parler"])
    assert referred(headline)[0] == {"parler": ["Parler"], "aws": ["Amazon"]}  # only a headline drops "the"
    assert reference_regex([]) is None
    german = ActorFinder({"parler": Actor("parler", "Parler", ["Parler"], ["die Plattform"])})
    found = german.mentions(["Parler klagt.", "Die bei Fans von Donald Trump beliebte Plattform bleibt offline."])
    assert found[1]["parler"] == [(0, len("Die bei Fans von Donald Trump beliebte Plattform"))]


def owner_in(sentences: list[str], words: str) -> set[str]:
    """Who the words in the last sentence describe, with the article's references resolved."""
    sentence = sentences[-1]
    start = sentence.index(words)
    return _owners((start, start + len(words)), sentence, FINDER.mentions(sentences)[-1])


@pytest.mark.parametrize("sentences, words, expected", [
    (["Parler sued on Monday.", "The ruling is a blow for the platform that grew into a meeting place for angry "
      "voters and right-wing chatter."], "right-wing", {"parler"}),                       # a long relative clause
    (["Now Parler is, as we said, fairly new, popular with Trump supporters."], "Trump supporters", {"parler"}),
    (["Parler grew fast as a rival to Twitter, especially among conservatives."], "conservatives", {"parler"}),
    (["Parler grew fast as Amazon's client, especially among conservatives."], "conservatives", set()),  # two named
    # Relative clauses and appositives in other languages, and the predicate after one.
    (["Parler, das sich als Bastion der Meinungsfreiheit inszenierte, wurde abgeschaltet."], "Meinungsfreiheit",
     {"parler"}),
    (["Parler, das sich als Bastion der Meinungsfreiheit inszenierte, war ein Sammelbecken für Rechtsextreme."],
     "Rechtsextreme", {"parler"}),
    (["Qu'on l'aime ou non, Parler, ce réseau qui se voulait un refuge pour la liberté d'expression, reste "
      "hors ligne."], "liberté d'expression", {"parler"}),
    (["A rede social Parler, conhecida como alternativa ao Twitter para a direita radical, perdeu."],
     "direita radical", {"parler"}),
    (["Un tribunal negó la medida que pedía Parler, la alternativa a Twitter favorita de los conservadores, "
      "para volver."], "conservadores", {"parler"}),
    (["Amazon, which had cut the service off, was praised by conservatives."], "conservatives", {"aws"}),
])
def test_relative_clauses_and_continuations_find_their_actor(sentences, words, expected):
    assert owner_in(sentences, words) == expected


# ---------------------------------------------------------------- real articles, real model

ARTICLES = {
    "anaphora": ("https://harbor-news.example/parler-anaphora", "en",
                 "Judge keeps Parler offline",
                 "A federal judge on Thursday refused to make Amazon restore Parler. "
                 "The judge said the posts at issue were abusive. "
                 "The conservative-leaning social media app, which is favoured by supporters of former President "
                 "Donald Trump, had asked for an urgent order. "
                 "Parler has grown quickly as an alternative to Twitter, especially among right-wing users."),
    "negated": ("https://harbor-news.example/parler-negated", "en",
                "Parler's case against Amazon rests on its contract",
                "Parler is not asserting that its First Amendment rights were violated, the judge noted. "
                "The dispute has nothing to do with the First Amendment, she wrote, and Parler's monopoly claim "
                "in favour of Twitter was thin."),
    "german": ("https://elbkurier.example/parler-urteil", "de",
               "Richterin lässt die Twitter-Alternative Parler abblitzen",
               "Eine Bundesrichterin in Seattle hat den Eilantrag von Parler gegen Amazon abgelehnt. "
               "Die bei Anhängern von Donald Trump beliebte Plattform war nach dem Sturm auf das Kapitol "
               "vom Netz genommen worden. "
               "Amazon hatte auf Beiträge mit Aufrufen zur Gewalt verwiesen, die Parler nicht gelöscht habe. "
               "Parler warf Amazon zudem vor, sich mit Twitter abgesprochen und das Kartellrecht verletzt zu haben. "
               "Die Richterin sah dafür jedoch kaum Belege und wies den Antrag zurück."),
    "spanish": ("https://diariodelvalle.example/parler-jueza", "es",
                "Una jueza rechaza la demanda de Parler contra Amazon",
                "Una jueza federal designada por Jimmy Carter rechazó el jueves la solicitud de Parler para obligar "
                "a Amazon a restablecer su servicio de alojamiento. "
                "La red social, muy popular entre la extrema derecha, quedó fuera de internet tras el asalto al "
                "Capitolio del 6 de enero. "
                "Amazon alegó que la plataforma no retiraba mensajes que incitaban a la violencia. "
                "Parler sostiene que Amazon actuó en beneficio de Twitter para eliminar a un competidor."),
    "dutch": ("https://polderpost.example/parler-rechter", "nl",
              "Rechter wijst verzoek van Parler tegen Amazon af",
              "Een federale rechter in Seattle heeft donderdag het verzoek van Parler afgewezen om Amazon te "
              "dwingen de dienst weer te hosten. Het platform ligt sinds de bestorming van het Capitool plat. "
              "Volgens Amazon verwijderde Parler berichten met oproepen tot geweld niet op tijd."),
}


@pytest.fixture(scope="module")
def read(tmp_path_factory) -> dict[str, dict]:
    story = load_story(STORIES_DIR / "parler-aws.yaml")
    store = Store(str(tmp_path_factory.mktemp("languages") / "languages.db"))
    try:
        ids = {}
        for slug, (url, language, title, text) in ARTICLES.items():
            rec = ArticleRecord(url=url, text=text, title=title, published=PUBLISHED, language=language)
            status, ids[slug] = store.add_article(story.id, rec, url, urlsplit(url).hostname)
            assert status == "new", slug
        run_analysis(store, story, embedder=real_embedder())
        results = store.article_results(story.id)
        yield {slug: results[i] for slug, i in ids.items()}
    finally:
        store.close()


def present(payload: dict) -> set[str]:
    return {k for k, v in payload["features"].items() if v["present"]}


def test_descriptors_follow_references_relative_clauses_and_continuations(read):
    parler = read["anaphora"]["descriptor_evidence"]["parler"]
    assert {"conservative", "pro_trump", "twitter_alternative", "right_wing"} <= set(parler), parler
    assert read["anaphora"]["descriptors"]["aws"] == []


def test_negated_and_out_of_scope_mentions_are_not_the_literal_features(read):
    found = present(read["negated"])
    assert "free_speech" not in found and "big_tech" not in found
    assert "antitrust_claim" in found  # "monopoly claim in favour of Twitter" is the antitrust claim


def test_a_german_article_is_read_with_the_german_cues(read):
    payload = read["german"]
    assert payload["evaluated"] is True and payload["language"] == "de"
    assert {"capitol_riot", "violent_content", "antitrust_claim"} <= present(payload)
    assert "appointing_president" not in present(payload)
    assert {"pro_trump", "twitter_alternative"} <= set(payload["descriptors"]["parler"])
    assert payload["key_facts"]["injunction_denied"]["present"] is True


def test_a_spanish_article_is_read_with_the_spanish_cues(read):
    payload = read["spanish"]
    assert payload["evaluated"] is True and payload["language"] == "es"
    assert {"appointing_president", "capitol_riot", "violent_content", "antitrust_claim"} <= present(payload)
    assert "far_right" in payload["descriptors"]["parler"]
    assert payload["frame"]["scores"]["legal_procedural"] > 0


def test_a_language_without_cues_stays_not_evaluated(read):
    payload = read["dutch"]
    assert payload["language"] == "nl" and payload["evaluated"] is False
    assert all(v["present"] is None for v in payload["features"].values())


# ---------------------------------------------------------------- parler-aws cues, one sentence each

def _matches(story, language: str, kind: str, detector_id: str, sentence: str) -> bool:
    read = story_in_language(story, language)
    detectors = {"features": read.features, "frames": read.frames, "key_facts": read.key_facts,
                 "stance": list(read.stance.values()), "parler": read.descriptors["parler"]}[kind]
    d = next(d for d in detectors if d.id == detector_id)
    return any(p.search(sentence) for p in d.compiled()) and not any(p.search(sentence) for p in d.compiled_excludes())


@pytest.mark.parametrize("language, kind, detector_id, sentence", [
    ("fr", "features", "capitol_riot", "Le réseau a été coupé après l'assaut contre le Capitole."),
    ("fr", "features", "violent_content", "Amazon reprochait au site des messages appelant à tuer des élus."),
    ("fr", "features", "antitrust_claim", "Parler accusait Amazon d'avoir agi au profit de Twitter."),
    ("fr", "parler", "twitter_alternative", "Parler, qui se voulait une alternative à Twitter, reste hors ligne."),
    ("fr", "parler", "far_right", "Le réseau prisé de l'extrême droite reste hors ligne."),
    ("it", "features", "capitol_riot", "Il servizio è stato sospeso dopo l'assalto al Campidoglio."),
    ("it", "features", "appointing_president", "La giudice, nominata da Jimmy Carter, ha respinto il ricorso."),
    ("it", "features", "app_store_removal", "Anche Apple e Google hanno rimosso l'app dai loro negozi."),
    ("it", "parler", "pro_trump", "Il social amato dai sostenitori di Donald Trump resta spento."),
    ("pt", "features", "capitol_riot", "A rede saiu do ar depois da invasão do Capitólio."),
    ("pt", "features", "antitrust_claim", "A Parler diz que a Amazon agiu em benefício do Twitter."),
    ("pt", "parler", "conservative", "A rede social é popular entre conservadores."),
    ("de", "frames", "free_speech", "Kritiker sprechen von Zensur."),
    ("es", "stance", "critical", "Es un precedente peligroso para cualquier plataforma pequeña."),
    ("es", "key_facts", "injunction_denied", "La jueza rechazó la petición de la red social."),
])
def test_each_language_has_cues_of_its_own(language, kind, detector_id, sentence):
    story = load_story(STORIES_DIR / "parler-aws.yaml")
    assert _matches(story, language, kind, detector_id, sentence)
    assert not _matches(story, "en", kind, detector_id, sentence)  # the English cues alone miss it


def test_a_corpus_of_other_languages_alone_is_read():
    # No article in the story's own language: each language still gets its own detectors.
    from analysis.article import ArticleView, detectors_for_texts
    from analysis.embed import HashingEmbedder

    story = load_story(STORIES_DIR / "parler-aws.yaml")
    views = [ArticleView(["Parler bleibt nach dem Sturm auf das Kapitol offline."], False, False, True, "de"),
             ArticleView(["Parler sigue fuera de línea tras el asalto al Capitolio."], False, False, True, "es"),
             ArticleView(["Parler blijft offline."], False, False, False, "nl")]
    detectors = detectors_for_texts(story, HashingEmbedder(), views)
    german, spanish, dutch = (detectors.analyse(v) for v in views)
    assert german["features"]["capitol_riot"]["present"] is True and german["evaluated"] is True
    assert spanish["features"]["capitol_riot"]["present"] is True
    assert dutch["evaluated"] is False and dutch["features"]["capitol_riot"]["present"] is None
