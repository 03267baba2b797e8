"""The probe set: invented coverage of the parler-aws ruling, scored through the public CLI.

Shared by tests/test_probe.py (floors) and benchmarks/bench_detectors.py (the third set).
`tests/fixtures/probe15/` holds thirty short articles of our own (wire copy, a tech site, a
legal newsletter, opinion from both sides, a radio transcript, a business angle, an
aggregator repost, and twelve in French, Italian, Spanish, Portuguese and German) from
fictional `.example` outlets, labelled by the rules of the real-coverage development set:
literal features, meaning-level features, Parler's descriptors, the primary frame and the
author's stance. They are written to say things in other words than the story file's
examples, so the figures show how far the detectors carry beyond what they were tuned on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = ROOT / "tests" / "fixtures" / "probe15"
FRAMES = ("legal_procedural", "public_safety", "free_speech", "big_tech_power", "partisan_judge", "other")
STANCES = ("critical", "neutral", "supportive")


def load_probe(folder: Path = PROBE) -> tuple[list[dict], dict[str, dict]]:
    """The probe's import rows and its labels by article id."""
    rows = [json.loads(line) for line in (folder / "articles.jsonl").read_text(encoding="utf-8").splitlines() if line]
    labels = [json.loads(line) for line in (folder / "labels.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return rows, {lab["id"]: lab for lab in labels}


def run_cli(rows: list[dict], work: Path, story: str = "parler-aws", timeout: int = 900) -> dict[str, dict]:
    """Import, analyse and export `rows` as a user would; the exported records by URL."""
    src, db, out = work / "probe.jsonl", str(work / "probe.db"), work / "out"
    src.write_text("".join(json.dumps({k: r.get(k) for k in ("url", "title", "published", "role", "text")},
                                      ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    for cmd in (["collectors", "import", str(src)], ["analysis", "run"],
                ["analysis", "export", "--out", str(out), "--format", "json"]):
        done = subprocess.run([sys.executable, "-m", *cmd, "--story", story, "--db", db], cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd)} exited {done.returncode}: {(done.stderr or done.stdout)[-600:]}")
    records = json.loads((out / "articles.json").read_text(encoding="utf-8"))
    return {r["url"]: r for r in records}


def f1(tp: int, fp: int, fn: int) -> float:
    """F1 from counts: 1 when there was nothing to find and nothing was found, 0 when nothing was found right."""
    if not tp + fp + fn:
        return 1.0
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def label_f1(gold: list[str], pred: list[str], classes: tuple[str, ...]) -> float:
    """Macro-F1 over the classes that occur in `gold`."""
    scores = [f1(sum(g == c == p for g, p in zip(gold, pred)), sum(p == c != g for g, p in zip(gold, pred)),
                 sum(g == c != p for g, p in zip(gold, pred))) for c in classes if c in gold]
    return sum(scores) / len(scores) if scores else 0.0


def score_probe(rows: list[dict], labels: dict[str, dict], got: dict[str, dict]) -> dict:
    """Feature F1s and macro-F1, frame and stance accuracy and macro-F1, descriptor F1, and every miss."""
    pairs = [(labels[r["id"]], got[r["url"]], r) for r in rows if r["id"] in labels]
    errors: list[str] = []
    out = {"articles": len(pairs), "feature_f1": _feature_f1(pairs, errors)}
    out["features_macro_f1"] = sum(out["feature_f1"].values()) / len(out["feature_f1"])
    for part, key, classes in (("frame", "primary", FRAMES), ("stance", "label", STANCES)):
        gold = [lab[part] for lab, _, _ in pairs]
        pred = [(rec.get(part) or {}).get(key) for _, rec, _ in pairs]
        out[f"{part}_accuracy"] = sum(g == p for g, p in zip(gold, pred)) / len(pairs)
        out[f"{part}_macro_f1"] = label_f1(gold, pred, classes)
        errors += [f"{part:8} {r['id']:18} gold={g} got={p}" for (_, _, r), g, p in zip(pairs, gold, pred) if g != p]
    out["descriptor_f1"] = _descriptor_f1(pairs, errors)
    out["errors"] = errors
    return out


def _feature_f1(pairs: list[tuple], errors: list[str]) -> dict[str, float]:
    ids = sorted(pairs[0][0]["features"])
    scores = {}
    for fid in ids:
        tp = fp = fn = 0
        for lab, rec, row in pairs:
            gold, pred = lab["features"][fid], bool(((rec.get("features") or {}).get(fid) or {}).get("present"))
            tp, fp, fn = tp + (gold and pred), fp + (pred and not gold), fn + (gold and not pred)
            if gold != pred:
                errors.append(f"feature  {row['id']:18} {fid} gold={gold} got={pred}")
        scores[fid] = round(f1(tp, fp, fn), 3)
    return scores


def _descriptor_f1(pairs: list[tuple], errors: list[str]) -> float:
    tp = fp = fn = 0
    for lab, rec, row in pairs:
        gold = set(lab["descriptors"].get("parler", []))
        pred = set((rec.get("descriptors") or {}).get("parler") or [])
        tp, fp, fn = tp + len(gold & pred), fp + len(pred - gold), fn + len(gold - pred)
        if gold != pred:
            errors.append(f"descr    {row['id']:18} missing={sorted(gold - pred)} extra={sorted(pred - gold)}")
    return f1(tp, fp, fn)


def main(argv: list[str] | None = None) -> int:
    """Score the probe and print its figures and misses (`python tests/probe.py [FOLDER]`)."""
    import tempfile

    args = sys.argv[1:] if argv is None else argv
    rows, labels = load_probe(Path(args[0]) if args else PROBE)
    with tempfile.TemporaryDirectory(prefix="framelens-probe-") as tmp:
        figures = score_probe(rows, labels, run_cli(rows, Path(tmp)))
    print("\n".join(figures.pop("errors")) or "no misses")
    for key, value in figures.items():
        print(f"{key}: {round(value, 3) if isinstance(value, float) else value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
