"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temp directory, 127.0.0.1.

    server = PgServer.start()          # initdb + pg_ctl start on a free port (trust auth)
    url = server.create_database()     # postgresql+psycopg://postgres@127.0.0.1:PORT/fl_…
    server.drop_database(url)
    server.stop()                      # pg_ctl stop -m immediate, temp directory removed

`PgServer.external(url)` uses a server someone else runs (FRAMELENS_TEST_PG_URL) instead;
it only creates and drops the test databases there. initdb refuses to run as root, so
as root the cluster runs as the `postgres` user (`runuser -u postgres --`).
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

SUPERUSER = "postgres"
# Durability is not what these tests measure on the server itself: skip its fsyncs.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class PgUnavailable(RuntimeError):
    """No PostgreSQL to test against; the message says why and how to get one."""


def find_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL bin folder, else the folder of `initdb` on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at database `name`."""
    return sa.make_url(url).set(database=name).render_as_string(hide_password=False)


@dataclass
class PgServer:
    """A PostgreSQL server the tests may create databases on."""

    admin_url: str  # SQLAlchemy URL of a database to connect to for CREATE/DROP DATABASE
    base: Path | None = None  # the temp folder of a cluster we started (None: external server)
    bin_dir: Path | None = None
    run_as: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)

    # ---- starting and stopping ----------------------------------------------------------

    @classmethod
    def external(cls, url: str) -> "PgServer":
        server = cls(admin_url=url)
        try:
            server._admin("SELECT 1")
        except Exception as exc:
            raise PgUnavailable(f"FRAMELENS_TEST_PG_URL={url} cannot be reached: {exc}") from exc
        return server

    @classmethod
    def start(cls) -> "PgServer":
        """initdb a cluster in a temp folder and start it on 127.0.0.1 on a free port."""
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise PgUnavailable("no PostgreSQL server binaries (initdb) found: install Debian's "
                                "`postgresql` package (scripts/setup.sh does) or set FRAMELENS_TEST_PG_URL")
        run_as = _run_as()
        # The postgres user must reach the folder: under /tmp, not a root-only $TMPDIR.
        base = Path(tempfile.mkdtemp(prefix="framelens-pg-", dir="/tmp" if run_as and os.path.isdir("/tmp") else None))
        server = cls(admin_url="", base=base, bin_dir=bin_dir, run_as=run_as)
        try:
            server._initdb()
            server._start_cluster()
        except BaseException:
            server.stop()
            raise
        atexit.register(server.stop)  # a session that dies early still stops its server
        return server

    def _initdb(self) -> None:
        (self.base / "run").mkdir()
        if self.run_as:
            uid, gid = pwd.getpwnam(SUPERUSER).pw_uid, pwd.getpwnam(SUPERUSER).pw_gid
            for path in (self.base, self.base / "run"):
                os.chown(path, uid, gid)
        self._pg("initdb", "-D", str(self.base / "data"), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                 "--locale=C", "--no-sync", "--no-instructions")

    def _start_cluster(self, attempts: int = 3) -> None:
        for attempt in range(attempts):  # a free port can be taken between probe and bind
            port = free_port()
            options = " ".join([f"-p {port}", "-c listen_addresses=127.0.0.1", f"-k {self.base / 'run'}",
                                "-c max_connections=200", *(f"-c {s}" for s in FAST_SETTINGS)])
            try:
                self._pg("pg_ctl", "-D", str(self.base / "data"), "-l", str(self.base / "server.log"),
                         "-w", "-t", "60", "-o", options, "start")
            except PgUnavailable:
                if attempt == attempts - 1:
                    raise
                continue
            self.admin_url = f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres"
            return

    def _pg(self, tool: str, *args: str) -> None:
        cmd = [*self.run_as, str(self.bin_dir / tool), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=self.base)
        if done.returncode != 0:
            log = self.base / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise PgUnavailable(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}\n{tail}")

    def stop(self) -> None:
        """Stop a cluster we started and remove its folder (an external server is left alone)."""
        if self.base is None or not self.base.exists():
            return
        if (self.base / "data" / "postmaster.pid").exists():
            try:
                self._pg("pg_ctl", "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop")
            except (PgUnavailable, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.base, ignore_errors=True)

    # ---- databases ----------------------------------------------------------------------

    def create_database(self, prefix: str = "fl_test") -> str:
        """A new empty database (from template0); returns its SQLAlchemy URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        self.created.append(name)
        return with_database(self.admin_url, name)

    def drop_database(self, url: str) -> None:
        name = sa.make_url(url).database
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def _admin(self, sql: str) -> None:
        # CREATE/DROP DATABASE cannot run inside a transaction block: plain autocommit psycopg.
        import psycopg

        u = sa.make_url(self.admin_url)
        with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                             dbname=u.database or "postgres", autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)


def _run_as() -> list[str]:
    """As root, run the server tools as the postgres user (initdb refuses root)."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SUPERUSER)
    except KeyError:
        raise PgUnavailable("running as root and there is no 'postgres' user to run the server as: "
                            "install Debian's `postgresql` package or set FRAMELENS_TEST_PG_URL") from None
    runuser = shutil.which("runuser")
    if not runuser:
        raise PgUnavailable("running as root without `runuser` to drop to the postgres user")
    return [runuser, "-u", SUPERUSER, "--"]


def server_from_env() -> PgServer:
    """FRAMELENS_TEST_PG_URL when set, else a fresh throwaway cluster."""
    url = os.environ.get("FRAMELENS_TEST_PG_URL", "").strip()
    return PgServer.external(url) if url else PgServer.start()
