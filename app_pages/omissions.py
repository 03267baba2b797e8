"""Omissions: which outlets report each key fact and talking point, and what one side leaves out."""

import streamlit as st

from app_pages import _cache, _ui

ctx = _ui.context()
args = ctx.args()
st.title("Omissions")
_ui.require_analysis(ctx)
_ui.note_not_evaluated(ctx)

st.subheader("Reported by most of one side, absent from the other")
one_sided = _cache.table("one_sided_items", *args)
flagged = one_sided[one_sided["one_sided"]] if not one_sided.empty else one_sided
if one_sided.empty:
    _ui.empty("Needs articles from both the left (left, lean-left) and the right (lean-right, right).")
elif flagged.empty:
    _ui.empty("No key fact or talking point is reported by most of one side and (almost) none of the other.")
else:
    for _, r in flagged.iterrows():
        st.markdown(f"- **{_ui.esc(r['label'], 200)}** ({_ui.esc(r['type'])}) — {r['reported_by']}: "
                    f"left {r['left_share']:.0%} of {_ui.fmt_count(r['left_articles'])} articles, "
                    f"right {r['right_share']:.0%} of {_ui.fmt_count(r['right_articles'])}")
st.caption("One-sided: reported by at least 50% of one side's articles and at most 10% of the other's.")
with st.expander("All items by side"):
    _ui.show_table(ctx, one_sided, "omissions_one_sided", column_config={
        "left_share": st.column_config.NumberColumn(format="percent"),
        "right_share": st.column_config.NumberColumn(format="percent"),
        "gap": st.column_config.NumberColumn(format="percent")})

st.subheader("Outlet × key fact and talking point")
kind = st.segmented_control("Show", ["key fact", "talking point"], default="key fact", key="omit_type")
_ui.show_chart(ctx, _cache.figure("omissions", *args, type=kind), "omissions")
facts = [i for i in ctx.info.key_facts if i.description]
if facts:
    with st.expander("What the key facts say"):
        st.markdown("\n".join(f"- **{_ui.esc(i.label)}**: {_ui.esc(i.description)}" for i in facts))
with st.expander("Omission table"):
    _ui.show_table(ctx, _cache.table("omission_matrix", *args), "omissions")
