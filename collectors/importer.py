"""File import: a JSONL file, a CSV file, or a folder of `.html` files → articles.

A file with no rows at all (an empty JSONL, a CSV with only its header) is an error, as an
unreadable one is: nothing was imported. Titles and outlet names lose control and
bidi characters; a URL's `user:password@` is dropped; a URL holding raw control characters
is a bad row.

Rows: `url` (required), `text` or `html` (one required; html goes through the
extractor), `title`, `outlet`, `published` (ISO date or datetime), `role` (`article` or
`primary_source`), `language`. A bad row is reported with its line and reason; the good
rows are kept. Importing the same file again adds nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

from framelens.outlets import OutletRegistry
from framelens.records import ROLES, ArticleRecord
from framelens.stories import Story
from framelens.store import Store
from framelens.textclean import clean_name, has_hidden_characters, strip_userinfo

from .pipeline import ArticlePipeline

FIELDS = {"url", "text", "html", "title", "outlet", "published", "role", "language"}
MAX_FIELD = 20_000_000


class ImportError_(RuntimeError):
    """The file itself cannot be read (missing, wrong kind, not UTF-8 at all)."""


class BadRow(ValueError):
    pass


@dataclass
class ImportReport:
    path: str
    rows: int = 0
    new: int = 0
    duplicate: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.path}: {self.rows} rows read: {self.new} new, {self.duplicate} already stored, "
                f"{len(self.problems)} bad, {self.skipped} skipped")

    def as_dict(self) -> dict:
        return {"path": self.path, "rows": self.rows, "new": self.new, "duplicate": self.duplicate,
                "bad": len(self.problems), "skipped": self.skipped, "problems": self.problems[:200],
                "warnings": self.warnings[:200]}


def import_path(store: Store, path: str | Path, story: Story, registry: OutletRegistry,
                relevance: bool = False, progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import a JSONL/CSV file or a folder of HTML files into `story`. Raises ImportError_ when unreadable."""
    path = Path(path)
    rows = _rows_for(path)
    report = ImportReport(str(path))
    run_id = store.start_run(story.id, "import", sources=f"import:{path.name}")
    pipeline = ArticlePipeline(store, story, registry, run_id=run_id, check_relevance=relevance)
    outcomes = []
    status = "failed"
    try:
        for where, row in rows:
            report.rows += 1
            outcome = _import_row(pipeline, where, row, report)
            if outcome is not None:
                outcome.url = outcome.url or where
                outcomes.append(outcome)
            if progress:
                progress(report.rows)
        if not report.rows:
            raise ImportError_(f"{path}: nothing to import: {_empty_reason(path)}")
        status = "ok"
    finally:
        store.record_fetches(run_id, outcomes)
        store.finish_run(run_id, status, report.as_dict())
    return report


def _empty_reason(path: Path) -> str:
    if path.is_dir():
        return "no .html files in this folder"
    if path.suffix.lower() in (".csv", ".tsv"):
        return "the file has its header line but no rows"
    return "the file has no JSON lines (it is empty or blank)"


def _import_row(pipeline: ArticlePipeline, where: str, row, report: ImportReport):
    if isinstance(row, BadRow):
        report.problems.append(f"{where}: {row}")
        return None
    try:
        record, html = record_from_row(row, where, report.warnings)
    except BadRow as exc:
        report.problems.append(f"{where}: {exc}")
        return None
    outcome = pipeline.process(record, html)
    if outcome.status == "new":
        report.new += 1
    elif outcome.status == "duplicate":
        report.duplicate += 1
    elif outcome.status == "irrelevant":
        report.skipped += 1
    else:
        report.problems.append(f"{where}: {outcome.reason} ({record.url})")
    return outcome


def _rows_for(path: Path) -> Iterator[tuple[str, dict | BadRow]]:
    if path.is_dir():
        return _html_folder_rows(path)
    if not path.exists():
        raise ImportError_(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return _jsonl_rows(path)
    if suffix in (".csv", ".tsv"):
        return _csv_rows(path)
    raise ImportError_(f"{path}: unknown file type '{suffix}' (expected .jsonl, .csv or a folder of .html files)")


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ImportError_(f"{path}:{line}: the file is not UTF-8 ({exc.reason}); re-save it as UTF-8") from None


def _jsonl_rows(path: Path) -> Iterator[tuple[str, dict | BadRow]]:
    text = _read_text(path)
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield where, BadRow(f"invalid JSON: {exc.msg} at column {exc.colno}")
            continue
        yield where, row if isinstance(row, dict) else BadRow("expected a JSON object per line")


def _csv_rows(path: Path) -> Iterator[tuple[str, dict | BadRow]]:
    text = _read_text(path)
    csv.field_size_limit(MAX_FIELD)
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    if not reader.fieldnames:
        raise ImportError_(f"{path}:1: the file is empty: a CSV import needs a header line with a 'url' column")
    if "url" not in [f.strip().lower() for f in reader.fieldnames]:
        header = ",".join(reader.fieldnames)
        hint = next((f"; the header looks {name}-separated: save the file with commas"
                     + (" (or name it .tsv)" if sep == "\t" else "")
                     for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe"))
                     if sep in header and "url" in [f.strip().lower() for f in header.split(sep)]), "")
        raise ImportError_(f"{path}:1: the header has no 'url' column (found: {', '.join(reader.fieldnames)}){hint}")
    start = 2
    try:
        for row in reader:
            where = f"{path}:{start}"
            start = reader.line_num + 1
            if None in row:
                yield where, BadRow(f"more cells than header columns ({len(row[None])} extra)")
                continue
            yield where, {k.strip().lower(): v for k, v in row.items() if k is not None}
    except csv.Error as exc:
        yield f"{path}:{reader.line_num}", BadRow(f"CSV syntax error: {exc}; the rest of the file is not read")


def _html_folder_rows(folder: Path) -> Iterator[tuple[str, dict | BadRow]]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".html", ".htm"))
    if not files:
        raise ImportError_(f"{folder}: no .html files in this folder")
    for file in files:
        data = file.read_bytes()
        from .charset import decode_html

        html = decode_html(data)
        url = _page_url(html)
        if not url:
            yield str(file), BadRow("no URL: the page has no <link rel=canonical> or og:url to say where it came from")
            continue
        yield str(file), {"url": url, "html": html}


_URL_META = [
    re.compile(r"<link\b(?=[^>]*\brel\s*=\s*[\"']?canonical\b)[^>]*\bhref\s*=\s*[\"']?([^\"'>\s]+)", re.I),
    re.compile(r"<meta\b(?=[^>]*\bproperty\s*=\s*[\"']?og:url\b)[^>]*\bcontent\s*=\s*[\"']?([^\"'>\s]+)", re.I),
]


def _page_url(html: str) -> str:
    for pattern in _URL_META:
        match = pattern.search(html[:300_000])
        if match and match.group(1).lower().startswith(("http://", "https://")):
            return match.group(1)
    return ""


def record_from_row(row: dict, where: str, warnings: list[str]) -> tuple[ArticleRecord, str | None]:
    """Validate one row and build its record (and the HTML it came from, if any)."""
    unknown = sorted(set(row) - FIELDS)
    if unknown:
        warnings.append(f"{where}: ignored unknown field(s) {', '.join(unknown)}")
    url = _field(row, "url")
    if not url:
        raise BadRow("missing 'url'")
    if has_hidden_characters(url):
        raise BadRow(f"'url' holds control or bidirectional-override characters: {ascii(url)[:200]}")
    if not re.match(r"^https?://[^\s/]+", url, re.IGNORECASE):
        raise BadRow(f"'url' must be an http(s) URL, got {strip_userinfo(url)[:200]!r}")
    text, html = _field(row, "text"), _field(row, "html")
    if not text and not html:
        raise BadRow("needs 'text' or 'html'")
    role = _field(row, "role") or "article"
    if role not in ROLES:
        raise BadRow(f"'role' must be one of {', '.join(ROLES)}, got {role!r}")
    published, flags = _published(_field(row, "published"), where, warnings)
    record = ArticleRecord(url=strip_userinfo(url), text=text, title=clean_name(_field(row, "title")),
                           published=published, source="import", role=role,
                           outlet=clean_name(_field(row, "outlet")).lower(),
                           language=_field(row, "language").lower(), flags=flags)
    if html and not text:
        _fill_from_html(record, html, url)
    return record, html or None


def _field(row: dict, key: str) -> str:
    value = row.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and key not in ("text", "html"):
            value = str(value)
        else:
            raise BadRow(f"'{key}' must be a string, got {type(value).__name__}")
    return value.strip()


def _published(value: str, where: str, warnings: list[str]) -> tuple[datetime | None, list[str]]:
    if not value:
        return None, []
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value or " " in value \
            else datetime.combine(date.fromisoformat(value), datetime.min.time())
    except ValueError:
        raise BadRow(f"'published' must be an ISO date or datetime (e.g. 2021-01-21 or "
                     f"2021-01-21T18:30:00Z), got {value[:60]!r}") from None
    parsed = parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
    if parsed > datetime.now(timezone.utc) + timedelta(days=1):
        warnings.append(f"{where}: published {value} is in the future; stored without a date")
        return None, ["future_date"]
    return parsed, []


def _fill_from_html(record: ArticleRecord, html: str, url: str) -> None:
    from .extract import extract_bounded

    try:
        found = extract_bounded(html, url)
    except Exception as exc:  # a pathological page fails its row, not the import
        raise BadRow(f"could not extract text from the HTML: {exc}") from None
    if not found.text.strip():
        raise BadRow("the extractor found no article text in the HTML")
    record.text = found.text
    record.title = record.title or found.title
    record.published = record.published or found.published
    record.authors = found.authors
    record.providers = found.providers
    record.language = record.language or found.language
    record.extractor = found.extractor
    record.flags.extend(found.flags)


def print_report(report: ImportReport, out=None, limit: int = 50) -> None:
    out = out or sys.stderr
    for line in report.problems[:limit]:
        print(f"bad row: {line}", file=out)
    if len(report.problems) > limit:
        print(f"... and {len(report.problems) - limit} more bad rows", file=out)
    for line in report.warnings[:limit]:
        print(f"warning: {line}", file=out)
    print(report.summary(), file=out)
