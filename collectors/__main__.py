"""`python -m collectors`: import files, run the collectors, extract one page, show runs.

Thin: each command parses its arguments, opens the store and calls one library function.
Exit status: 0 done, 1 nothing could be done (e.g. a file with no readable row),
2 usage or configuration errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from framelens.outlets import default_registry
from framelens.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_db_argument, run_cli
from framelens.stories import load_story
from framelens.store import open_store
from framelens.textclean import clean_body, clean_name


def main(argv: list[str] | None = None) -> int:
    return run_cli(build_parser(), argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m collectors", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(title="commands")
    _add_import(sub)
    _add_extract(sub)
    from .cli_run import add_run_parser, add_status_parser

    add_run_parser(sub)
    add_status_parser(sub)
    return parser


def _add_import(sub) -> None:
    p = sub.add_parser("import", help="import a JSONL file, a CSV file or a folder of .html files",
                       description="Import articles from a JSONL or CSV file, or a folder of .html files.")
    p.add_argument("path", help="the .jsonl/.csv file or the folder of .html files")
    p.add_argument("--story", required=True, help="story id (a file in data/stories/)")
    add_db_argument(p)
    p.add_argument("--relevance", action="store_true", help="skip rows that fail the story's relevance rule")
    p.set_defaults(func=cmd_import)


def cmd_import(args) -> int:
    from .importer import ImportError_, import_path, print_report

    story = load_story(args.story)
    registry = default_registry()
    with open_store(args.db) as store:
        store.upsert_outlets(o.row() for o in registry.outlets.values())
        try:
            report = import_path(store, args.path, story, registry, relevance=args.relevance)
        except ImportError_ as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
    print_report(report)
    readable = report.new + report.duplicate + report.skipped
    return EXIT_OK if readable else EXIT_FAILED


def _add_extract(sub) -> None:
    p = sub.add_parser("extract", help="extract one saved HTML page and print JSON",
                       description="Extract title, text, date, authors and language from a saved page.")
    p.add_argument("file", help="the .html file")
    p.add_argument("--url", default="", help="the page's URL (helps date and site rules)")
    p.add_argument("--extractor", default="auto", choices=["auto", "trafilatura", "newspaper"])
    p.set_defaults(func=cmd_extract)


def cmd_extract(args) -> int:
    from .charset import decode_html
    from .extract import extract_bounded

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {path}: no such file", file=sys.stderr)
        return EXIT_USAGE
    found = extract_bounded(decode_html(path.read_bytes()), args.url, extractor=args.extractor)
    print(json.dumps({"title": clean_name(found.title), "text": clean_body(found.text),
                      "published": found.published.isoformat() if found.published else None,
                      "authors": [clean_name(a) for a in found.authors], "language": found.language, "extractor": found.extractor,
                      "flags": found.flags}, ensure_ascii=False, indent=2))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
