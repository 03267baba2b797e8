"""GDELT DOC 2.0 article search: the story's query over its dates → article candidates.

One call returns at most 250 articles (`mode=artlist`, `maxrecords=250`); when a window
comes back full it is split in two and each half asked again, down to a bounded depth.
Calls are paced (GDELT asks for one every 5 s) and a 429 that survives the fetcher's own
retries earns one longer pause and one more try. GDELT's quirks are tolerated: an HTML
or plain-text error page served with 200, and JSON with invalid escapes (repaired, or the
broken articles skipped with a logged reason).

Limits: the DOC API searches a rolling window of roughly the last three months; older
stories get nothing from it (the run reports the empty answer, not a failure).
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

from framelens.records import FetchOutcome
from framelens.stories import Story

from .urls import Candidate, Discovery, fetch_failure

log = logging.getLogger(__name__)

MAX_RECORDS = 250
_ESCAPE_RE = re.compile(r'\\(["\\/bfnrt]|u[0-9a-fA-F]{4})?')
_OBJECT_RE = re.compile(r"\{[^{}]*\}")


@dataclass
class GdeltAnswer:
    """One API answer: articles (dicts with url, title, seendate), or the problem met."""

    articles: list[dict] = field(default_factory=list)
    problem: str = ""
    skipped: list[str] = field(default_factory=list)


def parse_artlist(content: bytes) -> GdeltAnswer:
    """Parse an artlist JSON answer, repairing invalid escapes; never raises."""
    text = content.decode("utf-8", "replace").strip()
    if not text.startswith("{"):
        return GdeltAnswer(problem=f"not JSON (an error page?): {_snippet(text)}")
    if text in ("{}", "{ }"):
        return GdeltAnswer()
    data = _loads(text) or _loads(_repair(text))
    if isinstance(data, dict):
        articles = data.get("articles") or []
        if not isinstance(articles, list):
            return GdeltAnswer(problem="'articles' is not a list")
        return _checked(articles, [])
    return _salvage(text)


def _loads(text: str):
    try:
        return json.loads(text, strict=False)  # strict=False lets raw control characters through
    except ValueError:
        return None


def _repair(text: str) -> str:
    """Double the backslash of every invalid escape (GDELT emits e.g. \\' and \\x)."""
    return _ESCAPE_RE.sub(lambda m: m.group(0) if m.group(1) else "\\\\", text)


def _salvage(text: str) -> GdeltAnswer:
    """Parse article objects one by one when the whole document will not parse."""
    found, skipped = [], []
    for match in _OBJECT_RE.finditer(text):
        obj = _loads(match.group(0)) or _loads(_repair(match.group(0)))
        if isinstance(obj, dict):
            found.append(obj)
        else:
            skipped.append(f"unparseable article JSON: {_snippet(match.group(0))}")
    if not found:
        return GdeltAnswer(problem="invalid JSON that could not be repaired", skipped=skipped)
    return _checked(found, skipped)


def _checked(articles: list, skipped: list[str]) -> GdeltAnswer:
    good = []
    for art in articles:
        url = art.get("url") if isinstance(art, dict) else None
        if isinstance(url, str) and re.match(r"^https?://[^\s/]+", url):
            good.append(art)
        else:
            skipped.append(f"article without an http(s) url: {_snippet(str(art))}")
    return GdeltAnswer(articles=good, skipped=skipped)


def _snippet(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", text)).strip()[:160]


def seendate(value) -> datetime | None:
    """GDELT's '20210121T223000Z' as a UTC datetime (None when malformed)."""
    try:
        return datetime.strptime(str(value), "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def gdelt_query(story: Story) -> str:
    """The story's GDELT query, or its keywords OR-ed (phrases quoted, parentheses when > 1)."""
    if story.gdelt_query:
        return story.gdelt_query
    terms = [f'"{k}"' if " " in k else k for k in story.keywords]
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def _stamp(when: datetime) -> str:
    return when.strftime("%Y%m%d%H%M%S")


class GdeltSource:
    """Article candidates from GDELT DOC 2.0, paced and with full windows split."""

    name = "gdelt"

    def __init__(self, fetcher, base_url: str = "https://api.gdeltproject.org/api/v2/doc/doc",
                 pacing: float = 5.0, backoff: float = 30.0, max_depth: int = 8,
                 min_window: timedelta = timedelta(minutes=30), robots: bool = False):
        self.fetcher = fetcher
        self.base_url = base_url
        self.pacing = pacing  # seconds between two calls
        self.backoff = backoff  # pause before the one extra try after a lasting 429
        self.max_depth = max_depth
        self.min_window = min_window
        self.robots = robots  # a documented API, queried on purpose
        self._last_call = 0.0

    def discover(self, story: Story, since: date | None = None) -> Discovery:
        start_day = max(story.start, since) if since else story.start
        start = datetime.combine(start_day, datetime.min.time(), tzinfo=timezone.utc)
        end = datetime.combine(story.end + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
        end = min(end, datetime.now(timezone.utc).replace(microsecond=0))
        found = Discovery()
        if end <= start:
            return found
        seen: dict[str, Candidate] = {}
        self._window(gdelt_query(story), start, end, 0, seen, found)
        found.candidates.extend(seen.values())
        return found

    def api_url(self, query: str, start: datetime, end: datetime) -> str:
        params = {"query": query, "mode": "artlist", "format": "json", "maxrecords": str(MAX_RECORDS),
                  "sort": "datedesc", "startdatetime": _stamp(start), "enddatetime": _stamp(end)}
        return f"{self.base_url}?{urlencode(params)}"

    def _window(self, query: str, start: datetime, end: datetime, depth: int,
                seen: dict[str, Candidate], found: Discovery) -> None:
        url = self.api_url(query, start, end)
        answer = self._ask(url, found)
        if answer is None:
            return
        if len(answer.articles) >= MAX_RECORDS and depth < self.max_depth and end - start >= 2 * self.min_window:
            middle = start + (end - start) / 2
            log.info("gdelt: %d records for %s..%s, splitting the window", len(answer.articles), start, end)
            self._window(query, start, middle, depth + 1, seen, found)
            self._window(query, middle, end, depth + 1, seen, found)
            return
        if len(answer.articles) >= MAX_RECORDS:
            log.warning("gdelt: window %s..%s still full at the depth limit; some articles are missed", start, end)
            found.outcomes.append(FetchOutcome(url, self.name, "failed", reason=(
                f"gdelt: {MAX_RECORDS} records in {start:%Y-%m-%d %H:%M}..{end:%Y-%m-%d %H:%M} even after splitting "
                "the window; articles beyond them are missed (narrow the query or the dates)")))
        for art in answer.articles:
            seen.setdefault(art["url"], Candidate(art["url"], self.name, title=str(art.get("title") or "")[:1000],
                                                  published=seendate(art.get("seendate")), via=url))

    def _ask(self, url: str, found: Discovery) -> GdeltAnswer | None:
        got = self._call(url)
        if getattr(got, "status", None) == 429:
            log.warning("gdelt: 429 after retries; pausing %.0f s before one more try", self.backoff)
            time.sleep(self.backoff)
            got = self._call(url)
        failure = fetch_failure(url, got, self.name, what="gdelt")
        if failure:
            found.outcomes.append(failure)
            return None
        answer = parse_artlist(got.content)
        for reason in answer.skipped:
            log.info("gdelt: skipped %s", reason)
        if answer.problem:
            log.warning("gdelt: %s", answer.problem)
            found.outcomes.append(FetchOutcome(url, self.name, "failed", reason=f"gdelt: {answer.problem}"[:500],
                                               http_status=getattr(got, "status", None)))
            return None
        found.feeds[url] = len(answer.articles)
        return answer

    def _call(self, url: str):
        wait = self._last_call + self.pacing - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            return self.fetcher.get(url, robots=self.robots)
        except Exception as exc:  # FetchError: handed back as a failure, not raised
            return exc
        finally:
            self._last_call = time.monotonic()
