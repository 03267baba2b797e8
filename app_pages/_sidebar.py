"""The sidebar: database, story and the filters every page shares.

Story and filters are bound to the URL query string (`bind="query-params"`), so a view can
be shared by copying the address. The database path is deliberately not in the URL: a
shared link must not make someone else's dashboard open a file of the sender's choosing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import streamlit as st

from framelens import queries as q
from framelens import settings
from framelens.stories import list_stories

from ._ui import esc

CONSENSUS_LABEL = "Consensus of raters"
SYNDICATION_LABELS = {"include": "Count every copy", "exclude": "Originals only",
                      "deweight": "De-weight copies (1/group)"}


def default_db() -> str:
    """--db from `streamlit run app.py -- --db PATH`, else FRAMELENS_DB, else data/framelens.db."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--db")
    args, _ = parser.parse_known_args(sys.argv[1:])
    return args.db or settings.default_db()


def pick_database() -> str:
    return st.sidebar.text_input("Database", value=default_db(), key="db",
                                 help="A SQLite file path or an SQLAlchemy URL; opened read-only.").strip()


def pick_story(db_stories: list[str]) -> str | None:
    """Stories with articles first, then the other story files."""
    options = list(dict.fromkeys(db_stories + list_stories()))
    if not options:
        return None
    # No format_func: a bound widget writes its label into the URL, and a label that changes
    # when articles arrive would break links shared before.
    story = st.sidebar.selectbox("Story", options, key="story", bind="query-params",
                                 help="Stories with articles in this database come first.")
    if story not in db_stories:
        st.sidebar.caption("No articles for this story in this database yet.")
    return story


def _accept_ids(key: str, labels: dict[str, str]) -> None:
    """Let a link name a bound option by its id (?synd=exclude) as well as by the label
    the widget itself writes into the URL (?synd=Originals+only)."""
    value = st.query_params.get(key)
    if value in labels and labels[value] != value and key not in st.session_state:
        st.session_state[key] = value


def pick_filters(data: q.StoryData | None) -> q.Filters:
    """The shared filters; options come from the story's articles."""
    arts = data.articles if data is not None else None
    if arts is None or arts.empty:
        return q.Filters()
    sb = st.sidebar
    sb.markdown("**Filters**")
    rater = pick_rater(data)
    leans = sb.multiselect("Outlet lean", q.leans_present(data, rater), key="lean", bind="query-params",
                           placeholder="All leans")
    kinds = sb.multiselect("Outlet kind", sorted(set(arts["kind"])), key="kind", bind="query-params",
                           placeholder="All kinds")
    langs = sb.multiselect("Language", sorted(set(arts["language"])), key="lang", bind="query-params",
                           placeholder="All languages")
    _accept_ids("synd", SYNDICATION_LABELS)
    synd = sb.radio("Syndicated copies", list(SYNDICATION_LABELS), format_func=SYNDICATION_LABELS.get,
                    key="synd", bind="query-params",
                    help="Wire stories run by many sites: count each copy, keep only the original, "
                         "or let each copy count 1/group size.")
    start, end = _date_range(arts)
    return q.Filters(start=start, end=end, leans=tuple(leans), kinds=tuple(kinds), languages=tuple(langs),
                     syndication=synd or "include", rater=rater)


def pick_rater(data: q.StoryData) -> str:
    """Whose ratings give the lean: the consensus (default) or one rater; '' is the consensus."""
    options = [CONSENSUS_LABEL, *data.raters]
    if st.query_params.get("rater") not in (None, *options):  # a link naming a rater this story lacks
        st.query_params.pop("rater")
    picked = st.sidebar.selectbox(
        "Lean ratings by", options, key="rater", bind="query-params",
        help="Outlets' leans are dated ratings from named raters. The consensus takes each rater's "
             "newest rating and their median lean (framelens/ratings.py); an outlet no rater rates is Unrated.")
    return "" if picked in (None, CONSENSUS_LABEL) else picked


def _date_range(arts) -> tuple[dt.date | None, dt.date | None]:
    dates = arts["published"].dropna()
    if dates.empty:
        return None, None
    lo, hi = dates.min().date(), dates.max().date()
    picked = st.sidebar.date_input("Published between", value=(lo, hi), min_value=lo, max_value=hi,
                                   key="dates", bind="query-params")
    if isinstance(picked, dt.date):
        picked = (picked,)
    if not isinstance(picked, (tuple, list)) or not picked:
        return None, None
    start, end = picked[0], picked[-1]  # one date (a one-day link, or a range half picked): that day
    # The full range means "no date filter", so undated articles stay in.
    return (None, None) if (start, end) == (lo, hi) else (start, end)


def story_caption(info: q.StoryInfo, data: q.StoryData | None) -> None:
    n = 0 if data is None else len(data.articles)
    st.sidebar.caption(f"{esc(info.title, 120)} · {n} articles")
