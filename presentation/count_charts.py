"""The Overview's charts: articles by lean, by outlet, and over time (syndicated copies hatched)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .chart_style import (_layout, _lean_order, _long_names, _rated_by, _whole_ticks, empty_figure, escape,
                          lean_color, lean_label, outlet_labels)


def lean_bar(counts: pd.DataFrame, weighted: bool = False) -> go.Figure:
    """Articles per lean; syndicated copies hatched on top of independent articles."""
    title = "Articles by outlet lean"
    if counts.empty:
        return empty_figure(title, "No articles match the filters.")
    x = [lean_label(lean) for lean in counts["lean"]]
    colors = [lean_color(lean) for lean in counts["lean"]]
    fig = go.Figure()
    if weighted:
        fig.add_bar(x=x, y=counts["weighted"], marker_color=colors, name="weighted (copies count 1/group)",
                    text=counts["weighted"].round(1), textposition="outside",
                    hovertemplate="%{x}: %{y:.1f} weighted articles<extra></extra>")
    else:
        fig.add_bar(x=x, y=counts["independent"], marker_color=colors, name="independent",
                    text=counts["articles"], textposition="none",
                    hovertemplate="%{x}: %{y} independent<extra></extra>")
        fig.add_bar(x=x, y=counts["copies"], marker=dict(color=colors, pattern_shape="/"),
                    name="syndicated copies", hovertemplate="%{x}: %{y} copies<extra></extra>")
        fig.add_scatter(x=x, y=counts["articles"], mode="text", text=counts["articles"], textposition="top center",
                        showlegend=False, hoverinfo="skip")
    fig.update_xaxes(type="category")
    if not weighted:
        _whole_ticks(fig, "y", counts["articles"].max())
    return _layout(fig, title, barmode="stack", yaxis_title="articles", height=380)


def outlet_bar(counts: pd.DataFrame, weighted: bool = False) -> go.Figure:
    """Articles per outlet, coloured by lean, copies hatched."""
    title = "Articles by outlet"
    if counts.empty:
        return empty_figure(title, "No articles match the filters.")
    labels = outlet_labels(counts)
    fig = go.Figure()
    for lean in _lean_order(counts["lean"]):
        part = counts[counts["lean"] == lean]
        y, rated = labels[part.index], [n + r for n, r in zip(_long_names(part), _rated_by(part))]
        if weighted:
            fig.add_bar(y=y, x=part["weighted"], orientation="h", marker_color=lean_color(lean), customdata=rated,
                        name=lean_label(lean), hovertemplate="%{y}: %{x:.1f} weighted%{customdata}<extra></extra>")
            continue
        fig.add_bar(y=y, x=part["independent"], orientation="h", marker_color=lean_color(lean), customdata=rated,
                    name=lean_label(lean), legendgroup=lean,
                    hovertemplate="%{y}: %{x} independent%{customdata}<extra></extra>")
        if part["copies"].sum():
            fig.add_bar(y=y, x=part["copies"], orientation="h", legendgroup=lean, showlegend=False,
                        marker=dict(color=lean_color(lean), pattern_shape="/"),
                        hovertemplate="%{y}: %{x} syndicated copies<extra></extra>")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(labels)[::-1])
    if not weighted:
        _whole_ticks(fig, "x", counts["articles"].max())
    return _layout(fig, title, barmode="stack", height=max(300, 26 * len(counts) + 120))


def timeline_chart(tl: pd.DataFrame) -> go.Figure:
    title = "Publication timeline by lean"
    if tl.empty:
        return empty_figure(title, "No dated articles match the filters.")
    fig = go.Figure()
    for lean in _lean_order(tl["lean"]):
        part = tl[tl["lean"] == lean]
        fig.add_bar(x=part["day"], y=part["articles"], name=lean_label(lean), marker_color=lean_color(lean),
                    hovertemplate="%{x}: %{y:.3~f} articles<extra>" + escape(lean_label(lean)) + "</extra>")
    fig.update_xaxes(type="date")
    return _layout(fig, title, barmode="stack", yaxis_title="articles", height=360)
