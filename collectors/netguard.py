"""Address checks, the guarded connection backend and robots.txt rules, for `collectors.http`.

The address check runs where the socket is opened: the host is resolved once, every
resolved address is checked, and the connection goes to a checked address, so neither a
redirect nor a DNS answer that changes between check and connect (rebinding) can reach an
internal host. The same backend clamps every socket operation to the request's total
deadline, which httpx alone only enforces per read.
"""

from __future__ import annotations

import contextvars
import ipaddress
import re
import socket
import time
import zlib
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
        raise AddressRefused(f"{host} resolves to non-public address {blocked[0]}")
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
        elif key:
            in_agents = False if key in ("crawl-delay", "sitemap") and groups else in_agents
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


# ---------------------------------------------------------------- bounded decompression

_CHUNK = 64 * 1024
MAX_ENCODINGS = 2  # urllib3 CVE-2025-66418: an unbounded chain of encodings is itself an attack


class BodyRefused(Exception):
    """The body broke a limit; `reason` is the FetchError reason word."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


class BoundedBody:
    """Collects a raw body, undoing its Content-Encoding, and stops at max_bytes decoded."""

    def __init__(self, content_encoding: str, max_bytes: int):
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > MAX_ENCODINGS:
            raise BodyRefused("decompression_bomb", f"{len(codings)} content encodings in a chain")
        self._stages = [_stage_for(c) for c in reversed(codings)]
        self.max_bytes = max_bytes
        self.raw_bytes = 0
        self._out = bytearray()

    def feed(self, data: bytes) -> None:
        self.raw_bytes += len(data)
        self._push(0, data)

    def finish(self) -> bytes:
        for index, stage in enumerate(self._stages):
            for piece in stage.flush():
                self._push(index + 1, piece)
        return bytes(self._out)

    def _push(self, index: int, data: bytes) -> None:
        if index == len(self._stages):
            self._append(data)
            return
        try:
            for piece in self._stages[index].feed(data):
                self._push(index + 1, piece)
        except (zlib.error, _BrotliError) as exc:
            raise BodyRefused("bad_encoding", f"could not decode the body: {exc}") from None

    def _append(self, data: bytes) -> None:
        if len(self._out) + len(data) > self.max_bytes:
            raise BodyRefused("decompression_bomb" if self._stages else "too_large",
                              f"body exceeds {self.max_bytes} bytes"
                              + (f" decoded from {self.raw_bytes} bytes read" if self._stages else ""))
        self._out += data


try:
    import brotli

    _BrotliError = brotli.error
except ImportError:  # brotli is optional: without it we do not ask for br
    brotli = None

    class _BrotliError(Exception):
        pass


ACCEPT_ENCODING = "gzip, deflate, br" if brotli else "gzip, deflate"


def _stage_for(coding: str):
    if coding in ("gzip", "x-gzip"):
        return _ZlibStage(16 + zlib.MAX_WBITS)
    if coding == "deflate":
        return _ZlibStage(None)
    if coding == "br" and brotli is not None:
        return _BrotliStage()
    raise BodyRefused("bad_encoding", f"unsupported content encoding {coding[:40]!r}")


class _ZlibStage:
    """gzip (all members) or deflate (zlib-wrapped or raw), never more than _CHUNK out per step."""

    def __init__(self, wbits: int | None):
        self._wbits = wbits
        self._d = zlib.decompressobj(wbits) if wbits else None

    def feed(self, data: bytes):
        if self._d is None:  # deflate: servers send both zlib-wrapped and raw streams
            zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._wbits = zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS
            self._d = zlib.decompressobj(self._wbits)
        while data:
            out = self._d.decompress(data, _CHUNK)
            if out:
                yield out
            if not self._d.eof:
                data = self._d.unconsumed_tail
            elif self._d.unused_data.strip(b"\0") and self._wbits > zlib.MAX_WBITS:
                data, self._d = self._d.unused_data, zlib.decompressobj(self._wbits)  # next gzip member
            else:
                return

    def flush(self):
        if self._d is not None and not self._d.eof:
            out = self._d.flush()
            if out:
                yield out


class _BrotliStage:
    def __init__(self):
        self._d = brotli.Decompressor()

    def feed(self, data: bytes):
        out = self._d.process(data, output_buffer_limit=_CHUNK)
        if out:
            yield out
        while not self._d.can_accept_more_data():
            out = self._d.process(b"", output_buffer_limit=_CHUNK)
            if not out:
                return
            yield out

    def flush(self):
        return iter(())
