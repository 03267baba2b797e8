"""Plotly figures shared by the dashboard pages and the headless export.

Only plotly (and kaleido for PNG/SVG) — no Streamlit, no torch. Every figure takes a table
from `framelens.queries` and returns a `plotly.graph_objects.Figure`. Text from articles
(outlet names, titles, sentences) is HTML-escaped before it reaches plotly, whose labels
understand a little HTML.

Writing them to files (HTML, PNG, SVG) is `presentation.chart_export`'s job.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Callable, Iterable

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


# ---- overview -------------------------------------------------------------------------------

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


# ---- comparison ------------------------------------------------------------------------------

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


def _num(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


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


# ---- every chart of a story, and static export --------------------------------------------------

def story_charts(data: q.StoryData, f: q.Filters | None = None) -> dict[str, go.Figure]:
    """Every chart of the story by file-friendly name (what the export and the report contain)."""
    from . import map_charts  # it draws with this module's helpers: imported here, not in a circle

    f = f or q.Filters()
    info = data.info
    weighted = f.syndication == "deweight"
    charts = {
        "articles_by_lean": lean_bar(q.counts_by_lean(data, f), weighted),
        "articles_by_outlet": outlet_bar(q.counts_by_outlet(data, f), weighted),
        "timeline": timeline_chart(q.timeline(data, f)),
        "feature_heatmap": feature_heatmap(q.feature_matrix(data, f), {i.id: i.label for i in info.features}),
        "feature_prevalence_by_lean": prevalence_chart(q.prevalence_by_lean(data, f)),
        "stance_by_lean": stance_chart(q.stance_by_lean(data, f), info.stance_target),
        "framing_map_clusters": map_charts.map_chart(q.map_points(data, f), "cluster", q.map_axes(data)),
        "framing_map_lean": map_charts.map_chart(q.map_points(data, f), "lean", q.map_axes(data)),
        "cluster_features": map_charts.cluster_feature_heatmap(q.cluster_features(data, f)),
        "frame_scores_by_outlet": frame_heatmap(q.frames_by_outlet(data, f), {i.id: i.label for i in info.frames}),
        "primary_frame_by_lean": primary_frame_chart(q.primary_frames_by_lean(data, f)),
        "omissions": omission_heatmap(q.omission_matrix(data, f)),
        "omissions_one_sided": map_charts.one_sided_chart(q.one_sided_items(data, f)),
        "quoted_passages": passage_chart(q.quote_passages(data, f)),
        "quote_fidelity": fidelity_chart(q.quotes_table(data, f)),
        "words_left_right": words_chart(q.words_left_right(data), "left", "right"),
    }
    desc = q.descriptors_by_outlet(data, f)
    for actor in dict.fromkeys(desc["actor"]):
        charts[f"descriptors_{actor}"] = descriptor_heatmap(desc[desc["actor"] == actor],
                                                           info.actors.get(actor, actor))
    return charts
