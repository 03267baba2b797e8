"""Feeds: 30+ malformed feeds and XML attacks → entries or a recorded failure, never an escape.

RELIABILITY rows 7 and 8, list C. Every feed here is invented; outlets are fictional.
"""

from __future__ import annotations

import codecs
import socket
import threading
import time
import tracemalloc

import pytest

from collectors.rss import MAX_ENTRIES, FeedResult, parse_feed

FEED_URL = "https://leftside.example/feeds/news.xml"
ITEM = ("<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>"
        "<description>{desc}</description><pubDate>Thu, 02 May 2024 10:00:00 GMT</pubDate></item>")


def rss(*items: str, decl: str = '<?xml version="1.0" encoding="utf-8"?>', head: str = "") -> bytes:
    body = "".join(items)
    return (f"{decl}{head}<rss version=\"2.0\"><channel><title>Leftside</title>"
            f"<link>https://leftside.example/</link>{body}</channel></rss>").encode("utf-8")


def item(n: int = 1, title: str = "Gadget ruling: judge rules", link: str | None = None, guid: str | None = None,
         desc: str = "The court denied the motion.") -> str:
    link = f"https://leftside.example/2024/05/02/story-{n}" if link is None else link
    return ITEM.format(title=title, link=link, guid=guid if guid is not None else f"id-{n}", desc=desc)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to connect anywhere fails the test (and is counted)."""
    attempts = []

    def refuse(self, address, *args):
        attempts.append(address)
        raise AssertionError(f"the feed parser tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts
    assert attempts == []


def parse(content: bytes, url: str = FEED_URL) -> FeedResult:
    started = time.monotonic()
    result = parse_feed(content, url)
    assert time.monotonic() - started < 5
    return result


def urls(result: FeedResult) -> list[str]:
    return [e.url for e in result.entries]


# ---- list C and friends: (name, feed bytes, check) ---------------------------------------------

def _ok(n: int):
    def check(r: FeedResult):
        assert not r.failed and len(r.entries) == n, (r.error, r.dropped, urls(r))
    return check


def _failed(r: FeedResult):
    assert r.failed and not r.entries and r.failure_reason()


def _title(expected: str):
    def check(r: FeedResult):
        assert r.entries and r.entries[0].title == expected, [e.title for e in r.entries]
    return check


def _no_markup(r: FeedResult):
    assert r.entries
    for e in r.entries:
        for text in (e.title, e.summary):
            low = text.lower()
            assert "<script" not in low and "onerror" not in low and "alert(" not in low and "<img" not in low, text


def _all(*checks):
    def check(r):
        for c in checks:
            c(r)
    return check


UTF8_TITLE = "Café ruling: judge’s gadget decision"
CASES = [
    ("newline before <?xml", b"\n\n  " + rss(item()), _ok(1)),
    ("UTF-8 BOM", codecs.BOM_UTF8 + rss(item(title=UTF8_TITLE)), _title(UTF8_TITLE)),
    ("declared us-ascii but UTF-8", rss(item(title=UTF8_TITLE), decl='<?xml version="1.0" encoding="us-ascii"?>'),
     _title(UTF8_TITLE)),
    ("undefined &nbsp;", rss(item(title="Gadget&nbsp;ruling &amp; more")), _title("Gadget ruling & more")),
    ("unknown entity", rss(item(title="Gadget &bogus; ruling")), _title("Gadget &bogus; ruling")),
    ("truncated file", rss(item(1), item(2), item(3))[:-200], lambda r: len(r.entries) >= 2 and not r.failed),
    ("an HTML page", b"<!DOCTYPE html><html><head><title>Home</title></head><body><a href='/a'>A</a></body></html>",
     _failed),
    ("empty body", b"", _failed),
    ("only whitespace", b"   \n\t ", _failed),
    ("plain text", b"Service temporarily unavailable", _failed),
    ("JSON", b'{"items": [{"url": "https://leftside.example/a"}]}', _failed),
    ("a path as the body", b"/etc/passwd", _failed),
    ("binary garbage", bytes(range(256)) * 20, _failed),
    ("only a DOCTYPE", b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "rss.dtd">', _failed),
    ("entries without link or guid", rss(item(1), item(2, link="", guid="")), _ok(1)),
    ("guid as permalink", rss(item(1, link="", guid="https://leftside.example/2024/05/02/by-guid")),
     lambda r: urls(r) == ["https://leftside.example/2024/05/02/by-guid"] or pytest.fail(urls(r))),
    ("duplicate guids", rss(item(1, guid="same"), item(1, guid="same"), item(2)), _ok(2)),
    ("duplicate links", rss(item(1), item(1, guid="other")), _ok(1)),
    ("javascript: link", rss(item(1), item(2, link="javascript:alert(document.cookie)")), _ok(1)),
    ("data: link", rss(item(1), item(2, link="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;")), _ok(1)),
    ("file: link", rss(item(1), item(2, link="file:///etc/passwd")), _ok(1)),
    ("relative link", rss(item(1, link="/2024/05/02/relative-story")),
     lambda r: urls(r) == ["https://leftside.example/2024/05/02/relative-story"] or pytest.fail(urls(r))),
    ("10 kB URL", rss(item(1), item(2, link="https://leftside.example/" + "a" * 10_000)), _ok(1)),
    ("link with spaces", rss(item(1, link="  \n https://leftside.example/2024/05/02/padded \n ")),
     lambda r: urls(r) == ["https://leftside.example/2024/05/02/padded"] or pytest.fail(urls(r))),
    ("<script> in text", rss(item(desc="&lt;script&gt;alert(1)&lt;/script&gt;Judge rules on gadget",
                                  title="&lt;script&gt;alert(2)&lt;/script&gt;Gadget ruling")),
     _all(_ok(1), _no_markup)),
    ("CDATA with <img onerror>", rss(item(desc="<![CDATA[<p>Gadget <img src=x onerror=alert(1)> ruling</p>]]>")),
     _all(_ok(1), _no_markup, lambda r: r.entries[0].summary == "Gadget ruling" or pytest.fail(r.entries[0].summary))),
    ("unterminated CDATA", rss(item(1), item(2, desc="<![CDATA[never closed")), lambda r: len(r.entries) >= 1),
    ("mismatched tags", rss(item(1), "<item><title>Broken<b></title><link>https://leftside.example/x</link></item>"),
     lambda r: len(r.entries) >= 1 and not r.failed),
    ("control characters", rss(item(1, title="Gadget\x01\x02 ruling"), item(2)), lambda r: len(r.entries) == 2),
    ("UTF-16 with BOM", codecs.BOM_UTF16_LE + rss(item(title=UTF8_TITLE)).decode().replace(
        'encoding="utf-8"', 'encoding="utf-16"').encode("utf-16-le"), _title(UTF8_TITLE)),
    ("windows-1252 declared", rss(item(title="x")).replace(b"<title>x<", "<title>\u201cGadget\u201d ruling<"
                                                           .encode("cp1252")).replace(b"utf-8", b"windows-1252"),
     _title("\u201cGadget\u201d ruling")),
    ("iso-8859-1 declared", rss(item(title="x")).replace(b"<title>x<", "<title>Caf\xe9 ruling<".encode("latin-1"))
     .replace(b"utf-8", b"iso-8859-1"), _title("Caf\xe9 ruling")),
    ("undeclared windows-1252", rss(item(title="x")).replace(b"<title>x<", "<title>Caf\xe9 \u2013 ruling<"
                                                             .encode("cp1252")).replace(b' encoding="utf-8"', b""),
     _title("Caf\xe9 \u2013 ruling")),
    ("UTF-8 cut inside a character", rss(item(1), item(2, title="Gadget \u2013 ruling"))[:-180].rsplit(b"\xe2", 1)[0]
     + b"\xe2\x80", lambda r: len(r.entries) >= 1 and "\ufffd" not in r.entries[0].title),
    ("markup in title", rss(item(title="&lt;b&gt;Bold&lt;/b&gt; gadget news")), _title("Bold gadget news")),
    ("bad and future dates", rss(item(1).replace("Thu, 02 May 2024 10:00:00 GMT", "31 February 2024"),
                                 item(2).replace("2024", "2099")),
     lambda r: [e.published for e in r.entries] == [None, None] or pytest.fail(str(r.entries))),
    ("empty channel is no news, not a failure", rss(), lambda r: not r.failed and r.entries == []),
    ("Atom", b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>M</title>'
             b'<entry><title>Gadget ruling</title><link href="https://middle.example/a"/><id>urn:a</id>'
             b'<updated>2024-05-02T10:00:00Z</updated></entry></feed>', _ok(1)),
    ("RSS 1.0", b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
                b'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="x"><title>M</title></channel>'
                b'<item rdf:about="https://middle.example/b"><title>Gadget</title>'
                b'<link>https://middle.example/b</link></item></rdf:RDF>', _ok(1)),
    ("uppercase scheme", rss(item(1, link="HTTPS://leftside.example/2024/05/02/upper")), _ok(1)),
    ("10k nested elements", rss(item(1, desc="<![CDATA[" + "<div>" * 10_000 + "deep" + "</div>" * 10_000 + "]]>")),
     _ok(1)),
    ("feed wrapped in <html>", b"<html>" + rss(item(1)).split(b"?>", 1)[1] + b"</html>",
     lambda r: r.entries or r.failure_reason()),
]


@pytest.mark.parametrize("name,content,check", CASES, ids=[c[0] for c in CASES])
def test_malformed_feed(name, content, check):
    result = parse(content)
    outcome = check(result)
    assert outcome is not False, (name, result)


def test_there_are_at_least_30_malformed_feeds():
    assert len(CASES) >= 30


def test_bozo_feed_with_entries_is_used_and_flagged():
    result = parse(rss(item(1), item(2))[:-150])
    assert result.bozo and result.entries and not result.failed and result.error


def test_100k_entries_are_capped_quickly():
    content = rss(*(item(i) for i in range(100_000)))
    started = time.monotonic()
    result = parse_feed(content, FEED_URL)
    assert time.monotonic() - started < 10
    assert len(result.entries) == MAX_ENTRIES and not result.failed
    assert "capped" in result.error or "cut" in result.error


# ---- XML attacks (row 7) ------------------------------------------------------------------------

BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY lol "lol">\n'
                  + b"".join(f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
                             .encode() for i in range(1, 10))
                  + b']>\n<rss version="2.0"><channel><title>&lol9;</title><item><title>Gadget &lol9;</title>'
                  b'<link>https://leftside.example/a</link></item></channel></rss>')
QUADRATIC = (b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "' + b"x" * 100_000 + b'">]>'
             b'<rss version="2.0"><channel><item><title>' + b"&a;" * 20_000 +
             b"</title><link>https://leftside.example/q</link></item></channel></rss>")


def _xxe(target: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{target}">]>'
            f'<rss version="2.0"><channel><title>t</title><item><title>Gadget &xxe;</title>'
            f'<description>&xxe;</description><link>https://leftside.example/x</link></item></channel></rss>').encode()


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1 that counts connections (an external DTD would land here)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                hits.append(1)
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], hits
    stop.set()
    thread.join(2)
    server.close()


def _attack(content: bytes) -> FeedResult:
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = parse_feed(content, FEED_URL)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed <= 2, elapsed
    assert peak < 100 * 1024 * 1024, peak
    return result


def _fields(result: FeedResult) -> str:
    return " ".join(f"{e.url} {e.title} {e.summary} {e.guid}" for e in result.entries) + result.error


def test_billion_laughs():
    result = _attack(BILLION_LAUGHS)
    assert "lollol" not in _fields(result)
    assert urls(result) == ["https://leftside.example/a"]


def test_quadratic_blowup():
    result = _attack(QUADRATIC)
    assert "xxxxxxxxxx" not in _fields(result)


@pytest.mark.parametrize("target", ["file:///etc/passwd", "file:///etc/hostname", "/etc/passwd"])
def test_xxe_reads_no_file(target):
    result = _attack(_xxe(target))
    text = _fields(result)
    assert "root:" not in text and "/bin/" not in text
    assert open("/etc/hostname").read().strip() not in text or not open("/etc/hostname").read().strip()


def test_external_dtd_and_entities_make_no_request(listener, no_network):
    port, hits = listener
    monkey_attempts = no_network
    for content in [
        _xxe(f"http://127.0.0.1:{port}/secret"),
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://127.0.0.1:{port}/evil.dtd"><rss version="2.0">'
        f'<channel><item><title>Gadget</title><link>https://leftside.example/d</link></item></channel></rss>'.encode(),
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % ext SYSTEM "http://127.0.0.1:{port}/p.dtd"> %ext;]>'
        f'<rss version="2.0"><channel><item><title>Gadget</title><link>https://leftside.example/p</link></item>'
        f'</channel></rss>'.encode(),
        f'<?xml version="1.0"?><?xml-stylesheet href="http://127.0.0.1:{port}/s.xsl"?><rss version="2.0"><channel>'
        f'<item><title>G</title><link>https://leftside.example/s</link></item></channel></rss>'.encode(),
    ]:
        result = _attack(content)
        assert len(result.entries) == 1, result
    time.sleep(0.3)
    assert hits == [] and monkey_attempts == []


def test_parser_never_opens_paths(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss(item(1, title="SECRET FILE CONTENT")))
    result = parse(str(secret).encode())
    assert result.failed and "SECRET" not in _fields(result)


def test_parse_never_raises_on_non_bytes_garbage():
    for content in [b"\x00" * 1000, b"<rss" * 10_000, b"<?xml" + b"<" * 100_000, b"<!DOCTYPE" + b"[" * 50_000]:
        result = parse(content)
        assert isinstance(result, FeedResult)
