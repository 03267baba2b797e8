"""The store: SQLAlchemy Core over SQLite (WAL) or PostgreSQL.

The store is the only thing the stages share. Collectors add articles and run reports,
analysis adds embeddings and results, the dashboard and exporter only read.
Text is cleaned the same way on both backends before it is written (NUL bytes removed,
lone surrogates replaced), so a row reads back identically wherever it was stored; names,
titles and authors also lose control and bidi characters and URLs their userinfo
(framelens/textclean.py), whichever collector or import wrote them.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
from datetime import datetime, timezone
from typing import Any, Iterable

import sqlalchemy as sa

from . import engine as engine_module
from . import schema
from .engine import (StoreEmpty, StoreError, check_file, database_url, is_sqlite,  # noqa: F401 (re-exported)
                     make_engine, refuse_foreign)
from .records import ArticleRecord, FetchOutcome, content_hash
from .runstate import resolve_run_status
from .schema import (article_results, articles, derived, embeddings, fetches, meta, outlets, runs, story_results,
                     url_aliases)
from .textclean import (clean_body, clean_json, clean_name, clean_text, has_hidden_characters, shown_name,
                        strip_userinfo)


def _pg_lock(conn, *key: str) -> None:
    """A PostgreSQL transaction-level advisory lock on `key` (nothing on SQLite)."""
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.sha256("\x1f".join(key).encode("utf-8")).digest()
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": int.from_bytes(digest[:8], "big", signed=True)})


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are taken as UTC; aware ones are converted to UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


class Store:
    """One database. Use `open_store()`; close it when done (or use `with`)."""

    def __init__(self, db: str, readonly: bool = False, create: bool = True):
        self.db = db
        self.url = database_url(db)
        self.readonly = readonly
        if self.url.startswith("sqlite:///"):
            check_file(self.url.split("sqlite:///", 1)[1], readonly)
        try:
            self.engine = make_engine(self.url, readonly)
            if not readonly and create:
                refuse_foreign(self.engine, db)
                engine_module.check_pg_writable(self.engine, db)
                schema.migrate(self.engine)
            elif schema.check_version(self.engine) is None:
                self._dispose()
                raise StoreEmpty(f"database {db} has no framelens tables yet (an empty file, or another program's "
                                 "database): nothing to read; collect or import a story into it first")
        except schema.SchemaError as exc:
            raise StoreError(str(exc)) from exc
        except sa.exc.ArgumentError as exc:
            raise StoreError(f"bad database URL {db!r}: {exc}") from exc
        except sa.exc.OperationalError as exc:
            self._dispose()
            raise StoreError(f"cannot open database {db!r}: {exc.orig}") from exc
        except sa.exc.DatabaseError as exc:  # e.g. a file that is not a SQLite database
            self._dispose()
            raise StoreError(f"cannot use {db!r} as a database: {exc.orig}") from exc

    def _dispose(self) -> None:
        if getattr(self, "engine", None) is not None:
            self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    def _insert(self, table: sa.Table):
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    # ---- outlets -------------------------------------------------------------------

    def upsert_outlets(self, rows: Iterable[dict]) -> int:
        """Insert or update outlet rows (dicts with the outlets table's columns)."""
        rows = [{k: clean_name(v) if isinstance(v, str) else v for k, v in clean_json({"ratings": [], **r}).items()}
                for r in rows]
        if not rows:
            return 0
        stmt = self._insert(outlets)
        cols = {c.name: stmt.excluded[c.name] for c in outlets.columns if c.name != "domain"}
        stmt = stmt.on_conflict_do_update(index_elements=["domain"], set_=cols)
        with self.engine.begin() as conn:
            conn.execute(stmt, rows)
        return len(rows)

    def outlet_rows(self) -> list[dict]:
        with self.engine.connect() as conn:
            rows = [{k: _shown(v) for k, v in r._mapping.items()} for r in conn.execute(sa.select(outlets))]
        # An outlet stored with a blank name (only whitespace, controls or bidi) is shown by its domain.
        return [{**r, "name": shown_name(r["name"], r["domain"])} for r in rows]

    # ---- articles ------------------------------------------------------------------

    def add_article(self, story_id: str, rec: ArticleRecord, canonical_url: str,
                    outlet_domain: str, run_id: int | None = None) -> tuple[str, int | None]:
        """Store one article unless it is already there.

        Returns ("new", id) or ("duplicate", id of the existing row). A duplicate is the
        same canonical URL in the story, or the same text from the same outlet.
        """
        row = self._article_row(story_id, rec, canonical_url, outlet_domain, run_id)
        with self.engine.begin() as conn:
            # SQLite writers are serialised by BEGIN IMMEDIATE. On PostgreSQL two writers could
            # both miss the same text under different URLs; they take this text's lock first.
            _pg_lock(conn, "article", story_id, row["domain"], row["role"], row["content_hash"])
            existing = self._find_duplicate(conn, row)
            if existing is not None:
                return "duplicate", existing
            stmt = self._insert(articles).values(**row).on_conflict_do_nothing(
                index_elements=["story_id", "canonical_url"])
            result = conn.execute(stmt)
            key = result.inserted_primary_key  # None on PostgreSQL when RETURNING gave no row
            if result.rowcount == 0 or not key or key[0] is None:  # lost a race with another writer
                return "duplicate", self._find_duplicate(conn, row)
            return "new", key[0]

    def _article_row(self, story_id, rec: ArticleRecord, canonical_url, outlet_domain, run_id) -> dict:
        text = clean_body(clean_text(rec.text or ""))
        return {
            "story_id": story_id,
            "url": strip_userinfo(clean_text(rec.url)),
            "canonical_url": strip_userinfo(clean_text(canonical_url)),
            "domain": clean_name(outlet_domain),
            "title": clean_name(clean_text(rec.title or "")),
            "text": text,
            "published": as_utc(rec.published),
            "collected": utcnow(),
            "source": rec.source,
            "role": rec.role,
            "content_hash": content_hash(text),
            "extractor": rec.extractor,
            "language": rec.language,
            "authors": json.dumps([clean_name(clean_text(a)) for a in rec.authors]),
            "archive_url": strip_userinfo(clean_text(rec.archive_url)),
            "credit": clean_name(clean_text(rec.credit)),
            "flags": ",".join(rec.flags),
            "found_on": clean_name(clean_text(rec.found_on)) if rec.found_on else rec.found_on,
            "run_id": run_id,
        }

    @staticmethod
    def _find_duplicate(conn, row: dict) -> int | None:
        a = articles.c
        same_url = sa.and_(a.story_id == row["story_id"], a.canonical_url == row["canonical_url"])
        same_text = sa.and_(a.story_id == row["story_id"], a.domain == row["domain"],
                            a.content_hash == row["content_hash"], a.role == row["role"])
        found = conn.execute(sa.select(a.id).where(sa.or_(same_url, same_text)).limit(1)).first()
        return found[0] if found else None

    def has_url(self, story_id: str, canonical_url: str) -> bool:
        """Whether a stored article has this canonical URL, or was reached through it."""
        a, u = articles.c, url_aliases.c
        with self.engine.connect() as conn:
            q = sa.select(a.id).where(a.story_id == story_id, a.canonical_url == canonical_url)
            if conn.execute(q.limit(1)).first() is not None:
                return True
            q = sa.select(u.article_id).where(u.story_id == story_id, u.canonical_url == canonical_url)
            return conn.execute(q.limit(1)).first() is not None

    def add_alias(self, story_id: str, canonical_url: str, article_id: int) -> None:
        """Remember that `canonical_url` led to the stored article `article_id`."""
        canonical_url = strip_userinfo(clean_text(canonical_url))
        stmt = self._insert(url_aliases).values(story_id=story_id, canonical_url=canonical_url,
                                                article_id=article_id)
        with self.engine.begin() as conn:
            conn.execute(stmt.on_conflict_do_nothing(index_elements=["story_id", "canonical_url"]))

    def articles(self, story_id: str, role: str | None = None, with_text: bool = True) -> list[dict]:
        """The story's articles, oldest id first, as dicts."""
        cols = [c for c in articles.columns if with_text or c.name != "text"]
        q = sa.select(*cols).where(articles.c.story_id == story_id).order_by(articles.c.id)
        if role:
            q = q.where(articles.c.role == role)
        with self.engine.connect() as conn:
            return [_article_dict(r._mapping) for r in conn.execute(q)]

    def count_articles(self, story_id: str | None = None) -> int:
        q = sa.select(sa.func.count()).select_from(articles)
        if story_id:
            q = q.where(articles.c.story_id == story_id)
        with self.engine.connect() as conn:
            return conn.execute(q).scalar_one()

    def story_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            q = sa.select(articles.c.story_id).distinct().order_by(articles.c.story_id)
            return [r[0] for r in conn.execute(q)]

    # ---- runs and fetch outcomes -----------------------------------------------------

    def start_run(self, story_id: str, kind: str, sources: str = "") -> int:
        row = {"story_id": story_id, "kind": kind, "sources": sources, "started": utcnow(),
               "status": "running", "pid": os.getpid(), "host": socket.gethostname()}
        with self.engine.begin() as conn:
            return conn.execute(sa.insert(runs).values(**row)).inserted_primary_key[0]

    def record_fetches(self, run_id: int, outcomes: Iterable[FetchOutcome]) -> None:
        rows = [{"run_id": run_id, "url": strip_userinfo(clean_text(o.url))[:4000], "source": o.source,
                 "outlet": o.outlet, "status": o.status, "reason": clean_json(o.reason)[:2000],
                 "http_status": o.http_status, "at": utcnow()} for o in outcomes]
        if rows:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(fetches), rows)

    def finish_run(self, run_id: int, status: str, summary: dict) -> None:
        values = {"finished": utcnow(), "status": status, "summary": clean_json(summary)}
        with self.engine.begin() as conn:
            conn.execute(sa.update(runs).where(runs.c.id == run_id).values(**values))

    def recent_runs(self, limit: int = 20, story_id: str | None = None) -> list[dict]:
        """The newest runs first; a "running" run whose process is gone reads "interrupted"."""
        q = sa.select(runs).order_by(runs.c.id.desc()).limit(limit)
        if story_id:
            q = q.where(runs.c.story_id == story_id)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
        for row in rows:
            row["status"] = resolve_run_status(row)
        return rows

    def run_fetches(self, run_id: int) -> list[dict]:
        q = sa.select(fetches).where(fetches.c.run_id == run_id).order_by(fetches.c.id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ---- embeddings cache -------------------------------------------------------------

    def get_embeddings(self, model: str, text_hashes: Iterable[str]) -> dict[str, bytes]:
        """Cached vectors (raw float32 bytes) for the hashes that have one."""
        e = embeddings.c
        return self._select_in(sa.select(e.text_hash, e.vector).where(e.model == model), e.text_hash, text_hashes)

    def put_embeddings(self, model: str, vectors: dict[str, bytes], dim: int) -> None:
        rows = [{"model": model, "text_hash": h, "dim": dim, "vector": v} for h, v in vectors.items()]
        self._insert_new(embeddings, ["model", "text_hash"], rows)

    def get_derived(self, kind: str, keys: Iterable[str]) -> dict[str, bytes]:
        """Kept analysis work of `kind` for the keys that have some (see schema.derived)."""
        d = derived.c
        return self._select_in(sa.select(d.key, d.value).where(d.kind == kind), d.key, keys)

    def put_derived(self, kind: str, values: dict[str, bytes]) -> None:
        """Keep analysis work; a key kept already gets the new value (callers put only what
        they had to compute: a key that was missing, or whose value would not read back)."""
        rows = [{"kind": kind, "key": k, "value": v} for k, v in values.items()]
        self._insert_new(derived, ["kind", "key"], rows, replace_column="value")

    def _select_in(self, query, column, keys: Iterable[str]) -> dict[str, bytes]:
        """{key: bytes} of `query`'s (key, value) rows whose `column` is one of `keys`."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, bytes] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(wanted), 500):
                found.update({k: bytes(v) for k, v in conn.execute(query.where(column.in_(wanted[i:i + 500])))})
        return found

    def _insert_new(self, table: sa.Table, key_columns: list[str], rows: list[dict],
                    replace_column: str | None = None) -> None:
        """Insert `rows`; one whose key is there already is skipped (or its `replace_column` updated)."""
        if not rows:
            return
        stmt = self._insert(table)
        stmt = stmt.on_conflict_do_update(index_elements=key_columns, set_={replace_column: stmt.excluded[replace_column]}) \
            if replace_column else stmt.on_conflict_do_nothing(index_elements=key_columns)
        with self.engine.begin() as conn:
            for i in range(0, len(rows), 1000):
                conn.execute(stmt, rows[i:i + 1000])

    # ---- analysis results ---------------------------------------------------------------

    def replace_results(self, story_id: str, per_article: dict[int, dict],
                        per_story: dict[str, Any]) -> None:
        """Swap in a whole analysis run's results in one transaction.

        Readers see either the previous results or the new ones, never a mix.
        """
        now = utcnow()
        art_rows = [{"story_id": story_id, "article_id": aid, "payload": clean_json(p), "computed": now}
                    for aid, p in per_article.items()]
        story_rows = [{"story_id": story_id, "name": n, "payload": clean_json(p), "computed": now}
                      for n, p in per_story.items()]
        with self.engine.begin() as conn:
            _pg_lock(conn, "results", story_id)  # two analysis runs of one story take turns
            conn.execute(sa.delete(article_results).where(article_results.c.story_id == story_id))
            conn.execute(sa.delete(story_results).where(story_results.c.story_id == story_id))
            if art_rows:
                conn.execute(sa.insert(article_results), art_rows)
            if story_rows:
                conn.execute(sa.insert(story_results), story_rows)

    def article_results(self, story_id: str) -> dict[int, dict]:
        r = article_results.c
        with self.engine.connect() as conn:
            q = sa.select(r.article_id, r.payload).where(r.story_id == story_id)
            return {aid: payload for aid, payload in conn.execute(q)}

    def story_result(self, story_id: str, name: str, default: Any = None) -> Any:
        r = story_results.c
        with self.engine.connect() as conn:
            q = sa.select(r.payload).where(r.story_id == story_id, r.name == name)
            row = conn.execute(q).first()
        return row[0] if row else default

    def story_results(self, story_id: str) -> dict[str, Any]:
        r = story_results.c
        with self.engine.connect() as conn:
            q = sa.select(r.name, r.payload).where(r.story_id == story_id)
            return {n: p for n, p in conn.execute(q)}

    # ---- housekeeping --------------------------------------------------------------------

    def integrity_ok(self) -> bool:
        """SQLite's integrity_check (PostgreSQL guarantees this itself)."""
        if self.dialect != "sqlite":
            return True
        with self.engine.connect() as conn:
            return conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one())


def _shown(value):
    """A name read back, cleaned again when a database written before cleaning still has
    controls in it (one quick search per value otherwise)."""
    return clean_name(value) if isinstance(value, str) and has_hidden_characters(value) else value


def _article_dict(mapping) -> dict:
    row = dict(mapping)
    for key in ("title", "domain", "credit"):
        if key in row:
            row[key] = _shown(row[key])
    for key in ("url", "canonical_url", "archive_url"):
        if row.get(key) and ("@" in row[key] or has_hidden_characters(row[key])):
            row[key] = strip_userinfo(row[key])
    if "authors" in row:
        row["authors"] = [_shown(a) for a in json.loads(row["authors"] or "[]")]
    row["flags"] = [f for f in (row.get("flags") or "").split(",") if f]
    for key in ("published", "collected"):
        row[key] = as_utc(row.get(key))
    return row


def open_store(db: str | None = None, readonly: bool = False) -> Store:
    """Open (and create or upgrade, unless read-only) the database named by `db` or FRAMELENS_DB."""
    from .settings import default_db

    return Store(db or default_db(), readonly=readonly)
