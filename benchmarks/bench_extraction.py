"""Score article extraction against expected text: ours vs trafilatura alone (and newspaper4k).

    .venv/bin/python benchmarks/bench_extraction.py [DIR] [--json OUT.json]

DIR holds pairs `{name}.html` + `{name}.txt` (the expected article text, UTF-8); the
default is tests/pages (the saved pages of fictional outlets the tests use). For each extractor
it prints the mean token F1 (bag of tokens), the mean 4-gram F1 (word 4-grams, as in
the public article-extraction benchmarks), ms per page, and each score as a ratio of
trafilatura's. CJK text is tokenised per character.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall((text or "").lower())


def f1(predicted: list, expected: list) -> float:
    """F1 of two multisets (1.0 when both are empty)."""
    if not predicted and not expected:
        return 1.0
    overlap = sum((Counter(predicted) & Counter(expected)).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / len(predicted), overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


def ngrams(words: list[str], n: int = 4) -> list[tuple]:
    return [tuple(words[i:i + n]) for i in range(max(0, len(words) - n + 1))] or [tuple(words)]


def score(predicted: str, expected: str) -> tuple[float, float]:
    """(token F1, 4-gram F1)."""
    p, e = tokens(predicted), tokens(expected)
    return f1(p, e), f1(ngrams(p), ngrams(e))


def extractors() -> dict:
    from collectors.charset import decode_html
    from collectors.extract import extract_article

    def trafilatura_alone(data: bytes) -> str:
        import trafilatura

        return trafilatura.extract(decode_html(data)) or ""

    def trafilatura_no_comments(data: bytes) -> str:
        import trafilatura

        return trafilatura.extract(decode_html(data), include_comments=False) or ""

    return {
        "trafilatura": trafilatura_alone,
        "trafilatura-nocomments": trafilatura_no_comments,
        "newspaper": lambda data: extract_article(data, extractor="newspaper").text,
        "ours (auto)": lambda data: extract_article(data).text,
    }


def load_pairs(folder: Path) -> list[tuple[str, bytes, str]]:
    pairs = []
    for html in sorted(folder.glob("*.html")):
        expected = html.with_suffix(".txt")
        if expected.is_file():
            pairs.append((html.stem, html.read_bytes(), expected.read_text(encoding="utf-8")))
    return pairs


def run(folder: Path) -> dict:
    pairs = load_pairs(folder)
    if not pairs:
        raise SystemExit(f"{folder}: no {{name}}.html + {{name}}.txt pairs")
    results = {}
    for name, extract in extractors().items():
        for _, data, _ in pairs:  # warm up lazy imports (htmldate loads dateparser late) first
            extract(data)
        tok, gram, pages = [], [], {}
        start = time.perf_counter()
        for page, data, expected in pairs:
            t, g = score(extract(data), expected)
            tok.append(t)
            gram.append(g)
            pages[page] = round(g, 3)
        ms = (time.perf_counter() - start) * 1000 / len(pairs)
        results[name] = {"token_f1": statistics.mean(tok), "ngram4_f1": statistics.mean(gram),
                         "ms_per_page": ms, "pages": pages}
    return {"folder": str(folder), "pages": len(pairs), "results": results}


def report(summary: dict) -> str:
    base = summary["results"]["trafilatura"]
    lines = [f"{summary['pages']} pages in {summary['folder']}",
             f"{'extractor':<24}{'token F1':>10}{'4-gram F1':>11}{'ms/page':>10}"
             f"{'tokF1/traf':>12}{'4gF1/traf':>11}{'time/traf':>11}"]
    for name, r in summary["results"].items():
        lines.append(f"{name:<24}{r['token_f1']:>10.3f}{r['ngram4_f1']:>11.3f}{r['ms_per_page']:>10.1f}"
                     f"{r['token_f1'] / max(base['token_f1'], 1e-9):>12.3f}"
                     f"{r['ngram4_f1'] / max(base['ngram4_f1'], 1e-9):>11.3f}"
                     f"{r['ms_per_page'] / max(base['ms_per_page'], 1e-9):>11.2f}")
    worst = sorted(summary["results"]["ours (auto)"]["pages"].items(), key=lambda kv: kv[1])[:3]
    lines.append("ours, lowest 4-gram F1: " + ", ".join(f"{p} {s:.3f}" for p, s in worst))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=str(ROOT / "tests" / "pages"))
    parser.add_argument("--json", help="also write the scores to this file")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    summary = run(Path(args.folder))
    print(report(summary))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
