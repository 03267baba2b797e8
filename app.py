"""framelens dashboard: `streamlit run app.py [-- --db PATH]`.

Thin entry: page config, the database/story picker and shared filters (sidebar), the demo
banner, then `st.navigation` runs the chosen page from app_pages/. Pages read precomputed
tables only; nothing here fetches from the web or loads the embedding model.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages import _cache, _sidebar, _ui
from framelens import settings
from framelens.store import StoreError, is_sqlite

PAGES = [
    ("overview.py", "Overview", ":material/dashboard:"),
    ("compare.py", "Compare outlets", ":material/compare_arrows:"),
    ("framing_map.py", "Framing map", ":material/scatter_plot:"),
    ("omissions.py", "Omissions", ":material/visibility_off:"),
    ("quotes.py", "Quotes", ":material/format_quote:"),
    ("words.py", "Words", ":material/match_word:"),
    ("descriptors.py", "Descriptors", ":material/label:"),
    ("reader.py", "Reader", ":material/chrome_reader_mode:"),
    ("export.py", "Export", ":material/ios_share:"),
    ("story_lab.py", "Story lab", ":material/science:"),
]
HERE = Path(__file__).resolve().parent


def build_demo_into(db: str) -> None:
    """First start: import and analyse the synthetic demo story, showing progress."""
    try:
        from framelens.demo import DemoBuildError, build_demo
    except ImportError:  # the demo builder is not installed in this checkout
        st.error("No database yet and the demo builder is missing: import articles with "
                 "`python -m collectors import FILE --story ID`.")
        st.stop()
    bar = st.progress(0.0, text="Building the synthetic demo story (first start)…")
    with _cache.BUILD_LOCK:
        try:
            build_demo(db, progress=lambda frac, label: bar.progress(min(frac, 1.0), text=label))
        except DemoBuildError as exc:
            st.error(f"The demo story could not be built:\n\n```\n{exc}\n```")
            st.stop()
    bar.empty()
    _cache.story_ids.clear()


def open_database(db: str) -> list[str]:
    """Story ids in the database (building the demo when a SQLite file does not exist yet)."""
    if is_sqlite(db) and not Path(db.removeprefix("sqlite:///")).expanduser().exists():
        if db == settings.default_db() or db == _sidebar.default_db():
            build_demo_into(db)
        else:
            st.sidebar.error("No such database file.")
            return []
    try:
        return _cache.story_ids(db, _cache.stamp(db, None))
    except StoreError as exc:
        st.sidebar.error(f"Cannot open the database: {exc}")
        return []


def prepare() -> None:
    """Sidebar pickers and filters -> the context every page reads."""
    db = _sidebar.pick_database()
    stories = open_database(db)
    # Another database picked: move off a story it has no articles for, to one it has.
    if st.session_state.get("_last_db", db) != db and stories and st.session_state.get("story") not in stories:
        st.session_state["story"] = stories[0]
    st.session_state["_last_db"] = db
    story_id = _sidebar.pick_story(stories)
    if story_id is None:
        st.info("No stories yet: add `data/stories/<id>.yaml` (see docs/story-format.md).")
        st.stop()
    info = _cache.info_for(story_id)
    has_articles = story_id in stories
    stamp = _cache.stamp(db, story_id) if stories else ""
    data = _cache.story_data(db, story_id, stamp) if has_articles else None
    filters = _sidebar.pick_filters(data)
    _sidebar.story_caption(info, data)
    _ui.set_context(_ui.PageContext(db=db, story_id=story_id, info=info, filters=filters, stamp=stamp,
                                    has_articles=has_articles, analysed=bool(data is not None and data.analysed)))
    if info.demo:
        st.warning("**Synthetic demo data.** Every outlet, article, person and court in this story is fictional; "
                   "it exists to show what framelens does.", icon=":material/science:")
    if info.problem:
        st.error(f"The story file has problems, so labels fall back to ids:\n\n```\n{info.problem}\n```")


st.set_page_config(page_title="framelens", page_icon="🔎", layout="wide")  # emoji: an inline favicon, no font fetch
navigation = st.navigation([st.Page(str(HERE / "app_pages" / f), title=t, icon=i, default=(n == 0))
                            for n, (f, t, i) in enumerate(PAGES)])
prepare()
navigation.run()
