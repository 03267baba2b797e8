"""Per-language cues of a story's detectors and actors (the `languages:` blocks).

A story is written in one language (`language:`); any detector may also carry patterns
and prototypes for articles in other languages, and any actor the generic references
("la plataforma", "die App") that stand for it there. `story_in_language` folds one
language's cues into a story of the same shape, so the analysis reads a German article
with the German cues exactly as it reads an English one with the English cues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .story_fields import read_regexes
from .yamlcheck import Problems, check_keys, expect, string_list

if TYPE_CHECKING:  # pragma: no cover
    from .stories import Actor, Detector, Story

LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
CUE_KEYS = {"patterns", "exclude_patterns", "prototypes", "negative_prototypes"}
ACTOR_LANGUAGE_KEYS = {"references"}


@dataclass
class Cues:
    """One language's cues for one detector."""

    patterns: list[str] = field(default_factory=list)
    exclude_patterns: list[str] = field(default_factory=list)
    prototypes: list[str] = field(default_factory=list)
    negative_prototypes: list[str] = field(default_factory=list)


def _language_items(p: Problems, path: str, value: Any) -> list[tuple[str, str, dict]]:
    """(code, key path, mapping) for each well-formed entry of a `languages:` mapping."""
    if value is None or not expect(p, path, value, dict, "a mapping of ISO 639-1 code to cues"):
        return []
    out = []
    for code, spec in value.items():
        sub = f"{path}.{code}"
        if not LANGUAGE_RE.match(str(code)):
            p.add(sub, f"'{code}' is not a two-letter ISO 639-1 code in lower case (e.g. de, es, fr)")
            continue
        if expect(p, sub, spec, dict, "a mapping of cues"):
            out.append((str(code), sub, spec))
    return out


def parse_detector_languages(p: Problems, path: str, value: Any) -> dict[str, Cues]:
    """`languages:` of a detector: code -> Cues (each pattern checked as the base patterns are)."""
    out = {}
    for code, sub, spec in _language_items(p, path, value):
        check_keys(p, sub, spec, CUE_KEYS)
        out[code] = Cues(read_regexes(p, f"{sub}.patterns", spec.get("patterns")),
                         read_regexes(p, f"{sub}.exclude_patterns", spec.get("exclude_patterns")),
                         string_list(p, f"{sub}.prototypes", spec.get("prototypes")),
                         string_list(p, f"{sub}.negative_prototypes", spec.get("negative_prototypes")))
        if not any((out[code].patterns, out[code].prototypes)) and "patterns" not in spec \
                and "prototypes" not in spec:
            p.add(sub, "needs patterns or prototypes (or both)")
    return out


def parse_actor_languages(p: Problems, path: str, value: Any) -> dict[str, list[str]]:
    """`languages:` of an actor: code -> that language's generic references."""
    out = {}
    for code, sub, spec in _language_items(p, path, value):
        check_keys(p, sub, spec, ACTOR_LANGUAGE_KEYS, {"references"})
        out[code] = string_list(p, f"{sub}.references", spec.get("references"))
    return out


def cue_languages(story: "Story") -> set[str]:
    """Every language some detector or actor of the story carries cues for."""
    dets = _all_detectors(story)
    return {code for d in dets for code in d.languages} | {code for a in story.actors.values() for code in a.languages}


def readable_languages(story: "Story") -> set[str]:
    """The story's own language and every language it carries cues for."""
    return {story.language.lower()} | cue_languages(story)


def evaluates(story: "Story", language: str, readable: set[str] | None = None) -> bool:
    """Are articles in `language` read? ('' = unknown: read as the story's language.)
    `readable`: `readable_languages(story)`, when the caller asks for many articles."""
    return not language or language in (readable if readable is not None else readable_languages(story))


def story_in_language(story: "Story", language: str) -> "Story":
    """The story as its detectors read an article in `language`.

    The story's own patterns stay (names, loanwords such as "Big Tech" or "pro-Trump" and
    dates read the same in most languages) and the language's patterns join them; the
    prototypes are the language's alone, since an embedding of English examples says
    little about a sentence in another language. The story's language: the story itself.
    """
    if not language or language == story.language.lower():
        return story
    fold = lambda dets: [_detector_in(d, language) for d in dets]
    return replace(
        story, features=fold(story.features), frames=fold(story.frames), key_facts=fold(story.key_facts),
        stance={k: _detector_in(d, language) for k, d in story.stance.items()},
        descriptors={a: fold(dets) for a, dets in story.descriptors.items()},
        actors={a: _actor_in(actor, language) for a, actor in story.actors.items()})


def _detector_in(d: "Detector", language: str) -> "Detector":
    cues = d.languages.get(language, Cues())
    return replace(d, patterns=d.patterns + cues.patterns, exclude_patterns=d.exclude_patterns + cues.exclude_patterns,
                   prototypes=list(cues.prototypes), negative_prototypes=list(cues.negative_prototypes), languages={})


def _actor_in(actor: "Actor", language: str) -> "Actor":
    return replace(actor, references=actor.languages.get(language, []) + actor.references, languages={})


def _all_detectors(story: "Story") -> list["Detector"]:
    return (story.features + story.frames + story.key_facts + list(story.stance.values())
            + [d for dets in story.descriptors.values() for d in dets])
