"""Address checks, the guarded transport, robots.txt and per-host pacing, for `collectors.http`.

The address check runs where the socket is opened: the host is resolved once, every
resolved address is checked, and the connection goes to a checked address, so neither a
redirect nor a DNS answer that changes between check and connect (rebinding) can reach an
internal host. The same backend clamps every socket operation to the request's total
deadline, which httpx alone only enforces per read. robots.txt follows RFC 9309 (longest
match, allow wins ties, `*` and `$`), fetched through the same guarded fetcher.
"""

from __future__ import annotations

import contextvars
import ipaddress
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Callable, Iterable
from urllib.parse import unquote, urlsplit

import httpcore
import httpx

Resolver = Callable[[str, int], list[str]]


class AddressRefused(Exception):
    """The host resolved to an address the fetcher may not reach."""


class ResolveFailed(Exception):
    """The host name did not resolve."""


class DeadlineExceeded(httpcore.ReadTimeout):
    """The request's total deadline passed (a timeout httpx maps like any other)."""


# ---------------------------------------------------------------- addresses

def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address; False for loopback, private, etc."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return is_public_address(str(ip.ipv4_mapped))
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
        if ip in _NAT64:
            return is_public_address(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified
                                 or ip.is_loopback or ip.is_link_local or ip.is_private)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_DNS_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="framelens-dns")


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses the system resolver gives for host (inet_aton forms like 0x7f.1 included)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def resolve_checked(host: str, port: int, resolver: Resolver, allow_private: bool,
                    timeout: float | None) -> list[str]:
    """Resolve host (bounded by timeout) and refuse it if any address is not public."""
    try:
        addresses = _DNS_POOL.submit(resolver, host, port).result(timeout)
    except FutureTimeout:
        raise ResolveFailed(f"resolving {host} took longer than {timeout:.1f}s") from None
    except (OSError, UnicodeError) as exc:
        raise ResolveFailed(f"{host} does not resolve: {exc}") from None
    if not addresses:
        raise ResolveFailed(f"{host} resolved to no address")
    blocked = [a for a in addresses if not is_public_address(a)]
    if blocked and not allow_private:
        raise AddressRefused(f"{host} resolves to non-public address {blocked[0]}; private, loopback and "
                             "link-local hosts are reached only with --allow-private-hosts "
                             "(FRAMELENS_ALLOW_PRIVATE_HOSTS=1)")
    return addresses


# ---------------------------------------------------------------- deadline

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("framelens_deadline", default=None)


class deadline:
    """Context manager: every socket operation in this thread ends by `at` (a monotonic time)."""

    def __init__(self, at: float | None):
        self.at = at

    def __enter__(self):
        self._token = _deadline.set(self.at)
        return self

    def __exit__(self, *exc):
        _deadline.reset(self._token)


def _clamp(timeout: float | None) -> float | None:
    at = _deadline.get()
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("the total deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose reads and writes never outlive the request deadline."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout)))

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore backend: resolve once, check every address, connect only to checked ones."""

    def __init__(self, allow_private: bool = False, resolver: Resolver | None = None):
        self.allow_private = allow_private
        self.resolver = resolver or system_resolver
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Iterable | None = None):
        addresses = resolve_checked(host.strip("[]"), port, self.resolver, self.allow_private, _clamp(timeout))
        error: Exception | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(address, port, _clamp(timeout), local_address, socket_options)
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error  # type: ignore[misc]

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise AddressRefused("unix sockets are not reachable through the fetcher")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


# ---------------------------------------------------------------- transport

class GuardedTransport(httpx.BaseTransport):
    """httpx transport over an httpcore pool whose sockets go through netguard.GuardedBackend."""

    def __init__(self, allow_private: bool = False, resolver: Resolver | None = None):
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),  # verification on; there is no way to turn it off
            max_connections=64, max_keepalive_connections=16, keepalive_expiry=5.0,
            http1=True, http2=False,
            network_backend=GuardedBackend(allow_private, resolver))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw, content=request.stream, extensions=request.extensions)
        response = self._pool.handle_request(core)
        return httpx.Response(status_code=response.status, headers=response.headers,
                              stream=_PoolStream(response.stream), extensions=response.extensions)

    def close(self) -> None:
        self._pool.close()


class _PoolStream(httpx.SyncByteStream):
    def __init__(self, stream):
        self._stream = stream

    def __iter__(self):
        yield from self._stream

    def close(self) -> None:
        if hasattr(self._stream, "close"):
            self._stream.close()


# ---------------------------------------------------------------- robots.txt (RFC 9309)

@dataclass
class RobotsRules:
    """The allow/disallow rules of the group that applies to one user agent."""

    rules: list[tuple[bool, str]] = field(default_factory=list)  # (allow, path pattern)
    allow_all: bool = False
    disallow_all: bool = False

    def allows(self, url: str) -> bool:
        """Longest matching rule wins; on a tie allow wins; /robots.txt is always allowed."""
        if self.allow_all:
            return True
        path = _robots_path(url)
        if path == "/robots.txt":
            return True
        if self.disallow_all:
            return False
        best: tuple[int, bool] = (-1, True)
        for allow, pattern in self.rules:
            if _rule_matches(pattern, path):
                best = max(best, (len(pattern), allow))
        return best[1]


def parse_robots(text: str, user_agent: str) -> RobotsRules:
    """Rules for our product token: its own groups if any name it, else the `*` groups."""
    token = re.split(r"[/\s]", user_agent.strip(), maxsplit=1)[0].lower()
    groups = _robots_groups(text)
    mine = [rules for agents, rules in groups if any(a != "*" and a.split("/")[0] == token for a in agents)]
    if not mine:
        mine = [rules for agents, rules in groups if "*" in agents]
    return RobotsRules(rules=[rule for rules in mine for rule in rules])


def _robots_groups(text: str) -> list[tuple[list[str], list[tuple[bool, str]]]]:
    groups: list[tuple[list[str], list[tuple[bool, str]]]] = []
    in_agents = False
    for raw in text.splitlines():
        key, _, value = raw.split("#", 1)[0].partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if not in_agents:
                groups.append(([], []))
            groups[-1][0].append(value.lower())
            in_agents = True
        elif key in ("allow", "disallow") and groups:
            in_agents = False
            if value:  # an empty Disallow allows everything: no rule
                groups[-1][1].append((key == "allow", _normalise_path(value)))
        # other records (crawl-delay, sitemap, unknown) are ignored, as RFC 9309 allows
    return groups


def _robots_path(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    return _normalise_path(path + ("?" + parts.query if parts.query else ""))


def _normalise_path(path: str) -> str:
    # Compare decoded forms so /caf%C3%A9 and /café match the same rule.
    return unquote(path)


def _rule_matches(pattern: str, path: str) -> bool:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return re.match(regex + ("$" if anchored else ""), path) is not None


# ---------------------------------------------------------------- politeness

class HostPacer:
    """At least `delay` seconds between requests to one host, across threads.

    Slots are `delay + margin` apart at request start: one request can take a few
    milliseconds longer than the next to reach the host (a new connection against a kept-
    alive one), and the host must still see the requests at least `delay` apart.
    """

    margin = 0.02

    def __init__(self, delay: float, clock: Callable[[], float], sleep: Callable[[float], None]):
        self.delay = delay + (self.margin if delay > 0 else 0.0)
        self._clock, self._sleep = clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        with self._lock:
            now = self._clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self.delay
        if slot > now:
            self._sleep(slot - now)

    def ready_in(self, host: str) -> float:
        """Seconds until `host` may be asked again (0 when it may now)."""
        with self._lock:
            return max(0.0, self._next.get(host, 0.0) - self._clock())

    def defer(self, host: str, seconds: float) -> None:
        """No request to host before `seconds` from now (a retry's backoff or Retry-After)."""
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), self._clock() + seconds)


ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: parse at least 500 KiB
ROBOTS_FAILURE_TTL = 300.0  # an unreachable robots.txt blocks the host for minutes, not a day
UNREACHABLE = frozenset({"dns", "connection", "tls", "timeout", "blocked_address", "bad_url", "bad_scheme",
                         "protocol"})


class RobotsCache:
    """robots.txt rules per origin, cached for `ttl`; one fetch per origin however many threads ask.

    `load(robots_url) -> bytes` raises an error with `.reason` and `.status` on failure.
    RFC 9309: 4xx (but 429) means no rules; 5xx, 429 and other failures mean disallow all,
    cached only for minutes. When the host cannot be reached at all (UNREACHABLE reasons),
    the error itself is returned: the page would fail the same way, so say why.
    """

    def __init__(self, load: Callable[[str], bytes], user_agent: str, ttl: float, clock: Callable[[], float]):
        self._load_bytes, self.user_agent, self.ttl, self._clock = load, user_agent, ttl, clock
        self._entries: dict[str, tuple[float, RobotsRules | Exception]] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def rules_for(self, origin: str) -> RobotsRules | Exception:
        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            expires, rules = self._entries.get(origin, (0.0, None))
            if rules is None or expires <= self._clock():
                ttl, rules = self._load(origin + "/robots.txt")
                self._entries[origin] = (self._clock() + ttl, rules)
        return rules

    def _load(self, robots_url: str) -> tuple[float, RobotsRules | Exception]:
        try:
            content = self._load_bytes(robots_url)
        except Exception as err:
            status, reason = getattr(err, "status", None), getattr(err, "reason", "")
            if status and 400 <= status < 500 and status != 429:
                return self.ttl, RobotsRules(allow_all=True)
            failure_ttl = min(self.ttl, ROBOTS_FAILURE_TTL)
            if reason in UNREACHABLE:
                return failure_ttl, err
            return failure_ttl, RobotsRules(disallow_all=True)
        return self.ttl, parse_robots(content[:ROBOTS_MAX_BYTES].decode("utf-8", "replace"), self.user_agent)
