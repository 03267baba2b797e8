"""Whether a run recorded as "running" still has a live process behind it.

A run killed with SIGKILL (or by a power cut) never writes its end, so its row says
"running" forever. Each run records its pid and host; on the same host a pid that no
longer exists, is a zombie, or belongs to a process started after the run (the pid was
reused) means the run was interrupted. Another host's runs cannot be checked from here
and keep their recorded status.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta, timezone

_SLACK = timedelta(seconds=2)  # process start times are read in clock ticks since boot


def resolve_run_status(row: dict) -> str:
    """The run's status to show: 'interrupted' for a 'running' row whose process is gone."""
    status = row.get("status") or ""
    if status == "running" and is_process_gone(row.get("pid"), row.get("host"), row.get("started")):
        return "interrupted"
    return status


def is_process_gone(pid: int | None, host: str | None, started: datetime | None) -> bool:
    """True only when the process is known to be gone (never for another host's run)."""
    if not pid or host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, owned by someone else
        pass
    stat = _proc_stat(pid)
    if stat is None:
        return False
    state, began = stat
    if state in ("Z", "X"):
        return True
    return bool(started and began and began > _utc(started) + _SLACK)


def _proc_stat(pid: int) -> tuple[str, datetime | None] | None:
    """(state, start time) of a process from /proc (Linux), or None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().decode("utf-8", "replace").rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    boot = _boot_time()
    began = boot + timedelta(seconds=int(fields[19]) / os.sysconf("SC_CLK_TCK")) if boot else None
    return fields[0], began


def _boot_time() -> datetime | None:
    try:
        with open("/proc/stat", "rb") as fh:
            for line in fh:
                if line.startswith(b"btime "):
                    return datetime.fromtimestamp(int(line.split()[1]), timezone.utc)
    except OSError:
        pass
    return None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


__all__ = ["is_process_gone", "resolve_run_status"]
