"""Overview: the story, how many articles each side published and when, and where they came from."""

import streamlit as st

from app_pages import _cache, _ui

ctx = _ui.context()
args = ctx.args()
st.title(_ui.esc(ctx.info.title, 200))
if ctx.info.description:
    st.markdown(_ui.esc(ctx.info.description))
_ui.require_articles(ctx)

data = _cache.story_data(ctx.db, ctx.story_id, ctx.stamp)
for _, doc in data.primary.iterrows():
    st.caption("Primary source: " + _ui.link(ctx.info.primary_title or doc["title"] or "the document", doc["url"]))

articles = _cache.table("articles_table", *args)
by_lean = _cache.table("counts_by_lean", *args)
m = st.columns(4)
m[0].metric("Articles", len(articles))
m[1].metric("Outlets", articles["domain"].nunique())
m[2].metric("Syndicated copies", int(by_lean["copies"].sum()) if not by_lean.empty else 0)
m[3].metric("Independent reports", _ui.fmt_count(by_lean["independent"].sum()) if not by_lean.empty else "0")
if not ctx.analysed:
    _ui.empty(f"Not analysed yet — run `python -m analysis run --story {ctx.story_id}` to see framing, "
              "quotes and omissions.")

left, right = st.columns(2)
with left:
    _ui.show_chart(ctx, _cache.figure("articles_by_lean", *args), "articles_by_lean")
with right:
    _ui.show_chart(ctx, _cache.figure("timeline", *args), "timeline")
_ui.show_chart(ctx, _cache.figure("articles_by_outlet", *args), "articles_by_outlet")
st.caption("Hatched bars are syndicated copies (wire stories and rewrites). Choose *De-weight copies* "
           "in the sidebar to count each group of copies once.")

unrated = _cache.table("unrated_reasons", *args)
if not unrated.empty:
    n = int(unrated["articles"].sum())
    st.subheader("Unrated articles")
    st.markdown(f"**{n} of {len(articles)}** articles have no lean"
                + (f" from {_ui.esc(ctx.filters.rater, 80)}" if ctx.filters.rater else "") + ", because:")
    _ui.show_table(ctx, unrated, "unrated_reasons")
    st.caption("Add a rater's table or your newsroom's own ratings with `python -m framelens outlets "
               "import-ratings FILE --rater NAME --as-of DATE --db DATABASE` (see `python -m framelens outlets "
               "show DOMAIN` for what is known about an outlet); unknown domains go into data/outlets.yaml.")

st.subheader("Articles")
if _ui.require_rows(articles):
    shown = articles[["published", "outlet", "lean", "lean_rater", "lean_as_of", "kind", "found_on", "title", "url",
                      "language", "syndication_group", "primary_frame", "stance"]]
    _ui.show_table(ctx, shown, "articles", height=420)

st.subheader("Sources and collection health")
c1, c2 = st.columns([1, 2])
with c1:
    st.markdown("**Where the articles came from**")
    _ui.show_table(ctx, _cache.table("sources_table", *args), "sources")
runs, failures = _cache.health(ctx.db, ctx.story_id, ctx.stamp)
with c2:
    st.markdown("**Recent collection runs**")
    if runs.empty:
        _ui.empty(f"No collection runs recorded — run `python -m collectors run --story {ctx.story_id}` "
                  "(imports are recorded as runs too).")
    else:
        _ui.show_table(ctx, runs, "collection_runs")
if not failures.empty:
    st.markdown("**Failed fetches by outlet**")
    _ui.show_table(ctx, failures, "fetch_failures")
