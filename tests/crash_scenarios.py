"""The jobs tests/crash.py kills: an import, a collection run against local sites, an analysis run.

Each builder returns a `crash.Scenario`. The import and collection jobs are functions run in
a forked child (what they need is imported and warmed up in the parent first, so a child
starts at once); the analysis job is a command line run in a fresh interpreter, because
forking the threaded test process with torch loaded can hang.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from tests.crash import Scenario, planted_text


def import_scenario(path: str | Path, story) -> Scenario:
    """`python -m collectors import`'s library call on a JSONL of planted rows."""
    def job(db: str) -> None:
        from collectors.importer import import_path
        from framelens.outlets import OutletRegistry
        from framelens.store import Store

        with Store(db) as store:
            import_path(store, path, story, OutletRegistry([]))

    return Scenario("import", job, story.id, planted=True)


def planted_web(folder: str | Path, n_sites: int = 10, pages: int = 6, seed: int = 0):
    """Fictional outlets on local ports serving pages with planted texts; returns (sites, urls file)."""
    from tests.sites import Site, page

    rng = random.Random(seed)
    sites = [Site(f"crashsite{i:02d}") for i in range(n_sites)]
    urls = []
    for site in sites:
        for k in range(pages):
            path = f"/2024/05/02/planted-{k}"
            site.route(path, (200, {}, page(f"Gadget ruling story {site.name} {k}", planted_text(rng, 80, 400))))
            urls.append(site.url(path))
    urls_file = Path(folder) / "planted-urls.txt"
    urls_file.write_text("\n".join(urls) + "\n")
    return sites, urls_file


def collect_scenario(urls_file: str | Path, story) -> Scenario:
    """A collection run (`urls` source) against local sites; extraction in-process."""
    from collectors import extract

    extract.extract_article("<html><body><p>Warm up the extractors before forking.</p></body></html>")

    def job(db: str) -> None:
        from collectors.http import Fetcher, FetchSettings
        from collectors.run import SourceConfig, run_collection
        from framelens.outlets import OutletRegistry
        from framelens.store import Store
        from tests.sites import resolve

        # In the child only: extraction in-process. Its own worker (a fresh interpreter per
        # run) would put most kills before the first write; bounded extraction is tested elsewhere.
        extract.extract_bounded = lambda html, url="", extractor="auto", timeout=20: \
            extract.extract_article(html, url, extractor)
        fetcher = Fetcher(FetchSettings(user_agent="framelens-test/0.1 (+https://framelens.example/contact)",
                                        total_timeout=10, host_delay=0.01, allow_private=True, backoff=0.1),
                          resolver=resolve)
        with Store(db) as store:
            report = run_collection(store, story, OutletRegistry([]), ["urls"], fetcher, urls_file=urls_file,
                                    config=SourceConfig(archive=False, workers=8))
        if report.total("failed"):
            raise RuntimeError("; ".join(report.summary_lines()))

    return Scenario("collect", job, story.id)


def analysis_scenario(corpus: str | Path | None = None) -> Scenario:
    """An analysis run (fake embedder) over an imported corpus, the demo story's by default."""
    from framelens.outlets import default_registry
    from framelens.settings import DEMO_CORPUS, STORIES_DIR
    from framelens.stories import load_story

    story = load_story(STORIES_DIR / "demo.yaml")
    corpus = Path(corpus or DEMO_CORPUS)

    def prepare(db: str) -> None:
        from collectors.importer import import_path
        from framelens.store import Store

        with Store(db) as store:
            store.upsert_outlets(o.row() for o in default_registry().outlets.values())
            import_path(store, corpus, story, default_registry())

    # A fresh interpreter per run: numpy/sklearn thread pools do not survive a fork from
    # the threaded test process (a forked child hung on an inherited lock).
    job = [sys.executable, "-c", "import sys; from tests.crash_scenarios import analyse_demo; analyse_demo(sys.argv[1])"]
    return Scenario("analysis", job, story.id, prepare=prepare)


def analyse_demo(db: str) -> None:
    """The analysis scenario's job: the demo story analysed with the fake embedder."""
    from analysis.embed import HashingEmbedder
    from analysis.pipeline import run_analysis
    from framelens.outlets import default_registry
    from framelens.settings import STORIES_DIR
    from framelens.stories import load_story
    from framelens.store import Store

    with Store(db) as store:
        run_analysis(store, load_story(STORIES_DIR / "demo.yaml"), embedder=HashingEmbedder(),
                     registry=default_registry())

