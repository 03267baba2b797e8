"""Framing map: articles placed by how similarly they frame the story, clusters and frames."""

import streamlit as st

from app_pages import _cache, _ui

ctx = _ui.context()
args = ctx.args()
st.title("Framing map")
_ui.require_analysis(ctx)

color_by = st.segmented_control("Colour by", ["cluster", "lean"], default="cluster", key="map_color",
                                required=True)
st.caption("Articles close together frame the story alike (what every article shares is removed first, so "
           "the clusters show framing rather than topic).")
_ui.show_chart(ctx, _cache.figure("framing_map", *args, color_by=color_by or "cluster"), "framing_map")

st.subheader("Clusters")
clusters = _cache.table("clusters_table", *args)
if not clusters.empty:  # only the clusters of the articles the filters select
    clusters = clusters[clusters["articles"] > 0]
    message = _ui.NO_MATCH
else:
    message = "No clusters yet — run the analysis."
if _ui.require_rows(clusters, message):
    for _, c in clusters.iterrows():
        st.markdown(f"**{_ui.esc(c['label'] or 'cluster ' + str(c['cluster']), 120)}** · "
                    f"{_ui.fmt_count(c['articles'])} articles · terms: {_ui.esc(c['terms'], 200)}  \n"
                    f"Typical article: {_ui.esc(c['typical_outlet'], 60)} — "
                    f"{_ui.link(c['typical_title'] or 'article', c['typical_url'], 160)}")
    with st.expander("Cluster table"):
        _ui.show_table(ctx, clusters, "clusters")

st.subheader("Frames")
labels = {i.id: i.label for i in ctx.info.frames}
if labels:
    st.caption(" · ".join(f"**{_ui.esc(i.label)}**: {_ui.esc(i.description, 140)}" if i.description
                          else f"**{_ui.esc(i.label)}**" for i in ctx.info.frames))
_ui.show_chart(ctx, _cache.figure("primary_frame_by_lean", *args), "primary_frame_by_lean")
_ui.show_chart(ctx, _cache.figure("frame_scores_by_outlet", *args), "frame_scores_by_outlet")
with st.expander("Frame table"):
    _ui.show_table(ctx, _cache.table("frames_by_outlet", *args), "frames_by_outlet")
