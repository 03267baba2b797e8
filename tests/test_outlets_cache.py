"""The outlet registry's parse cache: used when the file's bytes are unchanged, and never a
reason to fail (changed file, corrupt/unreadable entry, unwritable cache folder)."""

import json
import textwrap

import pytest

from framelens import outlets_cache
from framelens.outlets import load_outlets
from framelens.yamlcheck import ConfigError

REGISTRY = textwrap.dedent("""\
    outlets:
      dailyharbor.example:
        name: The Daily Harbor
        kind: regional
        country: US
        aliases: [harbor.example]
        ratings:
        - {rater: Example Rater, lean: lean-left, as_of: "2024", url: "https://rater.example/harbor"}
        - {rater: Other Rater, lean: center, as_of: "2023-05"}
      plainsreport.example:
        name: Plains Report
        kind: national
        lean: right
        lean_source: Example Rater
    """)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("FRAMELENS_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def registry_file(tmp_path):
    path = tmp_path / "outlets.yaml"
    path.write_text(REGISTRY, encoding="utf-8")
    return path


def _rows(path):
    registry = load_outlets([path], ratings_file=None)
    return {d: (o.row(), o.aliases, o.feeds, o.notes) for d, o in registry.outlets.items()}


def _entry(path):
    return outlets_cache.cache_path(outlets_cache.cache_key(path.read_bytes()))


def test_a_validated_file_is_cached_and_the_cache_gives_the_same_outlets(cache, registry_file):
    first = _rows(registry_file)
    assert _entry(registry_file).exists()
    assert _rows(registry_file) == first
    assert first["dailyharbor.example"][0]["lean"] == "center"  # consensus of the two raters
    assert first["plainsreport.example"][0]["lean_source"] == "Example Rater"


def test_an_unchanged_file_is_read_from_the_cache(cache, registry_file):
    _rows(registry_file)
    entry = _entry(registry_file)
    stored = json.loads(entry.read_text(encoding="utf-8"))
    stored["outlets"][0]["name"] = "Name From The Cache"
    entry.write_text(json.dumps(stored), encoding="utf-8")
    assert _rows(registry_file)["dailyharbor.example"][0]["name"] == "Name From The Cache"


def test_a_changed_file_is_parsed_again(cache, registry_file):
    _rows(registry_file)
    registry_file.write_text(REGISTRY.replace("The Daily Harbor", "Harbor Daily"), encoding="utf-8")
    assert _rows(registry_file)["dailyharbor.example"][0]["name"] == "Harbor Daily"


@pytest.mark.parametrize("content", ["{not json", "[]", '{"version": 1}', '{"version": 0, "outlets": []}',
                                     '{"version": 1, "key": "x", "outlets": []}',
                                     '{"version": 1, "key": "@KEY@", "outlets": [{"domain": "a.example"}]}'])
def test_a_corrupt_or_stale_entry_falls_back_to_the_parse_and_is_repaired(cache, registry_file, content):
    expected = _rows(registry_file)
    entry = _entry(registry_file)
    entry.write_text(content.replace("@KEY@", entry.stem), encoding="utf-8")  # the right key, an outlet cut short
    assert _rows(registry_file) == expected
    assert json.loads(entry.read_text(encoding="utf-8"))["version"] == outlets_cache.LOADER_VERSION


def test_an_unreadable_entry_falls_back_to_the_parse(cache, registry_file):
    expected = _rows(registry_file)
    entry = _entry(registry_file)
    entry.unlink()
    entry.mkdir()  # neither readable as a file nor replaceable: both read and write fail
    assert _rows(registry_file) == expected


def test_an_unwritable_cache_folder_is_no_error(tmp_path, monkeypatch, registry_file):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("FRAMELENS_CACHE_DIR", str(blocker / "cache"))  # cannot be created, even by root
    assert set(_rows(registry_file)) == {"dailyharbor.example", "plainsreport.example"}
    assert not outlets_cache.write_cached("k", [])


def test_an_invalid_file_reports_file_and_line_and_is_not_cached(cache, registry_file):
    _rows(registry_file)  # a valid earlier version is cached: it must not hide the new errors
    registry_file.write_text(REGISTRY.replace("kind: national", "kind: blog"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_outlets([registry_file], ratings_file=None)
    assert f"{registry_file}:12: outlets.plainsreport.example.kind: 'blog' is not one of" in str(info.value)
    assert not _entry(registry_file).exists()
    with pytest.raises(ConfigError):  # and again: nothing cached made it valid
        load_outlets([registry_file], ratings_file=None)
