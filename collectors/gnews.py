"""Google News RSS search: the story's query with `after:`/`before:` dates → publisher URLs.

The feed's links point at news.google.com, not at the publisher. Each is resolved before
the article is fetched:

1. old-style article ids (`/rss/articles/CBMi...`) carry the publisher URL inside a
   base64url protobuf; it is decoded offline;
2. otherwise the link is fetched through the fetcher and its redirects followed; when
   the answer is still a news.google.com page, a publisher URL in it (`data-n-au`, or the
   first outbound link) is used.

Limits: since 2024 most ids are opaque (`CBMi...` decoding to an `AU_yqL...` token) and
Google resolves them only through a JavaScript call (batchexecute) that this module does
not make; such links are reported as failures with that reason rather than guessed.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from datetime import date, timedelta
from urllib.parse import urlencode, urlsplit

from framelens.records import FetchOutcome
from framelens.stories import Story

from .rss import parse_feed
from .urls import Candidate, Discovery, fetch_failure

log = logging.getLogger(__name__)

GOOGLE_HOSTS = ("news.google.com",)
_ARTICLE_ID_RE = re.compile(r"/(?:rss/)?articles/([A-Za-z0-9_-]{8,})")
_URL_IN_BYTES_RE = re.compile(rb"https?://[\x21-\x7e]+")
_DATA_N_AU_RE = re.compile(r"""data-n-au\s*=\s*["'](https?://[^"'\s<>]+)""", re.IGNORECASE)
_HREF_RE = re.compile(r"""<a\b[^>]*\bhref\s*=\s*["'](https?://[^"'\s<>]+)""", re.IGNORECASE)


def decode_article_id(link: str) -> str:
    """The publisher URL carried inside an old-style Google News article id, or ''."""
    match = _ARTICLE_ID_RE.search(urlsplit(link).path)
    if not match:
        return ""
    token = match.group(1)
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return ""
    url = _protobuf_url(raw) or _first_url(raw)
    return url if url and not _is_google(url) else ""


def _protobuf_url(raw: bytes) -> str:
    """Field 4 (tag 0x22) of the id's protobuf: a length-prefixed URL."""
    at = raw.find(b"\x22")
    if at < 0 or at > 8:
        return ""
    length, pos = _varint(raw, at + 1)
    value = raw[pos:pos + length]
    if length <= 0 or len(value) != length or not value.startswith((b"http://", b"https://")):
        return ""
    return value.decode("utf-8", "replace")


def _varint(raw: bytes, pos: int) -> tuple[int, int]:
    value, shift = 0, 0
    while pos < len(raw) and shift < 35:
        byte = raw[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            break
        shift += 7
    return value, pos


def _first_url(raw: bytes) -> str:
    match = _URL_IN_BYTES_RE.search(raw)
    return match.group(0).decode("ascii") if match else ""


def _is_google(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in GOOGLE_HOSTS)


def publisher_in_page(html: str) -> str:
    """A publisher URL named in a news.google.com page, or ''."""
    for pattern in (_DATA_N_AU_RE, _HREF_RE):
        for match in pattern.finditer(html[:500_000]):
            if not _is_google(match.group(1)):
                return match.group(1)
    return ""


def gnews_query(story: Story) -> str:
    """The story's Google News query, or its keywords OR-ed with phrases quoted."""
    if story.gnews_query:
        return story.gnews_query
    return " OR ".join(f'"{k}"' if " " in k else k for k in story.keywords)


class GoogleNewsSource:
    """Publisher article URLs from a Google News RSS search over the story's dates."""

    name = "gnews"

    def __init__(self, fetcher, base_url: str = "https://news.google.com", hl: str = "en-US",
                 gl: str = "US", ceid: str = "US:en", workers: int = 4, robots: bool = True,
                 google_hosts: tuple[str, ...] = GOOGLE_HOSTS):
        self.fetcher = fetcher
        self.base_url = base_url.rstrip("/")
        self.params = {"hl": hl, "gl": gl, "ceid": ceid}
        self.workers = workers
        self.robots = robots
        self.google_hosts = tuple(h.lower() for h in google_hosts)

    def search_url(self, story: Story, since: date | None = None) -> str:
        start = max(story.start, since) if since else story.start
        before = story.end + timedelta(days=1)  # before: is exclusive
        query = f"{gnews_query(story)} after:{start.isoformat()} before:{before.isoformat()}"
        return f"{self.base_url}/rss/search?{urlencode({'q': query, **self.params})}"

    def discover(self, story: Story, since: date | None = None) -> Discovery:
        url = self.search_url(story, since)
        found = Discovery()
        try:
            got = self.fetcher.get(url, robots=self.robots)
        except Exception as exc:
            got = exc
        failure = fetch_failure(url, got, self.name, what="search feed")
        if failure:
            found.outcomes.append(failure)
            return found
        result = parse_feed(got.content, url)
        if result.failed:
            found.outcomes.append(FetchOutcome(url, self.name, "failed",
                                               reason=f"search feed: {result.failure_reason()}"[:500]))
            return found
        found.feeds[url] = len(result.entries)
        self._resolve(result.entries, url, found)
        return found

    def _resolve(self, entries, feed_url: str, found: Discovery) -> None:
        pending = {}
        for entry in entries:
            title = re.sub(r"\s+-\s+[^-]{1,80}$", "", entry.title)  # drop the " - Publisher" suffix
            cand = Candidate(entry.url, self.name, title=title, published=entry.published, via=feed_url)
            direct = entry.url if not self._google(entry.url) else decode_article_id(entry.url)
            if direct:
                cand.url = direct
                found.candidates.append(cand)
            else:
                pending[entry.url] = cand
        for link, got in self.fetcher.get_many(list(pending), workers=self.workers):
            self._settle(pending[link], link, got, found)

    def _settle(self, cand: Candidate, link: str, got, found: Discovery) -> None:
        final = getattr(got, "final_url", "") or ""
        if final and not self._google(final):  # redirected to the publisher: keep its answer, whatever it was
            cand.url, cand.prefetched = final, got
            found.candidates.append(cand)
            return
        failure = fetch_failure(link, got, self.name, what="google news link")
        target = publisher_in_page(got.text()) if failure is None else ""
        if target:
            cand.url = target
            found.candidates.append(cand)
            return
        found.outcomes.append(failure or FetchOutcome(
            link, self.name, "failed",
            reason="google news link: could not resolve the publisher URL (an opaque id that only "
                   "Google's JavaScript resolves)"))

    def _google(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        base_host = (urlsplit(self.base_url).hostname or "").lower()
        port, base_port = urlsplit(url).port, urlsplit(self.base_url).port
        if host == base_host and port == base_port:
            return True
        return any(host == h or host.endswith("." + h) for h in self.google_hosts)
