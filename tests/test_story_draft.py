"""`python -m framelens story draft`: a story file drafted from the demo ruling and articles
alone recovers the demo's key facts and framing features, validates and runs; bad inputs
get clear messages.

The matching rules (by meaning, with the real model, on unit sentence vectors). Each drafted
candidate counts for at most one demo item: all pairs are scored, then taken best first.
- Key facts: a demo fact is recovered when its statement is at cosine >= 0.65 both to the
  drafted fact's statement (what a person reads) and to the mean of the drafted fact's
  prototypes (the coverage sentences it rests on, which the detector catches).
- Features: a demo feature is recovered when the mean of its prototypes is at cosine >= 0.65
  both to the drafted feature's most typical sentence (its first prototype, which its label
  quotes) and to the mean of the drafted prototypes (one talking point, not a stray example).
The threshold comes from reading every pair on the demo. In this draft the 8 accepted fact
pairs are all the same fact (0.66 to 0.85: public interest, antitrust claim, contract allows
immediate suspension, money damages, offline, claims not dismissed, the suspension, no
likely success); the best rejected ones are not: "posts flagged" against "Stratus
suspended Chirpline" (0.58), the 30-day notice against "the service went offline" (0.54),
and the denial, whose drafted statement is the request it denies (0.52, though its
prototypes are the denial at 0.68). A cosine is a meaning check, not a proof, and
one-to-one matching does part of the work: "claims not dismissed" also meets the drafted
money-damages fact at 0.66 (its reports include "the lawsuit will continue"), and in the
first draft "moves for an injunction on all three claims" met it at 0.71; each was kept
out only because its candidate had a better partner. For features, the accepted pairs are
the appointing president (0.71), the violent content (0.69) and the app-store removal (0.72),
all right; the best rejected is a "lawsuit left alive" point whose third example is the
antitrust accusation (0.62 for the antitrust feature: its means alone meet at 0.74, which is
why the typical sentence must agree too). The statehouse-riot point ("fourteen police
officers were injured", 0.56) and the "Big Tech" point (0.45) are the demo's talking points
told with other examples, and are missed: the rule is strict rather than generous.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from framelens.__main__ import main as framelens_main
from framelens.stories import load_story
from framelens.store import Store

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"
FACT_COSINE = 0.65
FEATURE_COSINE = 0.65


def _draft(story_id: str, *extra: str) -> int:
    return framelens_main(["story", "draft", story_id, "--title", "Chirpline ruling (draft)",
                           "--query", "Chirpline injunction", *extra])


def _unit(rows):
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def fact_scores(gold, drafted, encode) -> np.ndarray:
    """Demo statement against the drafted statement and against the mean of the drafted
    prototypes: the smaller of the two cosines."""
    demo = _unit(encode([g.statement for g in gold]))
    mine = _unit(encode([c.statement for c in drafted]))
    reports = _unit(np.stack([_unit(encode(c.prototypes)).mean(axis=0) for c in drafted]))
    return np.minimum(demo @ mine.T, demo @ reports.T)


def feature_scores(gold, drafted, encode) -> np.ndarray:
    """Mean of the demo prototypes against the drafted feature's typical sentence and against
    the mean of its prototypes: the smaller of the two cosines."""
    def centres(items):
        return _unit(np.stack([_unit(encode(i.prototypes)).mean(axis=0) for i in items]))
    demo = centres(gold)
    typical = _unit(encode([c.prototypes[0] for c in drafted]))
    return np.minimum(demo @ typical.T, demo @ centres(drafted).T)


def one_to_one(scores: np.ndarray, floor: float, gold, drafted) -> list[tuple[str, str, float]]:
    """Pairs at or above `floor`, best first, each demo item and each candidate used once."""
    pairs = sorted(((float(scores[i, j]), i, j) for i in range(len(gold)) for j in range(len(drafted))),
                   reverse=True)
    taken_gold, taken_draft, out = set(), set(), []
    for score, i, j in pairs:
        if score >= floor and i not in taken_gold and j not in taken_draft:
            taken_gold.add(i)
            taken_draft.add(j)
            out.append((gold[i].id, drafted[j].id, round(score, 2)))
    return out


def test_one_to_one_counts_each_candidate_once():
    # a takes x (0.9); b's best, x, is taken, so b gets y (0.75); c's pairs are all below the floor
    scores = np.array([[0.9, 0.8], [0.85, 0.75], [0.2, 0.3]])
    gold, drafted = [_Item("a"), _Item("b"), _Item("c")], [_Item("x"), _Item("y")]
    assert one_to_one(scores, 0.7, gold, drafted) == [("a", "x", 0.9), ("b", "y", 0.75)]
    assert one_to_one(scores[:, :1], 0.7, gold, drafted[:1]) == [("a", "x", 0.9)]


class _Item:
    def __init__(self, id_):
        self.id = id_


@pytest.fixture
def empty_stories(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "stories"
    folder.mkdir()
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(folder))
    return folder


@pytest.mark.slow
def test_demo_draft_recovers_facts_and_features_and_runs(empty_stories, tmp_path, capsys):
    from analysis.__main__ import main as analysis_main
    from analysis.embed import CachedEmbedder, SentenceEmbedder
    from collectors.__main__ import main as collectors_main

    db = str(tmp_path / "draft.db")
    assert _draft("chirpdraft", "--primary", str(DEMO / "ruling.txt"), "--articles",
                  str(DEMO / "articles.jsonl"), "--db", db) == 0
    assert "wrote" in capsys.readouterr().out
    draft, demo = load_story("chirpdraft"), load_story(ROOT / "data" / "stories" / "demo.yaml")
    with Store(db) as store:
        encode = CachedEmbedder(SentenceEmbedder(), store).encode
        facts = one_to_one(fact_scores(demo.key_facts, draft.key_facts, encode), FACT_COSINE,
                           demo.key_facts, draft.key_facts)
        features = one_to_one(feature_scores(demo.features, draft.features, encode), FEATURE_COSINE,
                              demo.features, draft.features)
    assert len(facts) >= 0.6 * len(demo.key_facts), facts
    assert len(features) >= 3, features
    text = (empty_stories / "chirpdraft.yaml").read_text(encoding="utf-8")
    assert "# suggestion:" in text and "# reported by" in text and "Continental Press Wire" in text
    assert "label: 'Mentions “President Jimmy Carter”'" in text  # a readable suggested label
    assert "# one clause of the source sentence:" in text  # a clause says which sentence it comes from
    # the ruling starts with running text, so the source is named after the story, not 'ruling'
    assert draft.primary_source.title == "Primary source of Chirpline ruling (draft)"
    # the untouched draft runs end to end
    assert collectors_main(["import", str(DEMO / "articles.jsonl"), "--story", "chirpdraft", "--db", db]) == 0
    assert analysis_main(["run", "--story", "chirpdraft", "--db", db]) == 0
    with Store(db) as store:
        results = store.article_results("chirpdraft")
    assert len(results) >= 36 and all("features" in r for r in results.values())


def test_existing_story_is_refused_without_force(empty_stories, capsys):
    (empty_stories / "taken.yaml").write_text("title: x\n", encoding="utf-8")
    assert _draft("taken", "--articles", str(DEMO / "articles.jsonl")) == 2
    err = capsys.readouterr().err
    assert "taken.yaml already exists" in err and "--force" in err
    assert (empty_stories / "taken.yaml").read_text(encoding="utf-8") == "title: x\n"


def test_database_without_articles_says_so(empty_stories, tmp_path, capsys):
    db = str(tmp_path / "empty.db")
    Store(db).close()
    assert _draft("newstory", "--db", db, "--from-story", "nothing") == 1
    err = capsys.readouterr().err
    assert "holds no articles for story 'nothing'" in err and "--articles" in err
    assert not (empty_stories / "newstory.yaml").exists()


def test_mistyped_database_is_not_created(empty_stories, tmp_path, capsys):
    missing = tmp_path / "typo.db"
    assert _draft("newstory", "--db", str(missing), "--from-story", "demo") == 2
    assert "does not exist" in capsys.readouterr().err and not missing.exists()


def test_pdf_primary_without_text_is_explained(empty_stories, tmp_path, capsys):
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    pdf = tmp_path / "scan.pdf"
    with pdf.open("wb") as f:
        writer.write(f)
    assert _draft("pdfstory", "--primary", str(pdf), "--articles", str(DEMO / "articles.jsonl")) == 1
    err = capsys.readouterr().err
    assert "scan.pdf" in err and "no text layer" in err
    assert not (empty_stories / "pdfstory.yaml").exists()


def test_broken_pdf_and_unknown_url_are_explained(empty_stories, tmp_path, capsys):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nnot really a pdf")
    assert _draft("pdf2", "--primary", str(broken), "--articles", str(DEMO / "articles.jsonl")) == 1
    assert "cannot read this PDF" in capsys.readouterr().err
    assert _draft("url2", "--primary", "https://court.example/elsewhere.pdf",
                  "--articles", str(DEMO / "articles.jsonl")) == 1
    assert "does not fetch" in capsys.readouterr().err


def test_usage_errors(empty_stories, capsys):
    assert _draft("Bad Id", "--articles", "x") == 2
    assert "may use only" in capsys.readouterr().err
    assert _draft("fine") == 2
    assert "--articles PATH, or --db DB --from-story" in capsys.readouterr().err
    assert _draft("fine", "--articles", "/no/such/file.jsonl") == 1
    assert "no such file" in capsys.readouterr().err


def test_text_primary_source_from_html(tmp_path):
    from analysis.draft_inputs import Coverage, read_primary

    page = tmp_path / "order.html"
    page.write_text("<html><head><title>The order</title></head><body><article><p>"
                    + "The court denied the motion for an injunction today. " * 5
                    + "</p></article></body></html>", encoding="utf-8")
    title, text, where = read_primary(str(page), Coverage([]))
    assert "denied the motion" in text and "<p>" not in text and where == str(page)


def test_actors_references_and_descriptors_from_invented_coverage():
    from analysis.draft_text import find_actors, find_descriptors, find_references

    docs = {
        1: ["Gizmo Labs sued Harbor Hosting on Monday.", "The company said it would appeal.",
            "Gizmo Labs, the libertarian-leaning platform, has been offline since May.", "Quill has not ruled on costs."],
        2: ["Judge Ada Quill ruled against Gizmo Labs.", "The judge wrote a short order.",
            "Gizmo Labs, which is popular with hobbyists, lost the motion."],
        3: ["Harbor Hosting cut off Gizmo Labs in May.", "Gizmo said it would move servers.",
            "The company said users would be back soon.", "Quill set a hearing for June."],
        4: ["Gizmo Labs, a libertarian-leaning app, is dark.", "Judge Ada Quill denied the request.", "The judge said little else.",
            "Gizmo, which is popular with hobbyists, said little."],
    }
    actors = find_actors(docs, ["Harbor Hosting suspended Gizmo Labs under its policy."])
    by_id = {a.id: a for a in actors}
    assert by_id["gizmo"].label == "Gizmo Labs" and "Gizmo" in by_id["gizmo"].aliases
    assert by_id["quill"].label == "Judge Ada Quill" and "Quill" in by_id["quill"].aliases
    find_references(actors, docs)
    assert by_id["gizmo"].references == ["the company"] and by_id["quill"].references == ["the judge"]
    words = {d.label: d for d in find_descriptors(by_id["gizmo"], docs)}
    assert {"libertarian-leaning", "hobbyist"} <= set(words)
    assert words["libertarian-leaning"].articles == {1, 4}
    assert words["hobbyist"].pattern == r"\bhobbyist" + r"s?\b"


def test_generated_yaml_quotes_hostile_text_safely(tmp_path):
    import yaml

    from analysis.draft_yaml import q

    for text in ["it's", "a: b # c", "- x", "{x}", "'", "line\nbreak", "\\bcarter\\b", "&anchor *alias"]:
        assert yaml.safe_load(f"k: {q(text)}")["k"] == " ".join(text.split("\n"))


def test_source_clauses_and_readable_feature_labels():
    from analysis.draft_facts import report_units, source_statements
    from analysis.draft_text import phrase_label

    found = source_statements(["The suit makes two claims: (1) that Harbor Hosting broke its contract with "
                               "Gizmo Labs; and (2) that Harbor Hosting colluded with a larger rival.",
                               "SHORT HEADING IN CAPITALS FOR THE ORDER", "Too short to state a fact."])
    assert "Harbor Hosting colluded with a larger rival." in found
    assert found["Harbor Hosting colluded with a larger rival."].startswith("The suit makes two claims")
    assert not any("HEADING" in s for s in found)
    assert report_units("The judge found the contract allowed it, and that the rival was not involved.") == \
        ["The judge found the contract allowed it.", "The rival was not involved."]
    one = "Harbor Hosting, a larger host, cut off Gizmo Labs."
    assert report_units(one) == [one]
    label = phrase_label(["carter", "jimmy carter"], "The judge was appointed by President Jimmy Carter in 1979.")
    assert label == "Mentions “President Jimmy Carter”"
    assert phrase_label(["offline"], "Nothing here holds it.") == "Mentions offline"


def test_document_heading_is_a_title_line_or_nothing():
    from analysis.draft_inputs import document_heading

    assert document_heading("\n\n# Order on the motion\n\nThe court denies it.") == "Order on the motion"
    assert document_heading("  ORDER DENYING THE MOTION  \nThe court has read the papers.") == "ORDER DENYING THE MOTION"
    assert document_heading("The court has read the papers and denies the motion.\nMore.") == ""
    assert document_heading("x" * 101) == "" and document_heading("") == ""


def test_primary_path_is_relative_inside_the_project_and_absolute_outside(tmp_path):
    from analysis.draft_yaml import relative_path

    project = tmp_path / "checkout"
    primary = project / "data" / "demo" / "ruling.txt"
    assert relative_path(str(primary), project / "data" / "stories" / "x.yaml", project) == "../demo/ruling.txt"
    deep = project / "work" / "team" / "stories" / "x.yaml"  # beyond the old 'same parent folder' rule
    assert relative_path(str(primary), deep, project) == "../../../data/demo/ruling.txt"
    outside = tmp_path / "elsewhere" / "stories" / "x.yaml"
    assert relative_path(str(primary), outside, project) == str(primary.resolve())


def test_the_next_steps_say_how_a_story_drafted_from_another_gets_its_articles():
    import argparse

    from analysis.story_cli import _next_steps

    args = argparse.Namespace(id="fresh", db="my data.db", articles=None, from_story="demo")
    hint = _next_steps(args)
    assert "no command copies story 'demo'" in hint and "import FILE --story fresh --db 'my data.db'" in hint
    assert "collectors run --story fresh" in hint and "analysis run --story fresh" in hint
    args = argparse.Namespace(id="fresh", db=None, articles="coverage.jsonl", from_story=None)
    assert _next_steps(args).startswith("`python -m collectors import coverage.jsonl --story fresh`")
