"""`python -m collectors run` and `python -m collectors status`: thin skins over `run_collection`.

Exit status of `run`: 0 the run completed (even when some outlets failed), 1 the run
could not proceed or every attempt failed (nothing new, duplicate or irrelevant), 2 usage
or configuration error, 75 (EX_TEMPFAIL) another run of the same story on the same
database holds the lock.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path

from framelens.cli import add_db_argument

from .lock import EX_TEMPFAIL, LockBusy, RunLock, lock_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
log = logging.getLogger("collectors.run")


def add_run_parser(subparsers) -> None:
    from .run import DEFAULT_SOURCES, SOURCES

    p = subparsers.add_parser(
        "run", help="collect a story's coverage (cron-safe: locked, incremental, idempotent)",
        description="Collect a story's coverage from the chosen sources into the database. "
                    "Exit 0 when the run completed (even with failing outlets), 1 when it could not "
                    f"proceed, 2 on bad arguments or configuration, {EX_TEMPFAIL} when another run holds the lock.")
    p.add_argument("--story", required=True, help="story id (a file in the stories folder)")
    add_db_argument(p)
    p.add_argument("--sources", default=",".join(DEFAULT_SOURCES), type=_source_list,
                   help=f"comma-separated sources: {','.join(SOURCES)} (default: {','.join(DEFAULT_SOURCES)})")
    p.add_argument("--urls", metavar="FILE", help="a text file of article URLs, one a line, '#' comments")
    p.add_argument("--since", type=_iso_date, metavar="DATE",
                   help="only look for articles published on or after DATE (YYYY-MM-DD)")
    p.add_argument("--allow-private-hosts", action="store_true",
                   help="let the fetcher reach loopback/private addresses (local test servers only)")
    p.add_argument("--no-archive", action="store_true", help="do not fall back to web-archive copies")
    p.add_argument("--extractor", default="auto", choices=["auto", "trafilatura", "newspaper"],
                   help="article extractor: auto (trafilatura, newspaper4k when it finds too little; default), "
                        "or one of them alone")
    p.set_defaults(func=cmd_run)


def add_status_parser(subparsers) -> None:
    p = subparsers.add_parser("status", help="show recent collection and import runs with their counts",
                              description="Show recent runs (newest first) with their counts and failing outlets.")
    add_db_argument(p)
    p.add_argument("--story", help="only runs of this story")
    p.add_argument("--limit", type=int, default=10, help="how many runs to show (default 10)")
    p.set_defaults(func=cmd_status)


def _source_list(value: str) -> list[str]:
    from .run import SOURCES

    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in SOURCES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown source(s) {', '.join(unknown) or '(none)'}; "
                                         f"choose from {', '.join(SOURCES)}")
    return names


def _iso_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date like 2021-01-21, got {value!r}") from None


def cmd_run(args) -> int:
    from framelens.settings import default_db
    from framelens.stories import load_story

    from .urls import read_url_file

    tty = sys.stderr.isatty()
    _configure_logging(tty)
    story = load_story(args.story)
    if args.urls and not Path(args.urls).is_file():
        print(f"error: --urls {args.urls}: no such file", file=sys.stderr)
        return EXIT_USAGE
    if args.urls and read_url_file(args.urls) == ([], []):
        print(f"error: --urls {args.urls}: nothing to collect: the file has no URLs (it is empty, blank or only "
              "comments)", file=sys.stderr)
        return EXIT_FAILED
    db = args.db or default_db()
    try:
        lock = RunLock(lock_path(story.id, db)).acquire()
    except LockBusy as exc:
        log.warning("%s; exiting with %d", exc, EX_TEMPFAIL)
        return EX_TEMPFAIL
    try:
        return _run_locked(args, story, db, tty)
    finally:
        lock.release()


def _run_locked(args, story, db: str, tty: bool) -> int:
    from framelens.outlets import default_registry
    from framelens.store import open_store

    from .run import SourceConfig, run_collection

    fetcher = _make_fetcher(args.allow_private_hosts)
    config = SourceConfig(archive=not args.no_archive, extractor=args.extractor)
    with open_store(db) as store, _progress_bar(tty) as progress:
        try:
            report = run_collection(store, story, default_registry(), args.sources, fetcher,
                                    urls_file=args.urls, since=args.since, progress=progress, config=config)
        except Exception:
            log.exception("the run could not proceed")
            return EXIT_FAILED
    for line in report.summary_lines():
        print(line, file=sys.stderr)
    if report.all_failed():
        log.error("every one of the %d attempts failed: nothing was collected; exiting with %d",
                  report.total("failed"), EXIT_FAILED)
        return EXIT_FAILED
    return EXIT_OK


def _make_fetcher(allow_private: bool):
    from .http import Fetcher, FetchSettings

    overrides = {"allow_private": True} if allow_private else {}
    return Fetcher(FetchSettings.from_env(**overrides))


def _configure_logging(tty: bool) -> None:
    # Under cron every step is a plain log line; on a terminal the progress bar tells the story.
    logging.basicConfig(level=logging.WARNING if tty else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


class _progress_bar:
    """A tqdm bar on a terminal, plain periodic log lines otherwise."""

    def __init__(self, tty: bool):
        self.tty = tty
        self.bar = None

    def __enter__(self):
        return self.update

    def update(self, done: int, total: int) -> None:
        if self.tty:
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="page", desc="collecting", file=sys.stderr)
            self.bar.update(done - self.bar.n)
        elif done == total or done % 25 == 0:
            log.info("fetched %d of %d pages", done, total)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


def cmd_status(args) -> int:
    from framelens.settings import default_db
    from framelens.stories import check_story_id
    from framelens.store import open_store

    if args.story:
        check_story_id(args.story)
    with open_store(args.db or default_db(), readonly=True) as store:
        runs = store.recent_runs(limit=max(1, args.limit), story_id=args.story)
    if not runs:
        print("no runs yet" + (f" for story {args.story}" if args.story else ""))
        return EXIT_OK
    for run in runs:
        for line in status_lines(run):
            print(line)
    return EXIT_OK


def status_lines(run: dict) -> list[str]:
    """A run as text: one line of counts, then its sources' counts and its failing outlets."""
    summary = run.get("summary") or {}
    counts = _run_counts(summary)
    started = run["started"].strftime("%Y-%m-%d %H:%M:%S") if run.get("started") else "?"
    took = ""
    if run.get("started") and run.get("finished"):
        took = f" in {(run['finished'] - run['started']).total_seconds():.0f} s"
    lines = [f"#{run['id']} {started} {run['kind']} {run['story_id']} [{run['sources']}] "
             f"{run['status']}{took}: {counts}"]
    for source, tally in (summary.get("by_source") or {}).items():
        lines.append(f"    source {source}: " + ", ".join(f"{k} {v}" for k, v in tally.items() if k != "reasons" and v))
    for outlet, reason in (summary.get("failed_outlets") or {}).items():
        lines.append(f"    failed outlet {outlet}: {reason}")
    return lines


def _run_counts(summary: dict) -> str:
    """'new 3, duplicate 0, bad 2, skipped 0' for a collection or import, the article and
    sentence counts for an analysis run, else 'no counts' (a run that never finished)."""
    totals = summary.get("totals") or {k: summary[k] for k in ("new", "duplicate", "bad", "skipped") if k in summary}
    if not totals and "articles" in summary:
        totals = {"documents": summary["articles"], "sentences": summary.get("sentences"),
                  "texts embedded": summary.get("sentences_encoded")}
    return ", ".join(f"{k} {v}" for k, v in totals.items() if v is not None) or "no counts"
