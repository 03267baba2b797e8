"""The framing map, the feature-by-cluster view and the one-sided omissions chart.

The map's points carry the outlet and headline (hover) and the article id (customdata, so
a click can open it in the Reader); its legend names what each cluster means; its axes
list the framing columns that pull towards each end (queries.map_axes).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .chart_style import (LEAN_COLORS, QUALITATIVE, SHARE_SCALE, _layout, _lean_order, _num, empty_figure, escape,
                          lean_color, lean_label, short, short_unique)

LEGEND_LABEL = 70
AXIS_LABEL = 30   # the axis titles must fit along the axis (the y axis is shorter: one item a side)


def map_chart(points: pd.DataFrame, color_by: str = "cluster", axes: dict | None = None) -> go.Figure:
    """The 2-D framing map; colour by cluster (legend: each cluster's label) or by lean."""
    title = "Framing map (articles placed by how they frame the story)"
    if points.empty:
        return empty_figure(title, "No map coordinates yet: run the analysis.")
    fig = go.Figure()
    key = "cluster" if color_by == "cluster" else "lean"
    groups = _lean_order(points["lean"]) if key == "lean" else sorted(dict.fromkeys(points["cluster"]))
    for i, g in enumerate(groups):
        part = points[points[key] == g]
        fig.add_scatter(x=part["x"], y=part["y"], mode="markers", name=_legend_name(part, key, g),
                        hovertext=_hover(part), hovertemplate="%{hovertext}<extra></extra>", customdata=part["id"],
                        marker=dict(size=11, color=lean_color(g) if key == "lean" else QUALITATIVE[i % len(QUALITATIVE)],
                                    line=dict(width=0.8, color="white"), opacity=0.9))
    fig.update_xaxes(showticklabels=False, zeroline=False, title=_axis_title((axes or {}).get("x"), 2))
    fig.update_yaxes(showticklabels=False, zeroline=False, title=_axis_title((axes or {}).get("y"), 1))
    legend = dict(orientation="v", yanchor="top", y=-0.12, xanchor="left", x=0, font=dict(size=12))
    return _layout(fig, title, height=560 + 22 * len(groups), legend=legend,
                   margin=dict(l=10, r=10, t=50, b=10))


def _legend_name(part: pd.DataFrame, key: str, group) -> str:
    if key == "lean":
        return lean_label(group)
    return f"{int(group)}: {short(part['cluster_label'].iloc[0], LEGEND_LABEL)} ({len(part)})"


def _hover(part: pd.DataFrame) -> list[str]:
    return [f"<b>{short(o)}</b> · {escape(lean_label(lean))}<br>{short(t, 80)}<br>cluster {c}: {short(lbl, 80)}"
            f"<br><i>click to open in the Reader</i>"
            for o, lean, t, c, lbl in zip(part["outlet"], part["lean"], part["title"], part["cluster"],
                                          part["cluster_label"])]


def _axis_title(axis: dict | None, items: int) -> dict | None:
    """'← low-end columns · high-end columns →' (`items` a side), or None when nothing pulls along it."""
    if not axis or not (axis.get("low") or axis.get("high")):
        return None
    low = ", ".join(short(x, AXIS_LABEL) for x in (axis.get("low") or [])[:items]) or "—"
    high = ", ".join(short(x, AXIS_LABEL) for x in (axis.get("high") or [])[:items]) or "—"
    return dict(text=f"← {low}   ·   {high} →", font=dict(size=11))


def cluster_feature_heatmap(table: pd.DataFrame) -> go.Figure:
    """Cluster x framing feature: share of the cluster's articles using it, counts in the cells."""
    title = "What each cluster says (share of its articles using each framing feature)"
    if table.empty:
        return empty_figure(title, "No clusters of analysed articles match the filters.")
    clusters = list(dict.fromkeys(table["cluster"]))
    features = list(dict.fromkeys(table["label"]))
    cell = table.set_index(["cluster", "label"])
    z = [[cell.at[(c, f), "share"] if (c, f) in cell.index else None for f in features] for c in clusters]
    text = [[f"{_num(cell.at[(c, f), 'present'])}/{_num(cell.at[(c, f), 'articles'])}" if (c, f) in cell.index
             else "" for f in features] for c in clusters]
    names = {c: f"{c}: {short(lbl, 40)}" for c, lbl in zip(table["cluster"], table["cluster_label"])}
    fig = go.Figure(go.Heatmap(z=z, x=short_unique(features, 30), y=[names[c] for c in clusters], text=text,
                               texttemplate="%{text}", colorscale=SHARE_SCALE, zmin=0, zmax=1,
                               hovertemplate="%{y}<br>%{x}: %{text} articles (%{z:.0%})<extra></extra>",
                               colorbar=dict(title="share", tickformat=".0%")))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", tickangle=-30)
    return _layout(fig, title, height=200 + 40 * len(clusters))


def one_sided_chart(items: pd.DataFrame, limit: int = 15) -> go.Figure:
    """Share reporting each item on the left and on the right, with Wilson intervals, the
    counts and the verdict of the one-sidedness rule; items with the largest gap first."""
    title = "Left vs right: share of articles reporting each item (bars: 95 % interval)"
    items = items.dropna(subset=["left_share", "right_share"]) if not items.empty else items
    if items.empty:
        return empty_figure(title, "Needs analysed articles from both the left and the right.")
    top = items.head(limit).iloc[::-1]
    labels = short_unique(top["label"][::-1], 50)[::-1]  # numbered in rank order: the first keeps its name
    names = [f"{lbl} — {escape(v or 'no clear difference')}" for lbl, v in zip(labels, top["verdict"])]
    fig = go.Figure()
    for side, lean, place in (("left", "left", "top center"), ("right", "right", "bottom center")):
        share = top[f"{side}_share"]
        counts = [f"{_num(p)}/{_num(n)}" for p, n in zip(top[f"{side}_present"], top[f"{side}_articles"])]
        fig.add_scatter(x=share, y=names, mode="markers+text", name=f"{side.title()} ({', '.join(_side_leans(side))})",
                        text=counts, textposition=place, marker=dict(size=11, color=LEAN_COLORS[lean]),
                        error_x=dict(type="data", symmetric=False, array=top[f"{side}_ci_high"] - share,
                                     arrayminus=share - top[f"{side}_ci_low"], thickness=1.5),
                        hovertemplate="%{y}<br>" + side + ": %{text} articles (%{x:.0%})<extra></extra>")
    fig.update_xaxes(tickformat=".0%", range=[-0.08, 1.08])
    fig.update_yaxes(type="category")
    return _layout(fig, title, height=160 + 46 * len(top), margin=dict(l=10, r=10, t=50, b=10))


def _side_leans(side: str) -> list[str]:
    from framelens.queries import SIDES
    return [lean_label(lean).lower() for lean in SIDES[side]]
