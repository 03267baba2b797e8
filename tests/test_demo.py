"""The bundled demo, built the way README command 1 builds it, on every dashboard page."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from framelens.demo import demo_is_built
from framelens.store import Store

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "compare", "framing_map", "omissions", "quotes", "words", "descriptors", "reader", "export"]


def _app(db: str, page: str, monkeypatch) -> AppTest:
    monkeypatch.setenv("FRAMELENS_DB", db)
    monkeypatch.delenv("FRAMELENS_STORIES_DIR", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_demo_is_built_with_every_result(demo_db):
    assert demo_is_built(demo_db)
    with Store(demo_db, readonly=True) as store:
        results = store.article_results("demo")
        story = store.story_results("demo")
        assert len(results) == store.count_articles("demo") >= 31
        assert {"provenance", "clusters", "talking_points", "quote_passages", "syndication",
                "term_counts", "words_left_right"} <= set(story)
    fidelities = {q["fidelity"] for p in results.values() for q in p["quotes"]}
    assert fidelities == {"exact", "close", "altered", "not_in_source"}
    assert {p["stance"]["label"] for p in results.values()} == {"critical", "neutral", "supportive"}
    assert any(p["evaluated"] is False for p in results.values())  # the German article
    assert len(story["syndication"]) >= 2
    for group in story["syndication"]:  # copies sit with their original on the framing map
        where = {(results[a]["cluster"], results[a]["x"], results[a]["y"]) for a in group["article_ids"]}
        assert len(where) == 1, group
    clustered = sum(c["size"] for c in story["clusters"])
    copies = sum(len(g["article_ids"]) - 1 for g in story["syndication"])
    assert clustered == sum(1 for p in results.values() if p["cluster"] >= 0) - copies


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_the_demo(demo_db, page, monkeypatch):
    at = _app(demo_db, page, monkeypatch)
    assert any("Synthetic demo data" in w.value for w in at.warning)


def test_demo_command_is_idempotent(demo_db):
    done = subprocess.run([sys.executable, "-m", "framelens.demo", "--if-missing", demo_db],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "already built" in done.stderr


def test_headless_export_of_the_demo(demo_db, tmp_path):
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "analysis", "export", "--story", "demo", "--db", demo_db,
                           "--out", str(out), "--format", "json,csv"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    articles = json.loads((out / "articles.json").read_text())
    assert {a["role"] for a in articles} == {"article", "primary_source"}
    assert list((out / "tables").glob("*.csv"))
