"""Shared fixtures: a fresh database per test, a small valid story file, the registry."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
if not os.environ.get("FRAMELENS_CACHE_DIR"):  # the ONNX export: made once per test session, not in ~/.cache
    os.environ["FRAMELENS_CACHE_DIR"] = tempfile.mkdtemp(prefix="framelens-test-cache-")
    atexit.register(shutil.rmtree, os.environ["FRAMELENS_CACHE_DIR"], True)
# A developer's own ratings file must not change what the tests see.
os.environ["FRAMELENS_RATINGS_FILE"] = os.path.join(tempfile.gettempdir(), "framelens-tests-no-ratings.yaml")

from framelens.outlets import Outlet, OutletRegistry  # noqa: E402
from framelens.stories import load_story  # noqa: E402
from framelens.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["tests.conftest_pg"]

MINI_STORY = textwrap.dedent("""\
    title: The Gadget ruling
    description: A fictional ruling used by the tests.
    dates: {start: 2024-05-01, end: 2024-05-20}
    query:
      keywords: [gadget ruling]
      relevance: {all: [gadget], any: ["judge|court"]}
    actors:
      gadgetco: {label: GadgetCo, aliases: [Gadget Company]}
    features:
      - id: names_judge
        label: Names the judge
        patterns: ['\\bJudge Ada Quill\\b']
        prototypes: [The ruling was written by Judge Ada Quill.]
    frames:
      - {id: legal, label: Legal, patterns: ['\\bcourt\\b']}
      - {id: other, label: Other}
    stance:
      target: the ruling
      labels:
        critical: {label: Critical, patterns: ['\\boutrage']}
        neutral: {label: Neutral}
        supportive: {label: Supportive, patterns: ['\\bright call\\b']}
    key_facts:
      - {id: denied, label: Denied, statement: The court denied the motion., patterns: ['\\bdenied\\b']}
    """)


@pytest.fixture
def db_path(tmp_path) -> str:
    return str(tmp_path / "test.db")


@pytest.fixture
def store(db_path):
    s = Store(db_path)
    yield s
    s.close()


@pytest.fixture
def stories_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "stories"
    folder.mkdir()
    (folder / "gadget.yaml").write_text(MINI_STORY, encoding="utf-8")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(folder))
    return folder


@pytest.fixture
def story(stories_dir):
    return load_story("gadget")


@pytest.fixture
def registry() -> OutletRegistry:
    return OutletRegistry([
        Outlet("leftside.example", "Leftside Daily", lean="left", kind="national"),
        Outlet("middle.example", "Middle Post", lean="center", kind="wire"),
        Outlet("rightway.example", "Rightway News", lean="right", kind="opinion", aliases=["rw.example"]),
    ])


@pytest.fixture
def dash_db(tmp_path, monkeypatch) -> str:
    """A database path for the dashboard test story (tests/dashboard_fixtures.py), not created yet;
    FRAMELENS_DB and FRAMELENS_STORIES_DIR point at it and at the story's folder."""
    from tests.dashboard_fixtures import write_story

    write_story(tmp_path / "stories")
    monkeypatch.setenv("FRAMELENS_STORIES_DIR", str(tmp_path / "stories"))
    db = str(tmp_path / "dash.db")
    monkeypatch.setenv("FRAMELENS_DB", db)
    return db


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> str:
    """The bundled synthetic demo built the documented way (import + analysis), once per session."""
    from framelens.demo import build_demo

    db = str(tmp_path_factory.mktemp("demo") / "demo.db")
    build_demo(db)
    return db
