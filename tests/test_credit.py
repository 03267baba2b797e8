"""Provider credit: a story on an aggregator's page counts for the outlet the page credits
(metadata, a provider byline, a credit line, a wire dateline), with the aggregator kept as
where it was found. Every page and outlet here is fictional (.example)."""

from __future__ import annotations

import json

import pytest

from collectors.credit import provider_names
from collectors.importer import import_path
from framelens.outlets import Outlet, OutletRegistry

BODY = "".join(f"<p>Judge Ada Quill of the district court ruled on the gadget case on Tuesday, paragraph {i}, "
               "and the court said the gadget maker must wait for a full hearing.</p>" for i in range(6))


def _page(url: str, head: str = "", before: str = "", after: str = "") -> str:
    return (f'<html><head><title>Gadget ruling</title><link rel="canonical" href="{url}">{head}</head>'
            f"<body><article><h1>Gadget ruling</h1>{before}{BODY}<p>This copy ran at {url}.</p>{after}"
            "</article></body></html>")


LD = '<script type="application/ld+json">{}</script>'
PAGES = {
    # file: (html, outlet credited, found on)
    "jsonld": (_page("https://news.portal.example/a", LD.format(json.dumps(
        {"@type": "NewsArticle", "publisher": {"name": "Portal News"}, "provider": {"name": "Middle Post"}}))),
        "middle.example", "portal.example"),
    "graph": (_page("https://news.portal.example/b", LD.format(json.dumps(
        {"@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", "sourceOrganization": [{"name": "Rightway News"}]}]}))),
        "rightway.example", "portal.example"),
    "meta": (_page("https://news.portal.example/c", '<meta name="provider" content="Leftside Daily">'),
             "leftside.example", "portal.example"),
    "byline": (_page("https://news.portal.example/d", before='<div class="caas-attr-provider"><span>Rightway News'
                                                              "</span></div>"),
               "rightway.example", "portal.example"),
    "footer": (_page("https://news.portal.example/e", after="<p>Source: Leftside Daily</p>"),
               "leftside.example", "portal.example"),
    "nocredit": (_page("https://news.portal.example/f", '<meta property="og:site_name" content="Portal News">'),
                 "portal.example", ""),
    "unknown": (_page("https://news.portal.example/g", '<meta name="provider" content="Some Unregistered Herald">'),
                "portal.example", ""),
    # a newspaper running another outlet's copy keeps it: that is its own coverage
    "paper": (_page("https://leftside.example/h", LD.format(json.dumps({"provider": {"name": "Middle Post"}}))),
              "leftside.example", ""),
}


@pytest.fixture
def aggregator_registry(registry) -> OutletRegistry:
    registry.add(Outlet("portal.example", "Portal News", kind="aggregator"))
    return registry


def test_aggregator_pages_count_for_the_outlet_they_credit(tmp_path, store, story, aggregator_registry):
    folder = tmp_path / "pages"
    folder.mkdir()
    for name, (html, _, _) in PAGES.items():
        (folder / f"{name}.html").write_text(html, encoding="utf-8")
    report = import_path(store, folder, story, aggregator_registry)
    assert report.new == len(PAGES), report.problems
    got = {r["url"].rsplit("/", 1)[-1]: (r["domain"], r["found_on"]) for r in store.articles("gadget")}
    want = {html.split('canonical" href="')[1].split('"')[0].rsplit("/", 1)[-1]: (domain, found)
            for html, domain, found in PAGES.values()}
    assert got == want


@pytest.mark.parametrize("text, names", [
    ("- The Harbor Example Times - Thursday, May 2, 2024\nJudge Quill ruled.", ["The Harbor Example Times"]),
    ("FAIRVIEW (Middle Post) - Judge Quill ruled on Tuesday.", ["Middle Post"]),
    ("Judge Quill ruled.\nCopyright 2024 Rightway News, LLC. Click here for reprint permission.", ["Rightway News"]),
    ("Judge Quill ruled.\n© 2024 Leftside Daily. All rights reserved.", ["Leftside Daily"]),
    ("This article originally appeared on Leftside Daily.", ["Leftside Daily"]),
    ("Judge Quill ruled on the gadget case - and the maker will appeal.", []),
])
def test_credit_lines_in_the_text(text, names):
    assert provider_names(text=text) == names


def test_imported_rows_credit_from_their_text(tmp_path, store, story, aggregator_registry):
    text = "SPRINGFIELD (Middle Post) - Judge Ada Quill of the district court ruled on the gadget case. " * 3
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps({"url": "https://portal.example/r/1", "text": text}) + "\n"
                    + json.dumps({"url": "https://portal.example/r/2", "text": text.replace("(Middle Post)", "")})
                    + "\n", encoding="utf-8")
    import_path(store, path, story, aggregator_registry)
    got = sorted((r["url"], r["domain"], r["found_on"]) for r in store.articles("gadget"))
    assert got == [("https://portal.example/r/1", "middle.example", "portal.example"),
                   ("https://portal.example/r/2", "portal.example", "")]
