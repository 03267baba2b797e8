"""The Story lab page under AppTest (edit → matches change, save → validated file and a
backup, hostile patterns shown as text, saving refused off localhost or on a read-only
file) and the file splice that keeps the rest of a story file as it was."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis import prep
from analysis.embed import HashingEmbedder, text_hash
from framelens.stories import load_story
from framelens.story_edit import SaveRefused, save_detector
from framelens.store import Store
from tests.dashboard_fixtures import STORY_ID, populate, write_story

ROOT = Path(__file__).resolve().parent.parent
COMMENT = "# a comment the lab must keep"


def _cache_vectors(db: str) -> None:
    """The stored vectors an analysis run leaves (a hashing stand-in under the run's model name)."""
    with Store(db) as store:
        texts = [s for a in store.articles(STORY_ID) for s in prep.split(a["title"] or "", a["text"] or "")["sentences"]]
        texts = list(dict.fromkeys(texts))
        vectors = HashingEmbedder().encode(texts)
        store.put_embeddings("test-model", {text_hash(t): v.tobytes() for t, v in zip(texts, vectors)}, dim=256)


@pytest.fixture
def lab_db(tmp_path, monkeypatch):
    path = write_story(tmp_path / "stories")
    path.write_text(COMMENT + "\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path / "stories"))
    db = str(tmp_path / "lab.db")
    monkeypatch.setenv("FRAMELENS_DB", db)
    populate(db, n_articles=40, hostile=True)
    _cache_vectors(db)
    return path


def _lab() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("app_pages/story_lab.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _pick(at: AppTest, feature_id: str) -> None:
    at.selectbox(key="lab_pick").set_value(("features", feature_id)).run()
    assert not at.exception, [e.value for e in at.exception]


def _frame(at: AppTest, index: int):
    """The page's tables in order: by lean, by outlet, caught, near-misses."""
    return at.dataframe[index].value


def test_editing_a_pattern_changes_the_matches(lab_db):
    at = _lab()
    _pick(at, "violence")
    before = _frame(at, 2)
    assert len(before) and all("violent" in t.lower() or s < 1 for t, s in zip(before["text"], before["similarity"]))
    at.text_area(key="lab_pat_features.violence").set_value("censor").run()
    after = _frame(at, 2)
    assert set(after["text"]) != set(before["text"])
    assert any("censor" in t.lower() for t in after["text"])
    lean_counts = _frame(at, 0)
    assert {"lean", "caught", "articles", "share"} <= set(lean_counts.columns)


def test_saving_validates_and_keeps_a_backup(lab_db):
    at = _lab()
    _pick(at, "censorship")
    at.text_input(key="lab_label_features.censorship").set_value("Calls it censorship (edited)")
    at.text_area(key="lab_pr_features.censorship").set_value("The suspension is censorship.")
    at.button(key="lab_save").click().run()
    assert not at.exception and [s.value for s in at.success], [e.value for e in at.error]
    story = load_story(STORY_ID)
    edited = next(f for f in story.features if f.id == "censorship")
    assert edited.label == "Calls it censorship (edited)" and edited.prototypes == ["The suspension is censorship."]
    assert [f.id for f in story.features] == ["names_judge", "censorship", "violence"]
    backups = list(lab_db.parent.glob(f"{lab_db.name}.bak-*"))
    assert len(backups) == 1 and "Calls it censorship (edited)" not in backups[0].read_text(encoding="utf-8")
    assert lab_db.read_text(encoding="utf-8").startswith(COMMENT)


def test_hostile_patterns_are_shown_as_text(lab_db):
    at = _lab()
    _pick(at, "violence")
    hostile = "<script>alert(1)</script>(["
    at.text_area(key="lab_pat_features.violence").set_value(hostile).run()
    assert not at.exception
    assert hostile in [c.value for c in at.code]
    assert not any("<script>" in str(m.value) for m in at.markdown)
    assert "Not a valid regular expression" in " ".join(e.value for e in at.error)


def test_saving_refused_off_localhost_and_on_a_read_only_file(lab_db, monkeypatch):
    from streamlit import config

    at = _lab()
    original = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at.button(key="lab_save").click().run()
    finally:
        config.set_option("server.address", original)
    assert "not bound to localhost" in " ".join(e.value for e in at.error)
    before = lab_db.read_text(encoding="utf-8")
    lab_db.chmod(0o444)
    try:
        at = _lab()
        at.button(key="lab_save").click().run()
        assert "not writable" in " ".join(str(c.value) for c in at.code)
    finally:
        lab_db.chmod(0o644)
    assert lab_db.read_text(encoding="utf-8") == before and not list(lab_db.parent.glob("*.bak-*"))


def test_a_new_detector_is_appended_and_an_invalid_one_refused(lab_db):
    backup = save_detector(lab_db, "features", {"id": "new_one", "label": "New", "patterns": [r"\bnew\b"]})
    assert backup.exists() and [f.id for f in load_story(STORY_ID).features][-1] == "new_one"
    text = lab_db.read_text(encoding="utf-8")
    with pytest.raises(Exception, match="duplicate id"):
        save_detector(lab_db, "features", {"id": "new_one", "label": "Again", "patterns": ["x"]})
    with pytest.raises(SaveRefused):
        save_detector(lab_db, "stance", {"id": "x", "label": "x"})
    assert lab_db.read_text(encoding="utf-8") == text and not lab_db.with_suffix(".yml").exists()


def test_the_lab_does_not_load_the_model_on_a_page_view():
    code = ("import sys, analysis.lab, framelens.story_edit; "
            "bad = [m for m in ('torch', 'sentence_transformers', 'onnxruntime') if m in sys.modules]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_new_example_sentences_are_embedded_only_with_the_corpus_model():
    from analysis import lab

    vectors = lab.embed_new("hashing-256", ["A new example sentence."])
    assert vectors["A new example sentence."].shape == (256,)
    with pytest.raises(ValueError, match="rerun `python -m analysis run`"):
        lab.embed_new("hashing-128", ["x"])


def test_the_embed_button_says_why_when_the_model_differs(lab_db):
    at = _lab()
    _pick(at, "violence")
    at.text_area(key="lab_pr_features.violence").set_value("The posts urged readers to come back armed.").run()
    assert "no vector yet" in " ".join(w.value for w in at.warning)
    at.button(key="lab_embed").click().run()
    assert not at.exception and "the corpus was embedded with" in " ".join(e.value for e in at.error)


def test_comments_inside_a_rewritten_detector_are_kept(tmp_path):
    path = write_story(tmp_path / "stories")
    save_detector(path, "features", {"id": "blocky", "label": "Block", "patterns": [r"\bone\b"],
                                     "prototypes": ["One example."]})
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(lines.index("    patterns:"), "    # why these words: the judge's own")
    lines.insert(lines.index("      - 'One example.'"), "      # the clearest case")
    lines.insert(lines.index("    label: 'Block'"), "    # ask the desk before renaming")
    lines[lines.index("    label: 'Block'") + 1:lines.index("    label: 'Block'") + 1] = [
        "    description: >-", "      # a hash inside a folded text is text", "      not a comment"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    save_detector(path, "features", {"id": "blocky", "label": "Block two", "patterns": [r"\btwo\b"]}, "blocky")
    text = path.read_text(encoding="utf-8")
    assert "    # why these words: the judge's own\n    patterns:\n      - '\\btwo\\b'\n" in text
    assert "    # ask the desk before renaming\n    label: 'Block two'\n" in text
    # its list is gone: the comment stays, at the detector's end
    assert "      - '\\btwo\\b'\n      # the clearest case\nframes:" in text
    assert [f.label for f in load_story(path).features][-1] == "Block two"
    assert "      # a hash inside a folded text is text" not in text  # the new detector has no description


def test_the_lean_table_runs_left_to_right_and_follows_the_picked_rater(lab_db):
    with Store(os.environ["FRAMELENS_DB"]) as store:  # a fictional rater who rates one outlet only
        harbor = next(o for o in store.outlet_rows() if o["domain"] == "harborledger.example")
        store.upsert_outlets([dict(harbor, ratings=[{"rater": "Rater Right", "lean": "right", "as_of": "2024",
                                                     "url": ""}])])
    at = _lab()
    _pick(at, "violence")
    leans = list(_frame(at, 0)["lean"])
    order = ["left", "lean-left", "center", "lean-right", "right", "unrated"]
    assert len(leans) > 2 and leans == [lean for lean in order if lean in leans]
    at.selectbox(key="rater").set_value("Rater Right").run()
    assert not at.exception, [e.value for e in at.exception]
    assert set(_frame(at, 0)["lean"]) == {"right", "unrated"}  # the others: rated, but not by this rater
    caught = _frame(at, 2)
    assert set(caught[caught["outlet"] == "Harbor Ledger"]["lean"]) == {"right"}
    assert set(caught[caught["outlet"] != "Harbor Ledger"]["lean"]) == {"unrated"}
