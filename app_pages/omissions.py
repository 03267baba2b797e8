"""Omissions: which outlets report each key fact and talking point, and what one side leaves out."""

import streamlit as st

from app_pages import _cache, _ui
from framelens import queries as q


def _one_sided_lines(items, verdicts: tuple[str, ...], none_message: str) -> None:
    """One line per item whose verdict is in `verdicts`: counts, shares and intervals of both sides."""
    rows = items[items["verdict"].isin(verdicts)]
    if rows.empty:
        if none_message:
            _ui.empty(none_message)
        return
    st.markdown("\n".join(
        f"- **{_ui.esc(r['label'], 200)}** ({_ui.esc(r['type'])}) — {_ui.esc(r['verdict'])}: "
        f"left {_side_text(r, 'left')}, right {_side_text(r, 'right')}"
        + (f"; Fisher p = {r['p_value']:.3f}" if r["p_value"] == r["p_value"] else "")
        for _, r in rows.iterrows()))


def _side_text(r, side: str) -> str:
    return (f"{_ui.fmt_count(r[side + '_present'])} of {_ui.fmt_count(r[side + '_articles'])} "
            f"({r[side + '_share']:.0%}, {r[side + '_ci_low']:.0%}–{r[side + '_ci_high']:.0%})")


ctx = _ui.context()
args = ctx.args()
st.title("Omissions")
_ui.require_analysis(ctx)
_ui.note_not_evaluated(ctx)

st.subheader("Reported by one side, absent from the other")
rule = q.Rule.from_settings()
one_sided = _cache.table("one_sided_items", *args)
if one_sided.empty:
    _ui.empty("Needs articles from both the left (left, lean-left) and the right (lean-right, right).")
else:
    _one_sided_lines(one_sided, ("left only", "right only"),
                     "No key fact or talking point passes the test for being reported by one side only.")
    too_few = one_sided[one_sided["verdict"] == q.TOO_FEW]
    if not too_few.empty:
        st.markdown(f"**Too few articles to tell** (fewer than {rule.min_articles} on a side):")
        _one_sided_lines(too_few, (q.TOO_FEW,), "")
st.caption(f"One-sided: reported by at least {q.ONE_SIDED_MAJORITY:.0%} of one side's articles and at most "
           f"{q.ONE_SIDED_ABSENT:.0%} of the other's, with at least {rule.min_articles} articles on each side "
           f"(else \"{q.TOO_FEW}\") and Fisher's exact test p ≤ {rule.alpha:g} (else \"{q.CHANCE}\"). "
           f"Brackets: {rule.level:.0%} Wilson intervals. The minimum, the p threshold and the interval "
           "level are settings.",
           help="(settings: FRAMELENS_ONE_SIDED_MIN_ARTICLES, FRAMELENS_ONE_SIDED_ALPHA, "
                "FRAMELENS_INTERVAL_LEVEL)")
_ui.show_chart(ctx, _cache.figure("omissions_one_sided", *args), "omissions_one_sided")
with st.expander("All items by side (counts, intervals, p-values, verdicts)"):
    _ui.show_table(ctx, one_sided, "omissions_one_sided", column_config={
        c: st.column_config.NumberColumn(format="percent") for c in
        ("left_share", "right_share", "gap", "left_ci_low", "left_ci_high", "right_ci_low", "right_ci_high")})

st.subheader("Outlet × key fact and talking point")
kind = st.segmented_control("Show", ["key fact", "talking point"], default="key fact", key="omit_type")
_ui.show_chart(ctx, _cache.figure("omissions", *args, type=kind), "omissions")
facts = [i for i in ctx.info.key_facts if i.description]
if facts:
    with st.expander("What the key facts say"):
        st.markdown("\n".join(f"- **{_ui.esc(i.label)}**: {_ui.esc(i.description)}" for i in facts))
with st.expander("Omission table"):
    _ui.show_table(ctx, _cache.table("omission_matrix", *args), "omissions")
