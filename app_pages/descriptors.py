"""Descriptors: how each outlet characterises the story's actors, with the sentences."""

import streamlit as st

from app_pages import _cache, _ui

ctx = _ui.context()
args = ctx.args()
st.title("How outlets describe the actors")
_ui.require_analysis(ctx)
_ui.note_not_evaluated(ctx)
desc = _cache.table("descriptors_by_outlet", *args)
actors = list(dict.fromkeys([*ctx.info.descriptors, *desc["actor"]]))
if not actors:
    _ui.empty("This story defines no descriptors (add `descriptors:` to the story file; see docs/story-format.md).")
    st.stop()

actor = st.segmented_control("Actor", actors, default=actors[0], key="desc_actor", required=True,
                             format_func=lambda a: ctx.info.actors.get(a, a)) or actors[0]
part = desc[desc["actor"] == actor]
if not _ui.require_rows(part, "No article uses any of this actor's descriptors (with the current filters)."):
    st.stop()
_ui.show_chart(ctx, _cache.figure("descriptors", *args, actor=actor), f"descriptors_{actor}")

st.subheader("The sentences")
for descriptor, rows in part[part["present"] > 0].groupby("descriptor", sort=False):
    label = rows["label"].iloc[0]
    with st.expander(f"{_ui.esc(label)} — {_ui.fmt_count(rows['present'].sum())} articles"):
        for _, r in rows.iterrows():  # one block per outlet that uses the word
            quotes = "\n".join(f"> {_ui.esc(s)}\n>" for s in r["evidence"][:3])
            st.markdown(f"{_ui.lean_badge(r['lean'])} **{_ui.esc(r['outlet'], 80)}** "
                        f"({_ui.fmt_count(r['present'])} of {_ui.fmt_count(r['articles'])} articles)\n\n{quotes}")
_ui.show_table(ctx, part.drop(columns=["actor"]), f"descriptors_{actor}")
