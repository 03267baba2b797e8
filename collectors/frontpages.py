"""Outlet front pages: article links found by newspaper4k's source building, on HTML we fetched.

newspaper never fetches here: `Source.build` would download robots.txt, category pages and
feeds itself, so this module fills a `Source` with the front page our fetcher got and runs
only its parsing steps (homepage as the one category, then `generate_articles`). tldextract,
which newspaper's URL helpers call, is switched to its bundled suffix-list snapshot so it
never downloads the list. Links are kept when they stay on the outlet's site and pass the
story's relevance rule on their anchor text and URL slug, at most `max_links` per outlet.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from datetime import date
from urllib.parse import unquote, urlsplit

from framelens.outlets import OutletRegistry
from framelens.records import FetchOutcome
from framelens.stories import Story

from .urls import Candidate, Discovery, fetch_failure

log = logging.getLogger(__name__)

MAX_LINKS = 30
MAX_LINKS_SCANNED = 2000
_offline_lock = threading.Lock()


def configure_tldextract_offline() -> None:
    """Make tldextract use its bundled public-suffix snapshot: no download, no cache writes."""
    from tldextract import tldextract as module

    with _offline_lock:
        if getattr(module.TLD_EXTRACTOR, "framelens_offline", False):
            return
        extractor = module.TLDExtract(cache_dir=None, suffix_list_urls=(), fallback_to_snapshot=True)
        extractor.framelens_offline = True
        module.TLD_EXTRACTOR = extractor


def _import_newspaper():
    with warnings.catch_warnings():  # "nltk is not installed": we use none of its NLP
        warnings.simplefilter("ignore", UserWarning)
        import newspaper
        from newspaper.source import Category
    return newspaper, Category


def _newspaper_config():
    newspaper, _ = _import_newspaper()
    config = newspaper.Config()
    config.memorize_articles = False  # no on-disk memory of seen URLs
    config.disable_category_cache = True
    config.fetch_images = False
    return config


def article_links(html: str, page_url: str, limit: int = MAX_LINKS_SCANNED) -> list[tuple[str, str]]:
    """(url, anchor text) of the article-like links newspaper finds on a front page."""
    configure_tldextract_offline()
    newspaper, Category = _import_newspaper()
    source = newspaper.Source(page_url, config=_newspaper_config())
    source.html = html
    source.parse()
    if source.doc is None:
        return []
    source.categories = [Category(url=source.url, html=html, doc=source.doc)]
    source.generate_articles(limit=limit)
    return [(a.url, re.sub(r"\s+", " ", a.title or "").strip()) for a in source.articles]


def link_relevant(url: str, title: str, story: Story) -> bool:
    """The story's relevance rule on a link's anchor text and URL slug."""
    slug = re.sub(r"[-_/.+]+", " ", unquote(urlsplit(url).path))
    return story.relevance.accepts(f"{title}\n{slug}")


class FrontPageSource:
    """Relevant article links from each outlet's front page, bounded per outlet."""

    name = "frontpages"

    def __init__(self, fetcher, registry: OutletRegistry, max_links: int = MAX_LINKS, workers: int = 8,
                 pages: dict[str, str] | None = None):
        self.fetcher = fetcher
        self.registry = registry
        self.max_links = max_links
        self.workers = workers
        self._pages = pages  # front page URL → outlet domain; default https://<domain>/

    def pages(self) -> dict[str, str]:
        if self._pages is not None:
            return dict(self._pages)
        return {f"https://{domain}/": domain for domain in self.registry.outlets}

    def discover(self, story: Story, since: date | None = None) -> Discovery:
        pages = self.pages()
        found = Discovery()
        for url, got in self.fetcher.get_many(list(pages), workers=self.workers):
            outlet = pages[url]
            failure = fetch_failure(url, got, self.name, outlet, what="front page")
            if failure:
                found.outcomes.append(failure)
                continue
            self._read_page(url, outlet, got, story, found)
        return found

    def _read_page(self, url: str, outlet: str, resp, story: Story, found: Discovery) -> None:
        page_url = getattr(resp, "final_url", "") or url
        try:
            links = article_links(resp.text(), page_url)
        except Exception as exc:  # a page newspaper cannot parse fails its outlet only
            found.outcomes.append(FetchOutcome(url, self.name, "failed", outlet=outlet,
                                               reason=f"front page: {type(exc).__name__}: {exc}"[:500]))
            return
        site = self.registry.domain_for(page_url)
        kept = [(link, title) for link, title in links
                if self.registry.domain_for(link) == site and link_relevant(link, title, story)]
        log.info("front page %s (%s): %d article links, %d relevant, %d kept", url, outlet, len(links),
                 len(kept), min(len(kept), self.max_links))
        found.feeds[url] = len(links)
        found.candidates.extend(Candidate(link, self.name, title=title, outlet=outlet, via=url)
                                for link, title in kept[: self.max_links])
