"""PostgreSQL fixtures (loaded from tests/conftest.py): a real server for the whole session.

- `pg_server`: a throwaway cluster started once per session (tests/pg.py), or the server
  named by FRAMELENS_TEST_PG_URL. Without PostgreSQL binaries the tests that need it skip,
  with the reason; FRAMELENS_TEST_PG_REQUIRED=1 turns that skip into an error (for CI).
- `pg_url`: a fresh database per test (dropped afterwards), as an SQLAlchemy URL.
- `any_db`: each test runs twice, on a SQLite file and on a PostgreSQL database.
"""

from __future__ import annotations

import os

import pytest

from tests.pg import PgUnavailable, server_from_env

BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def pg_server():
    try:
        server = server_from_env()
    except PgUnavailable as exc:
        if os.environ.get("FRAMELENS_TEST_PG_REQUIRED", "").strip() in ("1", "true", "yes"):
            pytest.fail(f"PostgreSQL is required (FRAMELENS_TEST_PG_REQUIRED) but unavailable: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server):
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url)


@pytest.fixture(params=BACKENDS)
def any_db(request, tmp_path) -> str:
    """A database name `Store()` accepts: a SQLite path, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "any.db")
    return request.getfixturevalue("pg_url")
