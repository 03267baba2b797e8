"""The user ratings file: ratings a user adds (a newsroom's own, another rater's table),
kept outside the code at the FRAMELENS_RATINGS_FILE setting and read with the registry.

    outlets:
      example.com:
        name: Example News          # optional; used when the domain is not registered
        ratings:
        - {rater: Our newsroom, lean: center, as_of: "2025-01-31", url: ""}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .ratings import Rating
from .yamlcheck import check_keys, expect, load_yaml

HEADER = ("# Outlet ratings added with `python -m framelens outlets import-ratings`.\n"
          "# Format: docs/outlets-format.md (\"Your own ratings\").\n")


@dataclass
class UserOutlet:
    """One domain's entry in the user ratings file."""

    domain: str
    name: str = ""
    ratings: list[Rating] = field(default_factory=list)


def load_user_ratings(path: Path) -> dict[str, UserOutlet]:
    """Read and validate the file (missing: empty); ConfigError names every bad key."""
    from .outlets import DOMAIN_RE, parse_ratings

    if not path.exists():
        return {}
    data, p = load_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("outlets"), dict):
        p.add("outlets", "the file must have a top-level 'outlets:' mapping of domain to ratings")
        p.raise_if_any()
    out = {}
    for domain, spec in data["outlets"].items():
        where = f"outlets.{domain}"
        if not DOMAIN_RE.match(str(domain)):
            p.add(where, f"'{domain}' is not a lower-case domain without 'www.'")
        if expect(p, where, spec, dict, "a mapping with ratings"):
            check_keys(p, where, spec, {"name", "ratings"}, {"ratings"})
            out[str(domain)] = UserOutlet(str(domain), str(spec.get("name") or ""),
                                          parse_ratings(p, f"{where}.ratings", spec.get("ratings")))
    p.raise_if_any()
    return out


def merge_user_ratings(registry, entries: dict[str, UserOutlet]) -> None:
    """Add the user's ratings to the registry's outlets; an unregistered domain becomes an
    outlet of its own (named as the file names it, else after its domain)."""
    from .outlets import Outlet

    for entry in entries.values():
        domain = registry.domain_for(entry.domain)
        outlet = registry.outlets.get(domain)
        if outlet is None:
            registry.add(Outlet(domain=entry.domain, name=entry.name or entry.domain, ratings=list(entry.ratings),
                                user_only=True))
            continue
        outlet.ratings = merged(outlet.ratings, entry.ratings)
        outlet.refresh_lean()


def merged(old: list[Rating], new: list[Rating]) -> list[Rating]:
    """`old` plus `new`, a new rating replacing an old one of the same rater and date."""
    keys = {(r.rater.casefold(), r.as_of) for r in new}
    return [r for r in old if (r.rater.casefold(), r.as_of) not in keys] + list(new)


def save_user_ratings(path: Path, entries: dict[str, UserOutlet]) -> None:
    """Write the file atomically (a temporary file renamed over it), domains sorted."""
    body = {"outlets": {d: _entry_dict(e) for d, e in sorted(entries.items())}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(HEADER + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
    tmp.replace(path)


def _entry_dict(entry: UserOutlet) -> dict:
    out: dict = {"name": entry.name} if entry.name else {}
    out["ratings"] = [r.as_dict() for r in entry.ratings]
    return out

