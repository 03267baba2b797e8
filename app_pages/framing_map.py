"""Framing map: articles placed by how they frame the story, clusters named by what they say, frames."""

import streamlit as st

from app_pages import _cache, _ui

ctx = _ui.context()
args = ctx.args()
st.title("Framing map")
_ui.require_analysis(ctx)

color_by = st.segmented_control("Colour by", ["cluster", "lean"], default="cluster", key="map_color",
                                required=True)
st.caption("Each point is an article, placed by what the story's detectors found in it (framing features, "
           "frame, stance, descriptors, key facts) and by its framing sentences, with what every article in "
           "its language shares taken away: articles close together frame the story alike, whatever their "
           "language. The axis titles list what pulls along each axis. **Click a point** to read the article.")
event = _ui.show_chart(ctx, _cache.figure("framing_map", *args, color_by=color_by or "cluster"), "framing_map",
                       on_select="rerun", selection_mode="points")


def _clicked_article(event) -> int | None:
    """The article id of the clicked point, if any."""
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        custom = point.get("customdata")
        custom = custom[0] if isinstance(custom, (list, tuple)) and custom else custom
        if isinstance(custom, (int, float)):
            return int(custom)
    return None


clicked = _clicked_article(event)
if clicked is not None and clicked != st.session_state.get("_map_opened"):
    st.session_state["_map_opened"] = clicked  # a rerun with the same selection does not reopen it
    st.session_state["read"] = [clicked]
    st.switch_page("app_pages/reader.py")

st.subheader("What each cluster means")
clusters = _cache.table("clusters_table", *args)
if not clusters.empty:  # only the clusters of the articles the filters select
    clusters = clusters[clusters["articles"] > 0]
    message = _ui.NO_MATCH
else:
    message = "No clusters yet — run the analysis."
if _ui.require_rows(clusters, message):
    for _, c in clusters.iterrows():
        st.markdown(f"**{int(c['cluster'])}: {_ui.esc(c['label'] or 'cluster ' + str(c['cluster']), 200)}** · "
                    f"{_ui.fmt_count(c['articles'])} articles ({_ui.esc(c['leans'] or 'no lean')})  \n"
                    f"Distinguished by: {_ui.esc(c['distinguishing'] or 'nothing the detectors found', 400)}  \n"
                    f"Typical article: {_ui.esc(c['typical_outlet'], 60)} — "
                    f"{_ui.link(c['typical_title'] or 'article', c['typical_url'], 160)}")
    st.caption("A cluster is named by the detector results at least half of its articles share and at least "
               "25 points more often than the other articles, then by its majority stance; "
               "the shares count only articles the detectors could read.")
    _ui.show_chart(ctx, _cache.figure("cluster_features", *args), "cluster_features")
    with st.expander("Cluster table (distinguishing features, lean mix, members)"):
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
