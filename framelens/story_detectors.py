"""Detectors of a story file: `features`, `frames`, `key_facts`, `stance` and `descriptors`.

Every one is a `Detector` (patterns, prototypes, optional per-language cues); the parsers
here check each detector's keys and report problems by key path, as `stories` does for
the rest of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .story_cues import Cues, parse_detector_languages
from .story_fields import ID_RE, read_bool, read_regexes, read_shown
from .yamlcheck import Problems, check_keys, expect, string_list

if TYPE_CHECKING:  # pragma: no cover
    from .stories import Actor

STANCE_LABELS = ("critical", "neutral", "supportive")
DETECTOR_KEYS = {"id", "label", "description", "statement", "patterns", "exclude_patterns",
                 "prototypes", "negative_prototypes", "threshold", "negation", "languages"}
STANCE_KEYS = {"target", "labels", "sides"}  # sides: framelens/story_links.py


@dataclass
class Detector:
    """A yes/no question answered per sentence by patterns and prototype similarity."""

    id: str
    label: str
    description: str = ""
    statement: str = ""
    patterns: list[str] = field(default_factory=list)
    exclude_patterns: list[str] = field(default_factory=list)
    prototypes: list[str] = field(default_factory=list)
    negative_prototypes: list[str] = field(default_factory=list)
    threshold: float | None = None
    negation: bool = False  # a pattern hit inside a negated clause ("not about free speech") does not count
    languages: dict[str, Cues] = field(default_factory=dict)  # ISO 639-1 code -> cues for articles in it

    def compiled(self) -> list[re.Pattern]:
        return [re.compile(p, re.IGNORECASE) for p in self.patterns]

    def compiled_excludes(self) -> list[re.Pattern]:
        return [re.compile(p, re.IGNORECASE) for p in self.exclude_patterns]


def _detector(p: Problems, path: str, spec: Any, need_id: bool = True,
              need_statement: bool = False, need_matcher: bool = True) -> Detector | None:
    """One detector mapping, or None when it is no mapping at all."""
    if not expect(p, path, spec, dict, "a mapping with id, label, patterns, prototypes"):
        return None
    required = {"label"} | ({"id"} if need_id else set()) | ({"statement"} if need_statement else set())
    check_keys(p, path, spec, DETECTOR_KEYS if need_id else DETECTOR_KEYS - {"id"}, required)
    det_id = str(spec.get("id", path.rsplit(".", 1)[-1]))
    if need_id and "id" in spec and not ID_RE.match(det_id):
        p.add(f"{path}.id", f"'{det_id}' may use only a-z, 0-9 and '_'")
    threshold = spec.get("threshold")
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                  or not 0 < threshold <= 1):
        p.add(f"{path}.threshold", f"expected a number in (0, 1], got {threshold!r}")
        threshold = None
    det = Detector(
        id=det_id, label=read_shown(p, f"{path}.label", spec.get("label")),
        description=read_shown(p, f"{path}.description", spec.get("description")),
        statement=read_shown(p, f"{path}.statement", spec.get("statement")),
        patterns=read_regexes(p, f"{path}.patterns", spec.get("patterns")),
        exclude_patterns=read_regexes(p, f"{path}.exclude_patterns", spec.get("exclude_patterns")),
        prototypes=string_list(p, f"{path}.prototypes", spec.get("prototypes")),
        negative_prototypes=string_list(p, f"{path}.negative_prototypes", spec.get("negative_prototypes")),
        threshold=float(threshold) if threshold is not None else None,
        negation=read_bool(p, f"{path}.negation", spec.get("negation", False)),
        languages=parse_detector_languages(p, f"{path}.languages", spec.get("languages")))
    if need_matcher and not det.patterns and not det.prototypes and not det.languages \
            and not ("patterns" in spec or "prototypes" in spec):
        p.add(path, "needs patterns or prototypes (or both)")
    return det


def parse_detector_list(p: Problems, path: str, value: Any, need_statement: bool = False,
                        need_matcher: bool = True) -> list[Detector]:
    """The detectors of a list key (`features`, `frames`, `key_facts`, one actor's descriptors)."""
    if value is None or not expect(p, path, value, list, "a list of detectors"):
        return []
    found: list[Detector] = []
    for i, spec in enumerate(value):
        # the frame 'other' is a catch-all and may have no matcher
        other = isinstance(spec, dict) and spec.get("id") == "other"
        det = _detector(p, f"{path}[{i}]", spec, need_statement=need_statement,
                        need_matcher=need_matcher and not other)
        if det is None:
            continue
        if any(d.id == det.id for d in found):
            p.add(f"{path}[{i}].id", f"duplicate id '{det.id}'")
        found.append(det)
    return found


def parse_stance(p: Problems, value: Any) -> tuple[str, dict[str, Detector]]:
    """The `stance:` target and its critical/neutral/supportive detectors."""
    if value is None or not expect(p, "stance", value, dict, "a mapping with target and labels"):
        return "", {}
    check_keys(p, "stance", value, STANCE_KEYS, {"labels"})
    labels = value.get("labels")
    if labels is None or not expect(p, "stance.labels", labels, dict, "a mapping critical/neutral/supportive"):
        return read_shown(p, "stance.target", value.get("target")), {}
    if set(labels) != set(STANCE_LABELS):
        p.add("stance.labels", f"must have exactly {', '.join(STANCE_LABELS)}; got {', '.join(map(str, labels))}")
    detectors = {}
    for name in STANCE_LABELS:
        if name in labels:
            det = _detector(p, f"stance.labels.{name}", labels[name], need_id=False, need_matcher=name != "neutral")
            if det:
                det.id = name
                detectors[name] = det
    return read_shown(p, "stance.target", value.get("target")), detectors


def parse_descriptors(p: Problems, value: Any, actors: dict[str, Actor]) -> dict[str, list[Detector]]:
    """The `descriptors:` detectors by actor id; each id must be one of the story's actors."""
    if value is None or not expect(p, "descriptors", value, dict, "a mapping of actor id to detectors"):
        return {}
    out = {}
    for actor_id, dets in value.items():
        if actor_id not in actors:
            p.add(f"descriptors.{actor_id}", f"actor '{actor_id}' is not declared under actors")
        out[str(actor_id)] = parse_detector_list(p, f"descriptors.{actor_id}", dets)
    return out
