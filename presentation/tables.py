"""Comparison tables as CSV and JSON, and the one-file HTML report.

Cells and file names go through `presentation.safety` (formula-injection protection, safe
names that stay inside the chosen folder).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path
from typing import Iterable

import pandas as pd

from framelens import queries as q

from .safety import FORMULA_START, protect_cell, safe_name, safe_path  # noqa: F401  (re-exported)

REPORT_ROWS = 500
REPORT_CELL = 400
REPORT_HOVER = 5000  # a shortened cell's tooltip shows this much of the text


def _flat(value):
    if isinstance(value, (list, tuple)):
        return " | ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _plain(df: pd.DataFrame) -> pd.DataFrame:
    """Datetimes as ISO text, lists joined, so CSV and HTML cells are plain values."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].map(lambda v: v.isoformat() if pd.notna(v) else "")
        elif out[col].dtype == object:
            out[col] = out[col].map(_flat)
    return out


def csv_bytes(df: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV with formula-like text cells neutralised."""
    out = _plain(df)
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(protect_cell)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def json_bytes(df: pd.DataFrame) -> bytes:
    """The table as a JSON list of row objects (lists kept as lists, dates ISO, NaN as null).

    Text is protected as in CSV (spreadsheets import JSON too); `articles.json`, the
    analysis contract, is written elsewhere and keeps every text exactly."""
    out = df.copy()
    for col in out.columns:
        kind = out[col]
        if not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind)
                or pd.api.types.is_datetime64_any_dtype(kind)):
            out[col] = out[col].map(_protect_deep)
    return out.to_json(orient="records", date_format="iso", force_ascii=False, indent=1).encode("utf-8")


def _protect_deep(value):
    if isinstance(value, str):
        return protect_cell(value)
    if isinstance(value, (list, tuple)):
        return [_protect_deep(v) for v in value]
    if isinstance(value, dict):
        return {k: _protect_deep(v) for k, v in value.items()}
    return value


# ---- the tables -----------------------------------------------------------------------------

def story_tables(data: q.StoryData, f: q.Filters | None = None) -> dict[str, pd.DataFrame]:
    """Every comparison table of the story by file-friendly name."""
    f = f or q.Filters()
    return {
        "articles": q.articles_table(data, f),
        "counts_by_lean": q.counts_by_lean(data, f),
        "counts_by_outlet": q.counts_by_outlet(data, f),
        "timeline": q.timeline(data, f),
        "feature_matrix": q.feature_matrix(data, f),
        "feature_prevalence_by_lean": q.prevalence_by_lean(data, f),
        "frames_by_outlet": q.frames_by_outlet(data, f),
        "primary_frame_by_lean": q.primary_frames_by_lean(data, f),
        "stance_by_lean": q.stance_by_lean(data, f),
        "descriptors_by_outlet": q.descriptors_by_outlet(data, f),
        "omissions": q.omission_matrix(data, f),
        "omissions_one_sided": q.one_sided_items(data, f),
        "quotes": q.quotes_table(data, f),
        "altered_quotes": q.altered_quotes(data, f),
        "quoted_passages": q.quote_passages(data, f),
        "clusters": q.clusters_table(data, f),
        "cluster_features": q.cluster_features(data, f),
        "map_points": q.map_points(data, f),
        "words_left_right": q.words_left_right(data),
        "sources": q.sources_table(data, f),
    }


def _info(story) -> q.StoryInfo:
    return q.story_info(story) if isinstance(story, str) else q.info_from_story(story)


def write_tables(store, story, out_dir: str | Path, formats: Iterable[str], rater: str = "") -> list[Path]:
    """Write every comparison table as CSV and/or JSON under out_dir/tables, and with 'html'
    the one-file report out_dir/report.html. `story` is a Story or a story id; the leans are
    `rater`'s (the consensus rule when '')."""
    formats = {x.strip().lower() for x in formats}
    info = _info(story)
    data = q.load_story_data(store, info.id, info)
    written: list[Path] = []
    f = q.Filters(rater=rater)
    tables = story_tables(data, f)
    for fmt, to_bytes in (("csv", csv_bytes), ("json", json_bytes)):
        if fmt in formats:
            for name, df in tables.items():
                path = safe_path(Path(out_dir) / "tables", name, fmt)
                path.write_bytes(to_bytes(df))
                written.append(path)
    if "html" in formats:
        path = safe_path(out_dir, "report", "html")
        path.write_bytes(report_html(data, f, tables=tables))
        written.append(path)
    return written


# ---- the report ---------------------------------------------------------------------------

_CSS = """
body{font-family:Inter,'Source Sans Pro',Arial,sans-serif;color:#262730;max-width:1200px;margin:2em auto;padding:0 1em}
h1{font-size:1.8em;margin-bottom:.2em} h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;font-size:12px;margin:.5em 0 1em} th,td{border:1px solid #ddd;padding:3px 6px;
text-align:left;vertical-align:top;max-width:420px;overflow-wrap:anywhere} th{background:#f4f4f6}
.banner{background:#fff4d6;border:1px solid #e6c36a;padding:.6em 1em;border-radius:6px}
.note{color:#666;font-size:.9em} details{margin:.5em 0}
"""


def _cell(value) -> str:
    """An escaped cell; a long text is shortened with an ellipsis, its fuller text on hover."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    if isinstance(value, float):
        text = f"{value:.3g}"
    if len(text) <= REPORT_CELL:
        return html.escape(text)
    full = text if len(text) <= REPORT_HOVER else text[: REPORT_HOVER - 1] + "… (the CSV/JSON export has all of it)"
    return f'<span title="{html.escape(full, quote=True)}">{html.escape(text[: REPORT_CELL - 1])}…</span>'


def table_html(df: pd.DataFrame, limit: int = REPORT_ROWS) -> str:
    """An escaped HTML table (first `limit` rows; the CSV export has them all)."""
    plain = _plain(df.head(limit))
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in plain.columns)
    rows = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
                   for row in plain.itertuples(index=False))
    more = (f'<p class="note">First {limit} of {len(df)} rows; the CSV/JSON export has all.</p>'
            if len(df) > limit else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{more}"


def _provenance_html(data: q.StoryData, f: q.Filters) -> str:
    prov = q.provenance(data)
    items = [("story", data.info.id), ("story file hash (sha256)", prov.get("story_file_hash") or data.info.file_hash),
             ("model", prov.get("model", "")), ("analysis version", prov.get("analysis_version", "")),
             ("analysis computed at", prov.get("computed_at", "")),
             ("articles analysed", prov.get("article_count", len(data.articles))),
             ("articles in this report", len(q.select_articles(data, f))),
             ("extractors", ", ".join(f"{k}: {v}" for k, v in (prov.get("extractors") or {}).items())),
             ("filters", _describe_filters(f)),
             ("leans", _describe_raters(data, f)),
             ("report generated", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))]
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{_cell(v)}</td></tr>" for k, v in items)
    hashes = prov.get("content_hashes") or {}
    hash_rows = "".join(f"<tr><td>{_cell(k)}</td><td>{_cell(v)}</td></tr>" for k, v in hashes.items())
    return (f"<table>{rows}</table><details><summary>Content hashes of the {len(hashes)} analysed articles "
            f"(article id → sha256 of the text)</summary><table>{hash_rows}</table></details>")


def _describe_raters(data: q.StoryData, f: q.Filters) -> str:
    """Whose ratings the report's leans are, and how many articles each rests on."""
    sel = q.select_articles(data, f)
    rule = f"ratings by {f.rater}" if f.rater else "consensus of each rater's newest rating (median lean)"
    used = sel.loc[sel["lean"] != "unrated", ["lean_rater", "lean_as_of"]].value_counts()
    parts = [f"{rater} as of {as_of or 'undated'}: {n}" for (rater, as_of), n in used.items()]
    return f"{rule}; {(sel['lean'] == 'unrated').sum()} unrated" + ("; " + "; ".join(parts) if parts else "")


def _describe_filters(f: q.Filters) -> str:
    parts = [f"{name}: {', '.join(v)}" for name, v in (("leans", f.leans), ("kinds", f.kinds),
                                                        ("languages", f.languages)) if v]
    if f.start or f.end:
        parts.append(f"published {f.start or '…'} to {f.end or '…'}")
    parts.append({"include": "syndicated copies counted", "exclude": "syndicated copies excluded",
                  "deweight": "syndicated copies de-weighted (1/group size)"}.get(f.syndication, f.syndication))
    return "; ".join(parts)


def report_html(data: q.StoryData, f: q.Filters | None = None, tables: dict | None = None,
                charts: dict | None = None) -> bytes:
    """One self-contained HTML file: every chart (plotly.js embedded once), every table, provenance."""
    from .charts import story_charts

    f = f or q.Filters()
    tables = tables if tables is not None else story_tables(data, f)
    charts = charts if charts is not None else story_charts(data, f)
    parts = [f"<h1>{html.escape(data.info.title)}</h1>"]
    if data.info.demo:
        parts.append('<p class="banner">Synthetic demo data: the outlets, articles and ruling are fictional.</p>')
    if data.info.description:
        parts.append(f"<p>{html.escape(data.info.description)}</p>")
    parts += ["<h2>Provenance</h2>", _provenance_html(data, f), "<h2>Charts</h2>"]
    for i, (name, fig) in enumerate(charts.items()):
        # No heading of its own: each chart carries its title, and the file name only in an anchor.
        parts.append(f'<section id="{html.escape(name)}">')
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0), config={"displaylogo": False}))
        parts.append("</section>")
    parts.append("<h2>Tables</h2>")
    for name, df in tables.items():
        parts.append(f"<h3>{html.escape(name.replace('_', ' '))}</h3>{table_html(df)}")
    title = html.escape(f"framelens report — {data.info.title}")
    doc = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
           f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>'
           f"<body>{''.join(parts)}</body></html>")
    return doc.encode("utf-8")
