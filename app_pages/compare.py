"""Compare outlets: which framing features each outlet uses, with the sentences that prove it."""

import streamlit as st

from app_pages import _cache, _ui
from framelens import queries as q
from framelens.queries import SIDES
from presentation import charts

ctx = _ui.context()
args = ctx.args()
st.title("Compare outlets")
_ui.require_analysis(ctx)
_ui.note_not_evaluated(ctx)

matrix = _cache.table("feature_matrix", *args)
st.markdown("Each cell: articles from the outlet that use the framing feature / articles analysed. "
            "Hover for the evidence; **click a cell** to list every evidence sentence below.")
event = _ui.show_chart(ctx, _cache.figure("feature_heatmap", *args), "feature_heatmap",
                       on_select="rerun", selection_mode="points")


def _clicked_cell(event):
    """(domain, feature) of the clicked heatmap cell, if any."""
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        custom = point.get("customdata")
        if isinstance(custom, (list, tuple)) and len(custom) == 2:
            return tuple(custom)
    return None


st.subheader("Evidence")
outlets = matrix.drop_duplicates("domain")[["domain", "outlet"]] if not matrix.empty else matrix
features = {i.id: i.label for i in ctx.info.features} or dict(zip(matrix["feature"], matrix["label"]))
names = dict(zip(outlets["domain"], outlets["outlet"])) if not matrix.empty else {}
cell = _clicked_cell(event)
if cell and cell != st.session_state.get("_last_cell") and cell[0] in names and cell[1] in features:
    st.session_state["_last_cell"] = cell  # a new click moves the pickers to that cell
    st.session_state["ev_outlet"], st.session_state["ev_feature"] = cell
c1, c2 = st.columns(2)
domain = c1.selectbox("Outlet", [None, *names], key="ev_outlet",
                      format_func=lambda d: "All outlets" if d is None else _ui.plain(names.get(d, d), 80))
feature = c2.selectbox("Feature", [None, *features], key="ev_feature",
                       format_func=lambda f: "All features" if f is None else features.get(f, f))
ev = _cache.evidence(*args, domain, feature)
limit = 60 if domain or feature else 12
if not (domain or feature):
    st.caption("Click a heatmap cell, or pick an outlet and/or a feature, to see all of its evidence.")
if _ui.require_rows(ev, "No evidence sentences for this outlet and feature (the feature was not found)."):
    for _, row in ev.head(limit).iterrows():
        st.markdown(f"> {_ui.esc(row['sentence'])}\n\n"
                    f"{_ui.lean_badge(row['lean'])} **{_ui.esc(row['outlet'], 80)}** · "
                    f"{_ui.esc(row['label'])} · {_ui.link(row['title'] or 'article', row['url'])}")
    if len(ev) > limit:
        st.caption(f"Showing {limit} of {len(ev)} sentences; download them all:")
    _ui.table_downloads(ctx, ev, "feature_evidence")

st.subheader("Feature prevalence by lean")
_ui.show_chart(ctx, _cache.figure("feature_prevalence_by_lean", *args), "feature_prevalence_by_lean")
prev = _cache.table("prevalence_by_lean", *args)
st.caption(f"Whiskers: {q.Rule.from_settings().level:.0%} Wilson intervals — with few articles in a lean, "
           "a share can be far from what more coverage would show. The interval level is a setting.",
           help="(settings: FRAMELENS_INTERVAL_LEVEL)")
with st.expander("Prevalence table (counts, shares and intervals)"):
    _ui.show_table(ctx, prev[["lean", "label", "present", "articles", "share", "ci_low", "ci_high"]],
                   "feature_prevalence_by_lean",
                   column_config={c: st.column_config.NumberColumn(format="percent")
                                  for c in ("share", "ci_low", "ci_high")})

st.subheader("Stance toward " + _ui.esc(charts.stance_target(ctx.info.stance_target)))
_ui.show_chart(ctx, _cache.figure("stance_by_lean", *args), "stance_by_lean")

st.subheader("Headlines side by side")
heads = _cache.table("headlines", *args)
if _ui.require_rows(heads):
    groups = [("Left", SIDES["left"]), ("Center", ("center",)), ("Right", SIDES["right"]), ("Unrated", ("unrated",))]
    groups = [(name, leans) for name, leans in groups if heads["lean"].isin(leans).any()]
    for col, (name, leans) in zip(st.columns(len(groups)), groups):
        part = heads[heads["lean"].isin(leans)]
        col.markdown(f"**{name}** · {len(part)} articles")
        lines = [f"- {_ui.lean_badge(r['lean'])} **{_ui.esc(r['outlet'], 60)}**: {_ui.link(r['title'], r['url'], 160)}"
                 for _, r in part.head(40).iterrows()]
        col.markdown("\n".join(lines))
        if len(part) > 40:
            col.caption(f"… and {len(part) - 40} more (see the article table on the Overview page).")
