"""Sources against local servers: seeds and the web-archive fallback, GDELT's quirks,
Google News link resolution, front-page discovery, RSS filtering. All offline.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import textwrap

import pytest

from collectors.frontpages import FrontPageSource, article_links
from collectors.gdelt import GdeltSource, parse_artlist
from collectors.gnews import GoogleNewsSource, decode_article_id
from collectors.http import Fetcher, FetchSettings
from collectors.rss import RssSource
from collectors.run import SourceConfig, run_collection
from collectors.urls import read_url_file
from framelens.outlets import Outlet, OutletRegistry
from framelens.stories import load_story
from tests.conftest import MINI_STORY
from tests.sites import FILLER, RELEVANT, FakeOutlet, Site, page, resolve, rss_feed

TEST_UA = "framelens-test/0.1 (+https://framelens.example/contact)"


@pytest.fixture
def fetcher():
    return Fetcher(FetchSettings(user_agent=TEST_UA, total_timeout=10, host_delay=0.01, tries=3,
                                 retry_after_cap=5, allow_private=True, backoff=0.1), resolver=resolve)


@pytest.fixture
def sites():
    started = []

    def start(*args, **kwargs):
        site = (FakeOutlet if args and isinstance(args[0], int) else Site)(*args, **kwargs)
        started.append(site)
        return site

    yield start
    for site in started:
        site.close()


def write_story(stories_dir, extra: str) -> object:
    (stories_dir / "gadget.yaml").write_text(MINI_STORY + textwrap.dedent(extra), encoding="utf-8")
    return load_story("gadget")


def archive_config(archive: Site) -> SourceConfig:
    return SourceConfig(archive_api=archive.base, archive_web=archive.base, workers=4)


ARTICLE_TEXT = RELEVANT + FILLER * 3


# ---- seeds and the web archive ------------------------------------------------------------------


def _wayback(archive: Site, snapshots: dict[str, bytes], cdx: dict[str, bytes] | None = None) -> None:
    """Play the availability API, the CDX index and the raw snapshots for some URLs."""
    def available(req):
        url = req.query["url"][0]
        if url not in snapshots:
            return 200, {"Content-Type": "application/json"}, b'{"archived_snapshots": {}}'
        closest = {"available": True, "status": "200", "timestamp": "20240502093000",
                   "url": f"{archive.base}/web/20240502093000/{url}"}
        return 200, {"Content-Type": "application/json"}, json.dumps({"archived_snapshots": {"closest": closest}}).encode()

    def cdx_index(req):
        url = req.query["url"][0]
        rows = [["timestamp", "original", "statuscode"]] + ([["20240503120000", url, "200"]] if url in (cdx or {}) else [])
        return 200, {"Content-Type": "application/json"}, json.dumps(rows).encode()

    def snapshot(req):
        if "id_/" not in req.path:
            return 200, {}, b"<html><body>archive toolbar wrapper, not the raw page</body></html>"
        original = req.path.split("id_/", 1)[1]
        body = snapshots.get(original) or (cdx or {}).get(original)
        return (200, {}, body) if body else (404, {}, b"no snapshot")

    archive.route("/wayback/available", available)
    archive.route("/cdx/search/cdx", cdx_index)
    archive.route("/web/*", snapshot)


def test_seeds_and_archive_fallback(stories_dir, store, registry, fetcher, sites, tmp_path):
    outlet, archive = sites(0), sites("archive")
    live = outlet.add_article("/2024/05/02/live-story", "Gadget ruling, live", ARTICLE_TEXT, in_feed=False)
    gone = outlet.url("/2024/05/02/deleted-story")
    stub = outlet.url("/2024/05/02/paywalled-story")
    outlet.route("/2024/05/02/paywalled-story", (200, {}, page("Subscribe", "Subscribe to read this gadget story")))
    cdx_only = outlet.url("/2024/05/02/cdx-only")
    lost = outlet.url("/2024/05/02/never-archived")
    unresolvable = "http://gone-outlet.invalid/2024/05/02/story"
    _wayback(archive, {gone: page("Gadget ruling, archived", "Archived copy. " + ARTICLE_TEXT),
                       stub: page("Gadget ruling, full", "Full text. " + ARTICLE_TEXT),
                       unresolvable: page("Gadget ruling, dead host", "Dead host copy. " + ARTICLE_TEXT)},
             cdx={cdx_only: page("Gadget ruling, from CDX", "CDX copy. " + ARTICLE_TEXT)})
    story = write_story(stories_dir, f"""\
        seeds:
          - {live}
          - {{url: "{gone}", published: 2024-05-02}}
        """)
    urls_file = tmp_path / "urls.txt"
    urls_file.write_text(f"# extra coverage\n{stub}\n\n{cdx_only}  # found by hand\n{lost}\n{unresolvable}\nnot a url\n")
    report = run_collection(store, story, registry, ["urls"], fetcher, urls_file=urls_file,
                            config=archive_config(archive))
    rows = {r["url"]: r for r in store.articles("gadget")}
    assert set(rows) == {live, gone, stub, cdx_only, unresolvable}
    assert rows[live]["archive_url"] == ""
    assert rows[gone]["archive_url"] == f"{archive.base}/web/20240502093000id_/{gone}"
    assert "Archived copy" in rows[gone]["text"] and "archive_copy" in rows[gone]["flags"]
    assert "Full text" in rows[stub]["text"] and rows[stub]["archive_url"].endswith(f"id_/{stub}")
    assert rows[cdx_only]["archive_url"] == f"{archive.base}/web/20240503120000id_/{cdx_only}"
    assert "Dead host copy" in rows[unresolvable]["text"]
    asked = {r.query["url"][0]: r.query["timestamp"][0] for r in archive.requests("/wayback/available")}
    assert asked[gone] == "20240502" and asked[stub] == "20240501"  # the seed's date, else the story's start
    failed = {f["url"]: f["reason"] for f in store.run_fetches(report.run_id) if f["status"] == "failed"}
    assert "no usable web-archive copy" in failed[lost] and "404" in failed[lost]
    assert any("not an http(s) URL" in reason for reason in failed.values())
    assert live not in {r.query["url"][0] for r in archive.requests("/wayback/available")}


def test_read_url_file(tmp_path):
    path = tmp_path / "u.txt"
    path.write_text("\ufeff# comment\nhttps://a.example/x#frag\n  https://b.example/y   # note\n\nftp://c.example/z\n"
                    "https://d.example/" + "q" * 3000 + "\n", encoding="utf-8")
    urls, problems = read_url_file(path)
    assert urls == ["https://a.example/x#frag", "https://b.example/y"]
    assert len(problems) == 2 and ":5:" in problems[0] and ":6:" in problems[1]


# ---- RSS -----------------------------------------------------------------------------------------


def test_rss_filters_by_relevance_and_dates_before_fetching(story, store, fetcher, sites):
    outlet = sites(0)
    registry = OutletRegistry([outlet.outlet()])
    report = run_collection(store, story, registry, ["rss"], fetcher, config=SourceConfig(archive=False))
    assert report.total("new") == 1
    assert outlet.requests("/2024/05/02/valley-market") == []  # irrelevant by its feed entry: never fetched
    left_out = [n for n in report.notes if n.startswith("rss: ") and "left out before fetching" in n]
    assert left_out and any("left out before fetching" in line for line in report.summary_lines())
    row = store.articles("gadget")[0]
    assert row["domain"] == outlet.domain and row["source"] == "rss"


def test_rss_source_reports_broken_and_empty_feeds(story, fetcher, sites):
    broken, empty, html_page = sites("broken"), sites("empty"), sites("html")
    broken.route("/feed.xml", (200, {}, b"<rss><channel><title>x"))
    empty.route("/feed.xml", (200, {}, rss_feed([])))
    html_page.route("/feed.xml", (200, {}, page("Home", "Welcome to the home page")))
    registry = OutletRegistry([Outlet(f"{s.name}.example", s.name, feeds=[s.url("/feed.xml")])
                               for s in (broken, empty, html_page)])
    found = RssSource(fetcher, registry).discover(story)
    failed = {o.outlet: o.reason for o in found.outcomes}
    assert set(failed) == {"broken.example", "html.example"}  # an empty feed is no news, not a failure
    assert "no entries" in failed["broken.example"] and "not a feed" in failed["html.example"]


def test_since_narrows_the_feeds_and_the_searches(story, fetcher, sites):
    """--since: feed entries older than the date are left out; GDELT's window and Google
    News' after: start there instead of at the story's start."""
    from datetime import date

    from collectors.gdelt import GdeltSource
    from collectors.gnews import GoogleNewsSource
    from collectors.rss import RssSource

    feed = sites("feedhost")
    items = "".join(f"<item><title>Gadget ruling {day}</title><link>https://outlet01.example/{day}</link>"
                    f"<description>The gadget ruling by the judge.</description>"
                    f"<pubDate>{day} May 2024 10:00:00 GMT</pubDate></item>" for day in ("02", "10"))
    feed.route("/feed.xml", (200, {"Content-Type": "application/rss+xml"},
                             f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}'
                             "</channel></rss>".encode()))
    registry = OutletRegistry([Outlet("feedhost.example", "Feed host", feeds=[feed.url("/feed.xml")])])
    every = RssSource(fetcher, registry).discover(story)
    recent = RssSource(fetcher, registry).discover(story, since=date(2024, 5, 5))
    assert {c.url for c in every.candidates} == {"https://outlet01.example/02", "https://outlet01.example/10"}
    assert {c.url for c in recent.candidates} == {"https://outlet01.example/10"}

    api = sites("gdelt")
    api.route("/api/v2/doc/doc", (200, {"Content-Type": "application/json"}, b'{"articles": []}'))
    GdeltSource(fetcher, api.url("/api/v2/doc/doc"), pacing=0.0).discover(story, since=date(2024, 5, 5))
    assert api.requests()[-1].query["startdatetime"] == ["20240505000000"]

    news = sites("gnews")
    news.route("/rss/search", (200, {"Content-Type": "application/rss+xml"}, rss_feed([])))
    GoogleNewsSource(fetcher, news.base).discover(story, since=date(2024, 5, 5))
    query = news.requests("/rss/search")[-1].query["q"][0]
    assert "after:2024-05-05" in query


# ---- GDELT ---------------------------------------------------------------------------------------


def _gdelt_articles(n: int, prefix: str, bad_escape: bool = False) -> bytes:
    arts = [{"url": f"https://outlet{i % 7}.example/{prefix}/{i}", "title": f"Gadget ruling {i}",
             "seendate": "20240502T101500Z", "domain": f"outlet{i % 7}.example"} for i in range(n)]
    text = json.dumps({"articles": arts})
    if bad_escape:
        text = text.replace("Gadget ruling 0", "Gadget\\'s ruling \\x 0")
    return text.encode()


def test_gdelt_quirks(story, fetcher, sites):
    api = sites("gdelt")
    calls = []

    def answer(req):
        calls.append(req)
        if len(calls) == 1:
            return 429, {"Content-Type": "text/plain"}, b"Please limit requests to one every 5 seconds"
        start, end = req.query["startdatetime"][0], req.query["enddatetime"][0]
        if start == "20240501000000" and end == "20240521000000":
            return 200, {"Content-Type": "application/json"}, _gdelt_articles(250, "full")  # → split
        if start == "20240501000000":
            return 200, {"Content-Type": "application/json"}, _gdelt_articles(3, "first", bad_escape=True)
        return 200, {"Content-Type": "text/html"}, b"<html><body><h1>Error</h1>The query was too busy</body></html>"

    api.route("/api/v2/doc/doc", answer)
    source = GdeltSource(fetcher, api.url("/api/v2/doc/doc"), pacing=0.3, backoff=0.1)
    found = source.discover(story)
    assert len(calls) == 4  # 429, the full window, and its two halves
    assert {c.url for c in found.candidates} == {f"https://outlet{i % 7}.example/first/{i}" for i in range(3)}
    assert found.candidates[0].published.isoformat() == "2024-05-02T10:15:00+00:00"
    assert any("error page" in o.reason and "too busy" in o.reason for o in found.outcomes)
    gaps = [b.at - a.at for a, b in zip(calls[1:], calls[2:])]
    assert all(gap >= 0.29 for gap in gaps), gaps
    first = calls[1].query
    assert first["mode"] == ["artlist"] and first["format"] == ["json"] and first["maxrecords"] == ["250"]
    assert first["query"] == ['"gadget ruling"']
    assert all("framelens" in c.headers.get("user-agent", "") for c in calls)


def test_gdelt_keeps_splitting_a_full_window_down_to_the_minimum_and_says_what_was_missed(story, fetcher, sites):
    from datetime import timedelta

    api = sites("gdelt")
    calls = []

    def always_full(req):
        calls.append(req)
        return 200, {"Content-Type": "application/json"}, _gdelt_articles(250, f"w{len(calls)}")

    api.route("/api/v2/doc/doc", always_full)
    # 20 days, at least 4 days a window: 20 → 10 → 5 days, then 5 is under 2 × 4 and stops.
    source = GdeltSource(fetcher, api.url("/api/v2/doc/doc"), pacing=0.0, backoff=0.1,
                         min_window=timedelta(days=4))
    found = source.discover(story)
    assert len(calls) == 7
    full = [o for o in found.outcomes if "even after splitting" in o.reason]
    assert len(full) == 4 and all(o.status == "failed" and o.source == "gdelt" for o in full)
    assert len(found.candidates) == 4 * 250


def test_gdelt_json_repair_and_salvage():
    assert [a["title"] for a in parse_artlist(_gdelt_articles(1, "x", bad_escape=True)).articles] == ["Gadget\\'s ruling \\x 0"]
    broken = b'{"articles": [{"url": "https://a.example/1", "title": "ok"}, {"url": "https://a.example/2", "title": "bad \\u12"}'
    answer = parse_artlist(broken)
    assert [a["url"] for a in answer.articles][:1] == ["https://a.example/1"] and not answer.problem
    assert parse_artlist(b"Timespan is too short.").problem.startswith("not JSON")
    assert parse_artlist(b"{}").articles == []


# ---- Google News ----------------------------------------------------------------------------------


def _article_id(url: str) -> str:
    raw = b"\x08\x13\x22" + bytes([len(url)]) + url.encode() + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_gnews_resolves_links(story, fetcher, sites):
    google, publisher = sites("google"), sites(1)
    direct = publisher.url("/2024/05/02/decoded-story")
    redirected = publisher.url("/2024/05/02/redirected-story")
    in_page = publisher.url("/2024/05/02/in-page-story")
    items = [(google.url(f"/rss/articles/{_article_id(direct)}?oc=5"), "Gadget ruling - Outlet One", "s"),
             (google.url("/rss/articles/CBMiOPAQUEREDIRECT?oc=5"), "Gadget ruling two - Outlet One", "s"),
             (google.url("/rss/articles/CBMiOPAQUEPAGE?oc=5"), "Gadget ruling three - Outlet One", "s"),
             (google.url("/rss/articles/CBMiOPAQUEDEAD?oc=5"), "Gadget ruling four - Outlet One", "s")]
    google.route("/rss/search", lambda req: (200, {"Content-Type": "application/rss+xml"}, rss_feed(items)))
    google.route("/rss/articles/CBMiOPAQUEREDIRECT", (302, {"Location": redirected}, b""))
    publisher.add_article("/2024/05/02/redirected-story", "Gadget ruling two", RELEVANT + FILLER, in_feed=False)
    google.route("/rss/articles/CBMiOPAQUEPAGE", (200, {}, f'<html><c-wiz data-n-au="{in_page}"></c-wiz></html>'.encode()))
    google.route("/rss/articles/CBMiOPAQUEDEAD", (200, {}, b"<html><script>load()</script></html>"))
    found = GoogleNewsSource(fetcher, google.base).discover(story)
    assert sorted(c.url for c in found.candidates) == sorted([direct, redirected, in_page])
    assert {c.title for c in found.candidates} == {"Gadget ruling", "Gadget ruling two", "Gadget ruling three"}
    assert len(found.outcomes) == 1 and "could not resolve" in found.outcomes[0].reason
    search = google.requests("/rss/search")[0].query
    assert search["q"] == ['"gadget ruling" after:2024-05-01 before:2024-05-21']
    assert search["hl"] == ["en-US"] and search["gl"] == ["US"] and search["ceid"] == ["US:en"]
    assert google.requests(f"/rss/articles/{_article_id(direct)}") == []  # decoded offline
    assert [c.prefetched is not None for c in found.candidates if c.url == redirected] == [True]  # fetched once


def test_decode_article_id():
    url = "https://outlet.example/2024/05/02/story"
    assert decode_article_id(f"https://news.google.com/rss/articles/{_article_id(url)}?oc=5") == url
    assert decode_article_id("https://news.google.com/rss/articles/CBMiAU_yqLopaque?oc=5") == ""
    assert decode_article_id("https://news.google.com/topstories") == ""


# ---- front pages -----------------------------------------------------------------------------------


def test_frontpages_find_relevant_links_without_newspaper_fetching(story, fetcher, sites):
    outlet = sites(2)
    links = "".join(f'<a href="/2024/05/02/gadget-ruling-judge-court-{i}.html">Judge rules on gadget {i}</a>'
                    for i in range(40))
    links += ('<a href="/2024/05/02/weather-today-sunny-and-warm.html">Weather today</a>'
              '<a href="https://elsewhere.example/2024/05/02/gadget-ruling-judge-court.html">Elsewhere gadget judge</a>'
              '<a href="javascript:alert(1)">gadget judge</a><a href="/about">About</a>')
    outlet.route("/", (200, {}, f"<html><head><title>Front</title></head><body>{links}</body></html>".encode()))
    registry = OutletRegistry([Outlet("elsewhere.example", "Elsewhere"), outlet.outlet()])
    source = FrontPageSource(fetcher, registry, max_links=5, pages={outlet.url("/"): outlet.domain})
    found = source.discover(story)
    assert len(found.candidates) == 5 and not found.outcomes
    assert all(c.url.startswith(outlet.base + "/2024/05/02/gadget-ruling-judge-court-") for c in found.candidates)
    assert all(c.outlet == outlet.domain for c in found.candidates)
    assert {r.path for r in outlet.requests()} <= {"/", "/robots.txt"}  # newspaper fetched nothing


def test_article_links_offline():
    links = article_links('<html><body><a href="/2024/05/02/gadget-ruling-judge-court.html">Gadget</a></body></html>',
                          "https://front.example/")
    assert links == [("https://front.example/2024/05/02/gadget-ruling-judge-court.html", "Gadget")]


# ---- the primary source ----------------------------------------------------------------------------


def _tiny_pdf(text: str) -> bytes:
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_primary_source_pdf(stories_dir, store, registry, fetcher, sites):
    court = sites("court")
    court.route("/order.pdf", (200, {"Content-Type": "application/pdf"},
                               _tiny_pdf("The motion for a preliminary injunction is denied.")))
    story = write_story(stories_dir, f"""\
        primary_source: {{url: "{court.url('/order.pdf')}", title: The order}}
        """)
    report = run_collection(store, story, registry, ["urls"], fetcher, config=SourceConfig(archive=False))
    rows = store.articles("gadget", role="primary_source")
    if importlib.util.find_spec("pypdf") is None:
        failed = [f for f in store.run_fetches(report.run_id) if f["status"] == "failed"]
        assert rows == [] and "pypdf is not installed" in failed[0]["reason"]
        return
    assert len(rows) == 1 and "preliminary injunction is denied" in rows[0]["text"], [(f["status"], f["reason"]) for f in store.run_fetches(report.run_id)]
    assert rows[0]["extractor"] == "pypdf" and rows[0]["title"] == "The order"
    again = run_collection(store, story, registry, ["urls"], fetcher, config=SourceConfig(archive=False))
    assert again.total("new") == 0 and len(court.requests("/order.pdf")) == 1
