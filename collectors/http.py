"""The one door to the network: a polite, bounded, SSRF-safe HTTP fetcher.

Every source fetches through `Fetcher.get` / `Fetcher.get_many`. What it guarantees:
a total deadline per request (not per read); a cap on the decoded body (gzip/deflate/br
undone by `collectors.bodylimit`, so bombs stop at the cap); redirects followed by hand,
each hop re-checked (scheme, address, robots) and credentials never sent to another
origin; loopback, private, link-local, multicast and reserved addresses refused after DNS
resolution with the socket opened to the checked address, robots.txt per RFC 9309 and
per-host pacing across threads (all in `collectors.netguard`); retries with backoff
honouring Retry-After up to a cap; TLS always verified, never retried unverified.
"""

from __future__ import annotations

import collections
import email.utils
import logging
import queue
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import timezone
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

import httpcore
import httpx

from framelens import settings as _settings
from framelens.textclean import strip_userinfo

from . import netguard
from .bodylimit import ACCEPT_ENCODING, BodyRefused, BoundedBody
from .charset import decode_html

log = logging.getLogger("framelens.http")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_SENSITIVE = ("authorization", "proxy-authorization", "cookie")
_SENSITIVE_PARTS = ("auth", "token", "secret", "api-key", "apikey", "api_key", "password", "session")


@dataclass(frozen=True)
class FetchSettings:
    """Limits and manners of the fetcher; `from_env` reads them from framelens.settings."""

    user_agent: str
    connect_timeout: float = 10
    total_timeout: float = 30
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    host_delay: float = 1.0
    tries: int = 3
    retry_after_cap: float = 60
    allow_private: bool = False
    robots_ttl: float = 86400
    respect_robots: bool = True
    backoff: float = 1.0  # first retry waits this long, then doubles

    @classmethod
    def from_env(cls, **overrides) -> "FetchSettings":
        values = dict(
            user_agent=_settings.get("FRAMELENS_USER_AGENT"),
            host_delay=_settings.get_float("FRAMELENS_HOST_DELAY"),
            max_bytes=int(_settings.get_float("FRAMELENS_MAX_BYTES")),
            total_timeout=_settings.get_float("FRAMELENS_TIMEOUT"),
            allow_private=_settings.get_bool("FRAMELENS_ALLOW_PRIVATE_HOSTS"),
        )
        values.update(overrides)
        return cls(**values)


@dataclass
class Response:
    """A successful (2xx or 304) response with its decoded body."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str]  # lower-case names
    content: bytes
    redirects: list[str] = field(default_factory=list)

    def text(self) -> str:
        return decode_html(self.content, self.headers.get("content-type"))


class FetchError(Exception):
    """A fetch that failed; `reason` is a short machine word, `detail` is for people."""

    def __init__(self, url: str, reason: str, detail: str = "", status: int | None = None,
                 retryable: bool = False):
        super().__init__(f"{reason}: {detail} [{url}]" if detail else f"{reason} [{url}]")
        self.url, self.reason, self.detail, self.status = url, reason, detail, status
        self.retryable = retryable

    def __reduce__(self):
        return (FetchError, (self.url, self.reason, self.detail, self.status, self.retryable))


@dataclass
class _Exchange:
    status: int
    headers: dict[str, str]
    content: bytes


class Fetcher:
    """Thread-safe HTTP client; `transport` replaces the network in unit tests.

    `resolver(host, port) -> [address]`, `clock` and `sleep` can be injected for tests;
    an injected transport bypasses the address checks (they live in the socket layer).
    """

    def __init__(self, settings: FetchSettings | None = None, *, transport: httpx.BaseTransport | None = None,
                 resolver: netguard.Resolver | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.settings = settings or FetchSettings.from_env()
        self._transport = transport or netguard.GuardedTransport(self.settings.allow_private, resolver)
        self._pacer = netguard.HostPacer(self.settings.host_delay, clock, sleep)
        self._robots = netguard.RobotsCache(self._fetch_robots, self.settings.user_agent,
                                            self.settings.robots_ttl, clock)

    def get(self, url: str, *, headers: dict | None = None, robots: bool = True) -> Response:
        """GET url; raises FetchError. Paced per host, robots-checked, retried, bounded."""
        url = strip_userinfo(url)  # a user:password in a URL is never sent, logged or stored
        try:
            return self._get(url, headers or {}, robots, self.settings.tries)
        except FetchError as err:
            log.info("fetch failed: %s %s %s", err.reason, url, err.detail)
            raise

    def get_many(self, urls: Iterable[str], *, workers: int = 8) -> Iterator[tuple[str, Response | FetchError]]:
        """Fetch many URLs, yielding each result as it finishes.

        One request at a time per host, `host_delay` apart; across hosts up to `workers`
        at once. Each free worker takes the host that may be asked soonest, so twenty
        hosts with ten pages each take about ten delays, not ten delays per host.
        """
        queues: dict[str, collections.deque] = {}
        for url in urls:
            queues.setdefault(_host_key(url), collections.deque()).append(url)
        total = sum(len(q) for q in queues.values())
        results: queue.Queue = queue.Queue()
        schedule = _HostSchedule(queues, self._pacer)
        threads = [threading.Thread(target=self._work, args=(schedule, results), daemon=True,
                                    name=f"framelens-fetch-{i}") for i in range(max(1, min(workers, len(queues))))]
        for thread in threads:
            thread.start()
        try:
            for _ in range(total):
                yield results.get()
        finally:
            schedule.stop()

    def _work(self, schedule: "_HostSchedule", results: queue.Queue) -> None:
        while True:
            taken = schedule.take()
            if taken is None:
                return
            host, url = taken
            try:
                results.put((url, self.get(url)))
            except FetchError as err:
                results.put((url, err))
            except Exception as exc:  # a bug must not hang the consumer waiting for this URL
                log.exception("unexpected error fetching %s", url)
                results.put((url, FetchError(url, "error", repr(exc))))
            finally:
                schedule.done(host)

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -------------------------------------------------------------- one URL

    def _get(self, url: str, headers: dict, robots: bool, tries: int) -> Response:
        current = _parse_url(url)
        credentials = _has_credentials(headers) or bool(current.userinfo)
        redirects: list[str] = []
        while True:
            if robots and self.settings.respect_robots:
                self._check_robots(current, url)
            exchange = self._exchange_with_retries(current, headers, tries, url)
            if exchange.status not in REDIRECT_STATUSES:
                break
            if len(redirects) >= self.settings.max_redirects:
                raise FetchError(url, "too_many_redirects", f"more than {self.settings.max_redirects} redirects")
            target = _redirect_target(current, exchange.headers, url)
            headers = _headers_for_hop(current, target, headers, credentials, url)
            redirects.append(str(target))
            current = target
        if not (200 <= exchange.status < 300 or exchange.status == 304):
            raise FetchError(url, f"http_{exchange.status}", f"the server answered {exchange.status}",
                             status=exchange.status)
        return Response(url=url, final_url=str(current), status=exchange.status, headers=exchange.headers,
                        content=exchange.content, redirects=redirects)

    def _check_robots(self, target: httpx.URL, url: str) -> None:
        rules = self._robots.rules_for(f"{target.scheme}://{target.netloc.decode('ascii')}")
        if isinstance(rules, FetchError):
            # The host's robots.txt is its first request: a refused address is no robots problem.
            detail = rules.detail if rules.reason == "blocked_address" else f"robots.txt: {rules.detail}"
            raise FetchError(url, rules.reason, detail, status=rules.status)
        if not rules.allows(str(target)):
            raise FetchError(url, "robots", f"robots.txt of {target.host} disallows {target.raw_path.decode()}")

    def _fetch_robots(self, robots_url: str) -> bytes:
        return self._get(robots_url, {}, robots=False, tries=1).content

    def _exchange_with_retries(self, target: httpx.URL, headers: dict, tries: int, url: str) -> _Exchange:
        tries = max(1, tries)
        for attempt in range(1, tries + 1):
            try:
                exchange = self._exchange(target, headers, url)
            except FetchError as err:
                if not err.retryable or attempt >= tries:
                    raise
                wait = self._backoff(attempt)
            else:
                if exchange.status not in RETRY_STATUSES:
                    return exchange
                wait = max(self._backoff(attempt), self._retry_after(exchange, url))
                if attempt >= tries:
                    raise FetchError(url, f"http_{exchange.status}", f"still {exchange.status} after {tries} tries",
                                     status=exchange.status)
            log.info("retrying %s in %.1fs (try %d of %d)", target, wait, attempt + 1, tries)
            self._pacer.defer(_host_of(target), wait)
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        return self.settings.backoff * 2 ** (attempt - 1)

    def _retry_after(self, exchange: _Exchange, url: str) -> float:
        wait = parse_retry_after(exchange.headers.get("retry-after"), time.time())
        if wait is not None and wait > self.settings.retry_after_cap:
            raise FetchError(url, "rate_limited", f"the server asks to wait {wait:.0f}s "
                             f"(cap {self.settings.retry_after_cap:.0f}s)", status=exchange.status)
        return wait or 0.0

    def _exchange(self, target: httpx.URL, headers: dict, url: str) -> _Exchange:
        """One request on the wire: paced, under one total deadline, body bounded."""
        self._pacer.wait(_host_of(target))
        deadline = time.monotonic() + self.settings.total_timeout
        with netguard.deadline(deadline):
            try:
                response = self._transport.handle_request(self._request(target, headers))
            except Exception as exc:
                raise _classify(exc, url, deadline) from None
            try:
                return self._read(response, url, deadline)
            except FetchError:
                raise
            except Exception as exc:
                raise _classify(exc, url, deadline) from None
            finally:
                response.close()

    def _request(self, target: httpx.URL, headers: dict) -> httpx.Request:
        # The transport is called directly: no cookie jar, no redirect machinery, no env proxies.
        merged = httpx.Headers({"User-Agent": self.settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING,
                                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
        merged.update(headers)
        timeout = httpx.Timeout(self.settings.total_timeout,
                                connect=min(self.settings.connect_timeout, self.settings.total_timeout))
        return httpx.Request("GET", target, headers=merged, extensions={"timeout": timeout.as_dict()})

    def _read(self, response: httpx.Response, url: str, deadline: float) -> _Exchange:
        headers = {k.lower(): v for k, v in response.headers.items()}
        status = response.status_code
        if not 200 <= status < 300:  # redirects and errors: never read the body (it may be a bomb)
            return _Exchange(status, headers, b"")
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.settings.max_bytes:
            raise FetchError(url, "too_large", f"Content-Length {declared} exceeds {self.settings.max_bytes}")
        try:
            body = BoundedBody(headers.get("content-encoding", ""), self.settings.max_bytes)
            for chunk in response.stream:  # raw bytes, still encoded; works for mock responses too
                body.feed(chunk)
                if time.monotonic() > deadline:
                    raise FetchError(url, "timeout", f"no complete body within {self.settings.total_timeout}s")
            content = body.finish()
        except BodyRefused as exc:
            raise FetchError(url, exc.reason, str(exc)) from None
        if headers.pop("content-encoding", None):  # the content is decoded now
            headers.pop("content-length", None)
        return _Exchange(status, headers, content)


# ------------------------------------------------------------------ small pure helpers

def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


def _parse_url(url: str) -> httpx.URL:
    _check_scheme(url, url, "")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(str(url)[:500], "bad_url", str(exc)) from None
    if not parsed.host:
        raise FetchError(url, "bad_url", "no host")
    return parsed


def _check_scheme(candidate: str, url: str, what: str) -> None:
    try:
        scheme = urlsplit(str(candidate)).scheme.lower()
    except ValueError:
        scheme = ""
    if what and not scheme:
        return  # a relative redirect
    if not scheme:
        raise FetchError(str(url)[:500], "bad_url", "not an absolute http(s) URL")
    if scheme not in ("http", "https"):
        raise FetchError(str(url)[:500], "bad_scheme", f"{what}only http and https are fetched, not {scheme!r}")


def _redirect_target(current: httpx.URL, headers: dict[str, str], url: str) -> httpx.URL:
    location = headers.get("location", "").strip()
    if not location:
        raise FetchError(url, "bad_redirect", "a redirect without a Location header")
    _check_scheme(location, url, "redirect refused: ")
    try:
        target = current.join(location).copy_with(fragment=None)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(url, "bad_redirect", f"bad Location {location[:200]!r}: {exc}") from None
    if target.scheme not in ("http", "https") or not target.host:
        raise FetchError(url, "bad_redirect", f"bad Location {location[:200]!r}")
    return target.copy_with(userinfo=b"") if target.userinfo else target


def _headers_for_hop(current: httpx.URL, target: httpx.URL, headers: dict, credentials: bool, url: str) -> dict:
    """Headers for the next hop: no credentials to another origin, no credentials in clear text."""
    if credentials and current.scheme == "https" and target.scheme == "http":
        raise FetchError(url, "insecure_redirect", "https→http redirect of a request that carried credentials")
    if _origin(current) == _origin(target):
        return headers
    return {k: v for k, v in headers.items() if not _is_sensitive(k)}


def _has_credentials(headers: dict) -> bool:
    return any(_is_sensitive(k) for k in headers)


def _is_sensitive(name: str) -> bool:
    name = name.lower()
    return name in _SENSITIVE or any(part in name for part in _SENSITIVE_PARTS)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80)


def _host_of(url: httpx.URL) -> str:
    return url.host.lower()


def _host_key(url: str) -> str:
    try:
        return _host_of(httpx.URL(url))
    except Exception:
        return ""


def _classify(exc: Exception, url: str, deadline: float) -> FetchError:
    """Map a transport exception to a FetchError reason, and say whether a retry may help."""
    if isinstance(exc, FetchError):
        return exc
    if isinstance(exc, netguard.AddressRefused):
        return FetchError(url, "blocked_address", str(exc))
    if isinstance(exc, netguard.ResolveFailed):
        return FetchError(url, "dns", str(exc))
    if _caused_by(exc, (ssl.SSLError, ssl.CertificateError)):
        return FetchError(url, "tls", str(_caused_by(exc, (ssl.SSLError, ssl.CertificateError))))
    timed_out = time.monotonic() >= deadline - 0.05
    if isinstance(exc, (httpx.TimeoutException, httpcore.TimeoutException)) or timed_out:
        connect = isinstance(exc, (httpx.ConnectTimeout, httpcore.ConnectTimeout)) and not timed_out
        return FetchError(url, "timeout", f"{type(exc).__name__}: {exc}", retryable=connect)
    if isinstance(exc, (httpx.ConnectError, httpcore.ConnectError)):
        return FetchError(url, "connection", str(exc) or type(exc).__name__, retryable=True)
    if isinstance(exc, (httpx.RemoteProtocolError, httpcore.RemoteProtocolError,
                        httpx.LocalProtocolError, httpcore.LocalProtocolError)):
        dropped = "disconnected" in str(exc).lower()  # a dropped keep-alive connection: worth another try
        return FetchError(url, "protocol", str(exc) or type(exc).__name__, retryable=dropped)
    if isinstance(exc, (httpx.TransportError, httpcore.NetworkError, OSError)):
        return FetchError(url, "connection", str(exc) or type(exc).__name__, retryable=True)
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return FetchError(url, "bad_url", str(exc))
    return FetchError(url, "error", f"{type(exc).__name__}: {exc}")


def _caused_by(exc: BaseException, kinds: tuple) -> BaseException | None:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, kinds):
            return exc
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


class _HostSchedule:
    """Which URL a free worker fetches next: from the host, not being fetched now, that the
    pacer lets go soonest (ties: the order hosts first appeared)."""

    def __init__(self, queues: dict[str, collections.deque], pacer: netguard.HostPacer):
        self._queues, self._pacer = queues, pacer
        self._order = {host: n for n, host in enumerate(queues)}
        self._busy: set[str] = set()
        self._stopped = False
        self._cond = threading.Condition()

    def take(self) -> tuple[str, str] | None:
        """(host, url) to fetch now, waiting for a host's turn; None when nothing is left."""
        with self._cond:
            while not self._stopped:
                free = [h for h, q in self._queues.items() if q and h not in self._busy]
                if not free:
                    if not self._busy:
                        return None  # everything taken and finished
                    self._cond.wait(0.5)
                    continue
                host = min(free, key=lambda h: (self._pacer.ready_in(h), self._order[h]))
                wait = self._pacer.ready_in(host)
                if wait > 0:
                    self._cond.wait(min(wait, 0.5))  # a host may come free meanwhile
                    continue
                self._busy.add(host)
                return host, self._queues[host].popleft()
            return None

    def done(self, host: str) -> None:
        with self._cond:
            self._busy.discard(host)
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
