"""Who wrote a page an aggregator shows: provider credits in the page and its text.

Aggregators (Yahoo, MSN, AOL, Newsbreak, financial portals …) run other outlets' stories.
The page usually says whose: metadata (`og:site_name`, JSON-LD `provider`/`publisher`/
`sourceOrganization`, a `provider`/`source` meta tag), a provider byline, a wire dateline
such as "(Reuters) -", or a line naming the outlet ("- The Daily Example -", "Source: …",
"© 2021 The Daily Example"). `provider_names` gathers those names, best first; the pipeline
credits the article to the first one the registry knows that is not the aggregator itself,
and keeps the aggregator as where it was found.
"""

from __future__ import annotations

import json
import re

from framelens.outlets import OutletRegistry

# Short credits and the names registries spell them with.
SHORT_CREDITS = {"ap": "Associated Press", "the associated press": "Associated Press", "afp": "Agence France-Presse",
                 "upi": "United Press International", "reuters staff": "Reuters"}
_META_RE = re.compile(r"<meta\b[^>]*>", re.I)
_ATTR_RE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_META_NAMES = ("provider", "source", "article:provider", "og:site_name", "application-name")
_LD_RE = re.compile(r"<script[^>]+application/ld\+json[^>]*>(.*?)</script>", re.I | re.S)
_BYLINE_RE = re.compile(r"""<[^>]+class\s*=\s*["'][^"']*\b(?:provider|source-name|byline-provider|caas-attr-provider)"""
                        r"""[^"']*["'][^>]*>\s*(?:<[^>]+>\s*)*([^<]{2,80}?)\s*<""", re.I)
# Lines of the text that name the outlet that wrote it.
_TEXT_CREDITS = [
    re.compile(r"^\s*[-–—]\s*(?:By\s+)?(?P<name>(?:The\s+)?[A-Z][\w.&' ]{2,60}?)\s*[-–—]", re.M),  # "- The Daily Example - Thursday"
    re.compile(r"^\s*(?:Source|Originally published (?:by|in|on)|This (?:story|article) (?:first |originally )?"
               r"appeared (?:in|on))\s*:?\s*(?P<name>(?:The\s+)?[A-Z][\w.&' ]{2,60}?)\s*\.?\s*$", re.M | re.I),
    re.compile(r"(?:Copyright|©)\s*(?:\(c\)\s*)?(?:\d{4}\s*)?(?P<name>(?:The\s+)?[A-Z][\w.&' ]{2,60}?)"
               r"(?:,?\s+(?:LLC|Inc|Ltd|Media|Group|Company))?\.?\s*(?:All rights reserved|Click here|$)", re.M),
]
_WIRE_RE = re.compile(r"\(([A-Z][A-Za-z ]{1,40}?)\)\s*(?:[-—–]|:)")


def provider_names(markup: str = "", text: str = "", credit: str = "") -> list[str]:
    """Names of the outlet(s) a page credits, best evidence first, each once."""
    names = [*_ld_providers(markup), *_meta_providers(markup), *_bylines(markup), *_text_credits(text)]
    if credit:
        names.append(credit.strip("()"))
    return list(dict.fromkeys(n for n in (_tidy(n) for n in names) if n))


def credited_outlet(registry: OutletRegistry, aggregator: str, names: list[str]) -> str:
    """The registered outlet the first usable name stands for (never the aggregator), or ''."""
    for name in names:
        domain = registry.domain_by_credit(SHORT_CREDITS.get(name.casefold(), name))
        if domain and domain != aggregator:
            return domain
    return ""


def _tidy(name: str) -> str:
    name = " ".join(re.sub(r"<[^>]+>", " ", name or "").split()).strip(" -–—|:,.")
    return name if 1 < len(name) <= 80 else ""


def _meta_providers(markup: str) -> list[str]:
    found = {}
    for tag in _META_RE.findall(markup[:200_000]):
        attrs = {k.lower(): (a or b) for k, a, b in _ATTR_RE.findall(tag)}
        key = (attrs.get("property") or attrs.get("name") or "").lower()
        if key in _META_NAMES and attrs.get("content"):
            found.setdefault(key, attrs["content"])
    return [found[k] for k in _META_NAMES if k in found]


def _ld_providers(markup: str) -> list[str]:
    out = []
    for block in _LD_RE.findall(markup[:500_000]):
        try:
            data = json.loads(block.strip())
        except ValueError:
            continue  # a broken JSON-LD block says nothing about the provider
        items = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for item in items:
            if isinstance(item, dict):
                out += [_org_name(item.get(k)) for k in ("provider", "sourceOrganization", "publisher")]
    return [n for n in out if n]


def _org_name(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return str(value.get("name") or "")
    return value if isinstance(value, str) else ""


def _bylines(markup: str) -> list[str]:
    return [m.group(1) for m in _BYLINE_RE.finditer(markup[:500_000])][:3]


def _text_credits(text: str) -> list[str]:
    head, tail = (text or "")[:400], (text or "")[-600:]
    out = [m.group("name") for m in _TEXT_CREDITS[0].finditer(head)]
    out += [m.group("name") for rx in _TEXT_CREDITS[1:] for m in rx.finditer(head + "\n" + tail)]
    out += [m.group(1) for m in _WIRE_RE.finditer(head)]
    return out
