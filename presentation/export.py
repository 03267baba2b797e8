"""Headless export: `DIR/articles.json`, and with other formats every table and chart.

articles.json is deterministic: the same store gives byte-identical files (articles
ordered by role then URL, keys in a fixed order, floats as stored). Tables come from
`presentation.tables`, charts from `presentation.chart_export`; both are imported only when
their formats are asked for.
"""

from __future__ import annotations

import json
from pathlib import Path

from framelens.outlets import default_registry
from framelens.ratings import CONSENSUS, effective_lean, raters_of, ratings_of_row
from framelens.stories import Story
from framelens.textclean import shown_name
from framelens.store import Store

FORMATS = ("json", "csv", "png", "svg", "html")
TABLE_FORMATS, CHART_FORMATS = {"csv", "json", "html"}, {"png", "svg", "html"}  # html: report.html + charts
QUOTE_KEYS = ("text", "fidelity", "source_passage", "similarity")
ROLE_ORDER = {"primary_source": 0, "article": 1}


class ExportError(RuntimeError):
    pass


class UnknownRater(ExportError):
    """--rater names no rater of the story's outlets (a usage error)."""


def article_records(store: Store, story: Story, rater: str = CONSENSUS) -> list[dict]:
    """One object per article (primary sources included), in the articles.json contract; the
    lean is `rater`'s, or the consensus rule's when rater is ''."""
    outlets = {o["domain"]: o for o in store.outlet_rows()}
    results = store.article_results(story.id)
    registry = default_registry()
    rows = sorted(store.articles(story.id), key=lambda r: (ROLE_ORDER.get(r["role"], 9), r["url"], r["id"]))
    return [_record(row, outlets.get(row["domain"]) or registry.lookup(row["domain"]).row(),
                    results.get(row["id"], {}), rater) for row in rows]


def resolve_rater(store: Store, story: Story, rater: str) -> str:
    """The rater as the story's outlets name it (case aside), '' for the consensus; an unknown
    rater is an ExportError listing the raters known (those the sidebar's picker offers)."""
    if not (rater or "").strip():
        return CONSENSUS
    outlets = {o["domain"]: o for o in store.outlet_rows()}
    domains = {r["domain"] for r in store.articles(story.id, with_text=False) if r["role"] != "primary_source"}
    known = raters_of(r for d in domains if d in outlets for r in ratings_of_row(outlets[d]))
    match = next((k for k in known if k.casefold() == rater.strip().casefold()), None)
    if match is None:
        listed = "; ".join(known) if known else "none: no outlet of this story has a rating"
        raise UnknownRater(f"--rater {rater!r} rates none of the outlets of story '{story.id}'; the raters known are: "
                          f"{listed} (leave --rater out for the consensus of raters)")
    return match


def lean_provenance(rater: str) -> dict:
    """How the export's leans were chosen, for provenance.json and the report."""
    if rater:
        return {"lean_ratings_by": rater, "lean_rule": f"{rater}'s newest rating of each outlet; unrated otherwise"}
    return {"lean_ratings_by": "consensus",
            "lean_rule": "each rater's newest rating, median lean (framelens/ratings.py); unrated when no rater rates"}


def _record(row: dict, outlet: dict, p: dict, rater: str = CONSENSUS) -> dict:
    verdict = effective_lean(ratings_of_row(outlet), rater)
    return {
        "url": row["url"], "outlet": shown_name(outlet.get("name"), row["domain"]), "domain": row["domain"],
        "lean": verdict.lean,
        "lean_rater": verdict.rater, "lean_as_of": verdict.as_of, "found_on": row.get("found_on") or "",
        "title": row["title"], "published": row["published"].isoformat() if row["published"] else None,
        "language": p.get("language") or row["language"], "role": row["role"],
        "features": p.get("features", {}), "frame": _frame(p.get("frame")), "stance": _stance(p.get("stance")),
        "genre": _genre(p.get("genre")),
        "descriptors": p.get("descriptors", {}), "key_facts": p.get("key_facts", {}),
        "quotes": [{k: q.get(k) for k in QUOTE_KEYS} for q in p.get("quotes", [])],
        "syndication_group": p.get("syndication_group"), "cluster": p.get("cluster", -1),
        "x": p.get("x", 0.0), "y": p.get("y", 0.0),
    }


def _frame(frame: dict | None) -> dict:
    frame = frame or {}
    return {"primary": frame.get("primary"), "scores": frame.get("scores", {}),
            "evidence": frame.get("evidence", []), "basis": frame.get("basis", "")}


def _genre(genre: dict | None) -> dict:
    """News or opinion, and why (results of an older analysis version say nothing: empty)."""
    genre = genre or {}
    return {"label": genre.get("label", ""), "source": genre.get("source", ""), "evidence": genre.get("evidence", [])}


def _stance(stance: dict | None) -> dict:
    stance = stance or {}
    return {"label": stance.get("label", "neutral"), "score": stance.get("score", 0.0),
            "evidence": stance.get("evidence", [])}


def write_articles_json(store: Store, story: Story, out_dir: Path, rater: str = CONSENSUS) -> Path:
    path = Path(out_dir) / "articles.json"
    text = json.dumps(article_records(store, story, rater), ensure_ascii=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def write_provenance_json(store: Store, story: Story, out_dir: Path, rater: str = CONSENSUS) -> Path:
    """DIR/provenance.json: the analysis run's provenance and whose ratings the leans are."""
    prov = dict(store.story_result(story.id, "provenance") or {})
    path = Path(out_dir) / "provenance.json"
    text = json.dumps({"story": story.id, **prov, **lean_provenance(rater)}, ensure_ascii=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def parse_formats(value: str | list[str]) -> list[str]:
    """'json,csv' -> ['json', 'csv']; unknown names raise ExportError."""
    formats = [f.strip().lower() for f in (value.split(",") if isinstance(value, str) else value) if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ExportError(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    return formats or ["json"]


def export_story(store: Store, story: Story, out_dir: str | Path, formats: list[str],
                 rater: str = CONSENSUS) -> list[Path]:
    """Write the requested formats into out_dir (created if needed); returns the files written.

    articles.json and provenance.json are always written; every file stays inside out_dir.
    Leans are `rater`'s (the consensus rule when ''), as the sidebar's "Lean ratings by" picks.
    """
    formats = parse_formats(formats)
    if not store.story_result(story.id, "provenance"):
        raise ExportError(f"story '{story.id}' has no analysis results yet: run "
                          f"`python -m analysis run --story {story.id}` first")
    rater = resolve_rater(store, story, rater)
    out = Path(out_dir).resolve()
    if out.exists() and not out.is_dir():
        raise ExportError(f"--out {out_dir} is a file, not a folder: name a folder to write the export into")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the export folder {out_dir}: {exc.strerror or exc}") from exc
    written = [write_articles_json(store, story, out, rater), write_provenance_json(store, story, out, rater)]
    if TABLE_FORMATS & set(formats):
        write_tables = _optional("presentation.tables", "write_tables", "csv/json tables")
        written += list(write_tables(store, story, out, formats, rater=rater) or [])
    if CHART_FORMATS & set(formats):
        write_charts = _optional("presentation.chart_export", "write_story_charts", "png/svg/html charts")
        written += list(write_charts(store, story, out, formats, rater=rater) or [])
    return [_inside(out, Path(p)) for p in written]


def _optional(module: str, name: str, what: str):
    """A writer from a module that may not be installed/written yet, or a clear error."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ExportError(f"{what} are not available ({module}.{name}: {exc})") from exc


def _inside(out: Path, path: Path) -> Path:
    resolved = path.resolve()
    if resolved != out and out not in resolved.parents:
        raise ExportError(f"refusing a file outside the export folder: {path}")
    return path
