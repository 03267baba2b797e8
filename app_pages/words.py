"""Words: Fightin' Words (log-odds with an informative Dirichlet prior) for any two groups.

With no sidebar filter the analysis's own per-group counts serve; when the filters narrow
the story (dates, leans, kinds, languages) the filtered articles' texts are counted here,
the same way (analysis.words.group_term_counts), and cached per filter.
"""

import pandas as pd
import streamlit as st

from presentation import charts
from analysis.words import fightin_words
from app_pages import _cache, _ui
from framelens import queries as q

ctx = _ui.context()
st.title("Distinctive words")
_ui.require_analysis(ctx)
data = _cache.story_data(ctx.db, ctx.story_id, ctx.stamp)
narrowed = q.words_filters(ctx.filters) is not None


def _tables(db: str, story_id: str, stamp: str, fkey: tuple) -> dict:
    if q.words_filters(q.Filters(*fkey)) is None:
        return _cache.story_data(db, story_id, stamp).results.get("term_counts") or {}
    return _cache.term_counts(db, story_id, stamp, fkey)


tables = _tables(*ctx.args())
groups = q.word_groups(tables)
if not groups:
    _ui.empty("The filtered articles have no words to count." if narrowed else
              f"No word counts yet — run `python -m analysis run --story {ctx.story_id}`.")
    st.stop()


@st.cache_data(show_spinner=False, max_entries=64)
def compare_groups(db: str, story_id: str, stamp: str, fkey: tuple, group_type: str, a: tuple, b: tuple
                   ) -> pd.DataFrame:
    t = _tables(db, story_id, stamp, fkey)
    rows = fightin_words(q.merged_term_counts(t, group_type, list(a)), q.merged_term_counts(t, group_type, list(b)))
    return pd.DataFrame(rows, columns=["term", "z", "delta", "count_a", "count_b"])


def _defaults(options: list[str], wanted: tuple[str, ...], fallback: int) -> list[str]:
    found = [o for o in options if o in wanted]
    return found or options[fallback:][:1]


docs = {kind: counts for kind, counts in (tables.get("doc_counts") or {}).items() if isinstance(counts, dict)}
n_docs = sum((docs.get("lean") or {}).values())
if narrowed:
    st.caption(f"Counted from the {n_docs} analysed articles that pass the sidebar filters, each syndicated "
               "story once (the syndicated-copies choice does not apply to word counts).")
else:
    st.caption(f"Counted by the analysis over all {n_docs} analysed articles, each syndicated story once. "
               "The sidebar filters (dates, leans, kinds, languages) narrow these counts.")
group_type = st.segmented_control("Compare groups of", list(groups), default=list(groups)[0], key="words_type",
                                  required=True) or list(groups)[0]
options = groups[group_type]
in_group = docs.get(group_type) or {}


def _label(group: str) -> str:
    n = in_group.get(group)
    return group if n is None else f"{group} ({n} article{'' if n == 1 else 's'})"


default_a = _defaults(options, q.SIDES["left"], 0)
default_b = ([o for o in _defaults(options, q.SIDES["right"], -1) if o not in default_a]
             or [o for o in options if o not in default_a][-1:])
# The options change with the filters: a fresh pair of pickers (and defaults) for each set.
picker = f"{group_type}_{'|'.join(options)}"
c1, c2 = st.columns(2)
a = c1.multiselect("Group A", options, default=default_a, key=f"words_a_{picker}", format_func=_label)
b = c2.multiselect("Group B", options, default=default_b, key=f"words_b_{picker}", format_func=_label)
name_a, name_b = " + ".join(a) or "A", " + ".join(b) or "B"


def _rated_by_caption() -> None:
    """Whose ratings put each compared lean group's articles there, and as of when."""
    if group_type != "lean" or not a or not b:
        return
    counted = q.words_filters(ctx.filters) or q.Filters(syndication="exclude")
    ratings = q.lean_ratings(data, counted)
    rule = f"ratings by {ctx.filters.rater}" if ctx.filters.rater else "the consensus of raters"
    st.caption(f"Leans from {_ui.esc(rule)}. A — {_ui.esc(q.describe_lean_group(ratings, a))}. "
               f"B — {_ui.esc(q.describe_lean_group(ratings, b))}.")


_rated_by_caption()

if not a or not b:
    _ui.empty("Choose at least one group on each side." if len(options) > 1 else
              f"Only one {group_type} group ({_ui.esc(options[0])}) is left under these filters; widen them "
              "in the sidebar to compare two.")
elif set(a) & set(b):
    _ui.empty("A group cannot be on both sides.")
else:
    words = compare_groups(*ctx.args(), group_type, tuple(sorted(a)), tuple(sorted(b)))
    name = f"words_{name_a}_vs_{name_b}"
    colors = charts.lean_group_colors(a, b) if group_type == "lean" else ("#CC79A7", "#009E73")
    _ui.show_chart(ctx, charts.words_chart(words, name_a, name_b, colors=colors), "words")
    st.caption(f"z > 1.96: used distinctly more by {_ui.esc(name_a)}; z < −1.96: by {_ui.esc(name_b)}. Rare words "
               "are shrunk toward the pooled rate, so a word said once is not 'distinctive'.")
    left, right = st.columns(2)
    # The headers name the groups (count_a/count_b stay the columns' names, as in the download).
    labels = _ui.column_labels(["z"], {"term": "word", "count_a": f"uses in {_ui.plain(name_a, 40)}",
                                       "count_b": f"uses in {_ui.plain(name_b, 40)}"})
    with left:
        st.markdown(f"**More {_ui.esc(name_a)}**")
        st.dataframe(words[words["z"] > 0].head(25)[["term", "z", "count_a", "count_b"]], hide_index=True,
                     column_config=labels)
    with right:
        st.markdown(f"**More {_ui.esc(name_b)}**")
        st.dataframe(words[words["z"] < 0].sort_values("z").head(25)[["term", "z", "count_a", "count_b"]],
                     hide_index=True, column_config=labels)
    _ui.table_downloads(ctx, words, name)

stable = q.words_left_right(data)
if not stable.empty:
    with st.expander("Left vs right over all analysed articles, with the bootstrap stability check"):
        st.caption("Computed by the analysis for the whole story (the sidebar filters do not apply). stable: the "
                   "term keeps its sign and |z| > 1.96 in at least 90% of resamples of the articles.")
        _ui.show_table(ctx, stable, "words_left_right")
