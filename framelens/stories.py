"""Story files: load `data/stories/<id>.yaml` and validate every key.

The format is documented in docs/story-format.md. `load_story` reports every problem
with the file, the line and the key path, and returns a `Story` of plain dataclasses.
Detectors (features, frames, key facts, stance, descriptors) are parsed in
`story_detectors`, their per-language cues in `story_cues`; both stay importable from here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import settings
from .story_cues import Cues, cue_languages, evaluates, parse_actor_languages, readable_languages, \
    story_in_language
from .story_detectors import DETECTOR_KEYS, STANCE_KEYS, STANCE_LABELS, Detector, parse_descriptors, \
    parse_detector_list, parse_stance
from .story_fields import ID_RE, read_bool, read_shown, read_text
from .story_links import frames_without_features, parse_frame_features, parse_sides
from .textclean import strip_userinfo
from .yamlcheck import ConfigError, Problems, check_keys, expect, load_yaml, string_list

STORY_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")

TOP_KEYS = {"id", "title", "description", "demo", "language", "dates", "query", "seeds", "feeds",
            "primary_source", "actors", "features", "frames", "stance", "descriptors", "key_facts"}
QUERY_KEYS = {"keywords", "gdelt", "gnews", "relevance"}
RELEVANCE_KEYS = {"all", "any", "none", "min_any"}
SEED_KEYS = {"url", "outlet", "published", "note"}
PRIMARY_KEYS = {"url", "path", "title"}
ACTOR_KEYS = {"label", "aliases", "references", "languages"}


@dataclass
class Relevance:
    all: list[str] = field(default_factory=list)
    any: list[str] = field(default_factory=list)
    none: list[str] = field(default_factory=list)
    min_any: int = 1

    def accepts(self, text: str) -> bool:
        """True when the text passes the rule (case-insensitive phrase terms, `a|b` = either)."""
        low = (text or "").lower()
        has = lambda term: _term_regex(term).search(low) is not None
        if not all(has(t) for t in self.all):
            return False
        if self.any and sum(has(t) for t in self.any) < min(self.min_any, len(self.any)):
            return False
        return not any(has(t) for t in self.none)


@lru_cache(maxsize=512)
def _term_regex(term: str) -> re.Pattern:
    """A relevance term as a whole-word, case-insensitive regex ('aws' must not match 'laws')."""
    alternatives = [re.escape(alt.strip().lower()) for alt in term.split("|") if alt.strip()]
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


@dataclass
class Seed:
    url: str
    outlet: str = ""
    published: dt.date | None = None
    note: str = ""


@dataclass
class PrimarySource:
    url: str = ""
    path: Path | None = None
    title: str = ""


@dataclass
class Actor:
    id: str
    label: str
    aliases: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # "the platform": the actor, once it has been named
    languages: dict[str, list[str]] = field(default_factory=dict)  # ISO 639-1 code -> references in it


@dataclass
class Story:
    id: str
    title: str
    path: Path
    file_hash: str
    start: dt.date
    end: dt.date
    keywords: list[str]
    relevance: Relevance
    description: str = ""
    demo: bool = False
    language: str = "en"
    gdelt_query: str = ""
    gnews_query: str = ""
    seeds: list[Seed] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)  # the story's own RSS/Atom feeds (topic pages, alerts)
    primary_source: PrimarySource | None = None
    actors: dict[str, Actor] = field(default_factory=dict)
    features: list[Detector] = field(default_factory=list)
    frames: list[Detector] = field(default_factory=list)
    stance_target: str = ""
    stance: dict[str, Detector] = field(default_factory=dict)
    stance_sides: dict[str, list[str]] = field(default_factory=dict)  # winner/loser -> actor ids (analysis/appraisal.py)
    frame_features: dict[str, list[str]] = field(default_factory=dict)  # frame id -> feature ids it counts
    descriptors: dict[str, list[Detector]] = field(default_factory=dict)
    key_facts: list[Detector] = field(default_factory=list)


def stories_dir() -> Path:
    return Path(settings.get("FRAMELENS_STORIES_DIR"))


def check_story_id(story_id: str) -> str:
    """`story_id` when it is a plain id; ConfigError for anything that could name a file
    elsewhere ('../x', 'a/b', an absolute path, a NUL) or that no story file could have."""
    if not isinstance(story_id, str) or not STORY_ID_RE.match(story_id) or len(story_id) > 128:
        shown = repr(story_id)[:80]
        raise ConfigError([f"story id {shown}: a story id may use only a-z, 0-9, '-' and '_' (it names "
                           f"a file in {stories_dir()}; to load another file, put it in FRAMELENS_STORIES_DIR)"])
    return story_id


def story_path(story_id: str) -> Path:
    """The file of the story `story_id` in the stories folder (ConfigError for a bad id)."""
    return stories_dir() / f"{check_story_id(story_id)}.yaml"


def list_stories() -> list[str]:
    """Ids of the story files in the stories folder (a file whose name is no valid id is
    left out: nothing could load it by id)."""
    return sorted(p.stem for p in stories_dir().glob("*.yaml") if STORY_ID_RE.match(p.stem))


def load_story(story: str | Path) -> Story:
    """Load a story by id (a str: from the stories folder only) or by Path; raise ConfigError
    when invalid. A str is always an id, so a command-line id cannot reach another folder."""
    path = story if isinstance(story, Path) else story_path(story)
    if not path.exists():
        known = ", ".join(list_stories()) or "none"
        raise ConfigError([f"{path}: no such story file (stories in {stories_dir()}: {known})"])
    data, problems = load_yaml(path)
    if not isinstance(data, dict):
        problems.add("", "a story file must be a mapping of keys (title, dates, query, ...)")
        problems.raise_if_any()
    story = _parse_story(path, data, problems)
    problems.raise_if_any()
    return story


def _parse_story(path: Path, data: dict, p: Problems) -> Story | None:
    check_keys(p, "", data, TOP_KEYS, {"title", "dates", "query"})
    story_id = path.stem
    if "id" in data and data["id"] != story_id:
        p.add("id", f"'{data['id']}' does not match the file name '{story_id}'")
    if not STORY_ID_RE.match(story_id):
        p.add("", f"story id '{story_id}' (the file name) may use only a-z, 0-9, '-' and '_'")
    start, end = _dates(p, data.get("dates"))
    keywords, relevance, gdelt, gnews = _query(p, data.get("query"))
    actors = _actors(p, data.get("actors"))
    story = Story(
        id=story_id, title=read_shown(p, "title", data.get("title"), required=True), path=path,
        file_hash=hashlib.sha256(path.read_bytes()).hexdigest(), start=start, end=end,
        keywords=keywords, relevance=relevance, gdelt_query=gdelt, gnews_query=gnews,
        description=read_shown(p, "description", data.get("description")),
        demo=read_bool(p, "demo", data.get("demo", False)),
        language=read_text(p, "language", data.get("language")) or "en",
        seeds=_seeds(p, data.get("seeds")),
        feeds=_feeds(p, data.get("feeds")),
        primary_source=_primary(p, path, data.get("primary_source")),
        actors=actors,
        features=parse_detector_list(p, "features", data.get("features")),
        frames=parse_detector_list(p, "frames", frames_without_features(data.get("frames"))),
        key_facts=parse_detector_list(p, "key_facts", data.get("key_facts"), need_statement=True),
        descriptors=parse_descriptors(p, data.get("descriptors"), actors),
    )
    story.stance_target, story.stance = parse_stance(p, data.get("stance"))
    stance = data.get("stance") if isinstance(data.get("stance"), dict) else {}
    story.stance_sides = parse_sides(p, stance.get("sides"), actors)
    story.frame_features = parse_frame_features(p, data.get("frames"), {f.id for f in story.features})
    return story


def _date(p: Problems, path: str, value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    p.add(path, f"expected an ISO date like 2021-01-21, got {value!r}")
    return None


def _dates(p: Problems, value: Any) -> tuple[dt.date, dt.date]:
    fallback = dt.date(1970, 1, 1)
    if value is None or not expect(p, "dates", value, dict, "a mapping with start and end"):
        return fallback, fallback
    check_keys(p, "dates", value, {"start", "end"}, {"start", "end"})
    start = _date(p, "dates.start", value["start"]) if "start" in value else None
    end = _date(p, "dates.end", value["end"]) if "end" in value else None
    if start and end and start > end:
        p.add("dates.end", f"end {end} is before start {start}")
    return start or fallback, end or start or fallback


def _query(p: Problems, value: Any) -> tuple[list[str], Relevance, str, str]:
    if value is None or not expect(p, "query", value, dict, "a mapping with keywords and relevance"):
        return [], Relevance(), "", ""
    check_keys(p, "query", value, QUERY_KEYS, {"keywords"})
    keywords = string_list(p, "query.keywords", value.get("keywords"))
    if "keywords" in value and not keywords:
        p.add("query.keywords", "needs at least one search term")
    return (keywords, _relevance(p, value.get("relevance")),
            read_text(p, "query.gdelt", value.get("gdelt")), read_text(p, "query.gnews", value.get("gnews")))


def _relevance(p: Problems, value: Any) -> Relevance:
    if value is None or not expect(p, "query.relevance", value, dict, "a mapping with all/any/none"):
        return Relevance()
    check_keys(p, "query.relevance", value, RELEVANCE_KEYS)
    min_any = value.get("min_any", 1)
    if not isinstance(min_any, int) or isinstance(min_any, bool) or min_any < 1:
        p.add("query.relevance.min_any", f"expected a whole number >= 1, got {min_any!r}")
        min_any = 1
    return Relevance(all=string_list(p, "query.relevance.all", value.get("all")),
                     any=string_list(p, "query.relevance.any", value.get("any")),
                     none=string_list(p, "query.relevance.none", value.get("none")), min_any=min_any)


def _http_url(p: Problems, path: str, value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+", value.strip()):
        p.add(path, f"expected an http(s) URL, got {value!r}")
        return ""
    if strip_userinfo(value.strip()) != value.strip():
        p.add(path, "a URL must not hold a user name, password or control characters (they would be sent "
                    f"to the site and shown): write {strip_userinfo(value.strip())!r}")
        return ""
    return value.strip()


def _feeds(p: Problems, value: Any) -> list[str]:
    if value is None or not expect(p, "feeds", value, list, "a list of feed URLs"):
        return []
    found = (_http_url(p, f"feeds[{i}]", item) for i, item in enumerate(value))
    return list(dict.fromkeys(url for url in found if url))


def _seeds(p: Problems, value: Any) -> list[Seed]:
    if value is None or not expect(p, "seeds", value, list, "a list of URLs"):
        return []
    seeds = []
    for i, item in enumerate(value):
        path = f"seeds[{i}]"
        if isinstance(item, str):
            item = {"url": item}
        if not expect(p, path, item, dict, "a URL or a mapping with url"):
            continue
        check_keys(p, path, item, SEED_KEYS, {"url"})
        url = _http_url(p, f"{path}.url", item.get("url")) if "url" in item else ""
        published = _date(p, f"{path}.published", item["published"]) if item.get("published") else None
        if url:
            seeds.append(Seed(url, read_shown(p, f"{path}.outlet", item.get("outlet")), published,
                              read_shown(p, f"{path}.note", item.get("note"))))
    return seeds


def _primary(p: Problems, story_path_: Path, value: Any) -> PrimarySource | None:
    if value is None or not expect(p, "primary_source", value, dict, "a mapping with url and/or path"):
        return None
    check_keys(p, "primary_source", value, PRIMARY_KEYS)
    if not value.get("url") and not value.get("path"):
        p.add("primary_source", "needs a url or a path")
    url = _http_url(p, "primary_source.url", value["url"]) if value.get("url") else ""
    local = None
    if value.get("path"):
        local = (story_path_.parent / read_text(p, "primary_source.path", value["path"])).resolve()
        if not local.is_file():
            p.add("primary_source.path", f"file {local} does not exist")
    return PrimarySource(url=url, path=local, title=read_shown(p, "primary_source.title", value.get("title")))


def _actors(p: Problems, value: Any) -> dict[str, Actor]:
    if value is None or not expect(p, "actors", value, dict, "a mapping of actor id to {label, aliases}"):
        return {}
    actors = {}
    for actor_id, spec in value.items():
        path = f"actors.{actor_id}"
        if not ID_RE.match(str(actor_id)):
            p.add(path, "actor ids may use only a-z, 0-9 and '_'")
        if not expect(p, path, spec, dict, "a mapping with label and aliases"):
            continue
        check_keys(p, path, spec, ACTOR_KEYS, {"label"})
        actors[str(actor_id)] = Actor(str(actor_id), read_shown(p, f"{path}.label", spec.get("label")),
                                      string_list(p, f"{path}.aliases", spec.get("aliases")),
                                      string_list(p, f"{path}.references", spec.get("references")),
                                      parse_actor_languages(p, f"{path}.languages", spec.get("languages")))
    return actors


__all__ = ["Story", "Detector", "Cues", "cue_languages", "evaluates", "readable_languages", "story_in_language",
           "Relevance", "Seed", "PrimarySource", "Actor", "ConfigError", "check_story_id", "load_story",
           "list_stories", "story_path", "stories_dir", "DETECTOR_KEYS", "STANCE_KEYS", "STANCE_LABELS"]
