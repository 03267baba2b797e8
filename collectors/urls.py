"""Seed URLs, and the fetch → extract step every source's article links go through.

Sources *discover* `Candidate`s (a URL and what is known about it); `ArticleFetcher` fetches
them through the one network door, extracts the text and, when a page is gone (404/410,
a name that no longer resolves) or is a paywall/consent stub, falls back to a copy in the
Wayback Machine (`WaybackArchive`) and records which copy was used. Nothing here touches
the store.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import urlencode

from framelens.records import ArticleRecord, FetchOutcome
from framelens.stories import Story

log = logging.getLogger(__name__)

STUB_CHARS = 250  # less text than this is a paywall, consent or error stub, not an article
GONE_STATUSES = (404, 410)
MAX_URL_CHARS = 2048
_DNS_WORDS = ("dns", "resolve", "name or service", "getaddrinfo", "nodename", "no address")


@dataclass
class Candidate:
    """An article URL a source found, with what the source knows about it."""

    url: str
    source: str
    title: str = ""
    published: datetime | None = None
    outlet: str = ""  # the outlet domain, when the source knows it better than the URL
    role: str = "article"
    trusted: bool = False  # picked by a person (story seeds, --urls): no relevance filter
    via: str = ""  # the feed, query or page it was found on
    prefetched: object = None  # the page's response when discovery already fetched it (a redirect resolved)


@dataclass
class Discovery:
    """What a source's discovery step found: candidates, and the failures on the way."""

    candidates: list[Candidate] = field(default_factory=list)
    outcomes: list[FetchOutcome] = field(default_factory=list)
    feeds: dict[str, int] = field(default_factory=dict)  # discovery document → entries read


@dataclass
class Fetched:
    """One candidate after fetching: a record to store, or the outcome that says why not."""

    candidate: Candidate
    record: ArticleRecord | None = None
    html: str | None = None
    outcome: FetchOutcome | None = None


def fetch_failure(url: str, got, source: str, outlet: str = "", what: str = "page") -> FetchOutcome | None:
    """The failed outcome for a fetch that went wrong (an error or an HTTP error status), else None."""
    status = getattr(got, "status", None)
    if not hasattr(got, "content"):  # a FetchError
        detail = getattr(got, "detail", "") or ""
        reason = f"{what}: {getattr(got, 'reason', 'error')}{': ' + detail if detail else ''}"
        return FetchOutcome(url, source, "failed", outlet=outlet, reason=reason[:500], http_status=status)
    if status is not None and status >= 400:
        return FetchOutcome(url, source, "failed", outlet=outlet, reason=f"{what}: HTTP {status}", http_status=status)
    return None


def is_gone(got) -> bool:
    """True for 404/410 and for names that do not resolve: worth asking the archive."""
    if getattr(got, "status", None) in GONE_STATUSES:
        return True
    if hasattr(got, "content"):
        return False
    text = f"{getattr(got, 'reason', '')} {getattr(got, 'detail', '')}".lower()
    return any(word in text for word in _DNS_WORDS)


# ---- seeds --------------------------------------------------------------------------------


def read_url_file(path: str | Path) -> tuple[list[str], list[str]]:
    """URLs from a text file (one a line, '#' comments, blank lines ignored) and the bad lines."""
    urls, problems = [], []
    text = Path(path).read_text(encoding="utf-8-sig", errors="replace")
    for number, line in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", line).strip()  # a '#' inside a URL is a fragment, not a comment
        if not line:
            continue
        if len(line) > MAX_URL_CHARS or not re.match(r"^https?://[^\s/]+\S*$", line, re.IGNORECASE):
            problems.append(f"{path}:{number}: not an http(s) URL: {line[:120]!r}")
            continue
        urls.append(line)
    return urls, problems


def _as_datetime(day: date | None) -> datetime | None:
    return datetime.combine(day, time(12), tzinfo=timezone.utc) if day else None


class UrlSource:
    """The story's seed URLs and the lines of a `--urls` file, taken as chosen by a person."""

    name = "urls"

    def __init__(self, urls_file: str | Path | None = None):
        self.urls_file = urls_file

    def discover(self, story: Story, since: date | None = None) -> Discovery:
        found = Discovery()
        for seed in story.seeds:
            found.candidates.append(Candidate(seed.url, self.name, published=_as_datetime(seed.published),
                                              outlet=seed.outlet, trusted=True, via="story seeds"))
        if self.urls_file:
            urls, problems = read_url_file(self.urls_file)
            found.candidates.extend(Candidate(u, self.name, trusted=True, via=str(self.urls_file)) for u in urls)
            found.outcomes.extend(FetchOutcome(p.split(": not", 1)[0], self.name, "failed", reason=p)
                                  for p in problems)
        return found


# ---- the web archive ----------------------------------------------------------------------


class WaybackArchive:
    """Find and fetch a Wayback Machine copy of a page near a date.

    `api_base` serves the availability API (`/wayback/available`), `web_base` the CDX index
    (`/cdx/search/cdx`) and the snapshots (`/web/<timestamp>id_/<url>`, the raw page without
    the archive's toolbar). Both are settings so tests point them at a local server.
    """

    def __init__(self, fetcher, api_base: str = "https://archive.org",
                 web_base: str = "https://web.archive.org", max_snapshots: int = 3, robots: bool = False):
        self.fetcher = fetcher
        self.api_base = api_base.rstrip("/")
        self.web_base = web_base.rstrip("/")
        self.max_snapshots = max_snapshots
        self.robots = robots  # an API we query on purpose, not pages we crawl

    def snapshots(self, url: str, near: date) -> list[str]:
        """Raw-content snapshot URLs of `url` near `near`, closest first (at most max_snapshots)."""
        found = self._available(url, near)
        for snap in self._cdx(url, near):
            if snap not in found:
                found.append(snap)
        return found[: self.max_snapshots]

    def _available(self, url: str, near: date) -> list[str]:
        query = urlencode({"url": url, "timestamp": near.strftime("%Y%m%d")})
        data = self._json(f"{self.api_base}/wayback/available?{query}")
        closest = ((data or {}).get("archived_snapshots") or {}).get("closest") if isinstance(data, dict) else None
        if not isinstance(closest, dict) or not closest.get("available") or str(closest.get("status", "200")) != "200":
            return []
        return [raw_snapshot_url(str(closest.get("url", "")), self.web_base)] if closest.get("url") else []

    def _cdx(self, url: str, near: date) -> list[str]:
        query = urlencode({"url": url, "output": "json", "fl": "timestamp,original,statuscode",
                           "filter": "statuscode:200", "closest": near.strftime("%Y%m%d"),
                           "sort": "closest", "limit": str(self.max_snapshots)})
        rows = self._json(f"{self.web_base}/cdx/search/cdx?{query}")
        if not isinstance(rows, list):
            return []
        snaps = []
        for row in rows[1:]:  # the first row names the fields
            if isinstance(row, list) and len(row) >= 2 and re.fullmatch(r"\d{14}", str(row[0])):
                snaps.append(f"{self.web_base}/web/{row[0]}id_/{row[1]}")
        return snaps

    def _json(self, api_url: str):
        try:
            resp = self.fetcher.get(api_url, robots=self.robots)
        except Exception as exc:  # FetchError and anything the transport raised
            log.info("archive lookup %s failed: %s", api_url, exc)
            return None
        if getattr(resp, "status", 200) >= 400:
            return None
        try:
            return json.loads(resp.content.decode("utf-8", "replace"))
        except ValueError:
            return None


def raw_snapshot_url(snapshot: str, web_base: str = "https://web.archive.org") -> str:
    """The `id_` (raw page) form of a Wayback snapshot URL, over https for the real archive."""
    raw = re.sub(r"/web/(\d{1,14})(?:[a-z]{2}_)?/", r"/web/\1id_/", snapshot, count=1)
    return re.sub(r"^http://web\.archive\.org/", "https://web.archive.org/", raw)


# ---- fetch and extract ----------------------------------------------------------------------


class ArticleFetcher:
    """Fetch candidates concurrently across hosts, extract them, fall back to the archive."""

    def __init__(self, fetcher, archive: WaybackArchive | None = None, workers: int = 8,
                 extractor: str = "auto", min_chars: int = STUB_CHARS, default_date: date | None = None):
        self.fetcher = fetcher
        self.archive = archive
        self.workers = workers
        self.extractor = extractor
        self.min_chars = min_chars
        self.default_date = default_date

    def fetch(self, candidates: Iterable[Candidate]) -> Iterator[Fetched]:
        """One `Fetched` per distinct candidate URL, in the order the fetches finish."""
        by_url = {}
        for cand in candidates:
            if cand.prefetched is not None:
                yield self.settle(cand, cand.prefetched)
            else:
                by_url.setdefault(cand.url, cand)
        for url, got in self.fetcher.get_many(list(by_url), workers=self.workers):
            yield self.settle(by_url[url], got)

    def settle(self, cand: Candidate, got) -> Fetched:
        """Turn one fetch result into a record, trying the archive when the page is gone or a stub."""
        failure = fetch_failure(cand.url, got, cand.source, cand.outlet)
        if failure is None:
            fetched = self._extract(cand, got)
            if fetched.outcome or cand.role != "article" or len(fetched.record.text.strip()) >= self.min_chars:
                return fetched  # a short primary source is still the document; a short article is a stub
            failure = FetchOutcome(cand.url, cand.source, "failed", outlet=cand.outlet, http_status=got.status,
                                   reason=f"stub page: {len(fetched.record.text.strip())} characters of text "
                                          f"(paywall or consent page?)")
        elif not is_gone(got):
            return Fetched(cand, outcome=failure)
        return self._from_archive(cand) or Fetched(cand, outcome=_no_archive(failure, self.archive))

    def _extract(self, cand: Candidate, resp, archive_url: str = "") -> Fetched:
        try:
            found, html = extract_response(resp, cand.url, self.extractor)
        except Exception as exc:  # one bad page fails itself, never the run
            return Fetched(cand, outcome=FetchOutcome(cand.url, cand.source, "failed", outlet=cand.outlet,
                                                      reason=f"extraction: {type(exc).__name__}: {exc}"[:500]))
        url = cand.url if archive_url else (getattr(resp, "final_url", "") or cand.url)
        record = ArticleRecord(
            url=url, text=found.text or "", title=found.title or cand.title, source=cand.source,
            published=found.published or cand.published, role=cand.role, outlet=cand.outlet,
            language=found.language or "", authors=list(found.authors or []), extractor=found.extractor or "",
            archive_url=archive_url, flags=list(found.flags or []), providers=list(found.providers or []))
        return Fetched(cand, record=record, html=html)

    def _from_archive(self, cand: Candidate) -> Fetched | None:
        if self.archive is None:
            return None
        near = (cand.published.date() if cand.published else None) or self.default_date or date.today()
        for snapshot in self.archive.snapshots(cand.url, near):
            try:
                resp = self.fetcher.get(snapshot, robots=self.archive.robots)
            except Exception as exc:
                log.info("archive copy %s failed: %s", snapshot, exc)
                continue
            if fetch_failure(snapshot, resp, cand.source) is None:
                fetched = self._extract(cand, resp, archive_url=snapshot)
                if fetched.record and len(fetched.record.text.strip()) >= self.min_chars:
                    log.info("%s: used the archive copy %s", cand.url, snapshot)
                    fetched.record.flags.append("archive_copy")
                    return fetched
        return None


def _no_archive(failure: FetchOutcome, archive) -> FetchOutcome:
    if archive is not None:
        failure.reason = f"{failure.reason}; no usable web-archive copy"[:500]
    return failure


def extract_response(resp, url: str, extractor: str = "auto"):
    """(Extracted, html or None) for a fetched page; PDFs go through pypdf."""
    from .extract import Extracted, extract_bounded

    content = resp.content or b""
    ctype = str((getattr(resp, "headers", None) or {}).get("content-type", "")).lower()
    if content[:5] == b"%PDF-" or "application/pdf" in ctype:
        return Extracted(title="", text=pdf_text(content), published=None, authors=[], language="",
                         extractor="pypdf", flags=[]), None
    html = resp.text()
    return extract_bounded(html, url, extractor=extractor), html


def pdf_text(content: bytes) -> str:
    """The text of a PDF (pypdf); a clear error when pypdf is not installed."""
    try:
        import pypdf
    except ImportError:
        raise RuntimeError("this is a PDF and pypdf is not installed (pip install pypdf)") from None
    import io

    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
