"""Plain records passed between the stages."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime

ROLES = ("article", "primary_source")


@dataclass
class ArticleRecord:
    """One article as a source produced it, before it is stored."""

    url: str
    text: str
    title: str = ""
    published: datetime | None = None
    source: str = "import"
    role: str = "article"
    outlet: str = ""  # a domain given by the source; empty means "from the URL"
    language: str = ""
    authors: list[str] = field(default_factory=list)
    extractor: str = ""
    archive_url: str = ""  # the web-archive copy the text came from, if any
    credit: str = ""  # wire credit line such as "(AP)"
    providers: list[str] = field(default_factory=list)  # outlets the page's metadata credits (JSON-LD, og:site_name)
    found_on: str = ""  # the aggregator's domain when the article is credited to its provider
    flags: list[str] = field(default_factory=list)  # e.g. "future_date"

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)


def content_hash(text: str) -> str:
    """Hash of the text with whitespace and case normalised: equal texts, equal hashes."""
    normal = re.sub(r"\s+", " ", text or "").strip().lower()
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class FetchOutcome:
    """What happened to one URL in a collection run."""

    url: str
    source: str
    status: str  # new | duplicate | irrelevant | failed | skipped
    outlet: str = ""
    reason: str = ""
    http_status: int | None = None
    article_id: int | None = None  # the stored (new or duplicate) article, when there is one
