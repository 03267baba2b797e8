"""Incremental analysis: adding 1 % new articles to a stored corpus vs analysing it all afresh.

    .venv/bin/python benchmarks/bench_incremental.py [--n 2000] [--add-pct 1] [--embedder model|hashing]
        [--seed 1] [--json OUT]

Builds `--n` synthetic articles in a fresh SQLite store and analyses them with an empty
embedding cache (the full run, the baseline), then imports `--add-pct` % more articles
(the next ones of the same synthetic stream) and analyses again. Prints both times, the
ratio (target ≤ 5 %), and each stage's time in both runs, so the stages that do not scale
with the new articles show up. `--embedder hashing` swaps the model for the fast fake
(for a quick look at the non-embedding stages).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from _common import add_rows, build_store, demo_story, make_embedder, machine, peak_rss_mb, write_json


def run(n: int, add_pct: float, embedder_kind: str, seed: int) -> dict:
    from analysis.pipeline import run_analysis

    from synth import make_corpus

    story = demo_story()
    extra = max(1, round(n * add_pct / 100))
    rows = make_corpus(n + extra, seed)  # the first n + 1 rows are make_corpus(n, seed): the same stream
    out: dict = {"machine": machine(), "articles": n, "added": extra, "embedder": embedder_kind}
    with tempfile.TemporaryDirectory(prefix="framelens-bench-") as tmp:
        store = build_store(str(Path(tmp) / "bench.db"), rows[:n + 1], story)
        embedder = make_embedder(embedder_kind)
        started = time.perf_counter()
        full = run_analysis(store, story, embedder=embedder)
        out["full_s"] = round(time.perf_counter() - started, 2)
        print(f"full run, {n} articles, empty cache: {out['full_s']:.1f} s (embedded {full['sentences_encoded']})",
              flush=True)
        added = add_rows(store, rows[n + 1:], story)
        started = time.perf_counter()
        inc = run_analysis(store, story, embedder=embedder)
        out["incremental_s"] = round(time.perf_counter() - started, 2)
        store.close()
    out["ratio"] = round(out["incremental_s"] / out["full_s"], 4)
    out["stages_full_s"], out["stages_incremental_s"] = full["timings"], inc["timings"]
    out["encoded_full"], out["encoded_incremental"] = full["sentences_encoded"], inc["sentences_encoded"]
    out["peak_rss_mb"] = round(peak_rss_mb())
    print(f"after adding {added} articles ({add_pct:g} %): {out['incremental_s']:.1f} s "
          f"(embedded {inc['sentences_encoded']})")
    print(f"incremental / full: {out['ratio']:.1%}  (target ≤ 5 %)")
    print(f"{'stage':12s} {'full s':>9s} {'incr. s':>9s}")
    for stage, seconds in full["timings"].items():
        print(f"{stage:12s} {seconds:9.2f} {inc['timings'].get(stage, 0):9.2f}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--add-pct", type=float, default=1.0)
    parser.add_argument("--embedder", choices=["model", "hashing"], default="model")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    write_json(args.json, run(args.n, args.add_pct, args.embedder, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
