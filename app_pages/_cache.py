"""Cached, read-only data for the pages.

The story's base data is read once per (database, story, stamp) and shared across sessions
(`st.cache_resource`: it is never mutated); the filtered tables and the figures built from
them are cached with `st.cache_data`, keyed by database + story + stamp + filters. The stamp
changes when analysis writes new results or articles arrive, so a page never shows stale data.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import streamlit as st

from presentation import charts, map_charts
from framelens import queries as q
from framelens.stories import Story, load_story, story_path
from framelens.store import Store, StoreError, is_sqlite


@st.cache_resource(show_spinner=False, max_entries=8)
def _reader(db: str) -> Store:
    return Store(db, readonly=True)


def reader(db: str) -> Store:
    """A shared read-only store; StoreError when it cannot be opened."""
    if is_sqlite(db) and not Path(db.removeprefix("sqlite:///")).expanduser().exists():
        _reader.clear()
        raise StoreError(f"database {db} does not exist")
    return _reader(db)


def stamp(db: str, story_id: str | None) -> str:
    return q.results_stamp(reader(db), story_id)


@st.cache_data(show_spinner=False, max_entries=32)
def story_ids(db: str, _stamp: str) -> list[str]:
    return reader(db).story_ids()


@st.cache_resource(show_spinner=False, max_entries=16)
def story_info(story_id: str, version: tuple) -> q.StoryInfo:
    return q.story_info(story_id)


def info_for(story_id: str) -> q.StoryInfo:
    return story_info(story_id, _file_version(story_id))


@st.cache_resource(show_spinner=False, max_entries=4)
def _story(story_id: str, version: tuple) -> Story:
    return load_story(story_id)


def story_for(story_id: str) -> Story:
    """The parsed story file, read again only when the file changes (checking a big story's
    thousands of patterns takes a noticeable part of a second, and the Story lab reruns on
    every edit); ConfigError when it does not load. Never mutate the shared result."""
    return _story(story_id, _file_version(story_id))


def _file_version(story_id: str) -> tuple:
    """What changes whenever the story file is rewritten: (modified ns, size), or () when absent."""
    path = story_path(story_id)
    if not path.exists():
        return ()
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@st.cache_resource(show_spinner="Loading the story…", max_entries=4)
def story_data(db: str, story_id: str, stamp: str) -> q.StoryData:
    return q.load_story_data(reader(db), story_id, info_for(story_id))


@st.cache_data(show_spinner=False, max_entries=512)
def table(name: str, db: str, story_id: str, stamp: str, fkey: tuple) -> pd.DataFrame | dict:
    """A query-module table, e.g. table('feature_matrix', *ctx.args()) (or another filtered
    result, such as not_evaluated's counts)."""
    return getattr(q, name)(story_data(db, story_id, stamp), q.Filters(*fkey))


@st.cache_data(show_spinner="Counting the words of the filtered articles…", max_entries=8)
def term_counts(db: str, story_id: str, stamp: str, fkey: tuple) -> dict:
    """The Words page's `term_counts` for the filtered articles (counted from their texts)."""
    from analysis.words import group_term_counts

    return group_term_counts(q.word_articles(reader(db), story_data(db, story_id, stamp), q.Filters(*fkey)))


@st.cache_data(show_spinner=False, max_entries=64)
def evidence(db: str, story_id: str, stamp: str, fkey: tuple, domain: str | None, feature: str | None) -> pd.DataFrame:
    return q.feature_evidence(story_data(db, story_id, stamp), q.Filters(*fkey), domain, feature)


def _labels(info: q.StoryInfo, kind: str) -> dict[str, str]:
    return {i.id: i.label for i in getattr(info, kind)}


# name -> (figure builder from (data, filters, options))
FIGURES = {
    "articles_by_lean": lambda d, f, o: charts.lean_bar(q.counts_by_lean(d, f), f.syndication == "deweight"),
    "articles_by_outlet": lambda d, f, o: charts.outlet_bar(q.counts_by_outlet(d, f), f.syndication == "deweight"),
    "timeline": lambda d, f, o: charts.timeline_chart(q.timeline(d, f)),
    "feature_heatmap": lambda d, f, o: charts.feature_heatmap(q.feature_matrix(d, f), _labels(d.info, "features")),
    "feature_prevalence_by_lean": lambda d, f, o: charts.prevalence_chart(q.prevalence_by_lean(d, f)),
    "stance_by_lean": lambda d, f, o: charts.stance_chart(q.stance_by_lean(d, f), d.info.stance_target),
    "framing_map": lambda d, f, o: map_charts.map_chart(q.map_points(d, f), o.get("color_by", "cluster"), q.map_axes(d)),
    "cluster_features": lambda d, f, o: map_charts.cluster_feature_heatmap(q.cluster_features(d, f)),
    "omissions_one_sided": lambda d, f, o: map_charts.one_sided_chart(q.one_sided_items(d, f)),
    "frame_scores_by_outlet": lambda d, f, o: charts.frame_heatmap(q.frames_by_outlet(d, f), _labels(d.info, "frames")),
    "primary_frame_by_lean": lambda d, f, o: charts.primary_frame_chart(q.primary_frames_by_lean(d, f)),
    "omissions": lambda d, f, o: charts.omission_heatmap(_only_type(q.omission_matrix(d, f), o.get("type"))),
    "quoted_passages": lambda d, f, o: charts.passage_chart(q.quote_passages(d, f)),
    "quote_fidelity": lambda d, f, o: charts.fidelity_chart(q.quotes_table(d, f)),
    "descriptors": lambda d, f, o: charts.descriptor_heatmap(
        _only_actor(q.descriptors_by_outlet(d, f), o.get("actor")), d.info.actors.get(o.get("actor"), o.get("actor"))),
}


def _only_type(df: pd.DataFrame, kind: str | None) -> pd.DataFrame:
    return df if not kind else df[df["type"] == kind]


def _only_actor(df: pd.DataFrame, actor: str | None) -> pd.DataFrame:
    return df if not actor else df[df["actor"] == actor]


@st.cache_data(show_spinner=False, max_entries=256)
def figure(name: str, db: str, story_id: str, stamp: str, fkey: tuple, **options):
    """A chart from presentation.charts for the filtered story, e.g. figure('timeline', *ctx.args())."""
    return FIGURES[name](story_data(db, story_id, stamp), q.Filters(*fkey), options)


@st.cache_data(show_spinner=False, max_entries=32)
def health(db: str, story_id: str, stamp: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    store = reader(db)
    return q.collection_runs(store, story_id), q.fetch_failures(store, story_id)


@st.cache_data(show_spinner=False, max_entries=64)
def texts(db: str, ids: tuple[int, ...], stamp: str) -> dict[int, str]:
    return q.article_texts(reader(db), list(ids))


@st.cache_data(show_spinner="Building the report…", max_entries=8)
def report(db: str, story_id: str, stamp: str, fkey: tuple) -> bytes:
    from presentation.tables import report_html

    return report_html(story_data(db, story_id, stamp), q.Filters(*fkey))


BUILD_LOCK = threading.Lock()  # one demo build at a time, however many sessions start at once
