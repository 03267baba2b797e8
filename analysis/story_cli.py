"""`python -m framelens story draft ID ...`: draft a story file from the coverage at hand.

    python -m framelens story draft ID --title TEXT --query TEXT [--dates A..B]
        [--primary FILE|URL] [--articles PATH | --db DB --from-story OTHER] [--force]

Writes `ID.yaml` in the stories folder (FRAMELENS_STORIES_DIR) as a commented draft that
validates and runs; refuses to overwrite an existing story without --force. Exit status:
0 written, 1 nothing to draft from, 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from framelens.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_db_argument, run_cli
from framelens.stories import ACTOR_KEYS, STORY_ID_RE, load_story, story_path
from framelens.store import open_store

from .draft_inputs import DraftError, coverage_from_files, coverage_from_store, parse_dates, read_primary


def main(argv: list[str] | None = None) -> int:
    return run_cli(build_parser(), argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m framelens story", description="story files")
    sub = parser.add_subparsers(title="commands")
    draft = sub.add_parser("draft", help="draft a story file from a primary source and its coverage",
                           description=__doc__.splitlines()[0])
    draft.add_argument("id", help="the new story's id (its file name): a-z, 0-9, '-' and '_'")
    draft.add_argument("--title", required=True, help="the story's title")
    draft.add_argument("--query", required=True, help="the search query (the first keyword)")
    draft.add_argument("--dates", help="START..END (ISO dates); default: the coverage's first and last day")
    draft.add_argument("--primary", help="the primary source: a text/HTML/PDF file, or a URL the coverage holds")
    draft.add_argument("--articles", help="an import file or folder (the formats `collectors import` reads)")
    draft.add_argument("--from-story", help="use the articles this story holds in --db")
    add_db_argument(draft)  # with --articles: the embedding cache (the database you will import into)
    draft.add_argument("--force", action="store_true", help="overwrite an existing story file")
    draft.set_defaults(func=cmd_draft)
    return parser


def cmd_draft(args: argparse.Namespace) -> int:
    target = story_path(args.id)
    problem = _usage_problem(args, target)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        text = build_story_text(args, target)
    except DraftError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    _write_checked(target, text)
    print(f"wrote {target}: edit it, then {_next_steps(args)}")
    return EXIT_OK


def _next_steps(args: argparse.Namespace) -> str:
    """What fills the new story with articles: the same import file, or (from another story,
    whose articles no command copies) the files that story came from or a fresh collection."""
    db = f" --db {shlex.quote(args.db)}" if args.db else ""
    run = f"`python -m analysis run --story {args.id}{db}`"
    if args.articles:
        return f"`python -m collectors import {shlex.quote(args.articles)} --story {args.id}{db}` and {run}"
    return (f"give it articles: no command copies story {args.from_story!r}'s articles, so import the same "
            f"files it came from (`python -m collectors import FILE --story {args.id}{db}`) or collect with "
            f"`python -m collectors run --story {args.id}{db}`; then {run}")


def _usage_problem(args: argparse.Namespace, target: Path) -> str:
    if not STORY_ID_RE.match(args.id):
        return f"story id {args.id!r} may use only a-z, 0-9, '-' and '_' (and must start with a letter or digit)"
    if target.exists() and not args.force:
        return f"{target} already exists: pick another id, or pass --force to overwrite it"
    if bool(args.articles) == bool(args.from_story):
        return "give the coverage: --articles PATH, or --db DB --from-story OTHER (one of the two)"
    return ""


def build_story_text(args: argparse.Namespace, target: Path) -> str:
    """The draft's YAML text (inputs read, candidates found, comments written)."""
    from .draft import make_draft
    from .draft_yaml import relative_path, render_draft
    from .embed import CachedEmbedder, SentenceEmbedder

    if args.from_story:
        open_store(args.db, readonly=True).close()  # a mistyped path is an error, not a new empty database
    store = open_store(args.db) if (args.db or args.from_story) else None
    try:
        coverage = (coverage_from_store(store, args.from_story) if args.from_story
                    else coverage_from_files(Path(args.articles), args.id))
        primary = _primary(args, coverage)
        dates = parse_dates(args.dates, coverage.articles)
        embedder = CachedEmbedder(SentenceEmbedder(), store) if store is not None else SentenceEmbedder()
        draft = make_draft(coverage, primary[1] if primary else "", args.query, embedder)
    finally:
        if store is not None:
            store.close()
    for note in coverage.notes:
        print(f"warning: {note}", file=sys.stderr)
    shown = None
    if primary:
        where = primary[2] if primary[2].startswith(("http://", "https://")) else relative_path(primary[2], target)
        shown = (primary[0] or f"Primary source of {' '.join(args.title.split())}", where)
    return render_draft(draft, args.id, args.title, args.query, dates, shown, coverage.where,
                        has_references="references" in ACTOR_KEYS)


def _primary(args: argparse.Namespace, coverage) -> tuple[str, str, str] | None:
    """The named primary source, else the coverage's own primary_source row, else none."""
    if args.primary:
        return read_primary(args.primary, coverage)
    row = coverage.primary
    if row is None:
        print("warning: no primary source (--primary, or a row with role primary_source): "
              "the draft has no key facts", file=sys.stderr)
        return None
    return row.get("title") or "", row.get("text") or "", row.get("url") or ""


def _write_checked(target: Path, text: str) -> None:
    """Write next to the target, validate with the story loader (the same folder, so a
    relative primary-source path resolves the same), then move into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.stem}-draft-check-{os.getpid()}.yaml")
    try:
        tmp.write_text(text, encoding="utf-8")
        load_story(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
