"""The fetcher against the local fault server: RELIABILITY rows 2–6, 16, 21 and bad inputs A, B."""

from __future__ import annotations

import email.utils
import ipaddress
import json
import shutil
import socket
import time
import tracemalloc

import httpx
import pytest

from collectors import netguard
from collectors.http import FetchError, Fetcher, FetchSettings, parse_retry_after
from tests.faultserver import CountingListener, FaultServer, fault_server, local_settings, make_self_signed  # noqa: F401

MB = 1024 * 1024


class FakeClock:
    """A clock whose sleep only records and advances: waits are tested without waiting."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fetch():
    fetchers = []

    def make(**overrides) -> Fetcher:
        kwargs = {k: overrides.pop(k) for k in ("resolver", "clock", "sleep", "transport") if k in overrides}
        fetcher = Fetcher(local_settings(**overrides), **kwargs)
        fetchers.append(fetcher)
        return fetcher

    yield make
    for fetcher in fetchers:
        fetcher.close()


@pytest.fixture
def loopback_only(monkeypatch):
    """Fail the test, before any packet leaves, if the code tries to connect outside loopback."""
    attempts: list[str] = []
    real_connect = socket.socket.connect

    def guarded(sock, address):
        attempts.append(address[0])
        if not ipaddress.ip_address(address[0].split("%")[0]).is_loopback:
            raise AssertionError(f"connect to {address} attempted")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    return attempts


def failure(fetcher: Fetcher, url: str, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetcher.get(url, **kwargs)
    return info.value


# ---------------------------------------------------------------- basics

def test_a_plain_page_comes_back_with_its_metadata(fault_server, fetch):
    response = fetch().get(fault_server.url("/ok"))
    assert response.status == 200 and response.final_url == response.url == fault_server.url("/ok")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<p>fine</p>" in response.text() and response.redirects == []


def test_the_user_agent_names_the_tool_and_a_contact(fault_server, fetch):
    echo = json.loads(fetch().get(fault_server.url("/echo")).content)
    assert echo["headers"]["user-agent"] == local_settings().user_agent
    assert "gzip" in echo["headers"]["accept-encoding"]
    default = FetchSettings.from_env().user_agent
    assert default.startswith("framelens/") and "https://" in default


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("FRAMELENS_USER_AGENT", "tester/1 (+https://t.example)")
    monkeypatch.setenv("FRAMELENS_HOST_DELAY", "2.5")
    monkeypatch.setenv("FRAMELENS_MAX_BYTES", "12345")
    monkeypatch.setenv("FRAMELENS_TIMEOUT", "7")
    monkeypatch.setenv("FRAMELENS_ALLOW_PRIVATE_HOSTS", "1")
    s = FetchSettings.from_env(tries=2)
    assert (s.user_agent, s.host_delay, s.max_bytes, s.total_timeout, s.allow_private, s.tries) == \
        ("tester/1 (+https://t.example)", 2.5, 12345, 7.0, True, 2)
    for name in ("FRAMELENS_ALLOW_PRIVATE_HOSTS", "FRAMELENS_HOST_DELAY"):
        monkeypatch.delenv(name)
    defaults = FetchSettings.from_env()
    assert defaults.allow_private is False and defaults.host_delay >= 1.0  # ≤ 1 request/s per host
    assert defaults.respect_robots and defaults.max_redirects <= 5 and defaults.tries <= 3


@pytest.mark.parametrize("enc", ["gzip", "deflate", "rawdeflate", "br"])
def test_compressed_bodies_are_decoded(fault_server, fetch, enc):
    response = fetch().get(fault_server.url(f"/encoded?enc={enc}"))
    assert response.content == b"<html><body><p>encoded body</p></body></html>"
    assert "content-encoding" not in response.headers


def test_an_unknown_content_encoding_is_refused(fault_server, fetch):
    assert failure(fetch(), fault_server.url("/encoded?enc=zstd")).reason == "bad_encoding"


def test_a_mock_transport_replaces_the_network():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, html="<p>mocked</p>"))
    with Fetcher(local_settings(respect_robots=False), transport=transport) as fetcher:
        assert fetcher.get("https://outlet.example/a").text() == "<p>mocked</p>"


# ---------------------------------------------------------------- row 2: hangs and drips

def test_a_server_that_never_answers_is_cut_by_the_deadline(fault_server, fetch):
    start = time.monotonic()
    err = failure(fetch(total_timeout=1.5, respect_robots=False), fault_server.url("/wait?s=30"))
    assert err.reason == "timeout" and 1.3 < time.monotonic() - start < 2.5
    assert fault_server.hits("/wait") == 1  # a total-deadline timeout is not retried


def test_a_slow_drip_is_cut_by_the_total_deadline_not_per_read(fault_server, fetch):
    # One byte every 0.2 s: every single read is fast, so only a total deadline stops it.
    start = time.monotonic()
    err = failure(fetch(total_timeout=1.5, respect_robots=False), fault_server.url("/drip?delay=0.2"))
    assert err.reason == "timeout" and 1.3 < time.monotonic() - start < 2.5


def test_a_slow_endless_body_is_cut_by_the_deadline(fault_server, fetch):
    start = time.monotonic()
    err = failure(fetch(total_timeout=1.5, respect_robots=False), fault_server.url("/endless?chunk=10&delay=0.05"))
    assert err.reason == "timeout" and time.monotonic() - start < 2.5


def test_a_hanging_host_does_not_hold_up_the_others(fault_server, fetch):
    resolver = lambda host, port: ["127.0.0.1"]  # noqa: E731 - two "hosts", one local server
    fetcher = fetch(total_timeout=1.5, respect_robots=False, resolver=resolver)
    urls = [fault_server.url("/wait?s=30", host="slow.example")] + \
        [fault_server.url(f"/ok?n={i}", host="fast.example") for i in range(3)]
    start, order = time.monotonic(), []
    for url, result in fetcher.get_many(urls, workers=4):
        order.append((url, time.monotonic() - start, result))
    assert [isinstance(r, FetchError) for _, _, r in order] == [False, False, False, True]
    assert order[2][1] < 1.0 and order[3][2].reason == "timeout"


# ---------------------------------------------------------------- row 3: huge bodies

def test_50_mb_without_content_length_stops_at_the_cap(fault_server, fetch):
    tracemalloc.start()
    try:
        err = failure(fetch(max_bytes=10 * MB, total_timeout=5), fault_server.url("/large?mb=50"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.reason == "too_large" and peak < 2 * 10 * MB


def test_a_lying_content_length_is_refused_or_trusted_only_as_far_as_the_cap(fault_server, fetch):
    fetcher = fetch()
    assert failure(fetcher, fault_server.url(f"/lying?claimed={50 * MB}&actual=10")).reason == "too_large"
    short = fetcher.get(fault_server.url(f"/lying?claimed=100&actual={50 * MB}"))
    assert short.content == b"L" * 100  # the rest of the 50 MB is never read


def test_a_fast_endless_body_stops_at_the_cap(fault_server, fetch):
    assert failure(fetch(), fault_server.url("/endless")).reason == "too_large"


# ---------------------------------------------------------------- row 4: decompression bombs

@pytest.mark.parametrize("path", ["/gzip-bomb?mb=10", "/br-bomb?mb=1024"])
def test_decompression_bombs_stop_at_the_decoded_cap(fault_server, fetch, path):
    tracemalloc.start()
    start = time.monotonic()
    try:
        err = failure(fetch(max_bytes=10 * MB, total_timeout=5), fault_server.url(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err.reason == "decompression_bomb" and "10485760" in err.detail
    assert peak < 2 * 10 * MB + 2 * MB and time.monotonic() - start < 3


def test_gzip_ten_times_in_the_header_is_refused(fault_server, fetch):
    assert failure(fetch(), fault_server.url("/nested?layers=10")).reason == "decompression_bomb"


def test_gzip_ten_times_under_one_header_decodes_one_layer_only(fault_server, fetch):
    body = fetch().get(fault_server.url("/nested?layers=10&header=1")).content
    assert body[:2] == b"\x1f\x8b" and len(body) < 10_000  # still gzip: never inflated further


def test_a_redirect_carrying_a_bomb_is_followed_without_reading_it(fault_server, fetch):
    start = time.monotonic()
    response = fetch(max_bytes=10 * MB).get(fault_server.url("/redirect-bomb"))
    assert response.final_url == fault_server.url("/ok") and time.monotonic() - start < 2


# ---------------------------------------------------------------- row 5: SSRF

LIST_A_LOOPBACK = ["http://127.0.0.1:{port}/", "http://[::1]:{port}/", "http://[::ffff:127.0.0.1]:{port}/",
                   "http://2130706433:{port}/", "http://0x7f.1:{port}/", "http://0177.0.0.1:{port}/",
                   "http://127.1:{port}/", "http://localhost:{port}/", "http://0.0.0.0:{port}/",
                   "http://LOCALHOST.:{port}/x"]


@pytest.mark.parametrize("template", LIST_A_LOOPBACK)
def test_loopback_forms_are_refused_before_any_byte_is_sent(fetch, loopback_only, template):
    with CountingListener() as listener:
        err = failure(fetch(allow_private=False), template.format(port=listener.port))
        time.sleep(0.05)
    assert err.reason in ("blocked_address", "bad_url", "dns")  # "localhost." may not resolve at all
    assert listener.connections == 0 and listener.received == 0


@pytest.mark.parametrize("url, addresses", [
    ("http://169.254.169.254/latest/meta-data/", None),
    ("http://[fe80::1]/", None),
    ("http://internal.example/", ["10.0.0.5"]),
    ("http://mixed.example/", ["8.8.8.8", "192.168.1.10"]),  # every resolved address is checked
    ("http://v6.example/", ["fd00::5"]),
    ("http://multicast.example/", ["239.1.2.3"]),
])
def test_private_and_link_local_addresses_are_refused(fetch, loopback_only, url, addresses):
    resolver = (lambda host, port: addresses) if addresses else None
    assert failure(fetch(allow_private=False, resolver=resolver), url).reason == "blocked_address"
    assert loopback_only == []  # no connect() at all


def test_a_redirect_to_an_internal_address_is_refused_at_that_hop(fetch, loopback_only, monkeypatch):
    # The fault server plays a public outlet (127.0.0.1 counts as public here); the canary
    # listens on 127.0.0.2, which stays private, behind the names the redirect uses.
    real = netguard.is_public_address
    monkeypatch.setattr(netguard, "is_public_address", lambda a: a == "127.0.0.1" or real(a))
    names = {"outlet.example": ["127.0.0.1"], "localhost": ["127.0.0.2"]}
    with FaultServer() as server, CountingListener("127.0.0.2") as canary:
        fetcher = fetch(allow_private=False, resolver=lambda host, port: names.get(host, ["127.0.0.2"]))
        for target in (f"http://localhost:{canary.port}/", f"http://127.0.0.2:{canary.port}/",
                       f"http://2130706434:{canary.port}/"):
            url = server.url(f"/redirect?to={target}", host="outlet.example")
            assert failure(fetcher, url).reason == "blocked_address", target
        time.sleep(0.05)
    assert canary.connections == 0 and server.hits("/redirect") == 3


def test_the_socket_goes_to_the_address_that_was_checked(fetch, loopback_only, monkeypatch):
    # DNS rebinding: the name answers a "public" address first and an internal one after.
    real = netguard.is_public_address
    monkeypatch.setattr(netguard, "is_public_address", lambda a: a == "127.0.0.1" or real(a))
    answers = iter([["127.0.0.1"], ["127.0.0.2"], ["127.0.0.2"]])
    calls = []

    def rebinding(host, port):
        calls.append(host)
        return next(answers)

    with FaultServer() as server, CountingListener("127.0.0.2") as canary:
        fetcher = fetch(allow_private=False, respect_robots=False, resolver=rebinding)
        echo = json.loads(fetcher.get(server.url("/echo", host="rebind.example")).content)
        time.sleep(0.05)
    assert echo["headers"]["host"] == f"rebind.example:{server.port}"
    assert calls == ["rebind.example"] and canary.connections == 0
    assert set(loopback_only) == {"127.0.0.1"}


@pytest.mark.parametrize("address, public", [
    ("8.8.8.8", True), ("2001:4860:4860::8888", True), ("::ffff:8.8.8.8", True),
    ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.0.1", False), ("100.64.0.1", False),
    ("127.0.0.1", False), ("169.254.169.254", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("239.255.255.250", False), ("255.255.255.255", False), ("240.0.0.1", False),
    ("::1", False), ("::", False), ("fe80::1", False), ("fc00::1", False), ("ff02::1", False),
    ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False), ("2002:7f00:1::", False),
    ("64:ff9b::7f00:1", False), ("64:ff9b::808:808", True), ("fe80::1%eth0", False), ("junk", False),
])
def test_the_address_rule(address, public):
    assert netguard.is_public_address(address) is public


def test_private_hosts_are_reachable_only_when_the_operator_allows_them(fault_server, fetch):
    assert failure(fetch(allow_private=False), fault_server.url("/ok")).reason == "blocked_address"
    assert fetch(allow_private=True).get(fault_server.url("/ok")).status == 200
    assert fault_server.hits("/ok") == 1


# ---------------------------------------------------------------- row 6: schemes, hops, leaks

@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://outlet.example/", "data:text/html,<p>x</p>",
                                 "ftp://outlet.example/a", "javascript:alert(1)"])
def test_other_schemes_are_refused(fetch, url):
    assert failure(fetch(), url).reason in ("bad_scheme", "bad_url")


@pytest.mark.parametrize("target", ["file:///etc/passwd", "gopher://127.0.0.1:70/_x", "data:text/html,hi"])
def test_redirects_to_other_schemes_are_refused(fault_server, fetch, target):
    assert failure(fetch(), fault_server.url(f"/redirect?to={target}")).reason == "bad_scheme"


def test_a_25_hop_loop_stops_after_5_hops(fault_server, fetch):
    assert failure(fetch(), fault_server.url("/loop/0")).reason == "too_many_redirects"
    assert fault_server.hits("/loop/") == 6


def test_five_redirects_are_followed(fault_server, fetch):
    response = fetch().get(fault_server.url("/chain/5"))
    assert response.content.endswith(b"<p>end of chain</p></body></html>") and len(response.redirects) == 5
    assert failure(fetch(), fault_server.url("/chain/6")).reason == "too_many_redirects"


SECRETS = {"Authorization": "Bearer s3cret", "Cookie": "session=s3cret", "X-Api-Key": "s3cret"}


def test_credentials_never_reach_another_origin(fault_server, fetch):
    with FaultServer() as other:
        url = fault_server.url(f"/redirect?to={other.url('/echo')}")
        echo = json.loads(fetch().get(url, headers=SECRETS).content)
    assert "s3cret" not in json.dumps(echo)
    same = json.loads(fetch().get(fault_server.url("/redirect?to=/echo"), headers=SECRETS).content)
    assert same["headers"]["x-api-key"] == "s3cret"  # same origin keeps them


def _redirecting(location: str, seen: list):
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((str(request.url), dict(request.headers)))
        if request.url.scheme == "https":
            return httpx.Response(302, headers={"Location": location})
        return httpx.Response(200, html="<p>plain</p>")

    return httpx.MockTransport(handler)


def test_an_https_to_http_redirect_with_an_api_key_is_refused():
    seen: list = []
    with Fetcher(local_settings(respect_robots=False), transport=_redirecting("http://api.example/v", seen)) as f:
        with pytest.raises(FetchError) as info:
            f.get("https://api.example/v", headers={"X-Api-Key": "s3cret"})
    assert info.value.reason == "insecure_redirect" and len(seen) == 1


def test_an_https_to_http_redirect_without_credentials_is_followed():
    seen: list = []
    with Fetcher(local_settings(respect_robots=False), transport=_redirecting("http://news.example/a", seen)) as f:
        assert f.get("https://news.example/a").final_url == "http://news.example/a"


# ---------------------------------------------------------------- retries (row 1's fetcher half)

def test_a_flaky_server_is_retried_with_backoff(fault_server, fetch):
    clock = FakeClock()
    response = fetch(backoff=1.0, clock=clock, sleep=clock.sleep).get(fault_server.url("/flaky/a?fail=2&code=503"))
    assert b"recovered after 2" in response.content
    assert fault_server.hits("/flaky/a") == 3 and clock.sleeps == [1.0, 2.0]


@pytest.mark.parametrize("code", [408, 429, 500, 502, 503, 504])
def test_at_most_three_tries(fault_server, fetch, code):
    err = failure(fetch(), fault_server.url(f"/status/{code}"))
    assert (err.reason, err.status) == (f"http_{code}", code) and fault_server.hits(f"/status/{code}") == 3


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410])
def test_client_errors_are_not_retried(fault_server, fetch, code):
    assert failure(fetch(), fault_server.url(f"/status/{code}")).reason == f"http_{code}"
    assert fault_server.hits(f"/status/{code}") == 1


def test_retry_after_seconds_is_honoured(fault_server, fetch):
    clock = FakeClock()
    fetcher = fetch(backoff=0.1, clock=clock, sleep=clock.sleep)
    assert fetcher.get(fault_server.url("/flaky/b?fail=1&code=429&retry_after=2")).status == 200
    assert clock.sleeps == [2.0]


def test_retry_after_beyond_the_cap_gives_up_at_once(fault_server, fetch):
    clock = FakeClock()
    fetcher = fetch(retry_after_cap=60, clock=clock, sleep=clock.sleep)
    err = failure(fetcher, fault_server.url("/status/429?retry_after=86400"))
    assert err.reason == "rate_limited" and err.status == 429 and clock.sleeps == []
    when = email.utils.formatdate(time.time() + 86400, usegmt=True)
    assert failure(fetcher, fault_server.url(f"/status/503?retry_after={when}")).reason == "rate_limited"
    assert fault_server.hits("/status/") == 2


def test_retry_after_as_an_http_date():
    now = 1_700_000_000.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == pytest.approx(30, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0
    assert parse_retry_after("120", now) == 120 and parse_retry_after("soon", now) is None


def test_a_refused_connection_is_retried_then_reported(fetch):
    clock = FakeClock()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    err = failure(fetch(clock=clock, sleep=clock.sleep, respect_robots=False), f"http://127.0.0.1:{port}/")
    assert err.reason == "connection" and len(clock.sleeps) == 2


def test_more_than_1000_headers_is_bounded(fault_server, fetch):
    start = time.monotonic()
    try:
        fetch().get(fault_server.url("/headers?n=1001"))
    except FetchError as err:
        assert err.reason == "protocol"
    with pytest.raises(FetchError) as info:
        fetch().get(fault_server.url("/headers?n=100000"))
    assert info.value.reason == "protocol" and time.monotonic() - start < 3


# ---------------------------------------------------------------- row 16: robots and pacing

def test_robots_503_means_no_article_requests(fault_server, fetch):
    fault_server.robots = (503, "")
    fetcher = fetch()
    for path in ("/ok", "/echo"):
        assert failure(fetcher, fault_server.url(path)).reason == "robots"
    assert fault_server.hits("/robots.txt") == 1 and fault_server.hits("/ok") + fault_server.hits("/echo") == 0


def test_disallow_is_honoured_and_robots_is_cached(fault_server, fetch):
    fault_server.robots = (200, "User-agent: *\nDisallow: /echo\n\nUser-agent: otherbot\nDisallow: /\n")
    fetcher = fetch()
    assert failure(fetcher, fault_server.url("/echo")).reason == "robots"
    assert fetcher.get(fault_server.url("/ok")).status == 200
    assert fetcher.get(fault_server.url("/ok?again=1")).status == 200
    assert fault_server.hits("/robots.txt") == 1 and fault_server.hits("/echo") == 0


def test_our_own_robots_group_wins(fault_server, fetch):
    fault_server.robots = (200, "User-agent: *\nDisallow: /\n\nUser-agent: framelens-test\nAllow: /\n")
    assert fetch().get(fault_server.url("/ok")).status == 200


def test_robots_applies_at_every_redirect_hop(fault_server, fetch):
    fault_server.robots = (200, "User-agent: *\nDisallow: /echo\n")
    assert failure(fetch(), fault_server.url("/redirect?to=/echo")).reason == "robots"
    assert fault_server.hits("/echo") == 0


@pytest.mark.parametrize("status", [404, 403, 410])
def test_robots_4xx_allows_everything(fault_server, fetch, status):
    fault_server.robots = (status, "User-agent: *\nDisallow: /\n")
    assert fetch().get(fault_server.url("/ok")).status == 200


def test_robots_is_fetched_again_after_its_ttl(fault_server, fetch):
    clock = FakeClock()
    fetcher = fetch(robots_ttl=100, clock=clock, sleep=clock.sleep)
    fetcher.get(fault_server.url("/ok"))
    clock.now += 50
    fetcher.get(fault_server.url("/ok"))
    assert fault_server.hits("/robots.txt") == 1
    clock.now += 60
    fetcher.get(fault_server.url("/ok"))
    assert fault_server.hits("/robots.txt") == 2


def test_robots_can_be_switched_off_per_call_and_per_fetcher(fault_server, fetch):
    fault_server.robots = (200, "User-agent: *\nDisallow: /\n")
    assert fetch().get(fault_server.url("/ok"), robots=False).status == 200
    assert fetch(respect_robots=False).get(fault_server.url("/ok")).status == 200


def test_an_unreachable_host_reports_why_rather_than_robots(fetch):
    err = failure(fetch(), "http://no-such-host.invalid/")
    assert err.reason == "dns"


@pytest.mark.parametrize("rules, path, allowed", [
    ("Disallow: /a\nAllow: /a/b", "/a/b/c", True),          # longest match wins
    ("Disallow: /a/b\nAllow: /a", "/a/b/c", False),
    ("Allow: /p\nDisallow: /p", "/p", True),                # a tie goes to allow
    ("Disallow: /*.pdf$", "/files/x.pdf", False),
    ("Disallow: /*.pdf$", "/files/x.pdf?download=1", True),
    ("Disallow: /search?q=", "/search?q=court", False),
    ("Disallow:", "/anything", True),                       # empty Disallow allows
    ("Disallow: /", "/robots.txt", True),
    ("Disallow: /caf%C3%A9", "/café", False),
])
def test_robots_matching_follows_rfc_9309(rules, path, allowed):
    parsed = netguard.parse_robots(f"User-agent: *\n{rules}\n", "framelens/0.1 (+https://x.example)")
    assert parsed.allows(f"https://outlet.example{path}") is allowed


def test_two_requests_to_one_host_are_paced_and_hosts_run_in_parallel(fault_server, fetch):
    resolver = lambda host, port: ["127.0.0.1"]  # noqa: E731
    fetcher = fetch(host_delay=0.4, respect_robots=False, resolver=resolver)
    urls = [fault_server.url(f"/ok?i={i}", host=h) for i in range(3) for h in ("a.example", "b.example")]
    start = time.monotonic()
    results = list(fetcher.get_many(urls, workers=4))
    elapsed = time.monotonic() - start
    assert all(not isinstance(r, FetchError) for _, r in results) and len(results) == 6
    for host in ("a.example", "b.example"):
        times = [t for t, h, _ in fault_server.arrivals if h.startswith(host)]
        assert len(times) == 3 and min(b - a for a, b in zip(times, times[1:])) >= 0.38
    assert elapsed < 1.3  # serial would take ≥ 2.0 s


def test_pacing_holds_across_threads(fault_server, fetch):
    import threading

    fetcher = fetch(host_delay=0.25, respect_robots=False)
    threads = [threading.Thread(target=fetcher.get, args=(fault_server.url(f"/ok?t={i}"),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    times = sorted(t for t, _, _ in fault_server.arrivals)
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.23


def test_get_many_reports_every_url_once(fault_server, fetch):
    urls = [fault_server.url("/ok"), fault_server.url("/status/404"), "file:///etc/passwd", "not a url"]
    results = dict(fetch().get_many(urls))
    assert set(results) == set(urls)
    assert results[urls[0]].status == 200
    assert [results[u].reason for u in urls[1:]] == ["http_404", "bad_scheme", "bad_url"]


# ---------------------------------------------------------------- row 21: TLS

def _can_make_certificates() -> bool:
    import importlib.util
    import shutil

    return bool(importlib.util.find_spec("cryptography") or shutil.which("openssl"))


@pytest.mark.skipif(not _can_make_certificates(), reason="needs the cryptography package or the openssl CLI")
def test_a_self_signed_certificate_fails_and_is_never_retried_unverified(tmp_path, fetch):
    with FaultServer(tls=make_self_signed(tmp_path)) as server:
        err = failure(fetch(), server.url("/ok"))
        assert err.reason == "tls" and "certificate" in err.detail.lower()
        assert server.connections == 1 and server.hits("/") == 0


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl CLI")
def test_expired_and_wrong_host_certificates_fail_where_a_valid_one_from_the_same_ca_works(
        tmp_path, fetch, monkeypatch):
    """SSL_CERT_FILE names the trusted CAs (as for a newsroom's own CA): the valid certificate
    proves the test CA is trusted, so the other two fail for being expired or for another host."""
    from tests.faultserver import make_ca_signed

    ca, valid = make_ca_signed(tmp_path, "valid")
    _, expired = make_ca_signed(tmp_path, "expired", days=-1)
    _, elsewhere = make_ca_signed(tmp_path, "elsewhere", sans="DNS:news.example")
    monkeypatch.setenv("SSL_CERT_FILE", ca)
    with FaultServer(tls=valid) as server:
        assert fetch().get(server.url("/ok")).status == 200
    for tls, words in ((expired, "expired"), (elsewhere, "mismatch")):
        with FaultServer(tls=tls) as server:
            err = failure(fetch(), server.url("/ok"))
            assert err.reason == "tls" and words in err.detail.lower(), err.detail
            assert server.connections == 1 and server.hits("/") == 0  # refused once, never retried


# ---------------------------------------------------------------- decoding units

def test_bounded_body_units():
    import gzip
    import zlib

    from collectors.bodylimit import BodyRefused, BoundedBody

    two_members = gzip.compress(b"first ") + gzip.compress(b"second")
    body = BoundedBody("gzip", 100)
    for i in range(0, len(two_members), 7):  # byte-by-byte-ish arrival
        body.feed(two_members[i:i + 7])
    assert body.finish() == b"first second"
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    body = BoundedBody("Deflate", 100)
    body.feed(raw.compress(b"raw deflate") + raw.flush())
    assert body.finish() == b"raw deflate"
    body = BoundedBody("identity", 10)
    with pytest.raises(BodyRefused) as info:
        body.feed(b"x" * 11)
    assert info.value.reason == "too_large"
    with pytest.raises(BodyRefused) as info:
        BoundedBody("gzip", 10).feed(b"not gzip at all")
    assert info.value.reason == "bad_encoding"


def test_proxy_variables_are_ignored(fault_server, fetch, monkeypatch):
    # A proxy would connect on our behalf to anywhere: the address checks must see the real host.
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    assert fetch().get(fault_server.url("/ok")).status == 200
