"""Headless export: `DIR/articles.json`, and with other formats every table and chart.

articles.json is deterministic: the same store gives byte-identical files.
"""

from __future__ import annotations

import json
from pathlib import Path

from framelens.outlets import default_registry
from framelens.stories import Story
from framelens.store import Store

FORMATS = ("json", "csv", "png", "svg", "html")
QUOTE_KEYS = ("text", "fidelity", "source_passage", "similarity")


class ExportError(RuntimeError):
    pass


def article_records(store: Store, story: Story) -> list[dict]:
    """One object per article (primary sources included), in the articles.json contract."""
    outlets = {o["domain"]: o for o in store.outlet_rows()}
    results = store.article_results(story.id)
    registry = default_registry()
    records = []
    for row in store.articles(story.id):
        outlet = outlets.get(row["domain"]) or registry.lookup(row["domain"]).row()
        p = results.get(row["id"], {})
        records.append({
            "url": row["url"], "outlet": outlet["name"], "domain": row["domain"], "lean": outlet["lean"],
            "title": row["title"], "published": row["published"].isoformat() if row["published"] else None,
            "language": p.get("language") or row["language"], "role": row["role"],
            "features": p.get("features", {}), "frame": _frame(p.get("frame")), "stance": p.get("stance", {}),
            "descriptors": p.get("descriptors", {}), "key_facts": p.get("key_facts", {}),
            "quotes": [{k: q.get(k) for k in QUOTE_KEYS} for q in p.get("quotes", [])],
            "syndication_group": p.get("syndication_group"), "cluster": p.get("cluster", -1),
            "x": p.get("x", 0.0), "y": p.get("y", 0.0),
        })
    return records


def _frame(frame: dict | None) -> dict:
    frame = frame or {}
    return {"primary": frame.get("primary"), "scores": frame.get("scores", {})}


def write_articles_json(store: Store, story: Story, out_dir: Path) -> Path:
    path = Path(out_dir) / "articles.json"
    text = json.dumps(article_records(store, story), ensure_ascii=False, indent=1, sort_keys=False)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def export_story(store: Store, story: Story, out_dir: str | Path, formats: list[str]) -> list[Path]:
    """Write the requested formats into out_dir (created if needed); returns the files written."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ExportError(f"unknown format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    if not store.story_result(story.id, "provenance"):
        raise ExportError(f"story '{story.id}' has no analysis results yet: run "
                          f"`python -m analysis run --story {story.id}` first")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [write_articles_json(store, story, out)]
    if {"csv", "json", "html"} & set(formats):
        from .tables_export import write_tables

        written += list(write_tables(store, story, out, formats) or [])
    if {"png", "svg", "html"} & set(formats):
        from .charts import write_story_charts

        written += list(write_story_charts(store, story, out, formats) or [])
    return written
