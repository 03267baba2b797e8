"""Analysis throughput: the whole analysis vs plain `SentenceTransformer.encode` of the same sentences.

    .venv/bin/python benchmarks/bench_analysis.py [--n 300] [--seed 1] [--batch 32] [--repeats 2] [--json OUT]

Builds a synthetic corpus (benchmarks/synth.py) of `--n` articles in a fresh SQLite store,
collects every sentence the analysis embeds (its own load and split stages: titles,
body sentences with their repeats, the ruling, the detectors' prototypes), then in one
process, model loaded before either clock starts:

- baseline: `SentenceTransformer(model_path()).encode(sentences, batch_size=32)`, the
  floor every approach pays when it embeds each sentence as it comes;
- framelens: `analysis.pipeline.run_analysis` on a fresh copy of the store, cold cache,
  every stage.

Each side runs `--repeats` times (default 2), interleaved (baseline, framelens, baseline,
framelens, ...), and each side's fastest run counts: a machine that slows down part way
(this one drifts by 5-10 % between runs) flatters neither side.

Both are reported as sentences per second over the same sentence count; the ratio
framelens / baseline is the figure the issue sets targets for (≥ 1.0×, then ≥ 1.5×).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _common import analysis_sentences, build_store, demo_story, machine, peak_rss_mb, write_json


def run(n: int, seed: int, batch: int, repeats: int = 2) -> dict:
    from analysis.embed import SentenceEmbedder
    from analysis.pipeline import run_analysis
    from framelens.settings import model_path
    from framelens.store import Store
    from sentence_transformers import SentenceTransformer

    from synth import make_corpus

    story = demo_story()
    out: dict = {"machine": machine(), "articles": n, "seed": seed, "batch": batch, "repeats": repeats}
    with tempfile.TemporaryDirectory(prefix="framelens-bench-") as tmp:
        template = str(Path(tmp) / "template.db")
        store = build_store(template, make_corpus(n, seed), story)
        sentences = analysis_sentences(store, story)
        store.close()
        out["sentences"], out["distinct_sentences"] = len(sentences), len(set(sentences))
        print(f"{n} articles: {len(sentences)} sentences, {len(set(sentences))} distinct "
              f"({len(set(sentences)) / len(sentences):.0%}), mean {sum(len(s.split()) for s in sentences) / len(sentences):.1f} words",
              flush=True)

        # both loaded and warmed up before any clock starts
        model = SentenceTransformer(model_path(), device="cpu", local_files_only=True)
        model.encode(sentences[:64], batch_size=batch)
        embedder = SentenceEmbedder(batch_size=batch)
        embedder.encode(sentences[:64])
        out["embedder"] = f"{embedder.name} ({embedder.backend})"

        base_runs, full_runs, summaries = [], [], []
        for attempt in range(repeats):
            started = time.perf_counter()
            model.encode(sentences, batch_size=batch, show_progress_bar=False)
            base_runs.append(time.perf_counter() - started)
            print(f"plain encode, batch {batch}: {base_runs[-1]:.1f} s, "
                  f"{len(sentences) / base_runs[-1]:.0f} sentences/s", flush=True)

            db = str(Path(tmp) / f"run{attempt}.db")
            for suffix in ("", "-wal", "-shm"):  # a cold store each time: nothing cached from the last run
                if Path(template + suffix).exists():
                    shutil.copyfile(template + suffix, db + suffix)
            store = Store(db)
            started = time.perf_counter()
            summaries.append(run_analysis(store, story, embedder=embedder))
            full_runs.append(time.perf_counter() - started)
            store.close()
            print(f"framelens analysis: {full_runs[-1]:.1f} s, {len(sentences) / full_runs[-1]:.0f} sentences/s; "
                  f"stages {summaries[-1]['timings']}", flush=True)
        del model
    base_s, full_s = min(base_runs), min(full_runs)
    summary = summaries[full_runs.index(full_s)]
    out["baseline_runs_s"], out["analysis_runs_s"] = [round(t, 2) for t in base_runs], [round(t, 2) for t in full_runs]
    out["baseline_s"], out["baseline_sps"] = round(base_s, 2), round(len(sentences) / base_s, 1)
    out["analysis_s"], out["analysis_sps"] = round(full_s, 2), round(len(sentences) / full_s, 1)
    out["stages_s"], out["encoded"] = summary["timings"], summary["sentences_encoded"]
    out["ratio"] = round(out["analysis_sps"] / out["baseline_sps"], 2)
    out["peak_rss_mb"] = round(peak_rss_mb())
    print(f"fastest of {repeats}: plain encode {base_s:.1f} s ({out['baseline_sps']:.0f} sentences/s); framelens "
          f"with {out['embedder']} {full_s:.1f} s ({out['analysis_sps']:.0f} sentences/s, embedded "
          f"{summary['sentences_encoded']} distinct)")
    print(f"ratio framelens / plain encode: {out['ratio']:.2f}x  (target ≥ 1.0x now, ≥ 1.5x later); "
          f"peak RSS {out['peak_rss_mb']} MB")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="articles in the synthetic corpus (default 300)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=2, help="runs of each side; the fastest counts (default 2)")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    write_json(args.json, run(args.n, args.seed, args.batch, max(1, args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
