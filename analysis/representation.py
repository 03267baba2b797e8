"""Each article's framing, as one vector for the framing map and its clusters.

Two blocks, side by side:
- what the detectors found: features present, the primary frame, the stance label,
  descriptors used and key facts reported (one named column each, 0/1);
- the mean vector of the article's sentences that carry framing (the FRAMING_SENTENCES
  sentences closest to any of the story's feature, frame or stance prototypes), with each
  language's own mean taken away: what the articles of one language share is the story's
  topic plus that language's direction, so what is left is how the article differs from
  the others written in its language.

An article the detectors could not read (another language) takes each detector column
from its IMPUTE_NEIGHBOURS nearest read articles in the sentence block, so it is placed by
what it says and not bunched with the other unread articles. Each block is scaled to a
fixed share of the total variance (DETECTOR_WEIGHT), so neither the number of columns nor
the embedding's size decides what the clusters follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FRAMING_SENTENCES = 5        # sentences per article that make its framing vector
IMPUTE_NEIGHBOURS = 3
DETECTOR_WEIGHT = 0.85       # share of the representation's variance held by the detector block
# Features are the story's own framing questions; descriptors and key facts are many columns
# each, mostly shared, and would otherwise outvote them.
BLOCK_WEIGHTS = {"feature": 1.0, "frame": 0.6, "stance": 0.6, "descriptor": 0.3, "fact": 0.15}


@dataclass
class Column:
    """One detector column: `key` like 'feature:big_tech', `label` the phrase a cluster label uses."""

    key: str
    kind: str
    label: str


@dataclass
class FramingTable:
    """Detector columns (articles x columns, NaN where the detectors could not read the article)."""

    columns: list[Column] = field(default_factory=list)
    values: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))


def story_columns(story) -> list[Column]:
    """The detector columns a story defines, labelled in words a reader can use."""
    cols = [Column(f"feature:{d.id}", "feature", d.label or d.id) for d in story.features]
    cols += [Column(f"frame:{d.id}", "frame", f"{d.label or d.id} frame") for d in story.frames]
    cols += [Column(f"stance:{k}", "stance", (d.label or k)) for k, d in story.stance.items()]
    for actor, dets in story.descriptors.items():
        name = getattr(story.actors.get(actor), "label", None) or actor
        cols += [Column(f"descriptor:{actor}:{d.id}", "descriptor", f"calls {name} '{d.label or d.id}'") for d in dets]
    cols += [Column(f"fact:{d.id}", "fact", f"reports: {d.label or d.id}") for d in story.key_facts]
    return cols


def detector_table(payloads: list[dict], columns: list[Column]) -> FramingTable:
    """The detectors' results of each article (its payload) as 0/1 columns; NaN rows where not read."""
    values = np.full((len(payloads), len(columns)), np.nan)
    for row, payload in enumerate(payloads):
        if payload.get("evaluated") is False:
            continue
        for col, column in enumerate(columns):
            values[row, col] = _column_value(payload, column)
    return FramingTable(columns, values)


def _column_value(payload: dict, column: Column) -> float:
    """1/0 for one column of one payload; NaN when the detector said 'not evaluated'."""
    kind, _, rest = column.key.partition(":")
    if kind == "frame":
        return float((payload.get("frame") or {}).get("primary") == rest)
    if kind == "stance":
        return float((payload.get("stance") or {}).get("label") == rest)
    if kind == "descriptor":
        actor, _, item = rest.partition(":")
        return float(item in ((payload.get("descriptors") or {}).get(actor) or []))
    found = (payload.get("features" if kind == "feature" else "key_facts") or {}).get(rest) or {}
    present = found.get("present")
    return np.nan if present is None else float(bool(present))


def framing_vector(sentence_vectors: np.ndarray, prototypes: np.ndarray) -> np.ndarray:
    """Mean of the FRAMING_SENTENCES sentences most like any prototype (all when fewer), unit length."""
    if sentence_vectors is None or not len(sentence_vectors):
        return np.zeros(prototypes.shape[1] if prototypes.ndim == 2 else 1)
    x = np.asarray(sentence_vectors, dtype=np.float64)
    if len(x) > FRAMING_SENTENCES and len(prototypes):
        closeness = (x @ np.asarray(prototypes, dtype=np.float64).T).max(axis=1)
        x = x[np.sort(np.argsort(-closeness, kind="stable")[:FRAMING_SENTENCES])]
    v = x.mean(axis=0)
    n = np.linalg.norm(v)
    return v / n if n > 1e-12 else v


def remove_language(vectors: np.ndarray, languages: list[str]) -> np.ndarray:
    """Each row minus the mean of its language's rows: removes the story's topic and each language's direction."""
    out = np.asarray(vectors, dtype=np.float64).copy()
    langs = np.array([lang or "?" for lang in languages])
    for lang in np.unique(langs):
        rows = langs == lang
        out[rows] -= out[rows].mean(axis=0)
    return out


def impute(values: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """NaN rows of `values` filled from their nearest fully read rows by `vectors` (cosine)."""
    out = values.copy()
    known = ~np.isnan(values).any(axis=1)
    if known.all() or not values.shape[1]:
        return out
    if not known.any():
        return np.nan_to_num(out, nan=0.0)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    pool = np.flatnonzero(known)
    for row in np.flatnonzero(~known):
        sims = unit[pool] @ unit[row]
        near = pool[np.lexsort((pool, -sims))[:IMPUTE_NEIGHBOURS]]
        fill = values[near].mean(axis=0)
        out[row] = np.where(np.isnan(values[row]), fill, values[row])
    return out


def combine(table: FramingTable, vectors: np.ndarray) -> np.ndarray:
    """The framing representation: the (imputed) detector block and the sentence block, each
    weighted to its share of the total variance; rows are articles, centred."""
    weights = np.array([BLOCK_WEIGHTS.get(c.kind, 0.5) for c in table.columns])
    detect = impute(table.values, vectors) * weights if table.columns else np.zeros((len(vectors), 0))
    detect = detect - detect.mean(axis=0) if len(detect) else detect
    embed = vectors - vectors.mean(axis=0) if len(vectors) else vectors
    d_var, e_var = float((detect ** 2).sum()), float((embed ** 2).sum())
    if d_var <= 1e-12:
        return embed / np.sqrt(e_var) if e_var > 1e-12 else embed
    if e_var <= 1e-12:
        return detect / np.sqrt(d_var)
    return np.hstack([detect * np.sqrt(DETECTOR_WEIGHT / d_var), embed * np.sqrt((1 - DETECTOR_WEIGHT) / e_var)])
