"""Story and outlet files: every bad key gets a message naming file, line and key."""

from __future__ import annotations

import textwrap

import pytest

from framelens.outlets import OutletRegistry, Outlet, load_outlets, registered_domain
from framelens.stories import ConfigError, load_story

from .conftest import MINI_STORY


def _story_error(stories_dir, text: str, name: str = "bad") -> str:
    (stories_dir / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_story(name)
    return str(info.value)


def test_valid_story_loads(story):
    assert story.id == "gadget" and story.title == "The Gadget ruling"
    assert [f.id for f in story.features] == ["names_judge"]
    assert set(story.stance) == {"critical", "neutral", "supportive"}
    assert story.relevance.accepts("The gadget case: a judge ruled") is True
    assert story.relevance.accepts("The gadget case, no ruling words") is False
    assert len(story.file_hash) == 64


BAD_CASES = [
    ("missing title", MINI_STORY.replace("title: The Gadget ruling\n", ""), "bad.yaml:1: missing required key 'title'"),
    ("unknown top key", MINI_STORY + "colour: blue\n", "colour: unknown key"),
    ("bad date", MINI_STORY.replace("start: 2024-05-01", "start: May 1st"), "dates.start: expected an ISO date"),
    ("end before start", MINI_STORY.replace("end: 2024-05-20", "end: 2024-04-20"), "dates.end: end 2024-04-20 is before start"),
    ("no keywords", MINI_STORY.replace("keywords: [gadget ruling]", "keywords: []"), "query.keywords: needs at least one"),
    ("bad regex", MINI_STORY.replace("'\\bJudge Ada Quill\\b'", "'(unclosed'"), "features[0].patterns[0]: invalid regular expression"),
    ("bad id", MINI_STORY.replace("id: names_judge", "id: Names Judge"), "features[0].id: 'Names Judge' may use only"),
    ("duplicate id", MINI_STORY.replace("id: other", "id: legal"), "frames[1].id: duplicate id 'legal'"),
    ("threshold", MINI_STORY.replace("label: Names the judge", "label: Names the judge\n    threshold: 3"), "features[0].threshold: expected a number in (0, 1]"),
    ("no matcher", MINI_STORY.replace("    patterns: ['\\bJudge Ada Quill\\b']\n    prototypes: [The ruling was written by Judge Ada Quill.]\n", ""), "features[0]: needs patterns or prototypes"),
    ("stance labels", MINI_STORY.replace("    neutral: {label: Neutral}\n", ""), "stance.labels: must have exactly critical, neutral, supportive"),
    ("stance sides", MINI_STORY.replace("  target: the ruling\n", "  target: the ruling\n  sides: {winner: [nobody]}\n"), "stance.sides.winner[0]: unknown actor 'nobody'"),
    ("frame features", MINI_STORY.replace("{id: other, label: Other}", "{id: other, label: Other, features: [nothing]}"), "frames[1].features[0]: unknown feature 'nothing'"),
    ("key fact statement", MINI_STORY.replace("statement: The court denied the motion., ", ""), "key_facts[0]: missing required key 'statement'"),
    ("seed url", MINI_STORY + "seeds: [ftp://x.example/a]\n", "seeds[0].url: expected an http(s) URL"),
    ("feed url", MINI_STORY + "feeds: [https://a.example/feed.xml, file:///etc/passwd]\n", "feeds[1]: expected an http(s) URL"),
    ("feeds not a list", MINI_STORY + "feeds: https://a.example/feed.xml\n", "feeds: expected a list of feed URLs"),
    ("primary path", MINI_STORY + "primary_source: {path: nothere.txt}\n", "primary_source.path: file"),
    ("descriptor actor", MINI_STORY + "descriptors:\n  nobody: [{id: a, label: A, patterns: [x]}]\n", "descriptors.nobody: actor 'nobody' is not declared"),
    ("id mismatch", "id: other\n" + MINI_STORY, "id: 'other' does not match the file name 'bad'"),
    ("demo not bool", MINI_STORY + "demo: maybe\n", "demo: expected true or false"),
    ("min_any", MINI_STORY.replace("any: [\"judge|court\"]", "any: [\"judge|court\"], min_any: 0"), "query.relevance.min_any: expected a whole number"),
]


@pytest.mark.parametrize("name,text,message", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_each_bad_key_gets_its_message(stories_dir, name, text, message):
    error = _story_error(stories_dir, text)
    assert message in error
    assert "bad.yaml:" in error  # file and line


def test_line_numbers_point_at_the_key(stories_dir):
    error = _story_error(stories_dir, MINI_STORY.replace("'\\bJudge Ada Quill\\b'", "'(unclosed'"))
    line = MINI_STORY.splitlines().index("    patterns: ['\\bJudge Ada Quill\\b']") + 1
    assert f"bad.yaml:{line}:" in error


def test_all_problems_reported_at_once(stories_dir):
    text = MINI_STORY.replace("start: 2024-05-01", "start: nope") + "colour: blue\n"
    error = _story_error(stories_dir, text)
    assert "dates.start" in error and "colour" in error


def test_yaml_syntax_error_and_missing_story(stories_dir):
    assert "invalid YAML" in _story_error(stories_dir, "title: [unclosed\n")
    with pytest.raises(ConfigError, match="no such story file"):
        load_story("nothing-here")


def test_shipped_stories_are_valid():
    for story_id in ("parler-aws", "demo"):
        story = load_story(story_id)
        assert story.features and story.frames and story.key_facts


def test_parler_story_has_the_required_ids():
    story = load_story("parler-aws")
    assert [f.id for f in story.features] == ["appointing_president", "capitol_riot", "violent_content",
                                              "antitrust_claim", "app_store_removal", "big_tech", "free_speech"]
    assert [f.id for f in story.frames] == ["legal_procedural", "public_safety", "free_speech",
                                            "big_tech_power", "partisan_judge", "other"]
    assert {d.id for d in story.descriptors["parler"]} >= {"conservative", "pro_trump", "far_right", "right_wing",
                                                           "free_speech", "twitter_alternative"}
    assert 8 <= len(story.key_facts) <= 15
    assert story.primary_source and story.primary_source.url
    assert len(story.seeds) >= 70


# ---- outlets ---------------------------------------------------------------------------

def _outlets_error(tmp_path, text: str) -> str:
    path = tmp_path / "outlets.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_outlets([path])
    return str(info.value)


OUTLET_CASES = [
    ("bad lean", "outlets:\n  a.example: {name: A, lean: far, kind: wire, lean_source: x}\n", "outlets.a.example.lean: 'far' is not one of"),
    ("bad kind", "outlets:\n  a.example: {name: A, lean: left, kind: blog, lean_source: x}\n", "outlets.a.example.kind: 'blog' is not one of"),
    ("no name", "outlets:\n  a.example: {lean: left, kind: wire, lean_source: x}\n", "missing required key 'name'"),
    ("www", "outlets:\n  www.a.example: {name: A, lean: unrated, kind: wire}\n", "is not a lower-case domain without 'www.'"),
    ("no lean source", "outlets:\n  a.example: {name: A, lean: left, kind: wire}\n", "lean_source: a rated lean needs the source"),
    ("demo real domain", "outlets:\n  a.com: {name: A, lean: unrated, kind: wire, demo: true}\n", "demo outlets must use a fictional .example domain"),
    ("feed url", "outlets:\n  a.example: {name: A, lean: unrated, kind: wire, feeds: [x]}\n", "feeds[0]: expected an http(s) URL"),
    ("unknown key", "outlets:\n  a.example: {name: A, lean: unrated, kind: wire, bias: 3}\n", "outlets.a.example.bias: unknown key"),
    ("no top key", "a.example: {name: A}\n", "top-level 'outlets:' mapping"),
]


@pytest.mark.parametrize("name,text,message", OUTLET_CASES, ids=[c[0] for c in OUTLET_CASES])
def test_each_bad_outlet_key_gets_its_message(tmp_path, name, text, message):
    error = _outlets_error(tmp_path, text)
    assert message in error and "outlets.yaml:" in error


def test_subdomains_and_unknown_domains(registry):
    assert registry.domain_for("https://edition.leftside.example/a") == "leftside.example"
    assert registry.domain_for("https://www.rw.example/a") == "rightway.example"
    unknown = registry.lookup("https://news.unknown-paper.co.uk/x")
    assert unknown.domain == "unknown-paper.co.uk" and unknown.lean == "unrated"
    assert registered_domain("a.b.c.example") == "c.example"


def test_shipped_registry_covers_the_coverage_list():
    registry = load_outlets()
    assert len(registry) >= 100
    import csv
    from pathlib import Path

    tsv = Path(__file__).resolve().parents[2] / "shared" / "stories" / "parler-aws-coverage-urls.tsv"
    if not tsv.exists():
        pytest.skip("../shared is not beside this checkout")
    with tsv.open() as f:
        domains = {row["domain"] for row in csv.DictReader(f, delimiter="\t")}
    missing = {d for d in domains if registry.domain_for(d) not in registry.outlets}
    assert not missing
    demo = [o for o in registry.outlets.values() if o.demo]
    assert len(demo) >= 15 and all(o.domain.endswith(".example") for o in demo)


def test_shipped_dashboard_config_is_local_only_with_xsrf_and_no_tracebacks():
    """RELIABILITY row 20: what `streamlit run app.py` reads from .streamlit/config.toml."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    probe = ("import streamlit.config as c; c.get_config_options(force_reparse=True); "
             "print(c.get_option('server.address'), c.get_option('server.enableXsrfProtection'), "
             "c.get_option('client.showErrorDetails'), c.get_option('browser.gatherUsageStats'), "
             "c.get_option('server.fileWatcherType'))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["127.0.0.1", "True", "none", "False", "none"]


def test_streamlit_pin_is_past_the_known_advisories():
    """CVE-2022-35918 (fixed in 1.11.1) and CVE-2024-42474 (fixed in 1.37.0)."""
    from pathlib import Path

    pins = dict(line.split("==", 1) for line in
                (Path(__file__).resolve().parent.parent / "requirements.txt").read_text().split()
                if "==" in line)
    version = tuple(int(p) for p in pins["streamlit"].split(".")[:3])
    assert version >= (1, 37, 0)
