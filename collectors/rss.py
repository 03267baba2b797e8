"""RSS/Atom feeds: bytes → entries, and `RssSource`, which finds a story's articles in the
outlets' feeds.

`parse_feed` never lets feedparser fetch anything: it gets a byte stream (a bare bytes
value that looks like a path would be opened as a file). Before parsing, the document is
decoded once, its DOCTYPE and entity declarations are removed (billion laughs, XXE,
external DTDs never reach a parser), HTML entities become character references, and an
oversized feed is cut at a byte and an entry cap. A broken feed with entries is used
(`bozo` is set and logged); a broken feed with none is a failure, not "no news".
"""

from __future__ import annotations

import codecs
import html
import io
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from html.entities import name2codepoint
from urllib.parse import unquote, urljoin, urlsplit

from framelens.outlets import OutletRegistry
from framelens.records import FetchOutcome
from framelens.stories import Story

from .urls import Candidate, Discovery, fetch_failure

log = logging.getLogger(__name__)

MAX_FEED_BYTES = 10 * 1024 * 1024
MAX_ENTRIES = 2000
MAX_URL_CHARS = 2048
MAX_TITLE_CHARS = 1000
MAX_SUMMARY_CHARS = 5000

_XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_ENCODING_RE = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']", re.IGNORECASE)
_PROLOG_ITEM_RE = re.compile(r"\s*(<!--.*?-->|<\?.*?\?>|<!DOCTYPE)", re.IGNORECASE | re.DOTALL)
MAX_DOCTYPE_CHARS = 1_000_000
_ENTITY_REF_RE = re.compile(r"&([A-Za-z][A-Za-z0-9]{0,31});")
_ENTRY_START_RE = re.compile(r"<(?:[A-Za-z0-9_-]+:)?(?:item|entry)[\s>/]", re.IGNORECASE)
_SCRIPT_RE = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>?")
_BAD_URL_CHARS = re.compile(r"[\x00-\x20\x7f<>\"\\^`{|}]")


@dataclass
class FeedEntry:
    url: str
    title: str = ""
    summary: str = ""
    published: datetime | None = None
    guid: str = ""


@dataclass
class FeedResult:
    entries: list[FeedEntry] = field(default_factory=list)
    bozo: bool = False
    error: str = ""
    dropped: list[str] = field(default_factory=list)  # why entries were left out
    version: str = ""

    @property
    def failed(self) -> bool:
        """No entries and something wrong: a broken feed, not an empty one."""
        return not self.entries and (self.bozo or not self.version)

    def failure_reason(self) -> str:
        if not self.version:
            return "not a feed: no RSS/Atom root element" + (f" ({self.error})" if self.error else "")
        return f"broken feed with no entries: {self.error or 'unknown parse error'}"


def parse_feed(content: bytes, feed_url: str = "", max_entries: int = MAX_ENTRIES) -> FeedResult:
    """Parse feed bytes safely into entries with absolute http(s) links; never raises."""
    try:
        return _parse_feed(content or b"", feed_url, max_entries)
    except Exception as exc:  # a feed must never take down its outlet's run
        log.warning("feed %s: parser error %s", feed_url, exc)
        return FeedResult(bozo=True, error=f"parser error: {type(exc).__name__}: {exc}"[:300])


def _parse_feed(content: bytes, feed_url: str, max_entries: int) -> FeedResult:
    import feedparser

    notes = []
    if len(content) > MAX_FEED_BYTES:
        content = content[:MAX_FEED_BYTES]
        notes.append(f"cut at {MAX_FEED_BYTES} bytes")
    text = defuse_xml(decode_xml(content))
    text, capped = _cap_entries(text, max_entries)
    if capped:
        notes.append(f"capped at {max_entries} entries")
    data = ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode("utf-8", "replace")
    # No base URL is given to feedparser: links are resolved here, so a relative guid stays a guid.
    parsed = feedparser.parse(io.BytesIO(data), resolve_relative_uris=False, sanitize_html=True,
                              response_headers={"content-type": "application/xml; charset=utf-8"})
    result = FeedResult(bozo=bool(parsed.get("bozo")), version=parsed.get("version") or "")
    if result.bozo:
        exc = parsed.get("bozo_exception")
        notes.insert(0, f"{type(exc).__name__}: {exc}" if exc else "malformed feed")
    result.error = "; ".join(notes)[:500]
    result.entries = _entries(parsed.get("entries") or [], feed_url, result.dropped)
    return result


def decode_xml(content: bytes) -> str:
    """Decode feed bytes: BOM, then the declared encoding unless the bytes are really UTF-8."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):
        if content.startswith(bom):
            return content[len(bom):].decode(name, "replace")
    if content[:2] in (b"<\x00", b"\x00<"):  # UTF-16 without a BOM
        return content.decode("utf-16-le" if content[0] else "utf-16-be", "replace")
    try:
        return content.decode("utf-8")  # a feed that is valid UTF-8 is UTF-8, whatever it declares
    except UnicodeDecodeError as exc:
        if exc.start >= len(content) - 3 and exc.reason == "unexpected end of data":
            return content[:exc.start].decode("utf-8")  # cut inside the last character
    for name in (_declared_encoding(content), "cp1252"):
        try:
            if name:
                return content.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return content.decode("utf-8", "replace")


def _declared_encoding(content: bytes) -> str:
    from .charset import normalise_label

    match = _ENCODING_RE.match(content[:400])
    name = match.group(1).decode("ascii").lower() if match else ""
    # Labels map the WHATWG way: ASCII and Latin-1 are read as windows-1252, gbk as gb18030.
    return (normalise_label(name) or name) if name else ""


def defuse_xml(text: str) -> str:
    """Drop the XML declaration, comments, PIs and DOCTYPE before the root; HTML entities become numeric."""
    text = _DECL_RE.sub("", text.lstrip(), count=1)
    pos = 0
    while True:
        match = _PROLOG_ITEM_RE.match(text, pos)
        if not match:
            break
        pos = _doctype_end(text, match.end()) if match.group(1).upper() == "<!DOCTYPE" else match.end()
    return _ENTITY_REF_RE.sub(_entity_ref, text[pos:])


def _doctype_end(text: str, pos: int) -> int:
    """Index just past a DOCTYPE whose body starts at `pos` (brackets, quotes, comments aware)."""
    quote, depth, limit = "", 0, min(len(text), pos + MAX_DOCTYPE_CHARS)
    i = pos
    while i < limit:
        char = text[i]
        if quote:
            quote = "" if char == quote else quote
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            i = limit if end < 0 else end + 2
        elif char in "\"'":
            quote = char
        elif char in "[]":
            depth += 1 if char == "[" else -1
        elif char == ">" and depth <= 0:
            return i + 1
        i += 1
    return len(text)  # unterminated or oversized: nothing after it is trusted


def _entity_ref(match: re.Match) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    code = name2codepoint.get(name)
    return f"&#{code};" if code else f"&amp;{name};"


def _cap_entries(text: str, max_entries: int) -> tuple[str, bool]:
    """Cut the document before entry number max_entries + 1 (the parser tolerates the cut)."""
    for i, match in enumerate(_ENTRY_START_RE.finditer(text)):
        if i == max_entries:
            return text[:match.start()], True
    return text, False


def _entries(raw: list, feed_url: str, dropped: list[str]) -> list[FeedEntry]:
    entries, seen = [], set()
    for item in raw:
        url, problem = entry_url(item, feed_url)
        if problem:
            dropped.append(problem)
            continue
        if url in seen:
            dropped.append(f"duplicate link {url[:200]}")
            continue
        seen.add(url)
        entries.append(FeedEntry(url=url, title=plain_text(item.get("title"), MAX_TITLE_CHARS),
                                 summary=plain_text(item.get("summary"), MAX_SUMMARY_CHARS),
                                 published=_entry_date(item), guid=str(item.get("id") or "")[:MAX_URL_CHARS]))
    return entries


def entry_url(item, feed_url: str) -> tuple[str, str]:
    """The entry's absolute http(s) link, or ('', why it has none usable)."""
    link = (item.get("link") or "").strip()
    guid = str(item.get("id") or "").strip()
    if not link and guid.lower().startswith(("http://", "https://")):
        link = guid  # an RSS guid that is a URL is the permalink
    if not link:
        return "", "entry without link or guid"
    if len(link) > MAX_URL_CHARS:
        return "", f"link longer than {MAX_URL_CHARS} characters"
    url = urljoin(feed_url, link) if feed_url else link
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return "", f"not an http(s) link: {link[:80]!r}"
    if _BAD_URL_CHARS.search(url) or not urlsplit(url).hostname:
        return "", f"malformed link: {link[:80]!r}"
    return url, ""


def plain_text(value, limit: int) -> str:
    """Markup-free, unescaped, whitespace-collapsed text, at most `limit` characters."""
    text = _SCRIPT_RE.sub(" ", str(value or "")[:limit * 4])
    text = html.unescape(_TAG_RE.sub(" ", text))
    text = _TAG_RE.sub(" ", text)  # escaped markup, once unescaped, is still markup
    return re.sub(r"\s+", " ", text).strip()[:limit]


def _entry_date(item) -> datetime | None:
    parsed = item.get("published_parsed") or item.get("updated_parsed")
    if not parsed:
        return None
    try:
        when = datetime(*parsed[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None
    return None if when > datetime.now(timezone.utc) + timedelta(days=1) else when


# ---- the source ---------------------------------------------------------------------------


def in_window(published: datetime | None, start: date, end: date, slack_days: int = 1) -> bool:
    """True when the date is unknown or within [start, end] widened by `slack_days`."""
    if published is None:
        return True
    day = published.astimezone(timezone.utc).date()
    return start - timedelta(days=slack_days) <= day <= end + timedelta(days=slack_days)


def entry_relevant(entry: FeedEntry, story: Story) -> bool:
    """The story's relevance rule on what the feed tells: title, summary and the URL's slug."""
    slug = re.sub(r"[-_/.+]+", " ", unquote(urlsplit(entry.url).path))
    return story.relevance.accepts(f"{entry.title}\n{entry.summary}\n{slug}")


class RssSource:
    """Articles from the feeds of the registry's outlets, filtered by relevance and dates."""

    name = "rss"

    def __init__(self, fetcher, registry: OutletRegistry, workers: int = 8,
                 max_entries: int = MAX_ENTRIES, extra_feeds: dict[str, list[str]] | None = None):
        self.fetcher = fetcher
        self.registry = registry
        self.workers = workers
        self.max_entries = max_entries
        self.extra_feeds = extra_feeds or {}

    def feeds(self) -> dict[str, str]:
        """feed URL → outlet domain."""
        found = {feed: o.domain for o in self.registry.outlets.values() for feed in o.feeds}
        found.update({feed: domain for domain, feeds in self.extra_feeds.items() for feed in feeds})
        return found

    def discover(self, story: Story, since: date | None = None) -> Discovery:
        feeds = self.feeds()
        story_feeds = [f for f in story.feeds if f not in feeds]
        feeds.update({f: self.registry.domain_for(f) for f in story_feeds})
        found = Discovery()
        start = max(story.start, since) if since else story.start
        for url, got in self.fetcher.get_many(list(feeds), workers=self.workers):
            outlet = feeds[url]
            failure = fetch_failure(url, got, self.name, outlet, what="feed")
            if failure:
                found.outcomes.append(failure)
                continue
            self._read_feed(url, outlet, got.content, story, start, found, by_link=url in story_feeds)
        return found

    def _read_feed(self, url: str, outlet: str, content: bytes, story: Story, start: date,
                   found: Discovery, by_link: bool = False) -> None:
        """Relevant entries in the window as candidates. A story feed (`by_link`) lists many
        outlets' articles: each entry's outlet comes from its link, never from the feed."""
        started = time.monotonic()
        result = parse_feed(content, url, self.max_entries)
        if result.failed:
            log.warning("feed %s (%s): %s", url, outlet, result.failure_reason())
            found.outcomes.append(FetchOutcome(url, self.name, "failed", outlet=outlet,
                                               reason=f"feed: {result.failure_reason()}"[:500]))
            return
        if result.bozo or result.dropped:
            log.info("feed %s (%s): used despite problems: %s; %d entries left out (%s)", url, outlet,
                     result.error or "none", len(result.dropped), "; ".join(result.dropped[:3]))
        kept = [e for e in result.entries if in_window(e.published, start, story.end) and entry_relevant(e, story)]
        log.info("feed %s (%s): %d entries, %d relevant in the window (%.1f s)", url, outlet,
                 len(result.entries), len(kept), time.monotonic() - started)
        found.feeds[url] = len(result.entries)
        found.candidates.extend(Candidate(e.url, self.name, title=e.title, published=e.published,
                                          outlet="" if by_link else self.entry_outlet(e.url, outlet), via=url)
                                for e in kept)

    def entry_outlet(self, url: str, feed_outlet: str) -> str:
        """The feed's outlet for links to hosts the registry does not know (feed proxies,
        CDNs); '' (map by URL) for known outlets and for everything an aggregator lists."""
        feed = self.registry.outlets.get(feed_outlet)
        if feed is not None and feed.kind == "aggregator":
            return ""
        return "" if self.registry.domain_for(url) in self.registry.outlets else feed_outlet
