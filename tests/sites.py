"""A fake news web for the collector tests: each fictional outlet on its own 127.0.0.1 port.

Outlets have their own host names (`outlet03.example`); `resolve` maps every `.example`
name to 127.0.0.1 for the fetcher (pass it as `Fetcher(..., resolver=resolve)`), so the
fetcher paces and parallelises per host as it would on the web, while `.invalid` names
really do not resolve. Every outlet serves `/robots.txt`, `/feed.xml` (RSS of its articles, absolute links) and its
article pages, and logs every request (time, path, headers). A `mode` makes the whole
outlet misbehave the way real ones do ("500", "429" with Retry-After, "404", "robots503",
"disallow" for a robots.txt that forbids `/private/`). Any site can also carry extra
routes (a function of the request) to play an API: Wayback, GDELT, Google News.
"""

from __future__ import annotations

import html
import threading
import time
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from collectors.netguard import system_resolver
from framelens.outlets import Outlet, OutletRegistry

RELEVANT = ("Judge Ada Quill of the district court ruled on the gadget case on Tuesday, denying the motion "
            "that GadgetCo had filed. The court said the request was not a close call. ")
FILLER = ("Residents of the valley gathered at the market square to discuss the new bridge, "
          "the weather and the price of apples, which rose again this spring. ")


@dataclass
class Request:
    at: float
    method: str
    path: str
    query: dict
    headers: dict
    count: int  # how many times this path (without query) was asked, this one included


Reply = tuple  # (status, headers dict, body bytes)


def resolve(host: str, port: int) -> list[str]:
    """Test resolver: every .example host is this machine; anything else asks the system."""
    if host.lower().rstrip(".").endswith(".example"):
        return ["127.0.0.1"]
    return system_resolver(host, port)


def page(title: str, text: str, published: str = "2024-05-02T10:00:00Z") -> bytes:
    """A plain article page with a title, a date and paragraphs."""
    paras = "".join(f"<p>{html.escape(p.strip())}.</p>" for p in text.split(". ") if p.strip())
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta property="article:published_time" content="{published}"></head><body>'
            f"<header><nav><a href='/'>Home</a></nav></header><article><h1>{html.escape(title)}</h1>"
            f"<time datetime='{published}'>{published[:10]}</time>{paras}</article>"
            f"<footer>Copyright the fictional outlet</footer></body></html>").encode("utf-8")


def rss_feed(items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 feed of (url, title, summary) items dated 2 May 2024."""
    when = format_datetime(datetime(2024, 5, 2, 10, tzinfo=timezone.utc), usegmt=True)
    body = "".join(f"<item><title>{html.escape(t)}</title><link>{html.escape(u)}</link><guid>{html.escape(u)}</guid>"
                   f"<description>{html.escape(s)}</description><pubDate>{when}</pubDate></item>"
                   for u, t, s in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed</title>'
            f"<link>http://127.0.0.1/</link>{body}</channel></rss>").encode("utf-8")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early (the fetcher never reads error bodies) are expected


class Site:
    """One HTTP server on 127.0.0.1 with routes and a request log."""

    def __init__(self, name: str = "site", mode: str = "ok", host: str | None = None):
        self.name = name
        self.host = host or f"{name}.example"
        self.mode = mode
        self.routes: dict[str, Callable[[Request], Reply] | Reply] = {}
        self.log: list[Request] = []
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.port = self.server.server_address[1]
        self.base = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, reply: Callable[[Request], Reply] | Reply) -> None:
        """Answer `path` (a prefix when it ends with '*') with a reply or a function of the request."""
        self.routes[path] = reply

    def requests(self, path: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.log if path is None or r.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, req: Request) -> Reply:
        if req.path == "/robots.txt":
            return self._robots()
        if self.mode == "500":
            return 500, {}, b"internal error"
        if self.mode == "429":
            return 429, {"Retry-After": "2"}, b"slow down"
        if self.mode == "404":
            return 404, {}, b"not found"
        reply = self.routes.get(req.path) or next(
            (r for p, r in self.routes.items() if p.endswith("*") and req.path.startswith(p[:-1])), None)
        if reply is None:
            return 404, {"Content-Type": "text/html"}, b"<html><body>not found</body></html>"
        return reply(req) if callable(reply) else reply

    def _robots(self) -> Reply:
        if self.mode == "robots503":
            return 503, {}, b"unavailable"
        rules = "User-agent: *\nDisallow: /private/\n" if self.mode == "disallow" else "User-agent: *\nAllow: /\n"
        return 200, {"Content-Type": "text/plain"}, rules.encode()

    def _record(self, handler: BaseHTTPRequestHandler) -> Request:
        parts = urlsplit(handler.path)
        with self._lock:
            count = self._counts[parts.path] = self._counts.get(parts.path, 0) + 1
            req = Request(time.monotonic(), handler.command, parts.path, parse_qs(parts.query),
                          {k.lower(): v for k, v in handler.headers.items()}, count)
            self.log.append(req)
        return req

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                req = site._record(self)
                status, headers, body = site.answer(req)
                self.send_response(status)
                headers = {"Content-Type": "text/html; charset=utf-8", **headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler


class FakeOutlet(Site):
    """A fictional outlet: a feed of `n_relevant` story articles and one unrelated article."""

    def __init__(self, index: int, mode: str = "ok", n_relevant: int = 1, host: str | None = None):
        super().__init__(f"outlet{index:02d}", mode, host)
        self.index = index
        self.domain = f"outlet{index:02d}.example"
        self.articles: list[tuple[str, str, str]] = []
        for k in range(n_relevant):
            self.add_article(f"/2024/05/02/gadget-ruling-{k}", f"Judge rules on the gadget case ({self.name} {k})",
                             f"{RELEVANT} {self.name} reporter {k} adds details. " + FILLER * 2)
        self.add_article("/2024/05/02/valley-market", f"Valley market news ({self.name})", FILLER * 4)
        self.route("/feed.xml", self._feed)

    def add_article(self, path: str, title: str, text: str, in_feed: bool = True) -> str:
        self.route(path, (200, {}, page(title, text)))
        if in_feed:
            summary = "The gadget ruling by the judge." if "gadget" in title else "Market day."
            self.articles.append((self.url(path), title, summary))
        return self.url(path)

    def _feed(self, req: Request) -> Reply:
        return 200, {"Content-Type": "application/rss+xml"}, rss_feed(self.articles)

    @property
    def feed_url(self) -> str:
        return self.url("/feed.xml")

    def outlet(self) -> Outlet:
        return Outlet(self.domain, f"Outlet {self.index:02d}", lean="unrated", kind="national",
                      feeds=[self.feed_url])


@dataclass
class FakeWeb:
    """N outlets, each on its own port, plus outlets whose host does not resolve."""

    outlets: list[FakeOutlet] = field(default_factory=list)
    unresolvable: list[Outlet] = field(default_factory=list)

    @classmethod
    def start(cls, n: int, modes: dict[int, str] | None = None, unresolvable: int = 0) -> "FakeWeb":
        modes = modes or {}
        web = cls([FakeOutlet(i, modes.get(i, "ok")) for i in range(n)])
        web.unresolvable = [Outlet(f"gone{i}.invalid", f"Gone {i}", feeds=[f"http://gone{i}.invalid/feed.xml"])
                            for i in range(unresolvable)]
        return web

    def registry(self) -> OutletRegistry:
        return OutletRegistry([o.outlet() for o in self.outlets] + self.unresolvable)

    def close(self) -> None:
        for outlet in self.outlets:
            outlet.close()
