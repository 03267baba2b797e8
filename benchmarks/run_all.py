"""Run the benchmarks one after another and collect their figures in one JSON file.

    .venv/bin/python benchmarks/run_all.py [--quick] [--only analysis,incremental,...] [--out results.json]

`--quick` shrinks every benchmark to a size that runs in a few minutes (the figures are
then only a smoke test); without it the full sizes of benchmarks/README.md run, which
takes well over half an hour on two cores. Each benchmark prints its own table and its
ratio against the baseline it measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = {
    "extraction": ["bench_extraction.py"],
    "detectors": ["bench_detectors.py"],
    "analysis": ["bench_analysis.py", "--n", "300"],
    "incremental": ["bench_incremental.py", "--n", "2000"],
    "scale": ["bench_scale.py", "--max-n", "10000"],
    "collection": ["bench_collection.py"],
    "dashboard": ["bench_dashboard.py"],
    "outlets": ["bench_outlets.py"],
    "crash": ["crash_sweep.py", "--kills", "200"],
}
QUICK = {
    "extraction": ["bench_extraction.py"],
    "detectors": ["bench_detectors.py", "--no-demo"],
    "analysis": ["bench_analysis.py", "--n", "60"],
    "incremental": ["bench_incremental.py", "--n", "300", "--embedder", "hashing"],
    "scale": ["bench_scale.py", "--sizes", "200,400", "--embedder", "hashing"],
    "collection": ["bench_collection.py", "--hosts", "5", "--pages", "25", "--delay", "0.2"],
    "dashboard": ["bench_dashboard.py", "--articles", "500", "--repeat", "1"],
    "outlets": ["bench_outlets.py", "--repeats", "2"],
    "crash": ["crash_sweep.py", "--kills", "10"],
}
WRITES_JSON = {"detectors", "analysis", "incremental", "scale", "collection", "extraction", "dashboard", "outlets"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test in minutes")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(FULL)}")
    parser.add_argument("--out", default="benchmark-results.json", help="where to write the collected figures")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    names = [n.strip() for n in args.only.split(",")] if args.only else list(plan)
    unknown = [n for n in names if n not in plan]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    results, failed = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            script = HERE / plan[name][0]
            if not script.exists():
                print(f"== {name}: {script.name} is missing, skipped", flush=True)
                continue
            cmd = [sys.executable, str(script), *plan[name][1:]]
            figures = Path(tmp) / f"{name}.json"
            if name in WRITES_JSON:
                cmd += ["--json", str(figures)]
            print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
            started = time.monotonic()
            code = subprocess.run(cmd).returncode
            results[name] = {"exit": code, "seconds": round(time.monotonic() - started, 1)}
            if figures.exists():
                results[name]["figures"] = json.loads(figures.read_text())
            if code:
                failed.append(name)
    Path(args.out).write_text(json.dumps(results, indent=2))
    print(f"figures in {args.out}; " + (f"FAILED: {', '.join(failed)}" if failed else "all benchmarks ran"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
