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

from . import settings
from .yamlcheck import ConfigError, Problems, check_keys, expect, load_yaml, string_list

LEANS = ("left", "lean-left", "center", "lean-right", "right", "unrated")
KINDS = ("wire", "national", "regional", "local", "tech", "legal", "opinion", "aggregator", "foreign")
OUTLET_KEYS = {"name", "lean", "kind", "country", "feeds", "lean_source", "demo", "aliases", "notes"}
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

    def row(self) -> dict:
        """The store's outlets-table row."""
        return {"domain": self.domain, "name": self.name, "lean": self.lean, "kind": self.kind,
                "country": self.country, "lean_source": self.lean_source, "demo": self.demo}


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
        for outlet in outlets:
            self.outlets[outlet.domain] = outlet
            for alias in outlet.aliases:
                self._alias[alias] = outlet.domain

        self._by_name = {" ".join(o.name.casefold().split()): o.domain for o in self.outlets.values() if o.name}

    def __len__(self) -> int:
        return len(self.outlets)

    def outlet_domain(self, outlet: str, url: str) -> str:
        """The outlet domain for an import row's `outlet` field: a domain or host (as given),
        else a registered outlet's name (any case); a name we do not know falls back to the
        URL's domain, so an outlet is never a made-up domain like 'daily harbor'."""
        value = " ".join((outlet or "").split())
        if value and " " not in value and "." in value:
            return self.domain_for(value)
        return self._by_name.get(value.casefold()) or self.domain_for(url)

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


def load_outlets(paths: Iterable[Path] | None = None) -> OutletRegistry:
    """Load and validate the registry files that exist; raise ConfigError listing every problem."""
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
    return OutletRegistry(found)


@lru_cache(maxsize=4)
def default_registry() -> OutletRegistry:
    return load_outlets()


def _load_file(path: Path) -> list[Outlet]:
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
    if not expect(p, path, spec, dict, "a mapping with name, lean and kind"):
        return None
    check_keys(p, path, spec, OUTLET_KEYS, {"name", "lean", "kind"})
    lean, kind = spec.get("lean", "unrated"), spec.get("kind", "national")
    if lean not in LEANS:
        p.add(f"{path}.lean", f"'{lean}' is not one of {', '.join(LEANS)}")
    if kind not in KINDS:
        p.add(f"{path}.kind", f"'{kind}' is not one of {', '.join(KINDS)}")
    if lean not in ("unrated", None) and not spec.get("lean_source"):
        p.add(f"{path}.lean_source", "a rated lean needs the source of the rating")
    demo = spec.get("demo", False)
    if demo and not domain.endswith(".example"):
        p.add(f"{path}.demo", "demo outlets must use a fictional .example domain")
    feeds = string_list(p, f"{path}.feeds", spec.get("feeds"))
    for i, feed in enumerate(feeds):
        if not re.match(r"^https?://", feed):
            p.add(f"{path}.feeds[{i}]", f"expected an http(s) URL, got {feed!r}")
    return Outlet(domain=domain, name=str(spec.get("name", domain)), lean=str(lean), kind=str(kind),
                  country=str(spec.get("country", "")), feeds=feeds,
                  lean_source=str(spec.get("lean_source", "")), demo=bool(demo),
                  aliases=string_list(p, f"{path}.aliases", spec.get("aliases")),
                  notes=str(spec.get("notes", "")))
