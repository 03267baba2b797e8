"""Charts of what was said: quoted passages of the primary source, quote fidelity, and the
distinctive words of two groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from framelens import queries as q

from .chart_style import (FIDELITY_COLORS, LEAN_COLORS, _layout, _lean_order, empty_figure, escape, lean_color,
                          lean_label, short)


def passage_chart(passages: pd.DataFrame) -> go.Figure:
    """Which passages of the primary source were quoted, by lean."""
    title = "Passages of the primary source quoted, by lean"
    if passages.empty:
        return empty_figure(title, "No quotes of the primary source in the selected articles.")
    order = list(dict.fromkeys(passages["index"]))
    names = {i: f"¶{i}: {short(t, 50)}" for i, t in zip(passages["index"], passages["passage"])}
    fig = go.Figure()
    for lean in _lean_order(passages["lean"]):
        part = passages[passages["lean"] == lean]
        fig.add_bar(y=part["index"].map(names), x=part["quoted_by"], orientation="h", name=lean_label(lean),
                    marker_color=lean_color(lean), hovertemplate="%{y}<br>%{x:.3~f} articles<extra>"
                    + escape(lean_label(lean)) + "</extra>")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=[names[i] for i in order][::-1])
    return _layout(fig, title + " (articles quoting each passage)", barmode="stack",
                   height=max(300, 30 * len(order) + 140))


def fidelity_chart(quotes: pd.DataFrame) -> go.Figure:
    title = "Quote fidelity by lean"
    if quotes.empty:
        return empty_figure(title, "No quotes in the selected articles.")
    counts = quotes.groupby(["lean", "fidelity"]).size().rename("n").reset_index()
    leans = _lean_order(counts["lean"])
    fig = go.Figure()
    for fid in q.FIDELITY_ORDER:
        part = counts[counts["fidelity"] == fid].set_index("lean").reindex(leans)
        fig.add_bar(x=[lean_label(x) for x in leans], y=part["n"].fillna(0), name=fid.replace("_", " "),
                    marker_color=FIDELITY_COLORS[fid], hovertemplate="%{x}: %{y} " + fid + "<extra></extra>")
    fig.update_xaxes(type="category")
    return _layout(fig, title, barmode="stack", yaxis_title="quotes", height=360)


def lean_group_colors(a: list[str], b: list[str]) -> tuple[str, str]:
    """Colours for two groups of leans in the lean palette: a group within one side takes that
    side's colour (its most partisan member's); a group with center or unrated leans, or two
    groups that would look alike, get a neutral pair instead."""
    def side_color(group: list[str]) -> str | None:
        for side in (("left", "lean-left"), ("right", "lean-right")):
            if group and set(group) <= set(side):
                return LEAN_COLORS[side[0] if side[0] in group else side[1]]
        return None

    ca, cb = side_color(a), side_color(b)
    return (ca, cb) if ca and cb and ca != cb else ("#CC79A7", "#009E73")


def _log_ticks(lo: float, hi: float) -> list[float]:
    """1-2-5 tick values covering [lo, hi] on a log axis (plotly's own print '8 9 1 2 3' on
    short ranges)."""
    ticks = [m * 10 ** k for k in range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 2)
             for m in (1, 2, 5)]
    inside = [t for t in ticks if lo / 1.3 <= t <= hi * 2.3]
    return inside or [lo, hi]


def words_chart(words: pd.DataFrame, name_a: str, name_b: str, label_top: int = 12,
                colors: tuple[str, str] = ("#0072B2", "#C84B00")) -> go.Figure:
    """Fightin' Words: z-score against total frequency; the most distinctive terms labelled."""
    title = f"Distinctive words: {name_a} vs {name_b}"
    if words.empty:
        return empty_figure(title, "No word counts for these groups.")
    df = words.assign(total=words["count_a"] + words["count_b"])
    side = df["z"].map(lambda z: "a" if z >= 1.96 else "b" if z <= -1.96 else "n")
    colors = {"a": colors[0], "b": colors[1], "n": "#BBBBBB"}
    names = {"a": f"more {name_a}", "b": f"more {name_b}", "n": "not distinctive"}
    # Label the strongest terms that are distinctive at all: labels on grey points only pile up.
    strong = df[side != "n"]
    top = set(strong.reindex(strong["z"].abs().sort_values(ascending=False).index).head(label_top)["term"])
    fig = go.Figure()
    for s in ("a", "b", "n"):
        part = df[side == s]
        fig.add_scatter(x=part["total"], y=part["z"], mode="markers+text", name=escape(names[s]),
                        text=[escape(t) if t in top else "" for t in part["term"]], textposition="middle right",
                        marker=dict(color=colors[s], size=8, opacity=0.85), customdata=part["term"].map(escape),
                        hovertemplate="%{customdata}: z=%{y:.2f}, count %{x}<extra></extra>")
    fig.add_hline(y=1.96, line_dash="dot", line_color="#999")
    fig.add_hline(y=-1.96, line_dash="dot", line_color="#999")
    lo, hi = max(float(df["total"].min()), 1.0), max(float(df["total"].max()), 1.0)
    # Room on the right so the labels of the most frequent terms are not cut off.
    fig.update_xaxes(type="log", title="frequency (both groups)", range=[np.log10(lo) - 0.1, np.log10(hi) + 0.35],
                     tickvals=_log_ticks(lo, hi), ticktext=[f"{v:g}" for v in _log_ticks(lo, hi)])
    fig.update_yaxes(title=f"z  (+ {short(name_a, 30)} · − {short(name_b, 30)})")
    return _layout(fig, title, height=520, legend=dict(orientation="v", x=1.01, y=1, xanchor="left", yanchor="top"))
