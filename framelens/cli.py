"""What every framelens command line shares: exit codes and turning known errors into messages."""

from __future__ import annotations

import argparse
import os
import sys

import sqlalchemy as sa

from .stories import ConfigError
from .store import StoreEmpty, StoreError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def run_cli(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Parse, dispatch to the chosen command's `func`, and report configuration/database errors;
    a reader that stops early (`| head -1`) ends the command quietly with exit 1, no traceback."""
    try:
        try:
            return _dispatch(parser, argv)
        finally:
            sys.stdout.flush()  # here, inside the guard: else a closed pipe surfaces at interpreter exit
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_FAILED


def _drop_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush has nowhere to fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout replaced by something without a file (tests)
        pass


def _dispatch(parser: argparse.ArgumentParser, argv: list[str] | None) -> int:
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"error: invalid configuration:\n{exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreEmpty as exc:  # nothing to read is "nothing could be done", not a usage error
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except sa.exc.OperationalError as exc:  # e.g. a file made read-only or emptied while the command ran
        print(f"error: the database refused the operation: {exc.orig}", file=sys.stderr)
        return EXIT_FAILED
    except sa.exc.DBAPIError as exc:
        if not _is_write_refused(exc):
            raise
        # e.g. a PostgreSQL role's write access revoked while the command ran
        print(f"error: the database refused the write (permission denied): {_first_line(exc.orig)}", file=sys.stderr)
        return EXIT_FAILED


def _is_write_refused(exc: "sa.exc.DBAPIError") -> bool:
    """PostgreSQL's insufficient_privilege (42501) or read_only_sql_transaction (25006)."""
    return getattr(exc.orig, "sqlstate", None) in ("42501", "25006")


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="database path or SQLAlchemy URL (default: $FRAMELENS_DB or data/framelens.db)")
