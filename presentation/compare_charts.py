"""The comparison charts: outlet heatmaps (framing features, frames, omissions, descriptors),
feature prevalence and stance by lean, and primary frames by lean.

Each heatmap cell carries (domain, column) in an invisible marker, so a click on the page can
show that cell's evidence; the hover names the outlet, its lean and whose rating that is.
"""

from __future__ import annotations

from typing import Callable

import pandas as pd
import plotly.graph_objects as go

from .chart_style import (QUALITATIVE, SHARE_SCALE, STANCE_COLORS, _layout, _lean_order, _num, _outlet_head,
                          empty_figure, escape, lean_color, lean_label, outlet_labels, short, short_unique,
                          wrap_sentences)


def _matrix(df: pd.DataFrame, col: str, value: str, order: list[str] | None = None):
    """Rows (outlets, lean-grouped) x columns pivot plus the cell lookup for hovers."""
    rows = df.drop_duplicates("domain")[["outlet", "domain", "lean"]].reset_index(drop=True)
    rows["label"] = outlet_labels(rows) + "  ·  " + rows["lean"].map(lean_label)
    cols = order or list(dict.fromkeys(df[col]))
    z = df.pivot_table(index="domain", columns=col, values=value, aggfunc="first").reindex(
        index=rows["domain"], columns=cols)
    return rows, cols, z


def _heatmap(df: pd.DataFrame, col: str, col_labels: dict, title: str, value: str = "share",
             text_fn: Callable | None = None, hover_fn: Callable | None = None, zmax: float = 1.0,
             colorbar_title: str = "share") -> go.Figure:
    if df.empty:
        return empty_figure(title, "Nothing to compare yet: no analysed articles match the filters.")
    rows, cols, z = _matrix(df, col, value, list(dict.fromkeys(df[col])))
    cell = df.set_index(["domain", col])
    text, hover, custom = [], [], []
    for domain in rows["domain"]:
        t_row, h_row, c_row = [], [], []
        for c in cols:
            r = cell.loc[(domain, c)] if (domain, c) in cell.index else None
            t_row.append(text_fn(r) if r is not None and text_fn else "")
            h_row.append(hover_fn(r) if r is not None and hover_fn else "")
            c_row.append([domain, c])
        text.append(t_row), hover.append(h_row), custom.append(c_row)
    x_labels, y_labels = short_unique([col_labels.get(c, c) for c in cols], 28), list(rows["label"])
    fig = go.Figure(go.Heatmap(
        z=z.values, x=x_labels, y=y_labels, zmin=0, zmax=zmax, colorscale=SHARE_SCALE, text=text,
        texttemplate="%{text}", hoverinfo="skip", xgap=2, ygap=2,
        colorbar=dict(title=dict(text=colorbar_title), thickness=12)))
    # Plotly heatmaps emit no click selection; an invisible marker per cell carries the hover
    # text and the (domain, column) a click selects, so pages can show that cell's evidence.
    fig.add_scatter(x=[x for _ in y_labels for x in x_labels], y=[y for y in y_labels for _ in x_labels],
                    mode="markers", marker=dict(symbol="square", size=24, color="rgba(255,255,255,0.01)"),
                    customdata=[c for row in custom for c in row], hovertext=[h for row in hover for h in row],
                    hovertemplate="%{hovertext}<extra></extra>", showlegend=False, name="cells",
                    selected=dict(marker=dict(opacity=1)), unselected=dict(marker=dict(opacity=1)))
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False)
    # Angled column labels: several long feature names side by side would overlap flat.
    angle = 0 if len(cols) <= 4 else -35
    fig.update_xaxes(type="category", side="top", tickangle=angle, showgrid=False)
    top = 110 if angle == 0 else 60 + 5 * max((len(x) for x in x_labels), default=10)
    return _layout(fig, title, height=max(320, 30 * len(rows) + top + 60), margin=dict(l=10, r=10, t=top, b=10),
                   hovermode="closest", hoverdistance=-1)


def _count_text(r) -> str:
    if not float(r["articles"]):
        return "n/e"  # no article the detectors could read: not evaluated
    return f"{_num(r['present'])}/{_num(r['articles'])}"


def _share_text(r) -> str:
    return "not evaluated (another language)" if not float(r["articles"]) else f"{r['share']:.0%}"


def feature_heatmap(matrix: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Outlet x feature share of articles, grouped by lean; hover shows the evidence."""
    def hover(r):
        return (_outlet_head(r) + f"<br>{escape(r['label'])}: "
                f"{_count_text(r)} articles ({_share_text(r)})<br>{wrap_sentences(r['evidence'])}")
    return _heatmap(matrix, "feature", labels, "Framing features by outlet (share of articles)",
                    text_fn=_count_text, hover_fn=hover)


def prevalence_chart(prev: pd.DataFrame) -> go.Figure:
    """Feature prevalence by lean: share of articles, with the counts written on the bars."""
    title = "Feature prevalence by lean (articles using it / analysed articles; whiskers: 95 % interval)"
    if prev.empty:
        return empty_figure(title, "No analysed articles match the filters.")
    fig = go.Figure()
    labels = list(dict.fromkeys(prev["label"]))
    names = dict(zip(labels, short_unique(labels, 28)))  # one x position per feature, however alike they start
    for lean in _lean_order(prev["lean"]):
        part = prev[prev["lean"] == lean]
        counts = [_count_text(r) for _, r in part.iterrows()]
        bounds = [f"{lo:.0%}–{hi:.0%}" if hi == hi else "n/e" for lo, hi in zip(part["ci_low"], part["ci_high"])] \
            if "ci_low" in part else counts
        fig.add_bar(x=part["label"].map(names), y=part["share"], name=lean_label(lean),
                    marker_color=lean_color(lean), text=counts, textposition="inside", textangle=0,
                    insidetextanchor="start", customdata=list(zip(counts, bounds)),
                    error_y=_interval_bars(part),
                    hovertemplate="%{x}<br>" + escape(lean_label(lean)) + ": %{customdata[0]} (%{y:.0%}, "
                                  "95 % interval %{customdata[1]})<extra></extra>")
    fig.update_yaxes(tickformat=".0%", range=[0, 1.15])
    fig.update_xaxes(type="category")
    # the tilted feature names need the room below the axis: the legend goes under them
    return _layout(fig, title, barmode="group", height=480,
                   legend=dict(orientation="h", yanchor="top", y=-0.45, xanchor="left", x=0))


def stance_target(target) -> str:
    """What the story's stance is toward (its `stance.target`), flattened and shortened; 'the event' when unset."""
    flat = " ".join(str(target or "").split()) or "the event"
    return flat if len(flat) <= 80 else flat[:79] + "…"


def _interval_bars(part: pd.DataFrame) -> dict | None:
    """Asymmetric error bars from a table's Wilson interval columns (none when it has none)."""
    if "ci_low" not in part:
        return None
    return dict(type="data", symmetric=False, array=(part["ci_high"] - part["share"]).fillna(0),
                arrayminus=(part["share"] - part["ci_low"]).fillna(0), thickness=1.2, color="#444")


def stance_chart(stance: pd.DataFrame, target: str = "") -> go.Figure:
    """Share of each stance per lean; the title names the story's `stance.target`, as the page's heading does."""
    title = f"Stance toward {stance_target(target)} by lean"
    if stance.empty:
        return empty_figure(title, "No stance results for the selected articles.")
    leans = _lean_order(stance["lean"])
    fig = go.Figure()
    for label in ("critical", "neutral", "supportive"):
        part = stance[stance["stance"] == label].set_index("lean").reindex(leans)
        fig.add_bar(x=[lean_label(x) for x in leans], y=part["share"].fillna(0), name=label,
                    marker_color=STANCE_COLORS[label], customdata=part["articles"].fillna(0),
                    text=part["articles"].fillna(0).map(_num), textposition="inside",
                    hovertemplate="%{x}: %{customdata:.3~f} " + label + " (%{y:.0%})<extra></extra>")
    fig.update_yaxes(tickformat=".0%")
    fig.update_xaxes(type="category")
    return _layout(fig, title, barmode="stack", height=360)


# ---- framing map and frames --------------------------------------------------------------------

def frame_heatmap(frames: pd.DataFrame, labels: dict[str, str]) -> go.Figure:
    """Outlet x frame: mean frame score (hover adds how often it is the primary frame)."""
    def hover(r):
        return (_outlet_head(r) + f"<br>{escape(r['label'])}: mean score "
                f"{r['mean_score']:.2f}<br>primary frame in {r['primary_share']:.0%} of {_num(r['articles'])} articles")
    zmax = max(float(frames["mean_score"].max()), 0.01) if not frames.empty else 1.0
    return _heatmap(frames, "frame", labels, "Frame scores by outlet (mean per article)", value="mean_score",
                    text_fn=lambda r: f"{r['mean_score']:.2f}", hover_fn=hover, zmax=zmax, colorbar_title="score")


def primary_frame_chart(pf: pd.DataFrame) -> go.Figure:
    title = "Primary frame by lean"
    if pf.empty:
        return empty_figure(title, "No frame results for the selected articles.")
    leans = _lean_order(pf["lean"])
    fig = go.Figure()
    for i, frame in enumerate(dict.fromkeys(pf["frame"])):
        part = pf[pf["frame"] == frame].set_index("lean").reindex(leans)
        label = part["label"].dropna().iloc[0] if part["label"].notna().any() else frame
        fig.add_bar(x=[lean_label(x) for x in leans], y=part["share"].fillna(0), name=short(label, 28),
                    marker_color=QUALITATIVE[i % len(QUALITATIVE)], customdata=part["articles"].fillna(0),
                    hovertemplate="%{x}: %{customdata:.3~f} articles (%{y:.0%})<extra>" + short(label, 28) + "</extra>")
    fig.update_yaxes(tickformat=".0%")
    fig.update_xaxes(type="category")
    return _layout(fig, title, barmode="stack", height=380)


# ---- omissions, descriptors, quotes, words --------------------------------------------------------

def omission_heatmap(matrix: pd.DataFrame) -> go.Figure:
    """Outlet x key fact / talking point: share of articles that report it."""
    labels = dict(zip(matrix["item"], matrix["label"])) if not matrix.empty else {}

    def hover(r):
        return (_outlet_head(r) + f"<br>{escape(r['type'])}: "
                f"{short(r['label'], 80)}<br>reported in {_count_text(r)} articles<br>"
                f"{wrap_sentences(r['evidence'], 2)}")
    return _heatmap(matrix, "item", labels, "Key facts and talking points by outlet (share reporting)",
                    text_fn=_count_text, hover_fn=hover)


def descriptor_heatmap(desc: pd.DataFrame, actor_label: str = "") -> go.Figure:
    labels = dict(zip(desc["descriptor"], desc["label"])) if not desc.empty else {}

    def hover(r):
        return (_outlet_head(r) + f"<br>{escape(r['label'])}: "
                f"{_count_text(r)} articles<br>{wrap_sentences(r['evidence'], 2)}")
    title = f"How outlets describe {actor_label}" if actor_label else "Descriptors by outlet"
    return _heatmap(desc, "descriptor", labels, title, text_fn=_count_text, hover_fn=hover)
