"""What every chart shares: the lean, stance, fidelity and cluster colours, labels,
escaping and shortening of scraped text, the common layout, and the hover lines that say
whose lean rating an outlet's lean is.

Text from articles (outlet names, titles, sentences) is HTML-escaped here before it reaches
plotly, whose labels understand a little HTML.
"""

from __future__ import annotations

import html
from typing import Iterable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from framelens import queries as q

# Okabe-Ito-like, blue -> grey -> red(vermillion), with dark ends and light inner leans so
# the order also reads in greyscale and for every common colour-vision deficiency.
LEAN_COLORS = {"left": "#0072B2", "lean-left": "#74B9E6", "center": "#8C8C8C",
               "lean-right": "#F0A37A", "right": "#C84B00", "unrated": "#D9D9D9"}
LEAN_LABELS = {"left": "Left", "lean-left": "Lean left", "center": "Center", "lean-right": "Lean right",
               "right": "Right", "unrated": "Unrated"}
FIDELITY_COLORS = {"exact": "#009E73", "close": "#56B4E9", "altered": "#CC79A7", "not_in_source": "#BBBBBB"}
STANCE_COLORS = {"critical": "#CC79A7", "neutral": "#BBBBBB", "supportive": "#009E73"}
# Clusters and frames: hues told apart at a glance (Paul Tol's muted set and two more), one for each of up
# to 10 clusters, and none of the lean scale's blues, oranges or greys, so a cluster never reads as a lean.
QUALITATIVE = ["#117733", "#AA4499", "#DDCC77", "#882255", "#44AA99", "#222222", "#CC6677", "#999933",
               "#66A61E", "#E7298A"]
SHARE_SCALE = "Purples"  # sequential by lightness; no lean hue, so it never reads as a lean
FONT = dict(family="Inter, 'Source Sans Pro', Arial, sans-serif", size=13, color="#262730")
LABEL_MAX = 42
HOVER_MAX = 200  # a hover shows a long name this far; tables and exports keep all of it


def lean_color(lean: str) -> str:
    return LEAN_COLORS.get(lean, LEAN_COLORS["unrated"])


def lean_label(lean: str) -> str:
    return LEAN_LABELS.get(lean, str(lean))


def escape(text) -> str:
    """Text for a plotly label or hover: HTML-escaped, newlines flattened."""
    return html.escape(" ".join(str(text if text is not None else "").split()), quote=False)


def short(text, limit: int = LABEL_MAX) -> str:
    """Escaped and shortened to `limit` characters (long names wreck axes)."""
    flat = " ".join(str(text if text is not None else "").split())
    return escape(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def short_unique(texts: Iterable, limit: int = LABEL_MAX) -> list[str]:
    """Shortened like `short`; texts that shorten alike get ' (2)', ' (3)' … so that a
    category axis keeps them apart (plotly draws equal category names on one row)."""
    out, seen = [], {}
    for text in texts:
        label = short(text, limit)
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def wrap_sentences(sentences: Iterable[str], limit: int = 3, width: int = 90) -> str:
    """Evidence sentences for a hover box: escaped, shortened, one per line."""
    items = [short(s, width) for s in list(sentences)[:limit]]
    return "<br>".join(f"• {s}" for s in items) if items else "(no evidence)"


def outlet_labels(df: pd.DataFrame) -> pd.Series:
    """Short, escaped, unique outlet labels (names shared by two domains get the domain)."""
    base = df["outlet"].map(short)
    clash = df.groupby(base)["domain"].transform("nunique") > 1
    return base.where(~clash, base + " (" + df["domain"].map(lambda d: short(d, 30)) + ")")


def _layout(fig: go.Figure, title: str, height: int = 460, **kw) -> go.Figure:
    kw.setdefault("margin", dict(l=10, r=10, t=50, b=10))
    kw.setdefault("legend", dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0, traceorder="normal"))
    fig.update_layout(template="plotly_white", title=dict(text=escape(title), x=0, xanchor="left"),
                      font=FONT, height=height, **kw)
    return fig


def _whole_ticks(fig: go.Figure, axis: str, top: float) -> None:
    """Counts of articles get whole-number ticks (no '2.5 articles')."""
    step = max(1, int(np.ceil(float(top or 1) / 8)))
    getattr(fig, f"update_{axis}axes")(tick0=0, dtick=step, rangemode="tozero")


def empty_figure(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=escape(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font=dict(size=15, color="#555"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, title, height=260)


def _lean_order(leans: Iterable[str]) -> list[str]:
    found = set(leans)
    return [lean for lean in q.LEAN_ORDER if lean in found] + sorted(found - set(q.LEAN_ORDER))


def _num(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


# ---- whose rating a lean is (hover lines) ---------------------------------------------------

def _rated_by(part: pd.DataFrame) -> list[str]:
    """Hover lines naming whose rating the lean is, and as of when (escaped)."""
    if "lean_rater" not in part:
        return [""] * len(part)
    return [_rating_line(lean, r, d) for lean, r, d in zip(part["lean"], part["lean_rater"], part["lean_as_of"])]


def _rating_line(lean: str, rater, as_of) -> str:
    """'<br>Lean-left: Rater One, as of 2024-03' (escaped), or '' for an unrated outlet."""
    if not isinstance(rater, str) or not rater:
        return ""
    return f"<br>{escape(lean_label(lean))}: {escape(rater)}" + (f", as of {escape(str(as_of))}" if as_of else "")


def _long_names(part: pd.DataFrame) -> list[str]:
    """Hover lines giving a name the axis shortened at more length (escaped); '' for short names."""
    return [f"<br>{short(n, HOVER_MAX)}" if len(" ".join(str(n).split())) > LABEL_MAX else "" for n in part["outlet"]]


def _outlet_head(r) -> str:
    """A heatmap hover's first lines: the outlet, its lean, and whose rating that is, as of when."""
    return (f"<b>{short(r['outlet'], HOVER_MAX)}</b> · {escape(lean_label(r['lean']))}"
            + _rating_line(r["lean"], r.get("lean_rater"), r.get("lean_as_of")))
