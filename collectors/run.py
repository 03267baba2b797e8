"""One collection run: discover → skip what is stored → fetch and extract → the cleaning walk.

    sources discover candidates (feeds, seeds, GDELT, Google News, front pages)
    → canonical URLs already stored are skipped (incremental; a re-run adds nothing)
    → the rest are fetched concurrently across hosts and extracted (archive fallback)
    → each record takes `ArticlePipeline.process` (canonicalise → outlet → relevance → store)

A failing outlet or source is reported, never raised: the run completes and its report
(per source and per outlet: fetched, new, duplicate, irrelevant, skipped, failed with
reasons) is stored with `Store.finish_run`. Only a run that cannot proceed raises.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from framelens.outlets import OutletRegistry
from framelens.records import ArticleRecord, FetchOutcome
from framelens.stories import Story
from framelens.store import Store

from .normalize import canonical_url
from .pipeline import ArticlePipeline
from .urls import ArticleFetcher, Candidate, Fetched, UrlSource, WaybackArchive

log = logging.getLogger(__name__)

SOURCES = ("rss", "urls", "gdelt", "gnews", "frontpages")
DEFAULT_SOURCES = ("rss", "urls")
PRIMARY = "primary"
RECORD_BATCH = 50
_URL_RE = re.compile(r"\bhttps?://\S+")


@dataclass
class SourceConfig:
    """Where the sources' services live and how hard to use them; tests point these at local servers."""

    archive: bool = True
    archive_api: str = "https://archive.org"
    archive_web: str = "https://web.archive.org"
    gdelt_url: str = "https://api.gdeltproject.org/api/v2/doc/doc"
    gdelt_pacing: float = 5.0
    gdelt_backoff: float = 30.0
    gnews_url: str = "https://news.google.com"
    frontpage_links: int = 30
    frontpages: dict[str, str] | None = None  # front page URL → outlet; default https://<domain>/
    workers: int = 8
    extractor: str = "auto"


@dataclass
class Tally:
    fetched: int = 0
    new: int = 0
    duplicate: int = 0
    irrelevant: int = 0
    skipped: int = 0
    failed: int = 0
    reasons: Counter = field(default_factory=Counter)

    def add(self, outcome: FetchOutcome, fetched: bool) -> None:
        self.fetched += int(fetched)
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        if outcome.status == "failed":
            self.reasons[_reason_key(outcome.reason)] += 1

    def as_dict(self) -> dict:
        out = {k: getattr(self, k) for k in ("fetched", "new", "duplicate", "irrelevant", "skipped", "failed")}
        if self.reasons:
            out["reasons"] = dict(self.reasons.most_common(10))
        return out


def _reason_key(reason: str) -> str:
    """A reason without the URLs in it, so failures of one kind count together."""
    return re.sub(r"\s+", " ", _URL_RE.sub("<url>", reason or "unknown")).strip()[:160]


@dataclass
class RunReport:
    """What a run did, per source and per outlet."""

    story_id: str
    sources: list[str]
    run_id: int | None = None
    status: str = "running"
    candidates: int = 0
    by_source: dict[str, Tally] = field(default_factory=dict)
    by_outlet: dict[str, Tally] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # failures of no outlet: bad --urls lines, a search API

    def add(self, outcome: FetchOutcome, fetched: bool = False) -> None:
        self.by_source.setdefault(outcome.source, Tally()).add(outcome, fetched)
        if outcome.outlet:  # a search API or a source itself failing is no outlet's failure
            self.by_outlet.setdefault(outcome.outlet, Tally()).add(outcome, fetched)
        elif outcome.status == "failed":
            self.problems.append(f"{outcome.source}: {outcome.reason or 'failed'}")

    def total(self, status: str) -> int:
        return sum(getattr(t, status) for t in self.by_source.values())

    def all_failed(self) -> bool:
        """Something was tried and nothing came of it but failures (every outlet down, no
        network, every seed refused): worth a non-zero exit under cron."""
        return self.total("failed") > 0 and not any(
            self.total(k) for k in ("new", "duplicate", "irrelevant", "skipped"))

    def failed_outlets(self) -> dict[str, str]:
        """Outlets with failures and nothing new, duplicate or irrelevant: their top reason."""
        return {o: t.reasons.most_common(1)[0][0] for o, t in sorted(self.by_outlet.items())
                if t.failed and not (t.new or t.duplicate or t.irrelevant or t.skipped)}

    def as_dict(self) -> dict:
        totals = {k: self.total(k) for k in ("fetched", "new", "duplicate", "irrelevant", "skipped", "failed")}
        return {"story": self.story_id, "sources": self.sources, "status": self.status,
                "candidates": self.candidates, "totals": totals,
                "by_source": {k: v.as_dict() for k, v in sorted(self.by_source.items())},
                "by_outlet": {k: v.as_dict() for k, v in sorted(self.by_outlet.items())},
                "failed_outlets": self.failed_outlets(), "notes": self.notes[:50]}

    def summary_lines(self) -> list[str]:
        d = self.as_dict()
        t = d["totals"]
        lines = [f"run {self.run_id} for story {self.story_id} ({', '.join(self.sources)}): {self.status}; "
                 f"{self.candidates} candidates, {t['fetched']} fetched, {t['new']} new, {t['duplicate']} duplicate, "
                 f"{t['irrelevant']} irrelevant, {t['skipped']} already stored, {t['failed']} failed"]
        for name, tally in d["by_source"].items():
            lines.append(f"  source {name}: " + _tally_text(tally))
        for outlet, reason in d["failed_outlets"].items():
            lines.append(f"  outlet failed: {outlet}: {reason}")
        lines.extend(f"  failed: {p}" for p in self.problems[:20])
        if len(self.problems) > 20:
            lines.append(f"  … and {len(self.problems) - 20} more failures of no outlet")
        lines.extend(f"  note: {n}" for n in self.notes[:20])
        return lines


def _tally_text(tally: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in tally.items() if k != "reasons")


def build_sources(names: list[str], fetcher, registry: OutletRegistry, config: SourceConfig,
                  urls_file: str | Path | None = None) -> list:
    """The source objects for `names` (see SOURCES); raises ValueError for an unknown name."""
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}; choose from {', '.join(SOURCES)}")
    built = []
    for name in dict.fromkeys(names):
        built.append(_build_source(name, fetcher, registry, config, urls_file))
    return built


def _build_source(name: str, fetcher, registry, config: SourceConfig, urls_file):
    if name == "rss":
        from .rss import RssSource

        return RssSource(fetcher, registry, workers=config.workers)
    if name == "urls":
        return UrlSource(urls_file)
    if name == "gdelt":
        from .gdelt import GdeltSource

        return GdeltSource(fetcher, config.gdelt_url, pacing=config.gdelt_pacing, backoff=config.gdelt_backoff)
    if name == "gnews":
        from .gnews import GoogleNewsSource

        return GoogleNewsSource(fetcher, config.gnews_url)
    from .frontpages import FrontPageSource

    return FrontPageSource(fetcher, registry, max_links=config.frontpage_links, workers=config.workers,
                           pages=config.frontpages)


def run_collection(store: Store, story: Story, registry: OutletRegistry, sources: list[str], fetcher,
                   urls_file: str | Path | None = None, since: date | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   config: SourceConfig | None = None) -> RunReport:
    """Collect the story's coverage from `sources` into the store; returns the run's report."""
    config = config or SourceConfig()
    names = list(sources) + (["urls"] if urls_file and "urls" not in sources else [])
    built = build_sources(names, fetcher, registry, config, urls_file)
    store.upsert_outlets(o.row() for o in registry.outlets.values())
    report = RunReport(story.id, names)
    report.run_id = store.start_run(story.id, "collect", ",".join(names))
    collector = _Collector(store, story, registry, fetcher, config, report)
    try:
        collector.collect(built, since, progress)
        report.status = "ok"
    except BaseException:
        report.status = "failed"
        raise
    finally:
        collector.flush()
        store.finish_run(report.run_id, report.status, report.as_dict())
    return report


class _Collector:
    """The run's moving parts; one instance per run."""

    def __init__(self, store: Store, story: Story, registry: OutletRegistry, fetcher,
                 config: SourceConfig, report: RunReport):
        self.store, self.story, self.registry, self.report = store, story, registry, report
        archive = WaybackArchive(fetcher, config.archive_api, config.archive_web) if config.archive else None
        self.articles = ArticleFetcher(fetcher, archive, workers=config.workers, extractor=config.extractor,
                                       default_date=story.start)
        self.checked = ArticlePipeline(store, story, registry, run_id=report.run_id)
        self.trusted = ArticlePipeline(store, story, registry, run_id=report.run_id, check_relevance=False)
        self.pending: list[FetchOutcome] = []

    def collect(self, sources: list, since: date | None, progress) -> None:
        candidates = self._primary()
        for source in sources:
            candidates.extend(self._discover(source, since))
        todo = self._select_new(candidates)
        self.report.candidates = len(candidates)
        log.info("story %s: %d candidates, %d not stored yet", self.story.id, len(candidates), len(todo))
        for done, fetched in enumerate(self.articles.fetch(todo), 1):
            self._settle(fetched)
            if progress:
                progress(done, len(todo))

    def _discover(self, source, since: date | None) -> list[Candidate]:
        try:
            found = source.discover(self.story, since)
        except Exception as exc:  # a broken source is reported; the other sources still run
            log.exception("source %s failed", source.name)
            self._note(FetchOutcome("", source.name, "failed", reason=f"source error: {type(exc).__name__}: {exc}"),
                       by_url=False)
            return []
        for outcome in found.outcomes:
            self._note(outcome, by_url=False)  # feeds and front pages name their outlet; APIs have none
        log.info("source %s: %d candidates from %d documents, %d failures", source.name,
                 len(found.candidates), len(found.feeds), len(found.outcomes))
        read = sum(found.feeds.values())
        if read > len(found.candidates):  # never fetched, so in no count: say so
            self.report.notes.append(
                f"{source.name}: {read - len(found.candidates)} of {read} entries in {len(found.feeds)} "
                "feeds/pages left out before fetching (off-topic by their title, summary and link, or outside "
                "the story's dates)")
        return found.candidates

    def _select_new(self, candidates: list[Candidate]) -> list[Candidate]:
        todo, seen = [], set()
        for cand in candidates:
            canon = canonical_url(cand.url)
            if canon in seen:
                continue
            seen.add(canon)
            if self.store.has_url(self.story.id, canon):
                self.report.add(FetchOutcome(cand.url, cand.source, "skipped", outlet=self._outlet(cand.url, cand.outlet),
                                             reason="already stored"))
            else:
                todo.append(cand)
        return todo

    def _settle(self, fetched: Fetched) -> None:
        cand = fetched.candidate
        if fetched.record is None:
            self._note(fetched.outcome)
            return
        pipeline = self.trusted if cand.trusted else self.checked
        outcome = pipeline.process(fetched.record, fetched.html)
        outcome.source = cand.source
        if outcome.article_id is not None and outcome.status in ("new", "duplicate"):
            asked = canonical_url(cand.url)
            if not self.store.has_url(self.story.id, asked):  # reached through a redirect or proxy
                self.store.add_alias(self.story.id, asked, outcome.article_id)
        if outcome.status == "new" and fetched.record.archive_url:
            outcome.reason = f"from the web-archive copy {fetched.record.archive_url}"
        self._note(outcome, fetched=True)

    def _note(self, outcome: FetchOutcome, fetched: bool = False, by_url: bool = True) -> None:
        outcome.outlet = self._outlet(outcome.url if by_url else "", outcome.outlet)
        self.report.add(outcome, fetched)
        self.pending.append(outcome)
        if len(self.pending) >= RECORD_BATCH:
            self.flush()

    def _outlet(self, url: str, outlet: str) -> str:
        if outlet:
            return self.registry.domain_for(outlet)
        return self.registry.domain_for(url) if url.startswith(("http://", "https://")) else ""

    def flush(self) -> None:
        if self.pending:
            self.store.record_fetches(self.report.run_id, self.pending)
            self.pending = []

    def _primary(self) -> list[Candidate]:
        """The story's primary source, when it has a URL and is not stored yet."""
        primary = self.story.primary_source
        if primary is None or not primary.url:
            if primary is not None and primary.path:
                self.report.notes.append("the primary source has only a local path; give it a url to store it")
            return []
        if self.store.has_url(self.story.id, canonical_url(primary.url)):
            return []
        if primary.path and primary.path.is_file():
            self._store_local_primary(primary)
            return []
        return [Candidate(primary.url, PRIMARY, title=primary.title, role="primary_source", trusted=True)]

    def _store_local_primary(self, primary) -> None:
        from .urls import pdf_text

        data = primary.path.read_bytes()
        try:
            text = pdf_text(data) if data[:5] == b"%PDF-" else _local_text(data, primary.url)
        except Exception as exc:
            self._note(FetchOutcome(primary.url, PRIMARY, "failed", reason=f"primary source file: {exc}"[:500]))
            return
        record = ArticleRecord(url=primary.url, text=text, title=primary.title, source=PRIMARY,
                               role="primary_source", extractor="file")
        self._note(self.trusted.process(record), fetched=True)


def _local_text(data: bytes, url: str) -> str:
    """A local primary source's text: HTML goes through the extractor, plain text is kept."""
    from .charset import decode_html

    text = decode_html(data)
    if "<html" in text[:2000].lower() or "<body" in text[:5000].lower():
        from .extract import extract_bounded

        return extract_bounded(text, url).text
    return text
