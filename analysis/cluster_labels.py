"""What distinguishes each cluster of the framing map, and what pulls along its two axes.

A cluster is named by the detector columns (analysis/representation.py) whose share among
its members is at least LABEL_MIN_SHARE and exceeds the share among all other articles by
at least LABEL_MIN_GAP, largest gap first, at most LABEL_ITEMS of them, then its
majority stance: "Names the judge's appointing president · Says 'Big Tech' · Critical".
Only articles the detectors read count towards a share (an imputed value is a guess, and a
label is a claim). A cluster nothing distinguishes is named by its words instead.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .representation import FramingTable

LABEL_MIN_SHARE = 0.5
LABEL_MIN_GAP = 0.25
LABEL_ITEMS = 3
AXIS_ITEMS = 3
KIND_ORDER = ["feature", "frame", "stance", "descriptor", "fact"]
AXIS_MIN_CORRELATION = 0.3


def distinguishing(table: FramingTable, labels: np.ndarray, cluster: int) -> list[dict]:
    """Columns more common in `cluster` than elsewhere: key, label, share inside and outside, counts."""
    inside, outside = labels == cluster, labels != cluster
    rows = []
    for col, column in enumerate(table.columns):
        if column.kind == "stance":
            continue  # the stance closes the label on its own
        share, n = _share(table.values[inside, col])
        rest, n_rest = _share(table.values[outside, col])
        gap = share - (rest if n_rest else 0.0)
        if n and share >= LABEL_MIN_SHARE and (gap >= LABEL_MIN_GAP or not outside.any()):
            rows.append({"key": column.key, "label": column.label, "share": round(share, 3),
                         "rest_share": round(rest, 3) if n_rest else None, "articles": n, "gap": round(gap, 3)})
    # Gaps within 0.1 count as equal; then the story's features before frames, descriptors, facts.
    rows.sort(key=lambda r: (-round(r["gap"], 1), KIND_ORDER.index(r["key"].split(":")[0]), -r["gap"], r["key"]))
    return rows


def _share(values: np.ndarray) -> tuple[float, int]:
    """Share of 1s among the known (non-NaN) values, and how many were known."""
    known = values[~np.isnan(values)]
    return (float(known.mean()), len(known)) if len(known) else (0.0, 0)


def majority_stance(table: FramingTable, labels: np.ndarray, cluster: int) -> str:
    """The stance label most of the cluster's read articles take ('' when none has a majority)."""
    inside = labels == cluster
    best, best_share = "", 0.0
    for col, column in enumerate(table.columns):
        if column.kind == "stance":
            share, n = _share(table.values[inside, col])
            if n and share > 0.5 and share > best_share:
                best, best_share = column.label, share
    return best


def framing_label(items: list[dict], stance: str) -> str:
    """The cluster's name: its first LABEL_ITEMS distinguishing columns and its stance."""
    parts = [i["label"] for i in items[:LABEL_ITEMS]]
    return " · ".join(parts + ([stance] if stance else []))


def lean_mix(leans: list[str], labels: np.ndarray, cluster: int) -> dict[str, int]:
    """How many of the cluster's articles come from each lean."""
    return dict(sorted(Counter(lean for lean, c in zip(leans, labels) if c == cluster).items()))


def map_axes(table: FramingTable, values: np.ndarray, xy: np.ndarray) -> dict:
    """For each map axis, the columns that pull towards each end (Pearson r >= AXIS_MIN_CORRELATION)."""
    out = {}
    for axis, coord in zip(("x", "y"), xy.T[:2]):
        r = [_corr(values[:, col], coord) for col in range(values.shape[1])]
        order = np.argsort(r, kind="stable")
        high = [table.columns[i].label for i in order[::-1][:AXIS_ITEMS] if r[i] >= AXIS_MIN_CORRELATION]
        low = [table.columns[i].label for i in order[:AXIS_ITEMS] if r[i] <= -AXIS_MIN_CORRELATION]
        out[axis] = {"high": high, "low": low}
    return out


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or np.std(a) < 1e-12 or np.std(b) < 1e-12:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])
