"""One collection run per (story, database) at a time: an flock on a lock file.

The kernel drops an flock when its process dies, so a lock left by a killed run is free
for the next one without any stale-pid guessing; the file only records the holder's pid
for the message the blocked run prints.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

from framelens import settings
from framelens.store import database_url

EX_TEMPFAIL = 75  # sysexits.h: "try again later", the code an overlapping cron run exits with


class LockBusy(RuntimeError):
    """Another run holds the lock."""

    def __init__(self, path: Path, holder: str):
        super().__init__(f"another collection run holds {path} ({holder or 'holder unknown'})")
        self.path = path
        self.holder = holder


def lock_path(story_id: str, db: str, lock_dir: str | Path | None = None) -> Path:
    """The lock file for a story in a database: FRAMELENS_LOCK_DIR, next to a SQLite file, or tmp."""
    url = database_url(db)
    key = hashlib.sha256(f"{story_id}\0{url}".encode()).hexdigest()[:16]
    name = f"framelens-run-{re.sub(r'[^a-z0-9_-]', '_', story_id.lower())[:40]}-{key}.lock"
    folder = lock_dir or settings.get("FRAMELENS_LOCK_DIR")
    if not folder:
        path = url.split("sqlite:///", 1)[1] if url.startswith("sqlite:///") else ""
        folder = Path(path).parent if path and path != ":memory:" else tempfile.gettempdir()
    return Path(folder) / name


class RunLock:
    """An exclusive, non-blocking flock; use as a context manager."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> "RunLock":
        """Take the lock or raise LockBusy at once."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise LockBusy(self.path, holder) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
