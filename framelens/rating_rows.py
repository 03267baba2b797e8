"""Reading a rater's table (CSV or JSON) into ratings, every bad row reported by its line.

A row names its outlet by `domain` (or `url`/`site`) or by `name` (or `outlet`/`source`),
and its rating by `lean` (or `rating`/`bias`). Labels are read case-insensitively: our own
leans, common spellings ("Lean Left", "left-center", "least biased"), and `--map LABEL=lean`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from .outlets import DOMAIN_RE, OutletRegistry, host_of, registered_domain
from .ratings import LEANS, Rating
from .user_ratings import UserOutlet, merged

DOMAIN_COLUMNS = ("domain", "url", "site", "website")
NAME_COLUMNS = ("name", "outlet", "source", "news_source")
LEAN_COLUMNS = ("lean", "rating", "bias")
LABELS = {"left": "left", "far left": "left", "lean left": "lean-left", "lean-left": "lean-left",
          "left-center": "lean-left", "left center": "lean-left", "center": "center", "centre": "center",
          "least biased": "center", "lean right": "lean-right", "lean-right": "lean-right",
          "right-center": "lean-right", "right center": "lean-right", "right": "right", "far right": "right",
          "unrated": "unrated", "not rated": "unrated"}


@dataclass
class ImportResult:
    """Good rows as user-file entries, and what was wrong or unmatched, line by line."""

    rows: int = 0
    matched: int = 0  # rows whose outlet is in the registry
    entries: dict[str, UserOutlet] = field(default_factory=dict)
    bad: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)

    def summary(self) -> str:
        new = len(self.entries) - self.matched
        return (f"{self.rows} rows: {len(self.entries)} rated ({self.matched} registered outlets, {new} new domains), "
                f"{len(self.unmatched)} names not matched, {len(self.bad)} bad")

    def merge_into(self, existing: dict[str, UserOutlet]) -> None:
        """Add these ratings to the user file's entries (same rater and date: replaced)."""
        for domain, entry in self.entries.items():
            old = existing.setdefault(domain, UserOutlet(domain, entry.name))
            old.ratings = merged(old.ratings, entry.ratings)
            old.name = old.name or entry.name


def parse_maps(maps: list[str]) -> dict[str, str]:
    """--map 'LABEL=lean' options as a label -> lean table; ValueError names a bad one."""
    out = dict(LABELS)
    for item in maps:
        label, sep, lean = item.rpartition("=")
        if not sep or not label.strip() or lean.strip() not in LEANS:
            raise ValueError(f"--map {item!r}: expected LABEL=lean with lean one of {', '.join(LEANS)}")
        out[" ".join(label.casefold().split())] = lean.strip()
    return out


def read_rating_rows(path: Path, registry: OutletRegistry, rater: str, as_of: str, maps: list[str]) -> ImportResult:
    """Every row of the file as a rating by `rater` as of `as_of`; ValueError when the file
    itself cannot be read (missing, not CSV/JSON, no usable columns)."""
    labels = parse_maps(maps)
    result = ImportResult()
    for where, row in _rows(path):
        result.rows += 1
        _one_row(result, registry, labels, where, row, Rating(rater, "unrated", as_of))
    return result


def _one_row(result: ImportResult, registry, labels, where: str, row: dict, template: Rating) -> None:
    row = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in row.items() if k is not None}
    label = next((row[c] for c in LEAN_COLUMNS if row.get(c)), "")
    lean = labels.get(" ".join(label.casefold().split()))
    domain, name, problem = _outlet_of(row, registry)
    if not label or lean is None:
        result.bad.append(f"{where}: " + (f"label {label!r} is not a lean; add --map '{label}=LEAN'" if label
                                          else f"no lean (columns {', '.join(LEAN_COLUMNS)})"))
        return
    if problem:
        (result.unmatched if problem.startswith("name") else result.bad).append(f"{where}: {problem}")
        return
    result.matched += domain in registry.outlets and domain not in result.entries
    entry = result.entries.setdefault(domain, UserOutlet(domain, name if domain not in registry.outlets else ""))
    entry.ratings = merged(entry.ratings, [Rating(template.rater, lean, template.as_of, row.get("rating_url", ""))])


def _outlet_of(row: dict, registry: OutletRegistry) -> tuple[str, str, str]:
    """(domain, name, problem): the outlet a row names by domain/URL, else by name."""
    given = next((row[c] for c in DOMAIN_COLUMNS if row.get(c)), "")
    name = next((row[c] for c in NAME_COLUMNS if row.get(c)), "")
    if given:
        host = host_of(given) if "/" in given else given.lower().removeprefix("www.").rstrip(".")
        if not DOMAIN_RE.match(host or ""):
            return "", "", f"{given!r} is not a domain or http(s) URL"
        domain = registry.domain_for(host)
        return (domain if domain in registry.outlets else registered_domain(host)), name, ""
    if not name:
        return "", "", f"no outlet (columns {', '.join(DOMAIN_COLUMNS + NAME_COLUMNS)})"
    domain = registry.domain_by_name(name) or registry.domain_by_credit(name)
    return (domain, name, "") if domain else ("", "", f"name {name!r} matches no registered outlet; give its domain")


def _rows(path: Path):
    """(where, row dict) for each row: 'FILE:LINE' for CSV, 'FILE item N' for JSON."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("["):
        yield from _json_rows(path, text)
        return
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or not {f.strip().lower() for f in reader.fieldnames} & set(LEAN_COLUMNS):
        raise ValueError(f"{path}:1: the header needs a lean column ({', '.join(LEAN_COLUMNS)}) "
                         f"and a domain or name column; got {reader.fieldnames}")
    for row in reader:
        yield f"{path}:{reader.line_num}", row


def _json_rows(path: Path, text: str):
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{path}: invalid JSON: {exc}") from None
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of objects")
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict):
            yield f"{path} item {i}", {}
        else:
            yield f"{path} item {i}", item
