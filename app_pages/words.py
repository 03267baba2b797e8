"""Words: Fightin' Words (log-odds with an informative Dirichlet prior) for any two groups."""

import pandas as pd
import streamlit as st

from app_pages import _cache, _ui
from analysis import charts
from framelens import queries as q

ctx = _ui.context()
st.title("Distinctive words")
_ui.require_analysis(ctx, filtered=False)  # word counts are per group, not per filter
data = _cache.story_data(ctx.db, ctx.story_id, ctx.stamp)
groups = q.word_groups(data)
if not groups:
    _ui.empty(f"No word counts yet — run `python -m analysis run --story {ctx.story_id}`.")
    st.stop()

try:
    from analysis.words import fightin_words
except ImportError:  # the analysis package is older than this dashboard
    fightin_words = None


@st.cache_data(show_spinner=False, max_entries=64)
def compare_groups(db: str, story_id: str, stamp: str, group_type: str, a: tuple, b: tuple) -> pd.DataFrame:
    d = _cache.story_data(db, story_id, stamp)
    rows = fightin_words(q.merged_term_counts(d, group_type, list(a)), q.merged_term_counts(d, group_type, list(b)))
    return pd.DataFrame(rows, columns=["term", "z", "delta", "count_a", "count_b"])


def _defaults(options: list[str], wanted: tuple[str, ...], fallback: int) -> list[str]:
    found = [o for o in options if o in wanted]
    return found or options[fallback:][:1]


st.caption("Word counts are computed per group by the analysis (syndicated copies counted once); the sidebar "
           "filters do not apply here.")
group_type = st.segmented_control("Compare groups of", list(groups), default=list(groups)[0], key="words_type",
                                  required=True) or list(groups)[0]
options = groups[group_type]
c1, c2 = st.columns(2)
a = c1.multiselect("Group A", options, default=_defaults(options, q.SIDES["left"], 0), key=f"words_a_{group_type}")
b = c2.multiselect("Group B", options, default=_defaults(options, q.SIDES["right"], -1), key=f"words_b_{group_type}")
name_a, name_b = " + ".join(a) or "A", " + ".join(b) or "B"

if not a or not b:
    _ui.empty("Choose at least one group on each side.")
elif set(a) & set(b):
    _ui.empty("A group cannot be on both sides.")
elif fightin_words is None:
    _ui.empty("This installation lacks analysis.words; showing the precomputed left vs right table instead.")
    words = q.words_left_right(data)
    _ui.show_chart(ctx, charts.words_chart(words, "left", "right"), "words_left_right")
else:
    words = compare_groups(ctx.db, ctx.story_id, ctx.stamp, group_type, tuple(sorted(a)), tuple(sorted(b)))
    name = f"words_{name_a}_vs_{name_b}"
    colors = charts.lean_group_colors(a, b) if group_type == "lean" else ("#CC79A7", "#009E73")
    _ui.show_chart(ctx, charts.words_chart(words, name_a, name_b, colors=colors), "words")
    st.caption("z > 1.96: used distinctly more by A; z < −1.96: by B. Rare words are shrunk toward the pooled "
               "rate, so a word said once is not 'distinctive'.")
    left, right = st.columns(2)
    with left:
        st.markdown(f"**More {_ui.esc(name_a)}**")
        st.dataframe(words[words["z"] > 0].head(25)[["term", "z", "count_a", "count_b"]], hide_index=True)
    with right:
        st.markdown(f"**More {_ui.esc(name_b)}**")
        st.dataframe(words[words["z"] < 0].sort_values("z").head(25)[["term", "z", "count_a", "count_b"]],
                     hide_index=True)
    _ui.table_downloads(ctx, words, name)

stable = q.words_left_right(data)
if not stable.empty:
    with st.expander("Left vs right, with the bootstrap stability check"):
        st.caption("stable: the term keeps its sign and |z| > 1.96 in at least 90% of resamples of the articles.")
        _ui.show_table(ctx, stable, "words_left_right")
