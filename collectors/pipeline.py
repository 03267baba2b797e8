"""The cleaning walk every collected record takes, written down in one place:

    canonicalise URL → map outlet → check role/text → relevance → dedup + store

Sources produce `ArticleRecord`s and never touch the store; `ArticlePipeline.process`
turns each into a stored row (or a reason it was not stored) as a `FetchOutcome`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from framelens.outlets import OutletRegistry
from framelens.records import ROLES, ArticleRecord, FetchOutcome
from framelens.stories import Story
from framelens.store import Store

from .credit import credited_outlet, provider_names
from .normalize import canonical_url

MIN_TEXT_CHARS = 1
WIRES = r"AP|AFP|Reuters|UPI|Bloomberg|dpa|[A-Z][A-Za-z ]{1,40} (?:Press|Wire|News Service)"
# A dateline with the wire's credit: "SEATTLE (AP) —", "NEW YORK, May 2 (Reuters) -", "(AFP) -".
CREDIT_RE = re.compile(rf"^\s*(?:[A-Z][A-Za-z0-9 .,'/-]{{0,60}})?\s*\(({WIRES})\)\s*(?:[-—–]|:)", re.MULTILINE)
# Reuters' sign-off at the end of its copy: "(Reporting by ...; Editing by ...)".
REUTERS_SIGNOFF = re.compile(r"\(Reporting by [^()]{3,200}?(?:;|\))", re.I)


@dataclass
class Prepared:
    """A record after the pure steps, ready to store."""

    record: ArticleRecord
    canonical: str
    outlet: str


@dataclass
class ArticlePipeline:
    """Canonicalise, map, filter and store records for one story."""

    store: Store
    story: Story
    registry: OutletRegistry
    run_id: int | None = None
    check_relevance: bool = True

    def process(self, rec: ArticleRecord, html: str | None = None) -> FetchOutcome:
        """Run one record through every step; never raises for bad records."""
        prepared, problem = prepare(rec, self.story, self.registry, html, self.check_relevance)
        if problem:
            status = "irrelevant" if problem.startswith("irrelevant") else "failed"
            outlet = prepared.outlet if prepared else ""
            return FetchOutcome(rec.url, rec.source, status, outlet=outlet, reason=problem)
        status, article_id = self.store.add_article(self.story.id, prepared.record, prepared.canonical,
                                                    prepared.outlet, self.run_id)
        return FetchOutcome(rec.url, rec.source, status, outlet=prepared.outlet, article_id=article_id)


def prepare(rec: ArticleRecord, story: Story, registry: OutletRegistry, html: str | None = None,
            check_relevance: bool = True) -> tuple[Prepared | None, str]:
    """The pure steps: returns (prepared, '') or (maybe-prepared, reason it is refused)."""
    if not re.match(r"^https?://[^\s/]+", rec.url or "", re.IGNORECASE):
        return None, f"not an http(s) URL: {rec.url[:200]!r}"
    canonical = canonical_url(rec.url, html)
    outlet = registry.outlet_domain(rec.outlet, canonical)
    prepared = Prepared(rec, canonical, outlet or "unknown")
    if rec.role not in ROLES:
        return prepared, f"role must be one of {', '.join(ROLES)}, got {rec.role!r}"
    if len((rec.text or "").strip()) < MIN_TEXT_CHARS:
        return prepared, "no text"
    if not rec.credit:
        rec.credit = capture_credit(rec.text)
    prepared.outlet = credit_provider(rec, registry, prepared.outlet)
    if check_relevance and rec.role == "article" and not story.relevance.accepts(f"{rec.title}\n{rec.text}"):
        return prepared, "irrelevant: does not pass the story's relevance rule"
    return prepared, ""


def credit_provider(rec: ArticleRecord, registry: OutletRegistry, outlet: str) -> str:
    """The outlet an aggregator's page credits, when the registry knows it (the aggregator is
    kept in `rec.found_on`); any other outlet stays as it is: a newspaper running wire copy
    is still that newspaper's coverage."""
    known = registry.outlets.get(outlet)
    if known is None or known.kind != "aggregator":
        return outlet
    names = list(rec.providers) + provider_names(text=rec.text, credit=rec.credit)
    provider = credited_outlet(registry, outlet, names)
    if not provider:
        return outlet
    rec.found_on = outlet
    return provider


def capture_credit(text: str) -> str:
    """The wire credit of a dateline such as 'SEATTLE (AP) —' or a Reuters sign-off, or ''."""
    text = text or ""
    match = CREDIT_RE.search(text[:600])
    if match:
        return f"({match.group(1)})"
    return "(Reuters)" if REUTERS_SIGNOFF.search(text[-800:]) else ""
