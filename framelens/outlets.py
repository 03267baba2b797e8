"""The outlet registry: `data/outlets.yaml` (real outlets) and `data/demo/outlets.yaml`
(fictional demo outlets), validated on load. Format: docs/outlets-format.md.

A URL's host maps to the longest registered domain it ends with; an unknown host is
kept as an unrated outlet named after its registered domain, never dropped.
"""

from __future__ import annotations

import ipaddress

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from . import outlets_cache, settings
from .ratings import LEANS, Rating, check_as_of, effective_lean
from .textclean import shown_name
from .yamlcheck import ConfigError, Problems, check_keys, expect, load_yaml, string_list

KINDS = ("wire", "national", "regional", "local", "tech", "legal", "opinion", "aggregator", "foreign")
OUTLET_KEYS = {"name", "lean", "kind", "country", "feeds", "lean_source", "ratings", "demo", "aliases", "notes"}
RATING_KEYS = {"rater", "lean", "as_of", "url"}
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$")

# Two-label public suffixes common in news domains, so bbc.co.uk is one outlet, not co.uk.
_SECOND_LEVEL = {"co.uk", "org.uk", "ac.uk", "gov.uk", "com.au", "net.au", "org.au", "co.nz",
                 "co.jp", "co.in", "com.br", "com.mx", "co.za", "com.cn", "com.hk", "com.sg",
                 "co.kr", "com.tr", "com.ar", "co.il"}


@dataclass
class Outlet:
    domain: str
    name: str
    lean: str = "unrated"
    kind: str = "national"
    country: str = ""
    feeds: list[str] = field(default_factory=list)
    lean_source: str = ""
    demo: bool = False
    aliases: list[str] = field(default_factory=list)
    notes: str = ""
    ratings: list[Rating] = field(default_factory=list)
    user_only: bool = False  # known only from the user ratings file, not from the registry

    def __post_init__(self):
        self.name = shown_name(self.name, self.domain)  # a blank or hidden-character name: the domain
        # A bare `lean` (with its `lean_source`) is shorthand for one undated rating; with
        # ratings, `lean` and `lean_source` are the consensus and the raters it rests on.
        if not self.ratings and self.lean not in ("unrated", ""):
            self.ratings = [Rating(self.lean_source or "unnamed rater", self.lean)]
        self.refresh_lean()

    def refresh_lean(self) -> None:
        """Recompute `lean`/`lean_source` (the consensus) after `ratings` changed."""
        verdict = effective_lean(self.ratings)
        self.lean, self.lean_source = verdict.lean, verdict.rater

    def row(self) -> dict:
        """The store's outlets-table row."""
        return {"domain": self.domain, "name": self.name, "lean": self.lean, "kind": self.kind,
                "country": self.country, "lean_source": self.lean_source, "demo": self.demo,
                "ratings": [r.as_dict() for r in self.ratings]}


def host_of(url: str) -> str:
    """Lower-case host of a URL without 'www.' (empty when there is none)."""
    try:
        host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def registered_domain(host: str) -> str:
    """example.co.uk from news.example.co.uk; offline, no public-suffix download.
    An IP address is its own domain."""
    if _is_ip(host):
        return host
    labels = host.split(".")
    if len(labels) <= 2:
        return host
    keep = 3 if ".".join(labels[-2:]) in _SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class OutletRegistry:
    """Domain → outlet, with subdomain and alias lookup."""

    def __init__(self, outlets: Iterable[Outlet]):
        self.outlets: dict[str, Outlet] = {}
        self._alias: dict[str, str] = {}
        self._by_name: dict[str, str] = {}
        self._by_key: dict[str, str] | None = None  # built when first needed
        for outlet in outlets:
            self.add(outlet)

    def add(self, outlet: Outlet) -> None:
        """Register an outlet (replacing one of the same domain)."""
        self.outlets[outlet.domain] = outlet
        for alias in outlet.aliases:
            self._alias[alias] = outlet.domain
        if outlet.name:
            self._by_name.setdefault(" ".join(outlet.name.casefold().split()), outlet.domain)
        self._by_key = None

    def domain_by_credit(self, name: str) -> str:
        """The domain a credit line's name stands for: a registered outlet's name, else the
        same letters as a registered domain's first label ('Deadline' -> deadline.com), or ''."""
        key = name_key(name)
        if len(key) < 3:
            return ""
        if self._by_key is None:
            self._by_key = _credit_index(self.outlets.values())
        return self.domain_by_name(name) or self._by_key.get(key, "")

    def domain_by_name(self, name: str) -> str:
        """The domain of the registered outlet with this name (any case, spacing), or ''."""
        return self._by_name.get(" ".join((name or "").casefold().split()), "")

    def __len__(self) -> int:
        return len(self.outlets)

    def outlet_domain(self, outlet: str, url: str) -> str:
        """The outlet domain for an import row's `outlet` field: a domain or host (as given),
        else a registered outlet's name (any case); a name we do not know falls back to the
        URL's domain, so an outlet is never a made-up domain like 'daily harbor'."""
        value = " ".join((outlet or "").split())
        if value and " " not in value and "." in value:
            return self.domain_for(value)
        return self.domain_by_name(value) or self.domain_for(url)

    def domain_for(self, url_or_host: str) -> str:
        """The registered outlet domain for a URL or host; unknown hosts give their registered domain."""
        host = host_of(url_or_host) if "/" in url_or_host else url_or_host.lower().removeprefix("www.")
        labels = host.split(".")
        for i in range(len(labels) - 1):
            candidate = ".".join(labels[i:])
            if candidate in self.outlets:
                return candidate
            if candidate in self._alias:
                return self._alias[candidate]
        return registered_domain(host) if host else ""

    def lookup(self, url_or_host: str) -> Outlet:
        """The outlet for a URL or host; an unrated stand-in for unknown domains."""
        domain = self.domain_for(url_or_host)
        return self.outlets.get(domain) or Outlet(domain=domain or "unknown", name=domain or "unknown")


def name_key(name: str) -> str:
    """A name as lower-case letters and digits without a leading 'the' ('The Daily-Example' -> dailyexample)."""
    return re.sub(r"[^a-z0-9]", "", (name or "").casefold().replace("&", "and")).removeprefix("the")


def _credit_index(outlets: Iterable[Outlet]) -> dict[str, str]:
    """Name keys and first-label keys -> domain; a key two outlets share is left out."""
    seen: dict[str, set[str]] = {}
    for o in outlets:
        for key in {name_key(o.name), name_key(o.domain.split(".")[0])}:
            seen.setdefault(key, set()).add(o.domain)
    return {k: next(iter(ds)) for k, ds in seen.items() if len(ds) == 1 and len(k) >= 3}


def load_outlets(paths: Iterable[Path] | None = None, ratings_file: Path | None = None) -> OutletRegistry:
    """Load and validate the registry files that exist, plus the user ratings file (the
    FRAMELENS_RATINGS_FILE setting when `paths` is not given); raise ConfigError listing
    every problem."""
    from .user_ratings import load_user_ratings, merge_user_ratings

    if ratings_file is None and paths is None:
        ratings_file = settings.ratings_file()
    paths = [Path(p) for p in (paths or settings.OUTLETS_FILES)]
    found: list[Outlet] = []
    errors: list[str] = []
    for path in paths:
        if not path.exists():
            continue
        try:
            found.extend(_load_file(path))
        except ConfigError as exc:
            errors.extend(exc.problems)
    if errors:
        raise ConfigError(errors)
    registry = OutletRegistry(found)
    if ratings_file is not None and Path(ratings_file).exists():
        merge_user_ratings(registry, load_user_ratings(Path(ratings_file)))
    return registry


@lru_cache(maxsize=4)
def default_registry() -> OutletRegistry:
    return load_outlets()


def _load_file(path: Path) -> list[Outlet]:
    """A registry file's outlets: from the parse cache when this file's bytes validated
    before, else parsed and validated (then cached)."""
    try:
        key = outlets_cache.cache_key(path.read_bytes())
    except OSError:
        return _parse_file(path)  # load_yaml reports why the file cannot be read
    cached = outlets_cache.read_cached(key)
    if cached is not None:
        return cached
    outlets = _parse_file(path)
    outlets_cache.write_cached(key, outlets)
    return outlets


def _parse_file(path: Path) -> list[Outlet]:
    data, p = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("outlets"), dict):
        p.add("outlets", "the file must have a top-level 'outlets:' mapping of domain to outlet")
        p.raise_if_any()
    check_keys(p, "", data, {"outlets"})
    outlets = [o for domain, spec in data["outlets"].items() if (o := _outlet(p, str(domain), spec))]
    p.raise_if_any()
    return outlets


def _outlet(p: Problems, domain: str, spec) -> Outlet | None:
    path = f"outlets.{domain}"
    if not DOMAIN_RE.match(domain) or domain.startswith("www."):
        p.add(path, f"'{domain}' is not a lower-case domain without 'www.'")
    if not expect(p, path, spec, dict, "a mapping with name and kind"):
        return None
    check_keys(p, path, spec, OUTLET_KEYS, {"name", "kind"})
    kind = spec.get("kind", "national")
    if kind not in KINDS:
        p.add(f"{path}.kind", f"'{kind}' is not one of {', '.join(KINDS)}")
    demo = spec.get("demo", False)
    if demo and not domain.endswith(".example"):
        p.add(f"{path}.demo", "demo outlets must use a fictional .example domain")
    feeds = string_list(p, f"{path}.feeds", spec.get("feeds"))
    for i, feed in enumerate(feeds):
        if not re.match(r"^https?://", feed):
            p.add(f"{path}.feeds[{i}]", f"expected an http(s) URL, got {feed!r}")
    return Outlet(domain=domain, name=str(spec.get("name", domain)), kind=str(kind),
                  country=str(spec.get("country", "")), feeds=feeds, demo=bool(demo),
                  aliases=string_list(p, f"{path}.aliases", spec.get("aliases")),
                  notes=str(spec.get("notes", "")), ratings=_outlet_ratings(p, path, spec))


def _outlet_ratings(p: Problems, path: str, spec: dict) -> list[Rating]:
    """`ratings:`, or the shorthand `lean:` + `lean_source:` (one undated rating)."""
    if "ratings" in spec:
        if spec.get("lean") not in (None, "unrated"):
            p.add(f"{path}.lean", "give either `lean` (with `lean_source`) or `ratings`, not both")
        return parse_ratings(p, f"{path}.ratings", spec["ratings"])
    lean = spec.get("lean", "unrated")
    if lean not in LEANS:
        p.add(f"{path}.lean", f"'{lean}' is not one of {', '.join(LEANS)}")
        return []
    if lean == "unrated":
        return []
    if not spec.get("lean_source"):
        p.add(f"{path}.lean_source", "a rated lean needs the source of the rating")
    return [Rating(str(spec.get("lean_source") or "unnamed rater"), lean)]


def parse_ratings(p: Problems, path: str, value) -> list[Rating]:
    """A list of `{rater, lean, as_of, url}` mappings; every bad one is reported by index."""
    if not expect(p, path, value if value is not None else [], list, "a list of ratings"):
        return []
    out = []
    for i, item in enumerate(value or []):
        where = f"{path}[{i}]"
        if not expect(p, where, item, dict, "a mapping with rater, lean and as_of"):
            continue
        check_keys(p, where, item, RATING_KEYS, {"rater", "lean", "as_of"})
        rater, lean, as_of = str(item.get("rater") or "").strip(), item.get("lean"), str(item.get("as_of") or "")
        problem = ("the rater needs a name" if not rater else
                   f"lean '{lean}' is not one of {', '.join(LEANS)}" if lean not in LEANS else check_as_of(as_of))
        if problem:
            p.add(where, problem)
            continue
        out.append(Rating(rater, lean, as_of, str(item.get("url") or "")))
    return out
