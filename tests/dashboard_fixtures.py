"""A synthetic story database for the dashboard and export tests (and the benchmark).

Fictional outlets only (`.example` domains). Articles are written with `Store.add_article`
and their analysis results with `Store.replace_results`, in the format of
docs/results-format.md, so the pages are tested without running the analysis.
"""

from __future__ import annotations

import random
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

from framelens.records import ArticleRecord, FetchOutcome
from framelens.store import Store

STORY_ID = "widget"

STORY_YAML = textwrap.dedent("""\
    title: The Widget ruling (test story)
    description: A fictional ruling about WidgetCo, used by the dashboard tests.
    dates: {start: 2024-05-01, end: 2024-05-20}
    query:
      keywords: [widget ruling]
    primary_source: {url: "https://court.example/widget-order", title: Order on the Widget motion}
    actors:
      widgetco: {label: WidgetCo, aliases: [Widget Company]}
    features:
      - {id: names_judge, label: Names the judge, description: Names the judge who ruled, patterns: ['Judge Quill']}
      - {id: censorship, label: Calls it censorship, patterns: ['censor']}
      - {id: violence, label: Mentions violent posts, patterns: ['violent']}
    frames:
      - {id: legal, label: Legal process, patterns: ['court']}
      - {id: safety, label: Public safety, patterns: ['safety']}
      - {id: speech, label: Free speech, patterns: ['speech']}
      - {id: other, label: Other}
    stance:
      target: the ruling
      labels:
        critical: {label: Critical, patterns: ['outrage']}
        neutral: {label: Neutral}
        supportive: {label: Supportive, patterns: ['right call']}
    descriptors:
      widgetco:
        - {id: upstart, label: upstart, patterns: ['upstart']}
        - {id: controversial, label: controversial, patterns: ['controversial']}
    key_facts:
      - {id: denied, label: Motion denied, statement: The court denied the motion., patterns: ['denied']}
      - {id: appeal, label: Appeal possible, statement: WidgetCo may appeal., patterns: ['appeal']}
      - {id: damages, label: Damages claim survives, statement: The damages claim goes on., patterns: ['damages']}
    """)

OUTLETS = [
    # domain, name, lean, kind
    ("harborledger.example", "Harbor Ledger", "left", "national"),
    ("bluefinch.example", "Bluefinch Review", "lean-left", "opinion"),
    ("meridianwire.example", "Meridian Wire", "center", "wire"),
    ("plainsgazette.example", "Plains Gazette", "center", "regional"),
    ("redoakpost.example", "Red Oak Post", "lean-right", "national"),
    ("ironbell.example", "Iron Bell Daily", "right", "opinion"),
    ("byteharbor.example", "Byte Harbor", "unrated", "tech"),
    ("estrella.example", "La Estrella Ficticia", "center", "foreign"),
]

HOSTILE_OUTLETS = [
    ("dotdot.example", "../../etc/cron.d/x", "left", "national"),
    ("con.example", "CON", "right", "national"),
    ("slash.example", "a/b", "center", "regional"),
    ("long.example", "L" * 300, "lean-right", "national"),
    ("xss.example", "<img src=x onerror=alert('outlet')>", "lean-left", "opinion"),
]

FORMULA_LIKE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
HOSTILE_TITLES = [
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(2)>",
    "[x](javascript:alert(3))",
    '"><script>alert(4)</script><a href="',
    '=HYPERLINK("http://evil.example","x")',
    "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
    'a cell with\nnewlines, "quotes", and commas',
    "W" * 40000,
    ":red[not red] $x^2$ :smile: # not a heading",  # Streamlit Markdown directives stay literal
]

SENTENCES = {
    "names_judge": "Judge Ada Quill, appointed by a former governor, wrote the order.",
    "censorship": "Critics called the suspension an act of censorship by the host.",
    "violence": "The host cited violent posts that threatened officials.",
    "denied": "The court denied WidgetCo's motion for an injunction.",
    "appeal": "WidgetCo said it may appeal the decision.",
    "damages": "The damages claim will go on to trial.",
    "upstart": "WidgetCo, an upstart platform, had grown fast.",
    "controversial": "The controversial platform drew scrutiny.",
}
FILLER = "The hearing lasted two hours. Lawyers for both sides spoke. The order runs 18 pages."
PASSAGES = ["The motion for a preliminary injunction is denied.",
            "The court rejects any suggestion that the public interest favors requiring the host to carry "
            "violent content.",
            "The plaintiff has not shown a likelihood of success on the merits."]
FRAMES = ["legal", "safety", "speech", "other"]
STANCES = ["critical", "neutral", "supportive"]
START = datetime(2024, 5, 2, 12, tzinfo=timezone.utc)


def write_story(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{STORY_ID}.yaml"
    path.write_text(STORY_YAML, encoding="utf-8")
    return path


def rate_twice(db: str, domain: str = "harborledger.example") -> None:
    """Give one outlet two fictional raters who disagree (Rater One: left, Rater Two: center)."""
    with Store(db) as store:
        rows = {o["domain"]: o for o in store.outlet_rows()}
        store.upsert_outlets([dict(rows[domain], ratings=[
            {"rater": "Rater One", "lean": "left", "as_of": "2024-03", "url": "https://raters.example/one"},
            {"rater": "Rater Two", "lean": "center", "as_of": "2023", "url": ""}])])


def _outlet_rows(outlets) -> list[dict]:
    return [{"domain": d, "name": n, "lean": lean, "kind": k, "country": "US",
             "lean_source": "fictional (tests)", "demo": False} for d, n, lean, k in outlets]


def _choose_items(rng: random.Random, lean: str) -> dict[str, bool]:
    """Lean-dependent features so the comparisons show real differences."""
    rightish = lean in ("lean-right", "right")
    leftish = lean in ("left", "lean-left")
    return {"names_judge": rightish or rng.random() < 0.15, "censorship": rightish and rng.random() < 0.8,
            "violence": leftish or rng.random() < 0.3, "denied": True, "appeal": rng.random() < 0.5,
            "damages": leftish and rng.random() < 0.7, "upstart": rng.random() < 0.4,
            "controversial": leftish}


def _article(rng: random.Random, i: int, domain: str, lean: str, title: str | None) -> tuple[ArticleRecord, dict]:
    items = _choose_items(rng, lean)
    text = " ".join([SENTENCES[k] for k, on in items.items() if on] + [FILLER] + [f"Article number {i}."])
    rec = ArticleRecord(url=f"https://{domain}/story/{i}", text=text, title=title or f"Widget ruling story {i}",
                        published=START + timedelta(hours=7 * i % (24 * 12)), source="import",
                        extractor="trafilatura", language="es" if domain.startswith("estrella") else "en")
    return rec, items


def _payload(rng: random.Random, items: dict[str, bool], lean: str, language: str, cluster: int) -> dict:
    evaluated = language == "en"
    pres = lambda k: (items[k] if evaluated else None)  # noqa: E731
    quote_pick = rng.randrange(len(PASSAGES))
    fidelity = rng.choice(["exact", "exact", "close", "altered", "not_in_source"])
    quote_text = PASSAGES[quote_pick] if fidelity != "altered" else PASSAGES[quote_pick].replace("denied", "rejected")
    return {
        "features": {k: {"present": pres(k), "score": 0.9 if items[k] else 0.1,
                         "evidence": [SENTENCES[k]] if items[k] and evaluated else []}
                     for k in ("names_judge", "censorship", "violence")},
        "frame": {"primary": FRAMES[cluster % 4], "scores": {f: round(rng.random(), 3) for f in FRAMES},
                  "evidence": [SENTENCES["denied"]], "basis": "headline and lead"},
        "stance": {"label": STANCES[0 if lean in ("right", "lean-right") else rng.randrange(1, 3)], "score": 0.7,
                   "evidence": [SENTENCES["censorship"]] if items["censorship"] else []},
        "genre": {"label": "opinion" if items["censorship"] else "news",
                  "source": "text", "evidence": [SENTENCES["censorship"]] if items["censorship"] else []},
        "descriptors": {"widgetco": [k for k in ("upstart", "controversial") if items[k]]},
        "descriptor_evidence": {"widgetco": {k: [SENTENCES[k]] for k in ("upstart", "controversial") if items[k]}},
        "key_facts": {k: {"present": pres(k), "evidence": [SENTENCES[k]] if items[k] and evaluated else []}
                      for k in ("denied", "appeal", "damages")},
        "quotes": [{"text": quote_text, "fidelity": fidelity,
                    "source_passage": PASSAGES[quote_pick] if fidelity != "not_in_source" else None,
                    "similarity": 1.0 if fidelity == "exact" else 0.8}],
        "syndication_group": None, "syndication_original": True,
        "cluster": cluster, "x": round(rng.gauss(cluster * 3, 1), 3), "y": round(rng.gauss(cluster % 2, 1), 3),
        "language": language, "evaluated": evaluated,
        "_quote": (quote_pick, fidelity)}


def populate(db: str, n_articles: int = 40, hostile: bool = False, seed: int = 7, story_id: str = STORY_ID) -> dict:
    """Fill `db` with a story of n articles plus results; returns {'ids': [...], 'titles': [...]}."""
    rng = random.Random(seed)
    outlets = OUTLETS + (HOSTILE_OUTLETS if hostile else [])
    titles = list(HOSTILE_TITLES) if hostile else []
    with Store(db) as store:
        store.upsert_outlets(_outlet_rows(outlets) + _outlet_rows([("court.example", "Court", "unrated", "legal")]))
        primary = ArticleRecord(url="https://court.example/widget-order", text=" ".join(PASSAGES), title="Order",
                                role="primary_source", published=START)
        source_id = store.add_article(story_id, primary, primary.url, "court.example")[1]
        payloads, written = {}, []
        for i in range(n_articles):
            domain, _name, lean, _kind = outlets[i % len(outlets)]
            rec, items = _article(rng, i, domain, lean, titles[i] if i < len(titles) else None)
            status, aid = store.add_article(story_id, rec, rec.url, domain)
            payloads[aid] = _payload(rng, items, lean, rec.language, cluster=i % 3)
            written.append((aid, rec))
        if hostile:
            rec = ArticleRecord(url="javascript:alert(document.domain)", text=FILLER + " " + SENTENCES["violence"],
                                title="A link that must not be a link", published=START, language="en")
            aid = store.add_article(story_id, rec, rec.url, "xss.example")[1]
            payloads[aid] = _payload(rng, _choose_items(rng, "lean-left"), "lean-left", "en", cluster=0)
            written.append((aid, rec))
        _syndicate(payloads, [aid for aid, rec in written if rec.url.startswith("https://meridianwire")])
        store.replace_results(story_id, {a: {k: v for k, v in p.items() if k != "_quote"} for a, p in payloads.items()},
                              _story_results(payloads, source_id, written))
        _add_run(store, story_id)
    return {"ids": [a for a, _ in written], "titles": [r.title for _, r in written], "source_id": source_id}


def _syndicate(payloads: dict, wire_ids: list[int]) -> None:
    """The wire's articles are copied by the next outlet's articles: one group per wire story."""
    ids = sorted(payloads)
    for n, wire in enumerate(wire_ids[:3]):
        copy = ids[ids.index(wire) + 1] if ids.index(wire) + 1 < len(ids) else None
        payloads[wire].update(syndication_group=f"g{n}", syndication_original=True)
        if copy:
            payloads[copy].update(syndication_group=f"g{n}", syndication_original=False)


def _story_results(payloads: dict, source_id: int, written) -> dict:
    ids = sorted(payloads)
    groups: dict[str, list[int]] = {}
    for aid, p in payloads.items():
        if p["syndication_group"]:
            groups.setdefault(p["syndication_group"], []).append(aid)
    passages = [{"index": i, "text": t, "quoted_by": [{"article_id": a, "fidelity": p["_quote"][1]}
                                                       for a, p in payloads.items() if p["_quote"][0] == i
                                                       and p["_quote"][1] != "not_in_source"]}
                for i, t in enumerate(PASSAGES)]
    terms = {"left": {"violent": 30, "threat": 12, "ruling": 20, "court": 18},
             "lean-left": {"violent": 10, "ruling": 9, "court": 7},
             "center": {"ruling": 25, "court": 25, "motion": 10},
             "lean-right": {"censorship": 14, "ruling": 8, "judge": 9},
             "right": {"censorship": 33, "judge": 20, "ruling": 10, "tyranny": 6}}
    return {
        "provenance": {"model": "test-model", "analysis_version": "test", "story_file_hash": "abc123",
                       "computed_at": "2024-05-21T00:00:00+00:00", "article_count": len(ids),
                       "extractors": {"trafilatura": len(ids)},
                       "content_hashes": {str(a): r.content_hash for a, r in written}},
        "clusters": [{"id": c, "label": f"{FRAMES[c]} coverage", "terms": [FRAMES[c], "ruling"],
                      "typical_article_id": ids[c], "size": sum(1 for p in payloads.values() if p["cluster"] == c)}
                     for c in range(3)],
        "talking_points": [{"id": "tp1", "label": "Host acted within its contract",
                            "sentence": "The contract let the host suspend the account.", "article_ids": ids[::3]}],
        "quote_passages": {"source_article_id": source_id, "passages": passages},
        "syndication": [{"group": g, "article_ids": m, "original_article_id": m[0], "kind": "wire"}
                        for g, m in groups.items()],
        "term_counts": {"lean": terms, "kind": {"national": {"ruling": 30, "court": 20}, "opinion": {"censorship": 20}},
                        "doc_counts": {"lean": {k: 5 for k in terms}, "kind": {"national": 10, "opinion": 8}}},
        "words_left_right": [{"term": "violent", "z": 4.2, "delta": 1.3, "count_a": 40, "count_b": 2, "stable": True},
                             {"term": "censorship", "z": -5.1, "delta": -1.8, "count_a": 1, "count_b": 47,
                              "stable": True},
                             {"term": "ruling", "z": 0.3, "delta": 0.1, "count_a": 29, "count_b": 18,
                              "stable": False}],
    }


def _add_run(store: Store, story_id: str) -> None:
    run = store.start_run(story_id, "collect", "rss,urls")
    store.record_fetches(run, [
        FetchOutcome("https://harborledger.example/story/1", "rss", "new", "harborledger.example"),
        FetchOutcome("https://ironbell.example/x", "rss", "failed", "ironbell.example", "HTTP 503", 503),
        FetchOutcome("https://ironbell.example/y", "rss", "failed", "ironbell.example", "HTTP 503", 503),
        FetchOutcome("https://plainsgazette.example/z", "urls", "irrelevant", "plainsgazette.example")])
    store.finish_run(run, "ok", {"new": 1, "failed": 2})
