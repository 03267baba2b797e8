"""Canonical URLs: the variants of one article's address collapse to one string.

Lower-cased scheme and host, `http` → `https`, no `www.`/`m.`/`amp.` host prefix, no
tracking parameters, no fragment, no trailing slash, AMP paths (`/amp`, `?amp=1`,
`.amp.html`) folded, and the page's own `<link rel="canonical">` used when it points to
the same site.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|mc_cid|mc_eid|igshid|yclid|_ga|_gl|"
    r"ref|ref_src|ref_url|cmpid|cmp|ncid|ocid|sr_share|smid|smtyp|taid|"
    r"__twitter_impression|amp|outputtype|s_cid|mod)$",
    re.IGNORECASE,
)
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")
_CANONICAL_RE = re.compile(
    r"<link\b(?=[^>]*\brel\s*=\s*[\"']?canonical\b)[^>]*\bhref\s*=\s*[\"']([^\"'>\s]+)", re.IGNORECASE)


def canonical_url(url: str, html: str | None = None) -> str:
    """The canonical form of `url`, preferring the page's same-site canonical link."""
    base = _canonicalise(url)
    if html:
        linked = page_canonical(html, url)
        if linked and _site(linked) == _site(base):
            return linked
    return base


def page_canonical(html: str, url: str) -> str:
    """The page's `<link rel=canonical>` (canonicalised), or '' when absent or not http(s)."""
    match = _CANONICAL_RE.search(html[:200_000])
    if not match:
        return ""
    href = urljoin(url, match.group(1).strip())
    return _canonicalise(href) if href.lower().startswith(("http://", "https://")) else ""


def _site(url: str) -> str:
    return urlsplit(url).hostname or ""


def _canonicalise(url: str) -> str:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return url.strip()
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
            break
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = _clean_path(parts.path)
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not TRACKING_PARAMS.match(k)))
    return urlunsplit(("https", netloc, path, query, ""))


def _clean_path(path: str) -> str:
    path = re.sub(r"/{2,}", "/", path or "/")
    path = re.sub(r"\.amp\.html$", ".html", path)
    path = re.sub(r"/amp/?$", "", path)
    path = re.sub(r"^/amp/", "/", path)
    path = re.sub(r"/index\.html?$", "/", path)
    return path.rstrip("/") or ""
