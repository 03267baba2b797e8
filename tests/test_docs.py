"""Every setting, story key, outlet key and CLI command is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from framelens import outlets, settings, stories

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
STORY_DOC = (ROOT / "docs" / "story-format.md").read_text(encoding="utf-8")
OUTLET_DOC = (ROOT / "docs" / "outlets-format.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(settings.SETTINGS))
def test_setting_documented_in_readme(name):
    assert f"`{name}`" in README


STORY_KEYS = (stories.TOP_KEYS | stories.QUERY_KEYS | stories.RELEVANCE_KEYS | stories.SEED_KEYS
              | stories.PRIMARY_KEYS | stories.ACTOR_KEYS | stories.DETECTOR_KEYS | stories.STANCE_KEYS)


@pytest.mark.parametrize("key", sorted(STORY_KEYS))
def test_story_key_documented(key):
    assert f"`{key}`" in STORY_DOC


@pytest.mark.parametrize("key", sorted(outlets.OUTLET_KEYS))
def test_outlet_key_documented(key):
    assert f"`{key}`" in OUTLET_DOC


def _subcommands(module: str) -> list[str]:
    import importlib

    parser = importlib.import_module(f"{module}.__main__").build_parser()
    actions = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return sorted(actions[0].choices) if actions else []


@pytest.mark.parametrize("module", ["collectors", "analysis"])
def test_cli_commands_documented(module):
    commands = _subcommands(module)
    assert commands
    for command in commands:
        assert re.search(rf"python -m {module} {command}\b", README), f"{module} {command} is not in the README"
