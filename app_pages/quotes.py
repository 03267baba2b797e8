"""Quotes: what the outlets quoted from the primary source, by lean, and every altered quote."""

import difflib

import streamlit as st

from app_pages import _cache, _ui
from framelens.queries import source_passages

ALTERED_SHOWN = 100  # side-by-side pairs drawn; the table download has them all

ctx = _ui.context()
args = ctx.args()
st.title("Quotes against the primary source")
_ui.require_analysis(ctx)
data = _cache.story_data(ctx.db, ctx.story_id, ctx.stamp)
if ctx.info.primary_title:
    st.caption("Primary source: " + _ui.esc(ctx.info.primary_title, 300))

if (data.results.get("quote_passages") or {}).get("source_article_id") is None:
    st.warning("No primary source is stored for this story, so no quote could be checked: every quote is "
               "listed as 'not in source'. Import the source document with role `primary_source` "
               "(`python -m collectors import FILE --story ID`), or give the story file a `primary_source` "
               "with a `path` or a `url` and run the collectors, then run the analysis again.")
_ui.show_chart(ctx, _cache.figure("quoted_passages", *args), "quoted_passages")
passages = _cache.table("quote_passages", *args)
source = source_passages(data)
with st.expander(f"The primary source, passage by passage ({len(source)} passages)", expanded=False):
    for _, p in source.iterrows():
        rows = passages[passages["index"] == p["index"]]
        who = " ".join(f"{_ui.lean_badge(r['lean'])} {_ui.fmt_count(r['quoted_by'])}" for _, r in rows.iterrows())
        st.markdown(f"**¶{p['index']}** {_ui.esc(p['passage'])}" + (f"  \nQuoted by: {who}" if who else ""))

_ui.show_chart(ctx, _cache.figure("quote_fidelity", *args), "quote_fidelity")
st.caption("exact: same words (modulo punctuation, case, brackets, ellipses) · close: trivial edits · "
           "altered: recognisably the passage with words changed · not in source: quotes of other people.")



def marked_difference(quote: str, original: str) -> tuple[str, str]:
    """Both texts as escaped Markdown with the words that differ highlighted."""
    a, b = str(quote).split(), str(original).split()
    left, right = [], []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=[w.lower() for w in a], b=[w.lower() for w in b],
                                                      autojunk=False).get_opcodes():
        qa, qb = _ui.esc(" ".join(a[i1:i2])), _ui.esc(" ".join(b[j1:j2]))
        left.append(qa if op == "equal" or not qa else f":red-background[{qa}]")
        right.append(qb if op == "equal" or not qb else f":green-background[{qb}]")
    return " ".join(p for p in left if p), " ".join(p for p in right if p)


st.subheader("Altered quotes next to the original")
st.caption("Words that differ are highlighted: :red-background[as quoted] · :green-background[in the original].")
altered = _cache.table("altered_quotes", *args)
if _ui.require_rows(altered, "No altered quotes in the selected articles."):
    if len(altered) > ALTERED_SHOWN:
        st.caption(f"Showing the first {ALTERED_SHOWN} of {len(altered)} altered quotes; the download below "
                   "has every one.")
    for _, r in altered.head(ALTERED_SHOWN).iterrows():
        left, right = st.columns(2)
        quoted, original = marked_difference(r["text"], r["source_passage"] or "")
        left.markdown(f"{_ui.lean_badge(r['lean'])} **{_ui.esc(r['outlet'], 80)}** quoted:  \n"
                      f"> {quoted}\n\n{_ui.link(r['title'] or 'article', r['url'])}")
        right.markdown(f"**The original** (similarity {float(r['similarity'] or 0):.2f}):  \n"
                       f"> {original or '(passage not found)'}")
        st.divider()
    _ui.table_downloads(ctx, altered, "altered_quotes")

st.subheader("All quotes")
quotes = _cache.table("quotes_table", *args)
if _ui.require_rows(quotes, "No quotes in the selected articles."):
    _ui.show_table(ctx, quotes, "quotes", height=380)
