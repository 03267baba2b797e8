"""What a story draft is made from: the primary source's text and the coverage's articles.

Nothing here fetches: the primary source is a local text, HTML or PDF file, or a URL that
the coverage already holds (an import row or a stored article with `role: primary_source`);
the coverage is an import file/folder (read by the collectors' importer into a throwaway
database, so every format `collectors import` reads works the same) or the articles
another story already holds in a database.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from framelens.outlets import OutletRegistry, default_registry
from framelens.stories import Relevance, Story
from framelens.store import Store


HEADING_MAX = 100  # characters; a longer first line is running text, not a title


class DraftError(ValueError):
    """A draft cannot be made from these inputs; the message says what to do."""


@dataclass
class Coverage:
    """The articles a draft is made from, each a store row with outlet name and lean."""

    articles: list[dict]
    primary: dict | None = None
    where: str = ""
    notes: list[str] = field(default_factory=list)


def read_primary(spec: str, coverage: Coverage) -> tuple[str, str, str]:
    """(title, text, path-or-url) of the primary source named by `spec` (a file or a URL); the
    title is the page's title or the document's heading, "" when it has none (never the file name)."""
    if re.match(r"^https?://", spec):
        row = _stored_primary(spec, coverage)
        return row.get("title") or "", row.get("text") or "", spec
    path = Path(spec)
    if not path.is_file():
        raise DraftError(f"--primary {spec}: no such file")
    data = path.read_bytes()
    if data[:5] == b"%PDF-" or path.suffix.lower() == ".pdf":
        text = _pdf_text(path, data)
        return document_heading(text), text, str(path)
    text = data.decode("utf-8", errors="replace")
    if path.suffix.lower() in (".html", ".htm") or text.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        title, text = _html_text(text, path)
        return title or document_heading(text), text, str(path)
    return document_heading(text), text, str(path)


def document_heading(text: str) -> str:
    """The document's title as its first non-blank line gives it: a Markdown heading, or a short
    line that is no sentence; "" when the document starts with running text (the caller then
    names it after the story: a file name such as 'ruling' says nothing to a reader)."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.startswith("#"):
        return first.lstrip("#").strip()
    if len(first) <= HEADING_MAX and not first.endswith((".", ",", ";", ":")):
        return first
    return ""


def _stored_primary(url: str, coverage: Coverage) -> dict:
    """The coverage row for `url`: the draft never fetches, the collectors do."""
    wanted = url.rstrip("/")
    for row in ([coverage.primary] if coverage.primary else []) + coverage.articles:
        if (row.get("url") or "").rstrip("/") == wanted:
            return row
    raise DraftError(f"--primary {url}: not among {coverage.where}'s rows; the draft does not fetch. "
                     "Download it and pass the file, or import it with role primary_source")


def _pdf_text(path: Path, data: bytes) -> str:
    """The text layer of a PDF; a clear error when it has none (a scan) or cannot be read."""
    try:
        import pypdf

        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise DraftError(f"--primary {path}: the PDF is encrypted; save an unlocked copy or its text")
        text = "\n\n".join((page.extract_text() or "") for page in reader.pages)
    except DraftError:
        raise
    except Exception as exc:  # pypdf raises many kinds on a broken file
        raise DraftError(f"--primary {path}: cannot read this PDF ({exc.__class__.__name__}: {exc}); "
                         "convert it to text (e.g. pdftotext) and pass the .txt file") from None
    if len(re.findall(r"\w+", text)) < 20:
        raise DraftError(f"--primary {path}: the PDF has no text layer (a scanned image?); "
                         "run OCR or pass a .txt file of its text")
    return text


def _html_text(html: str, path: Path) -> tuple[str, str]:
    import trafilatura

    text = trafilatura.extract(html, include_comments=False) or ""
    meta = trafilatura.extract_metadata(html)
    if not text.strip():
        raise DraftError(f"--primary {path}: no text found in this HTML page")
    return (meta.title if meta and meta.title else ""), text


def coverage_from_store(store: Store, story_id: str, registry: OutletRegistry | None = None) -> Coverage:
    """The articles story `story_id` holds in `store`; a clear error when it holds none."""
    rows = store.articles(story_id)
    articles = [r for r in rows if r["role"] != "primary_source" and (r.get("text") or "").strip()]
    if not articles:
        known = ", ".join(store.story_ids()) or "none"
        raise DraftError(f"the database holds no articles for story '{story_id}' (stories with articles: "
                         f"{known}); import some first or pass --articles FILE")
    _add_outlets(store, articles, registry or default_registry())
    primaries = [r for r in rows if r["role"] == "primary_source"]
    return Coverage(articles, primaries[0] if primaries else None, where=f"story '{story_id}' in the database")


def coverage_from_files(path: Path, draft_id: str, registry: OutletRegistry | None = None) -> Coverage:
    """Articles of an import file or folder, read by the collectors' importer into a throwaway database."""
    from collectors.importer import ImportError_, import_path

    if not path.exists():
        raise DraftError(f"--articles {path}: no such file or folder")
    registry = registry or default_registry()
    placeholder = Story(id=draft_id, title=draft_id, path=path, file_hash="", start=dt.date(1970, 1, 1),
                        end=dt.date(1970, 1, 1), keywords=[], relevance=Relevance())
    with tempfile.TemporaryDirectory(prefix="framelens-draft-") as tmp, Store(str(Path(tmp) / "draft.db")) as store:
        try:
            report = import_path(store, path, placeholder, registry)
        except ImportError_ as exc:
            raise DraftError(f"--articles {path}: {exc}") from None
        coverage = coverage_from_store(store, draft_id, registry)
    coverage.where = str(path)
    coverage.notes = [f"{path}: {p}" for p in report.problems[:10]]
    return coverage


def _add_outlets(store: Store, rows: list[dict], registry: OutletRegistry) -> None:
    known = {o["domain"]: o for o in store.outlet_rows()}
    for row in rows:
        outlet = known.get(row["domain"]) or registry.lookup(row["domain"]).row()
        row["outlet_name"], row["lean"] = outlet["name"], outlet["lean"]


def parse_dates(value: str | None, articles: list[dict]) -> tuple[dt.date, dt.date]:
    """`A..B` as dates, else the first and last publication dates of the coverage (today without any)."""
    if value:
        parts = value.split("..")
        try:
            start, end = (dt.date.fromisoformat(p.strip()) for p in parts) if len(parts) == 2 else (None, None)
        except ValueError:
            start = end = None
        if start is None or end is None or start > end:
            raise DraftError(f"--dates {value!r}: expected START..END as ISO dates, e.g. 2025-03-14..2025-03-24")
        return start, end
    days = sorted(_day(r.get("published")) for r in articles if r.get("published"))
    days = [d for d in days if d]
    return (days[0], days[-1]) if days else (dt.date.today(), dt.date.today())


def _day(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None
