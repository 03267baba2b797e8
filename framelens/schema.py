"""The database schema, its version, and the upgrades from older versions.

Each upgrade is a function in MIGRATIONS run inside one transaction; a database written
by a newer framelens is refused rather than silently misread.
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_VERSION = 4

md = sa.MetaData()

meta = sa.Table(
    "meta", md,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

outlets = sa.Table(
    "outlets", md,
    sa.Column("domain", sa.String(255), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("lean", sa.String(16), nullable=False, server_default="unrated"),
    sa.Column("kind", sa.String(16), nullable=False, server_default="national"),
    sa.Column("country", sa.String(8), nullable=False, server_default=""),
    sa.Column("lean_source", sa.Text, nullable=False, server_default=""),
    sa.Column("demo", sa.Boolean, nullable=False, server_default=sa.false()),
    # Every rating of the outlet, [{rater, lean, as_of, url}]: the reader's choice of rater
    # picks among them; `lean`/`lean_source` hold the consensus. (version 4)
    sa.Column("ratings", sa.JSON),
)

runs = sa.Table(
    "runs", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("story_id", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # collect | import | analysis
    sa.Column("sources", sa.Text, nullable=False, server_default=""),
    sa.Column("started", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String(16), nullable=False),  # running | ok | failed
    sa.Column("summary", sa.JSON),
    sa.Column("pid", sa.Integer),
    sa.Column("host", sa.Text),
)

articles = sa.Table(
    "articles", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("story_id", sa.String(128), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("canonical_url", sa.Text, nullable=False),
    sa.Column("domain", sa.String(255), nullable=False),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("published", sa.DateTime(timezone=True)),
    sa.Column("collected", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("role", sa.String(32), nullable=False, server_default="article"),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("extractor", sa.String(32), nullable=False, server_default=""),
    sa.Column("language", sa.String(16), nullable=False, server_default=""),
    sa.Column("authors", sa.Text, nullable=False, server_default="[]"),
    sa.Column("archive_url", sa.Text, nullable=False, server_default=""),
    sa.Column("credit", sa.Text, nullable=False, server_default=""),
    sa.Column("flags", sa.Text, nullable=False, server_default=""),
    # The aggregator whose page the article was found on when `domain` credits the outlet
    # that wrote it (a Reuters story on news.yahoo.com: domain reuters.com, found_on yahoo.com). (version 4)
    sa.Column("found_on", sa.String(255), nullable=False, server_default=""),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="SET NULL")),
    sa.UniqueConstraint("story_id", "canonical_url", name="uq_article_story_url"),
    sa.Index("ix_articles_story_hash", "story_id", "content_hash"),
)

fetches = sa.Table(
    "fetches", md,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("outlet", sa.String(255), nullable=False, server_default=""),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),
    sa.Column("http_status", sa.Integer),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_fetches_run", "run_id"),
)

embeddings = sa.Table(
    "embeddings", md,
    sa.Column("model", sa.String(255), primary_key=True),
    sa.Column("text_hash", sa.String(64), primary_key=True),
    sa.Column("dim", sa.Integer, nullable=False),
    sa.Column("vector", sa.LargeBinary, nullable=False),
)

article_results = sa.Table(
    "article_results", md,
    sa.Column("story_id", sa.String(128), primary_key=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("computed", sa.DateTime(timezone=True), nullable=False),
)

story_results = sa.Table(
    "story_results", md,
    sa.Column("story_id", sa.String(128), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("computed", sa.DateTime(timezone=True), nullable=False),
)

# Other URLs that led to a stored article (a feed proxy or a redirect, a page whose
# rel=canonical points elsewhere): the next run skips them without fetching. (version 2)
url_aliases = sa.Table(
    "url_aliases", md,
    sa.Column("story_id", sa.String(128), primary_key=True),
    sa.Column("canonical_url", sa.Text, primary_key=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
)


# Work the analysis derives from content alone (an article's sentences and term counts, a
# pair of articles' syndication verdict), kept so the next run need not redo it: `key` is a
# digest of everything the value depends on, code included, so a row is never stale, only
# unused. (version 3)
derived = sa.Table(
    "derived", md,
    sa.Column("kind", sa.String(16), primary_key=True),
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.LargeBinary, nullable=False),
)


def _to_version_2(conn) -> None:
    url_aliases.create(conn)


def _to_version_3(conn) -> None:
    derived.create(conn)


def _to_version_4(conn) -> None:
    for table, column in ((outlets, "ratings"), (articles, "found_on")):
        col = table.c[column]
        ddl = f"ALTER TABLE {table.name} ADD COLUMN {column} {col.type.compile(dialect=conn.dialect)}"
        if col.server_default is not None:
            ddl += f" NOT NULL DEFAULT '{col.server_default.arg}'"
        conn.execute(sa.text(ddl))


# version -> function(connection) that upgrades a database from version-1 to version.
MIGRATIONS: dict[int, callable] = {2: _to_version_2, 3: _to_version_3, 4: _to_version_4}


class SchemaError(RuntimeError):
    pass


def _read_version(conn) -> int | None:
    if not sa.inspect(conn).has_table("meta"):
        return None
    row = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).first()
    return int(row[0]) if row else None


def check_version(engine: sa.Engine) -> int | None:
    """Refuse a database newer than this code; return its version (None when empty)."""
    with engine.connect() as conn:
        version = _read_version(conn)
    if version is not None and version > SCHEMA_VERSION:
        raise SchemaError(
            f"the database has schema version {version} but this framelens knows only up to "
            f"{SCHEMA_VERSION}: upgrade framelens before using it")
    return version


def migrate(engine: sa.Engine) -> int:
    """Create a new database or upgrade an old one to SCHEMA_VERSION, atomically."""
    version = check_version(engine)
    if version == SCHEMA_VERSION:
        return version
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # serialise concurrent first opens
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7431001)"))
        version = _read_version(conn)  # re-read under the write lock: another process may have won
        if version is None:
            md.create_all(conn)
            conn.execute(sa.insert(meta).values(key="schema_version", value=str(SCHEMA_VERSION)))
            return SCHEMA_VERSION
        for target in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[target](conn)
        conn.execute(sa.update(meta).where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))
    return SCHEMA_VERSION
