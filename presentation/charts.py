"""Plotly figures shared by the dashboard pages and the headless export: one name for all of them.

Only plotly (and kaleido for PNG/SVG) — no Streamlit, no torch. Every figure takes a table
from `framelens.queries` and returns a `plotly.graph_objects.Figure`. Text from articles
(outlet names, titles, sentences) is HTML-escaped before it reaches plotly, whose labels
understand a little HTML.

The figures live by what they show: `chart_style` (colours, labels, escaping, layout: what
they all share), `count_charts` (the Overview's counts and timeline), `compare_charts` (the
outlet heatmaps, prevalence, stance and frames), `map_charts` (the framing map, clusters and
the one-sided omissions chart) and `text_charts` (quotes and words). This module gathers them
under one name and lists every chart of a story (`story_charts`). Writing them to files
(HTML, PNG, SVG) is `presentation.chart_export`'s job.
"""

from __future__ import annotations

import plotly.graph_objects as go

from framelens import queries as q

from . import map_charts
from .chart_style import (FIDELITY_COLORS, FONT, HOVER_MAX, LABEL_MAX, LEAN_COLORS, LEAN_LABELS, QUALITATIVE,
                          SHARE_SCALE, STANCE_COLORS, empty_figure, escape, lean_color, lean_label, outlet_labels,
                          short, short_unique, wrap_sentences)
from .compare_charts import (descriptor_heatmap, feature_heatmap, frame_heatmap, omission_heatmap,
                             prevalence_chart, primary_frame_chart, stance_chart, stance_target)
from .count_charts import lean_bar, outlet_bar, timeline_chart
from .text_charts import fidelity_chart, lean_group_colors, passage_chart, words_chart

__all__ = ["FIDELITY_COLORS", "FONT", "HOVER_MAX", "LABEL_MAX", "LEAN_COLORS", "LEAN_LABELS", "QUALITATIVE",
           "SHARE_SCALE", "STANCE_COLORS", "descriptor_heatmap", "empty_figure", "escape", "feature_heatmap",
           "fidelity_chart", "frame_heatmap", "lean_bar", "lean_color", "lean_group_colors", "lean_label",
           "omission_heatmap", "outlet_bar", "outlet_labels", "passage_chart", "prevalence_chart",
           "primary_frame_chart", "short", "short_unique", "stance_chart", "stance_target", "story_charts",
           "timeline_chart", "words_chart", "wrap_sentences"]


# ---- every chart of a story, and static export --------------------------------------------------

def story_charts(data: q.StoryData, f: q.Filters | None = None) -> dict[str, go.Figure]:
    """Every chart of the story by file-friendly name (what the export and the report contain)."""
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
