"""Story keys that tie one part of a story to another: which features count as a frame's cues
(`frames[].features`) and which actors a ruling went for and against (`stance.sides`).
Both are read after the detectors and actors they name (framelens/stories.py)."""

from __future__ import annotations

from typing import Any

from .yamlcheck import Problems, check_keys, expect

STANCE_SIDES = ("winner", "loser")


def frames_without_features(frames: Any) -> Any:
    """The frames' detector specs without their `features` key (read apart by parse_frame_features)."""
    if not isinstance(frames, list):
        return frames
    return [{k: v for k, v in f.items() if k != "features"} if isinstance(f, dict) else f for f in frames]


def parse_frame_features(p: Problems, frames: Any, feature_ids: set[str]) -> dict[str, list[str]]:
    """frames[].features: the story's features whose hits in an opinion author's commentary count
    as that frame's cues (analysis/article.py)."""
    found: dict[str, list[str]] = {}
    for i, spec in enumerate(frames if isinstance(frames, list) else []):
        if not isinstance(spec, dict) or "features" not in spec:
            continue
        ids = spec["features"]
        if not expect(p, f"frames[{i}].features", ids, list, "a list of feature ids"):
            continue
        for j, fid in enumerate(ids):
            if fid not in feature_ids:
                p.add(f"frames[{i}].features[{j}]", f"unknown feature '{fid}' (declare it under features)")
        found[str(spec.get("id"))] = [f for f in ids if f in feature_ids]
    return found


def parse_sides(p: Problems, value: Any, actors: dict) -> dict[str, list[str]]:
    """stance.sides: which actors the ruling went for (winner) and against (loser)."""
    if value is None or not expect(p, "stance.sides", value, dict, "a mapping winner/loser -> actor ids"):
        return {}
    check_keys(p, "stance.sides", value, set(STANCE_SIDES), set())
    sides = {}
    for side in STANCE_SIDES:
        ids = value.get(side) or []
        if not expect(p, f"stance.sides.{side}", ids, list, "a list of actor ids"):
            continue
        for i, actor in enumerate(ids):
            if actor not in actors:
                p.add(f"stance.sides.{side}[{i}]", f"unknown actor '{actor}' (declare it under actors)")
        sides[side] = [a for a in ids if a in actors]
    return sides
