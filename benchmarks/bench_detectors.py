"""Detector quality: precision/recall/F1 per detector, the real model vs patterns only.

    .venv/bin/python benchmarks/bench_detectors.py [--no-demo] [--json OUT]

Three labelled sets; the first two scored twice in the same run:

- the dev set `analysis/devset.jsonl` (sentences and short paragraphs of our own, from
  fictional outlets, labelled with the parler-aws story's feature, descriptor and stance
  ids; hard cases: paraphrases and near-misses, attributed claims, quoted criticism in
  neutral news, opinion voice, descriptors of other actors), each item taken as an
  article (title first; opinion by kind or headline) through the detectors the pipeline
  uses (`analysis.article`);
- the bundled demo corpus (`data/demo/articles.jsonl`, imported into a temporary store and
  analysed with `run_analysis`) against `data/demo/labels.json`: features, key facts,
  frame, stance, syndication groups, and each quotation's extraction and fidelity grade.

- the probe sets `tests/fixtures/probe15/` (invented coverage of the parler-aws ruling in six
  languages, labelled by the real-coverage rules; tests/probe.py) through the public CLI
  (`collectors import`, `analysis run`, `analysis export`), with the model only.

Baseline: the same story with every prototype and negative prototype removed, so only
the patterns answer (`use_prototypes=False` on the dev set, a stripped copy of the story
for the demo run). Dev-set labels are complete: a feature or descriptor an item does
not list is absent. Articles the analysis marks not evaluated (another language) are left
out of the feature scores and counted separately.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from _common import ROOT, machine, write_json

DEVSET = ROOT / "analysis" / "devset.jsonl"
DEMO_LABELS = ROOT / "data" / "demo" / "labels.json"


# ---------------------------------------------------------------- scoring

def prf(tp: int, fp: int, fn: int) -> dict:
    """Precision, recall, F1 (1.0 when there is nothing to find and nothing was found)."""
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"p": round(p, 3), "r": round(r, 3), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 3),
            "tp": tp, "fp": fp, "fn": fn}


def score_sets(pairs: list[tuple[set, set]], ids: list[str]) -> dict:
    """Per-id P/R/F1 over (gold ids, predicted ids) pairs."""
    counts = {i: Counter() for i in ids}
    for gold, pred in pairs:
        for i in ids:
            counts[i]["tp" if i in gold and i in pred else "fp" if i in pred else "fn" if i in gold else "tn"] += 1
    return {i: prf(c["tp"], c["fp"], c["fn"]) for i, c in counts.items()}


def macro_f1(scores: dict) -> float:
    return round(sum(s["f1"] for s in scores.values()) / len(scores), 3) if scores else 0.0


def score_labels(gold: list[str], pred: list[str], labels: tuple[str, ...]) -> dict:
    out = score_sets([({g}, {p}) for g, p in zip(gold, pred)], list(labels))
    out["accuracy"] = round(sum(g == p for g, p in zip(gold, pred)) / len(gold), 3) if gold else 0.0
    return out


# ---------------------------------------------------------------- stories

def load_devset(path: Path = DEVSET) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def patterns_only(story):
    """The story with every prototype removed: the detectors answer by their patterns alone."""
    from analysis.article import story_detectors

    bare = copy.deepcopy(story)
    for d in story_detectors(bare):
        d.prototypes, d.negative_prototypes = [], []
    # Results are reused when the story file's hash matches the last run's: this is
    # another story, so it must not take the full story's results from the same store.
    bare.file_hash = f"{story.file_hash}+patterns-only"
    return bare


# ---------------------------------------------------------------- dev set

def analyse_items(story, items: list[dict], embedder, use_prototypes: bool = True) -> list[dict]:
    """Each item as an article (title first, opinion by kind or headline) through the pipeline's detectors."""
    from analysis.article import ArticleView, detectors_for_texts
    from analysis.genre import is_opinion
    from analysis.sentences import document_sentences

    views = []
    for it in items:
        sentences, has_title = document_sentences(it.get("title") or "", it["text"])
        row = {"kind": it.get("kind", "news"), "title": it.get("title") or "",
               "url": f"https://{it['outlet']}/{it['id']}"}
        views.append(ArticleView(sentences, has_title, is_opinion(row), True, "en"))
    detectors = detectors_for_texts(story, embedder, views, use_prototypes=use_prototypes)
    return [detectors.analyse(v) for v in views]


class MemoEmbedder:
    """Encodes each text once across the runs of this benchmark."""

    def __init__(self, inner):
        self.inner, self.name, self.memo = inner, inner.name, {}

    def encode(self, texts):
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            self.memo.update(zip(missing, self.inner.encode(missing)))
        return np.vstack([self.memo[t] for t in texts]) if texts else self.inner.encode([])


def score_devset(story, items: list[dict], payloads: list[dict]) -> dict:
    features = [f.id for f in story.features]
    descriptors = [f"{a}.{d.id}" for a, ds in story.descriptors.items() for d in ds]
    feat_pairs = [(set(it["features"]), {k for k, v in p["features"].items() if v["present"]})
                  for it, p in zip(items, payloads)]
    desc_pairs = [({f"{a}.{d}" for a, ds in it["descriptors"].items() for d in ds},
                   {f"{a}.{d}" for a, ds in p["descriptors"].items() for d in ds}) for it, p in zip(items, payloads)]
    framed = [(it["frame"], p["frame"]["primary"]) for it, p in zip(items, payloads) if it.get("frame")]
    return {"features": score_sets(feat_pairs, features), "descriptors": score_sets(desc_pairs, descriptors),
            "stance": score_labels([it["stance"] for it in items], [p["stance"]["label"] for p in payloads],
                                   ("critical", "neutral", "supportive")),
            "frame_accuracy": round(sum(g == p for g, p in framed) / len(framed), 3) if framed else None,
            "framed_items": len(framed), "misses": _misses(items, payloads)}


def _misses(items: list[dict], payloads: list[dict]) -> list[str]:
    out = []
    for it, p in zip(items, payloads):
        found = {k for k, v in p["features"].items() if v["present"]}
        desc = {f"{a}.{d}" for a, ds in p["descriptors"].items() for d in ds}
        gold_desc = {f"{a}.{d}" for a, ds in it["descriptors"].items() for d in ds}
        for kind, gold, pred in (("feature", set(it["features"]), found), ("descriptor", gold_desc, desc)):
            out += [f"{it['id']}: missed {kind} {x}" for x in sorted(gold - pred)]
            out += [f"{it['id']}: false {kind} {x}" for x in sorted(pred - gold)]
        if p["stance"]["label"] != it["stance"]:
            out.append(f"{it['id']}: stance {p['stance']['label']} (gold {it['stance']})")
        if it.get("frame") and p["frame"]["primary"] != it["frame"]:
            out.append(f"{it['id']}: frame {p['frame']['primary']} (gold {it['frame']})")
    return out


# ---------------------------------------------------------------- demo corpus

def analyse_demo(embedder) -> tuple[dict, dict]:
    """Import the demo corpus into a temporary store; analyse it with the story and with patterns only.

    Returns ({url: payload} with the model, {url: payload} patterns only).
    """
    from analysis.pipeline import run_analysis
    from collectors.importer import import_path
    from framelens.outlets import default_registry
    from framelens.settings import DEMO_CORPUS, STORIES_DIR
    from framelens.stories import load_story
    from framelens.store import Store

    story = load_story(STORIES_DIR / "demo.yaml")
    with tempfile.TemporaryDirectory(prefix="framelens-bench-") as tmp:
        store = Store(str(Path(tmp) / "demo.db"))
        store.upsert_outlets(o.row() for o in default_registry().outlets.values())
        import_path(store, DEMO_CORPUS, story, default_registry())
        urls = {a["id"]: a["url"] for a in store.articles(story.id, with_text=False)}
        runs = []
        for variant in (story, patterns_only(story)):
            run_analysis(store, variant, embedder=embedder)
            runs.append({urls[i]: p for i, p in store.article_results(story.id).items()})
        store.close()
    return runs[0], runs[1]


def score_demo(results: dict, labels: dict) -> dict:
    """Features (evaluated articles only), frame and stance accuracy, exact syndication groups."""
    features = sorted(next(iter(labels.values()))["features"])
    evaluated = [u for u in labels if results[u].get("evaluated", True)]
    pairs = [({f for f, v in labels[u]["features"].items() if v},
              {f for f, v in results[u]["features"].items() if v["present"]}) for u in evaluated]
    feats = score_sets(pairs, features)
    frame = [labels[u]["frame"] == results[u]["frame"]["primary"] for u in evaluated]
    stance = score_labels([labels[u]["stance"] for u in labels], [results[u]["stance"]["label"] for u in labels],
                          ("critical", "neutral", "supportive"))
    facts = score_key_facts(results, labels)
    return {"features": feats, "feature_macro_f1": macro_f1(feats),
            "key_facts": facts, "key_fact_macro_f1": macro_f1(facts), "quotes": score_quotes(results, labels),
            "frame_accuracy": round(sum(frame) / len(frame), 3), "stance": stance,
            "syndication_exact": syndication_partition(labels, "syndication_group") ==
            syndication_partition(results, "syndication_group", among=labels),
            "articles": len(labels), "not_evaluated": len(labels) - len(evaluated)}


def score_key_facts(results: dict, labels: dict) -> dict:
    """Key facts (what the Omissions page shows) on the evaluated articles labelled with them."""
    facts = sorted(next(iter(labels.values())).get("key_facts") or {})
    urls = [u for u in labels if "key_facts" in labels[u] and results[u].get("evaluated", True)]
    pairs = [({k for k, v in labels[u]["key_facts"].items() if v},
              {k for k, v in (results[u].get("key_facts") or {}).items() if (v or {}).get("present")}) for u in urls]
    return score_sets(pairs, facts)


FIDELITIES = ("exact", "close", "altered", "not_in_source")


def _quote_key(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _same_quote(gold: str, found: str) -> bool:
    """The same quotation, allowing the extractor to keep or drop a few edge characters."""
    g, f = _quote_key(gold), _quote_key(found)
    if not g or not f:
        return False
    short, long = sorted((g, f), key=len)
    return short in long and len(short) >= 0.8 * len(long)


def score_quotes(results: dict, labels: dict) -> dict:
    """Quote extraction (P/R/F1 of the quotations found) and fidelity grading of the ones
    found, against the labelled quotes of every article that has them."""
    tp = fp = fn = 0
    confusion = {g: Counter() for g in FIDELITIES}
    misses = []
    for url in (u for u in labels if "quotes" in labels[u]):
        found = list((results[url].get("quotes") or []))
        used: set[int] = set()
        for q in labels[url]["quotes"]:
            hit = next((i for i, f in enumerate(found) if i not in used and _same_quote(q["quote"], f["text"])), None)
            if hit is None:
                fn += 1
                misses.append(f"{url}: missed quote {q['quote'][:60]!r}")
                continue
            used.add(hit)
            tp += 1
            graded = found[hit].get("fidelity")
            confusion[q["fidelity"]][graded] += 1
            if graded != q["fidelity"]:
                misses.append(f"{url}: {q['quote'][:60]!r} graded {graded} (gold {q['fidelity']})")
        for i, f in enumerate(found):
            if i not in used:
                fp += 1
                misses.append(f"{url}: extra quote {f['text'][:60]!r} ({f.get('fidelity')})")
    gold = [g for g in FIDELITIES for _ in range(sum(confusion[g].values()))]
    pred = [p for g in FIDELITIES for p, n in sorted(confusion[g].items()) for _ in range(n)]
    return {"extraction": prf(tp, fp, fn), "fidelity": score_labels(gold, pred, FIDELITIES),
            "confusion": {g: dict(c) for g, c in confusion.items()}, "misses": misses}


def syndication_partition(rows: dict, key: str, among: dict | None = None) -> list[list[str]]:
    """The groups (as sorted URL lists) of the articles that belong to one."""
    groups: dict[str, list[str]] = {}
    for url in sorted(among or rows):
        if rows[url].get(key):
            groups.setdefault(rows[url][key], []).append(url)
    return sorted(groups.values())


# ---------------------------------------------------------------- report

def print_table(title: str, model: dict, base: dict) -> None:
    print(f"\n{title}")
    print(f"  {'detector':34} {'model P/R/F1':>18}   {'patterns P/R/F1':>18}  support")
    for key in model:
        if key == "accuracy":
            continue
        m, b = model[key], base[key]
        print(f"  {key:34} {m['p']:5.2f} {m['r']:5.2f} {m['f1']:5.2f}    {b['p']:5.2f} {b['r']:5.2f} {b['f1']:5.2f}"
              f"  {m['tp'] + m['fn']:4d}")


def run(with_demo: bool = True) -> dict:
    from analysis.embed import SentenceEmbedder
    from framelens.settings import STORIES_DIR
    from framelens.stories import load_story

    story = load_story(STORIES_DIR / "parler-aws.yaml")
    items = load_devset()
    embedder = MemoEmbedder(SentenceEmbedder())
    out: dict = {"machine": machine(), "devset_items": len(items)}
    model = score_devset(story, items, analyse_items(story, items, embedder))
    base = score_devset(story, items, analyse_items(story, items, embedder, use_prototypes=False))
    print(f"dev set: {len(items)} items ({DEVSET.relative_to(ROOT)}), story parler-aws")
    for part in ("features", "descriptors"):
        print_table(f"{part} (model vs patterns only)", model[part], base[part])
        print(f"  macro-F1: model {macro_f1(model[part]):.3f}, patterns only {macro_f1(base[part]):.3f}")
    print_table("stance (author's voice)", model["stance"], base["stance"])
    print(f"  accuracy: model {model['stance']['accuracy']:.3f}, patterns only {base['stance']['accuracy']:.3f}")
    if model["framed_items"]:
        print(f"\nprimary frame ({model['framed_items']} items labelled): "
              f"accuracy model {model['frame_accuracy']:.3f}, patterns only {base['frame_accuracy']:.3f}")
    print("\nmodel errors on the dev set:\n  " + "\n  ".join(model["misses"] or ["none"]))
    out["devset"] = {"model": model, "patterns_only": base,
                     "macro_f1": {p: {"model": macro_f1(model[p]), "patterns_only": macro_f1(base[p])}
                                  for p in ("features", "descriptors")}}
    if with_demo:
        labels = json.loads(DEMO_LABELS.read_text(encoding="utf-8"))
        with_model, bare = analyse_demo(embedder.inner)
        demo = {"model": score_demo(with_model, labels), "patterns_only": score_demo(bare, labels)}
        m, b = demo["model"], demo["patterns_only"]
        print(f"\ndemo corpus: {m['articles']} articles ({m['not_evaluated']} not evaluated: other language)")
        print_table("demo features (model vs patterns only)", m["features"], b["features"])
        if m["key_facts"]:
            print_table("demo key facts (model vs patterns only)", m["key_facts"], b["key_facts"])
        quotes = m["quotes"]
        if quotes["extraction"]["tp"] + quotes["extraction"]["fn"]:
            e, fid = quotes["extraction"], quotes["fidelity"]
            print(f"\ndemo quotes: {e['tp'] + e['fn']} labelled; extraction P {e['p']:.2f} R {e['r']:.2f} "
                  f"F1 {e['f1']:.2f}; fidelity of the {e['tp']} found: accuracy {fid['accuracy']:.3f}")
            print("  gold \\ graded   " + " ".join(f"{g:>14}" for g in FIDELITIES))
            for g in FIDELITIES:
                print(f"  {g:16} " + " ".join(f"{quotes['confusion'][g].get(p, 0):>14}" for p in FIDELITIES))
            print("  quote errors:\n    " + "\n    ".join(quotes["misses"] or ["none"]))
        for name, get in (("feature macro-F1", lambda s: s["feature_macro_f1"]),
                          ("key-fact macro-F1", lambda s: s["key_fact_macro_f1"]),
                          ("frame accuracy", lambda s: s["frame_accuracy"]),
                          ("stance accuracy", lambda s: s["stance"]["accuracy"]),
                          ("syndication groups exact", lambda s: s["syndication_exact"])):
            print(f"  {name:26} model {get(m)!s:6}  patterns only {get(b)!s:6}")
        out["demo"] = demo
    out["probe"] = run_probe()
    return out


def run_probe() -> dict:
    """The probe batches through the public CLI; prints their figures and misses."""
    from tests.probe import PROBE, load_probe, run_cli, score_probe

    out = {}
    with tempfile.TemporaryDirectory(prefix="framelens-probe-") as tmp:
        for name, folder in (("first", PROBE), ("fresh", PROBE / "fresh"), ("third", PROBE / "third")):
            rows, labels = load_probe(folder)
            work = Path(tmp) / name
            work.mkdir()
            fig = score_probe(rows, labels, run_cli(rows, work))
            print(f"\nprobe {name} ({fig['articles']} articles, {folder.relative_to(ROOT)}), model: "
                  + ", ".join(f"{k} {fig[k]:.3f}" for k in ("features_macro_f1", "frame_accuracy", "frame_macro_f1",
                                                            "stance_macro_f1", "descriptor_f1")))
            print("  " + "\n  ".join(fig["errors"] or ["no misses"]))
            out[name] = fig
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-demo", action="store_true", help="score the dev set only")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    write_json(args.json, run(with_demo=not args.no_demo))
    return 0


if __name__ == "__main__":
    sys.exit(main())
