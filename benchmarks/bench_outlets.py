"""Loading the outlet registry: the validated parse vs the parse cache (framelens/outlets_cache.py).

    .venv/bin/python benchmarks/bench_outlets.py [--repeats 5] [--json OUT]

Each load runs `load_outlets()` (data/outlets.yaml and the demo registry) in a fresh
process, timed inside it, so imports are not counted. Baseline, same run: the full
validated parse, with an empty cache folder each time; then the cached load, with the
folder the first parse filled. Prints the median of each and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, machine, write_json

PROBE = ("import time\nfrom framelens.outlets import load_outlets\n"
         "t = time.perf_counter(); r = load_outlets(ratings_file=None)\n"
         "print(time.perf_counter() - t, len(r))")


def time_load(cache_dir: str) -> tuple[float, int]:
    """Seconds one fresh process takes in load_outlets(), and how many outlets it loaded."""
    env = {"FRAMELENS_CACHE_DIR": cache_dir, "PATH": "/usr/bin:/bin", "HOME": tempfile.gettempdir()}
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[0]), int(out[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json")
    args = ap.parse_args()
    parsed, cached = [], []
    with tempfile.TemporaryDirectory() as warm:
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory() as cold:
                seconds, count = time_load(cold)
            parsed.append(seconds)
            time_load(warm)  # the first load in `warm` fills it; the rest read it
            cached.append(time_load(warm)[0])
    slow, fast = statistics.median(parsed), statistics.median(cached)
    print(f"{machine()}\n{count} outlets, median of {args.repeats} fresh processes:")
    print(f"  validated parse (baseline) {slow * 1000:7.0f} ms\n  parse cache                {fast * 1000:7.0f} ms"
          f"\n  -> {slow / fast:.1f}x faster")
    write_json(args.json, {"outlets": count, "parse_s": parsed, "cached_s": cached, "ratio": slow / fast})


if __name__ == "__main__":
    main()
