"""Charts to files: interactive HTML (plotly.js embedded, works offline), PNG and SVG.

PNG/SVG go through kaleido 1.x, which drives a Chromium/Chrome binary (Debian `chromium`
works offline). Its browser is started once per process (`kaleido.start_sync_server`,
~0.1 s per figure afterwards instead of seconds) and never loads MathJax or a CDN.
"""

from __future__ import annotations

import atexit
import shutil
import threading
import warnings
from pathlib import Path
from typing import Iterable

import plotly.graph_objects as go

from framelens import queries as q

from . import charts
from .safety import safe_path

EXPORT_WIDTH, EXPORT_SCALE = 1200, 2


class StaticExportUnavailable(RuntimeError):
    """PNG/SVG export needs a Chromium/Chrome binary and none was found."""


_KALEIDO_LOCK = threading.Lock()
_KALEIDO_STARTED = False


def chromium_path() -> str | None:
    """The browser kaleido drives: FRAMELENS_CHROMIUM, else chromium/chrome on PATH."""
    from framelens import settings

    configured = settings.get("FRAMELENS_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def static_export_available() -> bool:
    return chromium_path() is not None


def _start_kaleido() -> None:
    """Start kaleido's browser once per process (~0.1 s per figure after that, no CDN)."""
    global _KALEIDO_STARTED
    if _KALEIDO_STARTED:
        return
    path = chromium_path()
    if not path:
        raise StaticExportUnavailable(
            "PNG/SVG export needs Chromium: install it (Debian: `apt install chromium`) or set "
            "FRAMELENS_CHROMIUM to a Chrome/Chromium binary. Interactive HTML export still works.")
    import kaleido

    kaleido.start_sync_server(mathjax=False, path=path, silence_warnings=True)
    _KALEIDO_STARTED = True
    atexit.register(_stop_kaleido)


def _stop_kaleido() -> None:
    import kaleido

    try:
        kaleido.stop_sync_server(silence_warnings=True)
    except Exception:  # noqa: BLE001 - shutting down anyway
        pass


def export_size(fig: go.Figure) -> tuple[int, int]:
    """Layout width and height of a static export (pixels before EXPORT_SCALE)."""
    return int(fig.layout.width or EXPORT_WIDTH), int(fig.layout.height or 500)


def figure_bytes(fig: go.Figure, fmt: str) -> bytes:
    """The figure as 'html' (self-contained, offline), 'png' or 'svg' bytes."""
    if fmt == "html":
        return fig.to_html(include_plotlyjs=True, full_html=True, config={"displaylogo": False}).encode("utf-8")
    if fmt not in ("png", "svg"):
        raise ValueError(f"unknown chart format {fmt!r} (use html, png or svg)")
    import plotly.io as pio

    width, height = export_size(fig)
    with _KALEIDO_LOCK:
        _start_kaleido()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "kopts ignored when using a server": we use one on purpose
            return pio.to_image(fig, format=fmt, width=width, height=height, scale=EXPORT_SCALE)


def write_charts(charts: dict[str, go.Figure], out_dir: str | Path, formats: Iterable[str]) -> list[Path]:
    """Write each chart in each of html/png/svg under out_dir/charts; HTML first, so it survives
    a missing browser (StaticExportUnavailable is raised after the HTML is written)."""
    wanted = [fmt for fmt in ("html", "png", "svg") if fmt in {x.strip().lower() for x in formats}]
    folder = Path(out_dir) / "charts"
    written: list[Path] = []
    missing_browser: StaticExportUnavailable | None = None
    for fmt in wanted:
        for name, fig in charts.items():
            try:
                data = figure_bytes(fig, fmt)
            except StaticExportUnavailable as exc:
                missing_browser = exc
                break
            path = safe_path(folder, name, fmt)
            path.write_bytes(data)
            written.append(path)
    if missing_browser:
        raise missing_browser
    return written


def write_story_charts(store, story, out_dir: str | Path, formats: Iterable[str], rater: str = "") -> list[Path]:
    """Write every chart of a story (unfiltered) as HTML/PNG/SVG; returns the files written.

    `story` is a `framelens.stories.Story` or a story id; the leans are `rater`'s (the
    consensus rule when ''). Raises StaticExportUnavailable (after
    writing the HTML) when PNG/SVG were asked for and no Chromium is installed.
    """
    info = q.info_from_story(story) if not isinstance(story, str) else q.story_info(story)
    data = q.load_story_data(store, info.id, info)
    return write_charts(charts.story_charts(data, q.Filters(rater=rater)), out_dir, formats)
