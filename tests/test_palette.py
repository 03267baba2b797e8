"""The framing map's cluster colours stay apart from each other and from the lean colours."""

from __future__ import annotations

import itertools

import pandas as pd

from analysis.clusters import MAX_K
from presentation.charts import LEAN_COLORS
from presentation.map_charts import map_chart


def _lab(hex_color: str) -> tuple[float, float, float]:
    """CIELAB (D65) of an sRGB colour, so that distances follow what the eye sees."""
    rgb = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    xyz = ((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883)
    x, y, z = [v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116 for v in xyz]
    return 116 * y - 16, 500 * (x - y), 200 * (y - z)


def _distance(a: str, b: str) -> float:
    return sum((p - q) ** 2 for p, q in zip(_lab(a), _lab(b))) ** 0.5


def _points(clusters: int) -> pd.DataFrame:
    rows = [dict(id=i, x=float(i), y=float(i % 3), cluster=c, cluster_label=f"label {c}", lean="left",
                 outlet="Widget Post", title="A fictional article", url="https://widget.example/a")
            for c in range(1, clusters + 1) for i in range(c * 10, c * 10 + 2)]
    return pd.DataFrame(rows)


def test_every_cluster_gets_its_own_colour_far_from_the_others_and_from_the_leans():
    colors = [trace.marker.color for trace in map_chart(_points(MAX_K), "cluster").data]
    assert len(set(colors)) == MAX_K
    closest = min(itertools.combinations(colors, 2), key=lambda pair: _distance(*pair))
    assert _distance(*closest) >= 20, closest  # the old palette had 1 and 4 both blue; CIE76 ΔE 20+ reads apart
    near_lean = min(((c, lean) for c in colors for lean in LEAN_COLORS.values()), key=lambda p: _distance(*p))
    assert _distance(*near_lean) >= 30, near_lean  # no cluster looks like a lean (the old one reused 'left')
