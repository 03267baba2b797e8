"""Scale: analysis time and peak memory from 1k to 10k articles, and how fast they grow.

    .venv/bin/python benchmarks/bench_scale.py [--sizes 1000,2000,5000,10000] [--max-n 10000]
        [--embedder model|hashing] [--precision fp32|bf16|auto] [--seed 1] [--json OUT]

Each size runs in its own process (so peak RSS is that size's): a synthetic corpus
imported into a fresh SQLite store, then one full analysis with an empty cache. Prints
time, peak RSS, the growth exponent between consecutive sizes (time ∝ n^k: k ≈ 1 is
linear, 2 quadratic) and each stage's exponent, so a stage that grows faster than the
corpus shows up. Targets (issue 6): 10,000 articles in < 10 minutes, peak RSS < 2 GB,
nothing quadratic. `--max-n 2000` gives a quick run; `--embedder hashing` measures every
stage but the model; `--precision bf16` runs the model in bfloat16
(FRAMELENS_EMBED_PRECISION).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import build_store, demo_story, make_embedder, machine, peak_rss_mb, write_json


def one(n: int, embedder_kind: str, seed: int) -> dict:
    """Import and analyse `n` articles in this process; the figures as a dict."""
    from analysis.pipeline import run_analysis

    from synth import make_corpus

    story = demo_story()
    out = {"n": n}
    with tempfile.TemporaryDirectory(prefix="framelens-scale-") as tmp:
        started = time.perf_counter()
        store = build_store(str(Path(tmp) / "scale.db"), make_corpus(n, seed), story)
        out["import_s"] = round(time.perf_counter() - started, 2)
        out["rss_after_import_mb"] = round(peak_rss_mb())
        started = time.perf_counter()
        summary = run_analysis(store, story, embedder=make_embedder(embedder_kind))
        out["analysis_s"] = round(time.perf_counter() - started, 2)
        out["stages_s"], out["encoded"] = summary["timings"], summary["sentences_encoded"]
        out["peak_after_stage_mb"] = summary.get("peak_rss_mb") or {}
        store.close()
    out["peak_rss_mb"] = round(peak_rss_mb())
    return out


def exponent(a: dict, b: dict, key=lambda r: r["analysis_s"]) -> float:
    ta, tb = max(key(a), 1e-3), max(key(b), 1e-3)
    return math.log(tb / ta) / math.log(b["n"] / a["n"])


def fit_exponent(rows: list[dict], key=lambda r: r["analysis_s"]) -> float:
    """Least-squares slope of log(time) on log(n)."""
    xs = [math.log(r["n"]) for r in rows]
    ys = [math.log(max(key(r), 1e-3)) for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else float("nan")


def peak_stage(row: dict) -> str:
    """The stage during which the analysis reached its peak memory (peaks are read after each stage)."""
    before, found = row.get("rss_after_import_mb") or 0, ""
    for stage, peak in (row.get("peak_after_stage_mb") or {}).items():
        if peak is not None and peak > before:
            before, found = peak, stage
    return found


def run(sizes: list[int], embedder_kind: str, seed: int, precision: str | None = None) -> dict:
    rows = []
    print(f"{'n':>6s} {'import s':>9s} {'analysis s':>11s} {'peak RSS MB':>12s} {'k vs prev':>10s}  peak set by",
          flush=True)
    for n in sizes:
        done = subprocess.run([sys.executable, __file__, "--one", str(n), "--embedder", embedder_kind,
                               "--seed", str(seed)], capture_output=True, text=True,
                              env={**os.environ, **({"FRAMELENS_EMBED_PRECISION": precision} if precision else {})})
        if done.returncode != 0:
            print(done.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"size {n} failed")
        row = json.loads(done.stdout.strip().splitlines()[-1])
        k = f"{exponent(rows[-1], row):.2f}" if rows else ""
        rows.append(row)
        print(f"{n:6d} {row['import_s']:9.1f} {row['analysis_s']:11.1f} {row['peak_rss_mb']:12d} {k:>10s}  "
              f"{peak_stage(row)}", flush=True)
    out = {"machine": machine(), "embedder": embedder_kind, "rows": rows,
           "precision": precision or os.environ.get("FRAMELENS_EMBED_PRECISION", "fp32")}
    if len(rows) > 1:
        out["exponent"] = round(fit_exponent(rows), 2)
        out["stage_exponents"] = {s: round(fit_exponent(rows, lambda r, s=s: r["stages_s"].get(s, 0)), 2)
                                  for s in rows[-1]["stages_s"]}
        print(f"growth exponent of the analysis time (fit): {out['exponent']:.2f}; per stage: "
              + ", ".join(f"{s} {k:.2f}" for s, k in out["stage_exponents"].items()))
        big = rows[-1]
        print(f"largest: {big['n']} articles in {big['analysis_s'] / 60:.1f} min, peak RSS {big['peak_rss_mb']} MB "
              f"(targets for 10,000: < 10 min, < 2048 MB)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,5000,10000")
    parser.add_argument("--max-n", type=int, default=10000, help="skip sizes above this (a quick run: 2000)")
    parser.add_argument("--embedder", choices=["model", "hashing"], default="model")
    parser.add_argument("--precision", choices=["fp32", "bf16", "auto"],
                        help="the model's precision (default: FRAMELENS_EMBED_PRECISION, else fp32)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one size, JSON on stdout
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one, args.embedder, args.seed)))
        return 0
    sizes = [n for n in (int(s) for s in args.sizes.split(",")) if n <= args.max_n]
    write_json(args.json, run(sizes, args.embedder, args.seed, args.precision))
    return 0


if __name__ == "__main__":
    sys.exit(main())
