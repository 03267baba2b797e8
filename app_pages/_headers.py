"""Readable column headers for the dashboard's tables, in one place.

The pages show these names; the tables' columns keep their stable machine names
(`lean_rater`, `found_on`, ...), which is what the CSV/JSON downloads and `analysis export`
write, so scripts reading those files do not break when a header's wording changes.
"""

from __future__ import annotations

HEADERS = {
    "lean_rater": "Rated by", "lean_as_of": "Rating date", "found_on": "Found on",
    "actor_label": "Actor", "source_passage": "Source passage", "syndication_group": "Copy group",
    "primary_frame": "Primary frame", "ci_low": "CI low", "ci_high": "CI high", "url": "Link",
    "left_share": "Left share", "right_share": "Right share", "left_ci_low": "Left CI low",
    "left_ci_high": "Left CI high", "right_ci_low": "Right CI low", "right_ci_high": "Right CI high",
    "p_value": "p-value", "z": "z", "n": "n",
}


def header(column: str) -> str:
    """The reader's name for a column: the map's, else the snake_case name in words ('cluster_size' -> 'Cluster size')."""
    name = str(column)
    if name in HEADERS:
        return HEADERS[name]
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def column_labels(columns, config: dict | None = None) -> dict:
    """A Streamlit column_config giving each column its readable header; entries already in
    `config` keep their settings and get the header only when they have no label."""
    out = dict(config or {})
    for col in columns:
        given = out.get(col, ...)
        if given is ...:
            out[col] = header(col)
        elif isinstance(given, dict) and not given.get("label"):
            out[col] = {**given, "label": header(col)}
    return out
