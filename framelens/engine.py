"""Opening a database: the SQLAlchemy engine (SQLite in WAL mode with `BEGIN IMMEDIATE`
writers, or PostgreSQL) and the checks made before anything is written: a folder, a
device, a read-only file or folder, or another program's database is refused with one
line naming it, never a traceback half-way through a write.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event

from . import schema


class StoreError(RuntimeError):
    """The database cannot be used (bad URL, newer schema, unreachable server, read-only file)."""


class StoreEmpty(StoreError):
    """A database opened for reading has no framelens tables (a 0-byte file, /dev/null, or
    another program's database): there is nothing to read."""


def database_url(db: str) -> str:
    """A path becomes a SQLite URL; anything with '://' is taken as a URL."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


def is_sqlite(db: str) -> bool:
    return database_url(db).startswith("sqlite")


def _json_loads(text: str | bytes) -> Any:
    """JSON columns read back: orjson (several times faster on the results of 10,000
    articles), the standard library for what orjson refuses (NaN, huge integers)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def make_engine(url: str, readonly: bool) -> sa.Engine:
    if not url.startswith("sqlite"):
        # A read-only store must not write on PostgreSQL either: every transaction is READ ONLY.
        args = {"options": "-c default_transaction_read_only=on"} if readonly and url.startswith("postgresql") else {}
        return sa.create_engine(url, pool_pre_ping=True, future=True, connect_args=args, json_deserializer=_json_loads)
    path = url.split("sqlite:///", 1)[-1]
    if path and path != ":memory:":
        if readonly and not Path(path).exists():
            raise StoreError(f"database {path} does not exist")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                              json_deserializer=_json_loads)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        if not readonly:  # switching to WAL writes to the file: a reader leaves it as it is
            _enable_wal(cur)
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        if readonly:
            cur.execute("PRAGMA query_only=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the write lock up front so two writers never deadlock on upgrade.
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def check_file(path: str, readonly: bool) -> None:
    """Refuse a folder, and (unless read-only) a SQLite file or journal folder this user may
    not write, before anything is written: SQLite itself would fail half-way with 'attempt
    to write a readonly database'."""
    if not path or path == ":memory:":
        return
    file, folder = Path(path), Path(path).parent
    if file.is_dir():
        raise StoreError(f"database {path} is a folder, not a file")
    if readonly:
        return
    if file.exists() and not file.is_file():
        raise StoreError(f"database {path} is not a regular file (a device or a pipe): a command that writes "
                         "needs a database file")
    if file.exists() and not os.access(file, os.W_OK):
        raise StoreError(f"database {path} is read-only for this user: this command writes to it "
                         "(give it write permission, or use another --db)")
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK) and not Path(f"{path}-wal").exists():
        raise StoreError(f"database {path}: its folder {folder} is read-only for this user, and SQLite "
                         "keeps its journal there (give the folder write permission, or use another --db)")


def refuse_foreign(engine: sa.Engine, db: str) -> None:
    """Never add framelens tables to another program's database."""
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
    if names and "meta" not in names:
        shown = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")
        raise StoreError(f"database {db} belongs to another program (tables: {shown}) and has no framelens "
                         "tables: not writing into it (use another --db)")


def shown_url(db: str) -> str:
    """A database name for a message: a URL's password is masked."""
    if "://" not in db:
        return db
    try:
        return sa.make_url(db).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return db


def check_pg_writable(engine: sa.Engine, db: str) -> None:
    """Refuse, before anything is written, a PostgreSQL database this role may only read (a role
    granted SELECT alone, or a server or database whose transactions are read-only): the write
    itself would fail half-way with 'permission denied for table ...'."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        role, read_only = conn.execute(sa.text("SELECT current_user, current_setting('transaction_read_only')")).one()
        names = [n for n in sa.inspect(conn).get_table_names() if n in schema.md.tables]
        denied = sorted(n for n in names if not _may_write(conn, n))
    advice = "this command writes to it (grant the role write access, or use another --db)"
    if str(read_only).lower() == "on":
        raise StoreError(f"database {shown_url(db)} is read-only (its transactions are read-only on this server): "
                         "this command writes to it (turn default_transaction_read_only off, or use another --db)")
    if denied:
        what = "its tables" if len(denied) == len(names) else (
            ", ".join(denied[:3]) + (f" and {len(denied) - 3} more" if len(denied) > 3 else ""))
        raise StoreError(f"database {shown_url(db)}: role {role} may only read it (no INSERT, UPDATE or DELETE on "
                         f"{what}): {advice}")


def _may_write(conn, table: str) -> bool:
    """Whether the current PostgreSQL role may insert, update and delete rows of `table`."""
    return bool(conn.execute(sa.text(
        "SELECT has_table_privilege(current_user, :t, 'INSERT') AND has_table_privilege(current_user, :t, 'UPDATE') "
        "AND has_table_privilege(current_user, :t, 'DELETE')"), {"t": table}).scalar())


def _enable_wal(cur, patience: float = 30.0) -> None:
    """Switch the file to WAL (a no-op once it is). Switching takes an exclusive lock, and
    SQLite answers "database is locked" at once, without its busy handler, when another
    process is creating the database at that moment: retry for up to `patience` seconds."""
    deadline = time.monotonic() + patience
    delay = 0.01
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


__all__ = ["StoreEmpty", "StoreError", "check_file", "check_pg_writable", "database_url", "is_sqlite", "make_engine",
           "refuse_foreign", "shown_url"]
