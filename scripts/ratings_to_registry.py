#!/usr/bin/env python3
"""Register public lean ratings in data/outlets.yaml as dated facts, reproducibly.

    .venv/bin/python scripts/ratings_to_registry.py --mbfc ../shared/ratings/mbfc-clef2024.csv \\
        --allsides ../shared/ratings/allsides-2019.csv \\
        --domains-from ../shared/stories/parler-aws-coverage-urls.tsv [--domains-from FILE ...]

Reads the two tables described in ../shared/ratings/README.md (never copied into the
project) and rewrites the registry:

- every registered outlet's bare `lean` (AllSides, 2024) becomes an AllSides rating as of 2024;
- MBFC (CLEF 2024 scrape) ratings are added for registered outlets, for every news or
  media outlet MBFC gives a lean (any traffic, any country; not organisations, government
  bodies or journals), and for every domain named in a --domains-from file (URLs or
  domains, any text format). Only the domain, a name (the domain), the lean rating with
  its rater, date and source, a kind and a country are registered: MBFC's traffic,
  factual-reporting and press-freedom columns are not;
- AllSides 2019 outlets are matched to registered outlets by name, then by their page URL's
  slug or name against a domain's first label; matched ones get an AllSides rating as of
  2019-10-18 (the registry's newer AllSides rating still stands under the consensus rule).
Prints what was added and the AllSides names that matched nothing. Running it again gives
the same file.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from framelens.outlets import registered_domain  # noqa: E402

REGISTRY = ROOT / "data" / "outlets.yaml"
MBFC = ("Media Bias/Fact Check", "2024", "https://github.com/idiap/Factual-Reporting-and-Political-Bias-Web-Interactions")
ALLSIDES_NOW = ("AllSides", "2024", "https://www.allsides.com/media-bias/ratings")
ALLSIDES_2019 = ("AllSides", "2019-10-18")
MBFC_LEANS = {"left": "left", "far left": "left", "far-left": "left", "extreme left": "left", "left biased": "left",
              "left-center": "lean-left", "left center": "lean-left", "least biased": "center",
              "right-center": "lean-right", "right": "right", "far right": "right", "far-right": "right",
              "extreme right": "right", "extreme-right": "right", "alt-right": "right"}
ALLSIDES_LEANS = {"left": "left", "left-center": "lean-left", "center": "center", "right-center": "lean-right",
                  "right": "right"}
COUNTRIES = {"usa": "US", "united kingdom": "GB", "canada": "CA", "australia": "AU", "ireland": "IE",
             "new zealand": "NZ", "france": "FR", "germany": "DE", "spain": "ES", "italy": "IT", "portugal": "PT",
             "india": "IN", "israel": "IL", "russia": "RU", "switzerland": "CH", "netherlands": "NL", "china": "CN",
             "japan": "JP", "south africa": "ZA", "sweden": "SE", "singapore": "SG", "qatar": "QA",
             "belgium": "BE", "austria": "AT", "mexico": "MX", "brazil": "BR", "argentina": "AR",
             "united states": "US", "usa|": "US", "puerto rico/usa": "PR", "ukraine": "UA", "turkey": "TR",
             "philippines": "PH", "south korea": "KR", "north korea": "KP", "united arab emirates": "AE",
             "egypt": "EG", "romania": "RO", "cyprus": "CY", "hong kong": "HK", "indonesia": "ID", "finland": "FI",
             "pakistan": "PK", "greece": "GR", "saudi arabia": "SA", "malaysia": "MY", "iran": "IR",
             "slovenia": "SI", "bulgaria": "BG", "jordan": "JO", "taiwan": "TW", "kenya": "KE", "poland": "PL",
             "iceland": "IS", "czech republic": "CZ", "thailand": "TH", "nigeria": "NG", "denmark": "DK",
             "ecuador": "EC", "macedonia": "MK", "lebanon": "LB", "iraq": "IQ", "bangladesh": "BD",
             "tunisia": "TN", "estonia": "EE", "lithuania": "LT", "belarus": "BY", "latvia": "LV",
             "cambodia": "KH", "sri lanka": "LK", "columbia": "CO", "colombia": "CO", "beligium": "BE",
             "croatia": "HR", "norway": "NO", "andorra": "AD", "costa rica": "CR", "cameroon": "CM",
             "armenia": "AM", "cuba": "CU", "syria": "SY", "zimbabwe": "ZW", "serbia": "RS", "uruguay": "UY",
             "hungary": "HU"}
KIND_BY_TYPE = {"news agency": "wire", "tv station": "local", "radio station": "local", "newspaper": "regional"}


def mbfc_lean(bias: str) -> str:
    """MBFC's bias label as our lean ('' for no lean): the README's mapping, where a
    conspiracy/pseudoscience label keeps the direction it names ('right conspiracy…' is right)."""
    text = " ".join(bias.lower().replace("–", "-").split())
    if text in MBFC_LEANS:
        return MBFC_LEANS[text]
    first = re.split(r"[\s(]", text, maxsplit=1)[0]
    if first.startswith("pro-science") or first in ("pseudoscience", "conspiracy", "not", "unrated", ""):
        return ""
    for word in ("far-right", "far-left", "right", "left"):
        if first.startswith(word) or text.startswith(("far " + word, "extreme " + word, "alt-" + word)):
            return "right" if "right" in word else "left"
    return ""


def country_code(value: str) -> str:
    return COUNTRIES.get(value.split("(")[0].strip().lower(), "")


def mbfc_rows(path: Path) -> dict[str, dict]:
    """MBFC rows by domain (lower case, no www.), with their lean and country code."""
    out = {}
    for row in csv.DictReader(open(path, encoding="utf-8")):
        domain = row["source"].strip().lower().removeprefix("www.").rstrip("/")
        if domain:
            out[domain] = dict(row, lean=mbfc_lean(row["bias"]), code=country_code(row["country"]))
    return out


def wanted(row: dict) -> bool:
    """A news or media outlet MBFC places on the lean scale, of any traffic and country
    (real coverage is mostly small sites); organisations, government bodies and journals
    stay out unless a --domains-from file names them."""
    kind = row["media_type"].strip().lower()
    if not row["lean"] or not kind:
        return False
    return not any(word in kind for word in ("organization", "organisation", "government", "journal"))


def listed_domains(paths: list[Path]) -> set[str]:
    """Every domain named in the files (URLs' hosts, bare domains), subdomains reduced too."""
    found = set()
    for path in paths:
        for host in re.findall(r"(?:https?://)?((?:[a-z0-9-]+\.)+[a-z]{2,})", path.read_text(encoding="utf-8").lower()):
            host = host.removeprefix("www.")
            found.update({host, registered_domain(host)})
    return found


def key_of(text: str) -> str:
    """A name or slug as letters and digits only, without a leading 'the'."""
    text = re.sub(r"[^a-z0-9]", "", text.lower().replace("&", "and"))
    return text.removeprefix("the")


def allsides_matches(path: Path, outlets: dict) -> tuple[dict[str, dict], list[str]]:
    """AllSides 2019 rows matched to registry domains (by name, then slug/name vs first label;
    an author's row only by name: randpaul.news is not Rand Paul)."""
    by_name = {key_of(spec.get("name", "")): d for d, spec in outlets.items()}
    by_label = {}
    for d in outlets:
        by_label.setdefault(key_of(d.split(".")[0]), d)
    matched, missed = {}, []
    for row in csv.DictReader(open(path, encoding="utf-8")):
        slug = key_of(re.sub(r"-?(media-)?bias$", "", row["url"].rstrip("/").rsplit("/", 1)[-1]))
        name = key_of(row["news_source"])
        domain = by_name.get(name)
        if not domain and row.get("type", "").strip().lower() != "author":  # a person's rating is not a site's
            domain = by_label.get(name) or by_label.get(slug)
        if domain and row["rating"] in ALLSIDES_LEANS:
            matched.setdefault(domain, row)
        elif row["rating"] in ALLSIDES_LEANS:
            missed.append(row["news_source"])
    return matched, missed


def add_rating(spec: dict, rater: str, lean: str, as_of: str, url: str) -> None:
    """Add (or replace: same rater and date) one rating on a registry entry."""
    ratings = [r for r in spec.get("ratings", []) if (r["rater"], r["as_of"]) != (rater, as_of)]
    ratings.append({"rater": rater, "lean": lean, "as_of": as_of, "url": url})
    spec["ratings"] = sorted(ratings, key=lambda r: (r["rater"], r["as_of"]))


def upgrade_bare_lean(spec: dict) -> None:
    """The registry's bare AllSides 2024 lean becomes a dated AllSides rating."""
    lean, source = spec.pop("lean", "unrated"), spec.pop("lean_source", "")
    if lean != "unrated":
        if not source.startswith("AllSides"):
            raise SystemExit(f"a bare lean from {source!r} is not one this script knows how to date")
        add_rating(spec, ALLSIDES_NOW[0], lean, ALLSIDES_NOW[1], ALLSIDES_NOW[2])


def new_entry(domain: str, row: dict) -> dict:
    kind = "foreign" if row["code"] and row["code"] != "US" else KIND_BY_TYPE.get(row["media_type"].strip().lower(),
                                                                               "national")
    if row["media_type"].strip().lower() == "news agency":
        kind = "wire"
    spec = {"name": domain, "kind": kind}
    if row["code"]:
        spec["country"] = row["code"]
    return spec


HEADER = """\
# The outlet registry: registered domain -> outlet. Format: docs/outlets-format.md.
#
# - Keys are registered domains (lower case, no "www."); a URL's host maps to the longest
#   key it ends with, so news.yahoo.com -> yahoo.com and img2-cdn.newser.com -> newser.com.
#   Where the registered domain is a hosting platform (go.com, blogs.com, pages.dev) the
#   full host is registered instead.
# - ratings: dated facts from named raters, {rater, lean, as_of, url}. AllSides as of 2024
#   (news coverage, not opinion pages) was curated by hand; Media Bias/Fact Check (as
#   scraped for CLEF 2024) and AllSides as of 2019-10-18 were added by
#   scripts/ratings_to_registry.py from ../shared/ratings/ (see its docstring). The lean
#   shown comes from the rater the reader picks, or the consensus rule in
#   framelens/ratings.py. An outlet without ratings is "unrated", never guessed.
# - kind: wire, national, regional, local, tech, legal, opinion, aggregator, foreign
#   ("foreign" = general news outlet based outside the US; foreign tech and legal sites keep
#   their topical kind and carry their country). Outlets added from MBFC alone are named
#   after their domain, and their kind follows MBFC's media type (news agency: wire, TV or
#   radio station: local, newspaper: regional, else national; outside the US: foreign).
# - feeds: only RSS/Atom URLs known to exist; many outlets publish none or gate them.
# - Real outlets only. Fictional demo outlets live in data/demo/outlets.yaml (.example domains).
# - Keep entries alphabetised by domain (the script sorts them).
"""
KEY_ORDER = ("name", "kind", "country", "feeds", "aliases", "notes", "ratings")


def dump_registry(outlets: dict) -> str:
    """The registry as YAML: block keys, one rating per line (JSON is YAML's flow style)."""
    lines = [HEADER.rstrip("\n"), "outlets:"]
    for domain in sorted(outlets):
        spec = outlets[domain]
        lines.append(f"  {domain}:")
        for key in sorted(spec, key=lambda k: KEY_ORDER.index(k) if k in KEY_ORDER else len(KEY_ORDER)):
            value = spec[key]
            if key == "ratings":
                lines.append("    ratings:")
                lines.extend(f"    - {json.dumps(r, ensure_ascii=False)}" for r in value)
            elif isinstance(value, list):
                lines.append(f"    {key}:")
                lines.extend(f"    - {_scalar(v)}" for v in value)
            else:
                lines.append(f"    {key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def _scalar(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def run(args) -> None:
    outlets = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))["outlets"]
    for spec in outlets.values():
        upgrade_bare_lean(spec)
    mbfc = mbfc_rows(Path(args.mbfc))
    listed = listed_domains([Path(p) for p in args.domains_from])
    added = 0
    for domain, row in sorted(mbfc.items()):
        if not row["lean"] or not (domain in outlets or domain in listed or wanted(row)):
            continue
        if domain not in outlets:
            outlets[domain], added = new_entry(domain, row), added + 1
        add_rating(outlets[domain], MBFC[0], row["lean"], MBFC[1], MBFC[2])
    matched, missed = allsides_matches(Path(args.allsides), outlets)
    for domain, row in matched.items():
        if outlets[domain]["name"] == domain:
            outlets[domain]["name"] = row["news_source"]
        add_rating(outlets[domain], ALLSIDES_2019[0], ALLSIDES_LEANS[row["rating"]], ALLSIDES_2019[1], row["url"])
    REGISTRY.write_text(dump_registry(outlets), encoding="utf-8")
    print(f"{len(outlets)} outlets ({added} added from MBFC); AllSides 2019: {len(matched)} matched, "
          f"{len(missed)} rated outlets not matched")
    if args.show_unmatched:
        print("not matched: " + "; ".join(missed))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mbfc", required=True, help="mbfc-clef2024.csv")
    ap.add_argument("--allsides", required=True, help="allsides-2019.csv")
    ap.add_argument("--domains-from", action="append", default=[], help="a file naming domains or URLs to cover")
    ap.add_argument("--show-unmatched", action="store_true", help="list the AllSides names that matched nothing")
    run(ap.parse_args())


if __name__ == "__main__":
    main()
