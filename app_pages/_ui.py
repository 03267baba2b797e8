"""Shared page pieces: the page context, escaping, empty states, and download buttons.

Scraped text (titles, outlet names, sentences) only reaches the page escaped: every ASCII
punctuation character is backslash-escaped for Streamlit's Markdown, so `<img onerror>`,
`[x](javascript:..)`, `:red[..]` or `$x$` show as the characters they are. Nothing here
uses unsafe_allow_html.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import pandas as pd
import streamlit as st

from app_pages._headers import column_labels, header
from presentation import chart_export, charts
from presentation.tables import csv_bytes, json_bytes, safe_name
from framelens.queries import Filters, StoryInfo

_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_CTX_KEY = "framelens_context"


@dataclass(frozen=True)
class PageContext:
    """What every page needs: the database, the story, the filters and the cache stamp."""

    db: str
    story_id: str
    info: StoryInfo
    filters: Filters
    stamp: str
    has_articles: bool
    analysed: bool

    @property
    def fkey(self) -> tuple:
        return self.filters.key()

    def args(self) -> tuple:
        """The cache key the cached loaders take: (db, story, stamp, filters)."""
        return self.db, self.story_id, self.stamp, self.fkey


def set_context(ctx: PageContext) -> None:
    st.session_state[_CTX_KEY] = ctx


def context() -> PageContext:
    """The context app.py prepared; stops the page with a hint when run on its own."""
    ctx = st.session_state.get(_CTX_KEY)
    if ctx is None:
        st.info("Open framelens with `streamlit run app.py`.")
        st.stop()
    return ctx


# ---- escaping ----------------------------------------------------------------------------

def plain(text, limit: int | None = None) -> str:
    """Text for places Streamlit shows literally (select options): whitespace flattened, shortened."""
    flat = " ".join(str(text if text is not None else "").split())
    return flat[: limit - 1] + "…" if limit and len(flat) > limit else flat


def esc(text, limit: int | None = None) -> str:
    """Untrusted text as literal Markdown: whitespace flattened, punctuation backslash-escaped."""
    return _MD_SPECIAL.sub(r"\\\1", plain(text, limit))


def safe_url(url) -> str | None:
    """The URL when it is http(s) with a host, else None (javascript:, data:, file: ... never link)."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url.strip(), safe=":/?#[]@!$&'*+,;=%~-._")


def link(label, url, limit: int = 120) -> str:
    """A Markdown link for an http(s) URL; plain escaped text otherwise."""
    target = safe_url(url)
    text = esc(label, limit) or esc(url, 60)
    if not target:
        return text
    return f"[{text}]({target.replace('(', '%28').replace(')', '%29')})"


def lean_badge(lean: str) -> str:
    """The lean as a coloured badge (lean names come from our fixed list, not from articles)."""
    color = charts.lean_color(lean)
    fg = "white" if lean in ("left", "right", "center") else "#222"
    return f':color[{esc(charts.lean_label(lean))}]{{foreground="{fg}" background="{color}"}}'


# ---- states ------------------------------------------------------------------------------

def empty(message: str) -> None:
    st.info(message, icon=":material/info:")


def require_articles(ctx: PageContext) -> None:
    """Stop the page with what to do when the story has no articles yet."""
    if not ctx.has_articles:
        empty(f"No articles for story `{ctx.story_id}` yet — collect some with "
              f"`python -m collectors run --story {ctx.story_id}`, or import a file with "
              f"`python -m collectors import FILE --story {ctx.story_id}`.")
        st.stop()


NO_MATCH = "No articles match the filters — widen them in the sidebar."


def require_analysis(ctx: PageContext, filtered: bool = True) -> None:
    """Stop the page with what to do when there is nothing analysed to show (for these
    filters, unless the page does not use them)."""
    require_articles(ctx)
    if not ctx.analysed:
        empty(f"The articles are not analysed yet — run `python -m analysis run --story {ctx.story_id}`, "
              "then reload this page.")
        st.stop()
    from app_pages import _cache  # here: _cache imports this module

    if filtered and _cache.table("articles_table", *ctx.args()).empty:
        empty(NO_MATCH)
        st.stop()


def note_not_evaluated(ctx: PageContext) -> None:
    """Say which selected articles the story's detectors could not read (another language)
    and so are not in this page's tables, instead of letting them vanish silently."""
    from app_pages import _cache  # here: _cache imports this module

    missing = _cache.table("not_evaluated", *ctx.args())
    if missing:
        n = sum(missing.values())
        langs = ", ".join(f"{esc(lang)}: {count}" for lang, count in missing.items())
        st.caption(f"{n} selected article{'s are' if n != 1 else ' is'} in another language than the story's "
                   f"({langs}); the story's detectors do not read {'them' if n != 1 else 'it'}, so "
                   f"{'they are' if n != 1 else 'it is'} left out here (not counted as absent). The Overview, "
                   "Framing map and Quotes pages include them.")


def require_rows(df: pd.DataFrame, message: str = NO_MATCH) -> bool:
    """False (after saying so) when a table is empty."""
    if df is None or df.empty:
        empty(message)
        return False
    return True


# ---- downloads ---------------------------------------------------------------------------

def _file(ctx: PageContext, name: str, ext: str) -> str:
    return safe_name(f"{ctx.story_id}-{name}", ext)


def chart_downloads(ctx: PageContext, fig, name: str) -> None:
    """PNG / SVG / HTML download buttons; PNG and SVG are rendered only when clicked."""
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    static = chart_export.static_export_available()
    for fmt, mime in (("png", "image/png"), ("svg", "image/svg+xml"), ("html", "text/html")):
        if fmt != "html" and not static:
            continue
        row.download_button(fmt.upper(), data=lambda fmt=fmt: chart_export.figure_bytes(fig, fmt),
                            file_name=_file(ctx, name, fmt), mime=mime, key=f"dl-{name}-{fmt}",
                            on_click="ignore", icon=":material/download:", type="tertiary",
                            help=f"Download this chart as {fmt.upper()}")
    if not static:
        row.caption("PNG/SVG need Chromium (`apt install chromium` or FRAMELENS_CHROMIUM); HTML works.")


def table_downloads(ctx: PageContext, df: pd.DataFrame, name: str) -> None:
    row = st.container(horizontal=True, gap="small")
    row.download_button("CSV", data=lambda: csv_bytes(df), file_name=_file(ctx, name, "csv"), mime="text/csv",
                        key=f"dl-{name}-csv", on_click="ignore", icon=":material/download:", type="tertiary")
    row.download_button("JSON", data=lambda: json_bytes(df), file_name=_file(ctx, name, "json"),
                        mime="application/json", key=f"dl-{name}-json", on_click="ignore",
                        icon=":material/download:", type="tertiary")


def show_chart(ctx: PageContext, fig, name: str, **kwargs):
    """The chart (full width) with its download buttons; returns st.plotly_chart's value."""
    event = st.plotly_chart(fig, key=f"chart-{name}", config={"displaylogo": False}, **kwargs)
    chart_downloads(ctx, fig, name)
    return event


def show_table(ctx: PageContext, df: pd.DataFrame, name: str, column_config: dict | None = None,
               height: int | str = "auto") -> None:
    """A table with CSV/JSON downloads; http(s) links only in `url` columns. The page shows
    readable headers (`_headers.HEADERS`); the downloads keep the columns' machine names."""
    shown = df.copy()
    config = dict(column_config or {})
    for col in [c for c in shown.columns if c == "url" or c.endswith("_url")]:
        shown[col] = shown[col].map(safe_url)
        config.setdefault(col, st.column_config.LinkColumn(header(col), display_text="open ↗"))
    for col in [c for c in shown.columns if pd.api.types.is_datetime64_any_dtype(shown[c])]:
        config.setdefault(col, st.column_config.DatetimeColumn(header(col), format="YYYY-MM-DD HH:mm"))
    for col in [c for c in shown.columns if shown[c].dtype == object]:
        shown[col] = shown[col].map(lambda v: " | ".join(map(str, v)) if isinstance(v, list) else v)
    st.dataframe(shown, hide_index=True, column_config=column_labels(shown.columns, config), height=height)
    table_downloads(ctx, df, name)


def fmt_count(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


def pd_isna(value) -> bool:
    return bool(pd.isna(value))
