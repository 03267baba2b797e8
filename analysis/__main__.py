"""`python -m analysis`: analyse a story, or export its results headless.

Exit status: 0 done, 1 the work failed (e.g. nothing to analyse, PNG export without a
browser), 2 usage or configuration errors.
"""

from __future__ import annotations

import argparse
import sys

from framelens.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, add_db_argument, run_cli
from framelens.stories import load_story
from framelens.store import open_store


def main(argv: list[str] | None = None) -> int:
    return run_cli(build_parser(), argv)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(title="commands")
    run = sub.add_parser("run", help="analyse a story (incremental: only new sentences are embedded)",
                         description="Analyse a story's articles and store the results.")
    run.add_argument("--story", required=True, help="story id (a file in data/stories/)")
    add_db_argument(run)
    run.set_defaults(func=cmd_run)
    export = sub.add_parser("export", help="write articles.json and the tables/charts of a story",
                            description="Export a story's analysis headless (cron-friendly).")
    export.add_argument("--story", required=True, help="story id")
    add_db_argument(export)
    export.add_argument("--out", required=True, help="folder to write into (created if missing)")
    export.add_argument("--format", default="json", help="comma-separated: json,csv,png,svg,html (default: json)")
    export.add_argument("--rater", default="", metavar="NAME",
                        help="whose ratings give the leans (as the dashboard's 'Lean ratings by'); "
                             "default: the consensus of raters")
    export.set_defaults(func=cmd_export)
    return parser


def _progress():
    """A tqdm bar on a terminal, plain log lines per stage otherwise (cron)."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bars: dict[str, tqdm] = {}

        def update(stage: str, done: int, total: int) -> None:
            bar = bars.get(stage) or bars.setdefault(stage, tqdm(total=total, desc=stage, unit="item", leave=False))
            bar.total = total
            bar.n = done
            bar.refresh()
            if done >= total:
                bar.close()
        return update
    last: dict[str, int] = {}

    def log(stage: str, done: int, total: int) -> None:
        step = max(1, total // 4)
        if done in (0, total) or done - last.get(stage, 0) >= step:
            last[stage] = done
            print(f"analysis: {stage} {done}/{total}", file=sys.stderr, flush=True)
    return log


def cmd_run(args) -> int:
    from .embed import SentenceEmbedder
    from .pipeline import run_analysis

    try:
        embedder = SentenceEmbedder()  # bad settings are a usage error, said before any work (loads nothing)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    story = load_story(args.story)
    open_store(args.db, readonly=True).close()  # a mistyped path is an error, not a new empty database
    with open_store(args.db) as store:
        if not store.count_articles(story.id):
            print(f"error: story '{story.id}' has no articles in {store.db}: collect or import some first "
                  f"(python -m collectors run --story {story.id})", file=sys.stderr)
            return EXIT_FAILED
        summary = run_analysis(store, story, embedder=embedder, progress=_progress())
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in summary["timings"].items())
    print(f"analysed {summary['articles']} documents of '{story.id}'; embedded {summary['sentences_encoded']} "
          f"texts not in the embedding cache (article sentences, quotes, source passages, prototypes) with "
          f"{embedder.name} ({embedder.backend}) ({timings})", file=sys.stderr)
    if not summary.get("primary_source"):
        print(f"warning: no primary source for '{story.id}': quotes could not be checked against it (all are "
              "'not_in_source'). Import it with role primary_source, or give the story file a primary_source "
              "path, and run the analysis again.", file=sys.stderr)
    return EXIT_OK


def cmd_export(args) -> int:
    from presentation.export import ExportError, UnknownRater, export_story, parse_formats

    try:
        formats = parse_formats(args.format)
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    story = load_story(args.story)
    with open_store(args.db, readonly=True) as store:
        try:
            written = export_story(store, story, args.out, formats, rater=args.rater)
        except ExportError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE if isinstance(exc, UnknownRater) else EXIT_FAILED
        except Exception as exc:
            if type(exc).__name__ != "StaticExportUnavailable":
                raise
            print(f"error: {exc} (the other files asked for were written to {args.out})", file=sys.stderr)
            return EXIT_FAILED
    print(f"wrote {len(written)} files to {args.out}", file=sys.stderr)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
