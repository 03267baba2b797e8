"""Build the bundled synthetic demo story: the same two commands the README documents.

    python -m collectors import data/demo/articles.jsonl --story demo
    python -m analysis run --story demo

They run as child processes so the dashboard process never loads the embedding model.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Callable

from . import settings
from .store import StoreError, open_store


class DemoBuildError(RuntimeError):
    pass


def demo_commands(db: str) -> list[list[str]]:
    py = sys.executable
    return [
        [py, "-m", "collectors", "import", str(settings.DEMO_CORPUS), "--story", settings.DEMO_STORY, "--db", db],
        [py, "-m", "analysis", "run", "--story", settings.DEMO_STORY, "--db", db],
    ]


def demo_is_built(db: str) -> bool:
    """True when the demo story has articles and analysis results in `db`."""
    try:
        with open_store(db, readonly=True) as store:
            return bool(store.count_articles(settings.DEMO_STORY)) and bool(
                store.story_result(settings.DEMO_STORY, "provenance"))
    except StoreError:
        return False


def build_demo(db: str, progress: Callable[[float, str], None] | None = None, echo: bool = False) -> None:
    """Import the demo corpus and analyse it; raise DemoBuildError with the tool's own message.

    With `echo`, the commands' own progress output goes straight to this process's stderr.
    """
    steps = demo_commands(db)
    labels = ["Importing the synthetic demo articles", "Analysing them (embeddings, detectors, clusters)"]
    for i, (cmd, label) in enumerate(zip(steps, labels)):
        if progress:
            progress(i / len(steps), label)
        done = subprocess.run(cmd, cwd=settings.ROOT, text=True, stdout=subprocess.PIPE,
                              stderr=None if echo else subprocess.PIPE)
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout or "see the output above").strip().splitlines()[-15:])
            raise DemoBuildError(f"`{' '.join(cmd[1:])}` failed (exit {done.returncode}):\n{tail}")
    if progress:
        progress(1.0, "Demo ready")


def main(argv: list[str] | None = None) -> int:
    """`python -m framelens.demo [--if-missing] [DB]`: build the demo story into DB."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m framelens.demo", description="Build the synthetic demo story.")
    parser.add_argument("db", nargs="?", default=settings.default_db(), help="database path or URL")
    parser.add_argument("--if-missing", action="store_true", help="do nothing when the demo is already built")
    args = parser.parse_args(argv)
    if args.if_missing and demo_is_built(args.db):
        print(f"demo story already built in {args.db}", file=sys.stderr)
        return 0
    try:
        build_demo(args.db, lambda f, label: print(f"[{f:4.0%}] {label}", file=sys.stderr, flush=True), echo=True)
    except DemoBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
