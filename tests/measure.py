"""Deterministic cost checks for tests: memory traced by tracemalloc (numpy reports its
arrays to it), never wall-clock time (that belongs to benchmarks/)."""

from __future__ import annotations

import tracemalloc


def traced_peak_mb(fn, *args, **kwargs):
    """(fn's result, the peak memory in MB allocated while it ran)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = fn(*args, **kwargs)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return result, peak / 1e6
