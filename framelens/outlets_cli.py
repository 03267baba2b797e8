"""`python -m framelens outlets ...`: the registry's ratings, and adding your own.

    import-ratings FILE --rater NAME --as-of DATE [--map LABEL=lean ...] [--db DB]
    show DOMAIN
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import settings
from .cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_db_argument, run_cli
from .outlets import DOMAIN_RE, OutletRegistry, host_of, load_outlets
from .ratings import check_as_of, effective_lean, newest_by_rater
from .rating_rows import ImportResult, read_rating_rows
from .user_ratings import load_user_ratings, save_user_ratings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m framelens outlets",
                                     description="The outlet registry and its lean ratings.")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("import-ratings", help="add a rater's table to your ratings file",
                       description="Add a rater's ratings (CSV or JSON; domain/url or name column, lean column) "
                                   "to the user ratings file (FRAMELENS_RATINGS_FILE).")
    p.add_argument("file", help="the .csv or .json file")
    p.add_argument("--rater", required=True, help="who rated (e.g. 'Our newsroom', 'Ad Fontes Media')")
    p.add_argument("--as-of", required=True, help="when the ratings held: 2025-01-31, 2025-01 or 2025")
    p.add_argument("--map", action="append", default=[], metavar="LABEL=lean",
                   help="turn the rater's own label into a lean, e.g. --map 'Skews Left=lean-left' (repeatable)")
    add_db_argument(p)
    p.set_defaults(func=cmd_import_ratings)
    p = sub.add_parser("show", help="what the registry knows about a domain, and why",
                       description="The outlet a domain or URL maps to, its ratings and the lean each rater gives.")
    p.add_argument("domain", help="a domain, host or URL")
    p.set_defaults(func=cmd_show)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_cli(build_parser(), argv)


def cmd_import_ratings(args) -> int:
    problem = check_as_of(args.as_of) or ("" if args.rater.strip() else "--rater needs a name")
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    path = settings.ratings_file()
    registry = load_outlets()
    try:
        result = read_rating_rows(Path(args.file), registry, args.rater.strip(), args.as_of, args.map)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if result.entries:
        entries = load_user_ratings(path)
        result.merge_into(entries)
        save_user_ratings(path, entries)
    _print_import(result, path)
    if args.db and result.entries:
        _refresh_store(args.db)
    return EXIT_OK if result.entries else EXIT_FAILED  # as `collectors import`: 1 only when nothing was added


def _print_import(result: ImportResult, path: Path) -> None:
    for line in result.bad:
        print(f"bad row: {line}", file=sys.stderr)
    for line in result.unmatched:
        print(f"not matched: {line}", file=sys.stderr)
    print(result.summary() + (f"; written to {path}" if result.entries else "; nothing written"), file=sys.stderr)


def _refresh_store(db: str) -> None:
    from .store import Store

    with Store(db) as store:
        n = store.upsert_outlets(o.row() for o in load_outlets().outlets.values())
    print(f"{db}: {n} outlets refreshed", file=sys.stderr)


def cmd_show(args) -> int:
    if not DOMAIN_RE.match(_host(args.domain) or ""):
        print(f"error: {args.domain!r} is not a domain or http(s) URL", file=sys.stderr)
        return EXIT_USAGE
    registry = load_outlets()
    print("\n".join(describe(registry, args.domain)))
    return EXIT_OK


def _host(value: str) -> str:
    return host_of(value) if "/" in value else value.strip().lower().removeprefix("www.")


def describe(registry: OutletRegistry, value: str) -> list[str]:
    """Lines saying which outlet `value` maps to and why, and its ratings."""
    host = _host(value)
    domain = registry.domain_for(host)
    outlet = registry.outlets.get(domain)
    if outlet is None:
        return [f"{host}: not in the registry (kept as its own outlet, {domain}, shown as unrated)",
                f"  add ratings: python -m framelens outlets import-ratings FILE --rater NAME --as-of DATE"]
    how = "an alias of" if host in outlet.aliases else "a subdomain of"
    where = "in your ratings file only" if outlet.user_only else "registered"
    lines = [f"{host}: {how} {domain} ({where})" if host != domain else f"{domain}: {where}",
             f"  {outlet.name} · {outlet.kind}" + (f" · {outlet.country}" if outlet.country else "")]
    if not outlet.ratings:
        lines.append("  no ratings: shown as unrated (add some with `python -m framelens outlets import-ratings`)")
        return lines
    lines.append("  ratings:")
    lines += [f"    {r.rater:24s} {r.lean:10s} as of {r.as_of or '(undated)':10s} {r.url}".rstrip()
              for r in outlet.ratings]
    lines.append("  lean by rater: " + "; ".join(f"{r.rater}: {r.lean}" for r in newest_by_rater(outlet.ratings).values()))
    v = effective_lean(outlet.ratings)
    lines.append(f"  consensus: {v.lean} ({v.rater}" + (f", as of {v.as_of})" if v.as_of else ")"))
    return lines
