"""A local HTTP server with one endpoint per fault, in the style of Scrapy's mock server.

    with FaultServer() as server:
        fetcher.get(server.url("/status/503?retry_after=2"))
        server.hits("/status/503")      # how many requests that path received

It listens on 127.0.0.1 (or any loopback address) on a free port, optionally with TLS
(`FaultServer(tls=make_self_signed(tmp_path))`), serves each request in a thread, and stops
promptly (sleeping endpoints wake up on shutdown). Endpoints:

    /ok?body=TEXT&type=MIME       200 with the body (default a small HTML page)
    /page?file=NAME               a file from tests/pages, bytes as saved (type= and charset= optional)
    /bytes?hex=..&type=..         200 with exactly these bytes
    /status/CODE?retry_after=V    that status code (and a Retry-After header)
    /flaky/KEY?fail=N&code=C      C for the first N requests with this KEY, then 200
    /echo                         200, JSON of the request line and headers
    /redirect?to=URL&code=302     a redirect (Location: URL)
    /loop/N                       redirects to /loop/N+1 forever
    /chain/N                      N redirects, then 200
    /wait?s=S                     accepts, then says nothing for S seconds
    /drip?delay=D&n=N             headers, then one byte every D seconds
    /endless?chunk=K&delay=D      a chunked body that never ends
    /large?mb=M                   M MB with no Content-Length (connection close)
    /lying?claimed=C&actual=A     Content-Length C, A bytes actually sent
    /gzip-bomb?mb=M               gzip: ~M MB on the wire that inflate ~1000x (zeros)
    /br-bomb                      brotli body inflating to 1 GB
    /nested?layers=L&header=H     text gzipped L times, Content-Encoding listing H of them
    /encoded?enc=gzip|deflate|rawdeflate|br&body=TEXT
    /headers?n=N                  N response headers
    /redirect-bomb                302 to /ok whose body is a gzip bomb
    /robots.txt                   from `robots` (status, body) set on the server
"""

from __future__ import annotations

import functools
import gzip
import json
import socket
import threading
import time
import zlib
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

PAGES = Path(__file__).resolve().parent / "pages"
_MB = 1024 * 1024


def bomb_chunk() -> tuple[bytes, bytes]:
    """(gzip header + first deflate block, a repeatable deflate block) of 1 MB of zeros each."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    first = comp.compress(b"\0" * _MB) + comp.flush(zlib.Z_FULL_FLUSH)
    again = comp.compress(b"\0" * _MB) + comp.flush(zlib.Z_FULL_FLUSH)
    return first, again


_FIRST, _AGAIN = bomb_chunk()


@functools.lru_cache(maxsize=2)
def _br_bomb(mb: int) -> bytes:
    """Brotli of `mb` MB of zeros (a few hundred bytes), built without holding the plain text."""
    import brotli

    comp = brotli.Compressor(quality=1)
    block = b"\0" * _MB
    return b"".join(comp.process(block) for _ in range(mb)) + comp.finish()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:  # clients hang up on faults: expected
        pass

    def get_request(self):
        sock, address = self.socket.accept()
        with self.fault.lock:
            self.fault.connections += 1
        if self.tls_context is not None:  # handshake in the handler thread, not the accept loop
            sock = self.tls_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address


def _server_tls(tls: tuple[str, str]):
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls)
    return context


def make_self_signed(folder: Path) -> tuple[str, str]:
    """A self-signed certificate for localhost/127.0.0.1: with `cryptography` if installed, else openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    try:
        _self_signed_with_cryptography(cert, key)
    except ImportError:
        import subprocess

        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=30)
    return str(cert), str(key)


def make_ca_signed(folder: Path, name: str, sans: str = "DNS:localhost,IP:127.0.0.1",
                   days: int = 2) -> tuple[str, tuple[str, str]]:
    """A test CA (created once per folder) and a certificate it signs for `sans`, with the
    openssl CLI: (the CA's PEM path, (cert, key)). `days=-1` gives one that has expired."""
    import subprocess

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=30, cwd=folder)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    if not (folder / "ca.pem").exists():
        openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=framelens test CA", "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign")
    (folder / f"{name}.ext").write_text(f"subjectAltName={sans}\n", encoding="ascii")
    openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", "/CN=localhost")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", f"{name}.pem", "-days", str(days), "-extfile", f"{name}.ext")
    return str(folder / "ca.pem"), (str(folder / f"{name}.pem"), str(folder / f"{name}.key"))


def _self_signed_with_cryptography(cert_path: Path, key_path: Path) -> None:
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))


class FaultServer:
    """The fault server; a context manager. `requests` logs (path, headers) of every request."""

    def __init__(self, host: str = "127.0.0.1", tls: tuple[str, str] | None = None):
        self.stopping = threading.Event()
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.arrivals: list[tuple[float, str, str]] = []  # (monotonic time, Host header, path)
        self.connections = 0
        self.robots: tuple[int, str] = (404, "")
        self.counters: dict[str, int] = {}
        self.lock = threading.Lock()
        self._httpd = _Server((host, 0), _handler_for(self))
        self._httpd.fault = self
        self._httpd.tls_context = _server_tls(tls) if tls else None
        self.port = self._httpd.server_address[1]
        self.host = host
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def hits(self, prefix: str) -> int:
        return sum(1 for path, _ in list(self.requests) if path.startswith(prefix))

    def start(self) -> "FaultServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class CountingListener:
    """A bare TCP listener on loopback counting connections and bytes: the SSRF canary."""

    def __init__(self, host: str = "127.0.0.1"):
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.received = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.settimeout(0.2)
            try:
                self.received += len(conn.recv(65536))
            except OSError:
                pass
            conn.close()

    def __enter__(self) -> "CountingListener":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _handler_for(server: FaultServer):
    class Handler(_FaultHandler):
        fault = server

    return Handler


class _FaultHandler(BaseHTTPRequestHandler):
    fault: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self.fault.lock:
            self.fault.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
            self.fault.arrivals.append((time.monotonic(), self.headers.get("Host", ""), self.path))
        name = parts.path.strip("/").split("/")[0].replace("-", "_").replace(".", "_") or "ok"
        handler = getattr(self, f"ep_{name}", None)
        try:
            if handler is None:
                self.send_body(404, b"no such endpoint")
            else:
                handler(parts.path)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True

    # -------------------------------------------------------------- helpers

    def send_body(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8",
                  extra: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def arg(self, key: str, default: str = "") -> str:
        return self.query.get(key, default)

    def num(self, key: str, default: float) -> float:
        return float(self.query.get(key, default))

    def nap(self, seconds: float) -> bool:
        """Sleep unless the server stops; True when it is stopping."""
        return self.fault.stopping.wait(seconds)

    # -------------------------------------------------------------- endpoints

    def ep_ok(self, path: str) -> None:
        body = self.arg("body", "<html><head><title>OK</title></head><body><p>fine</p></body></html>")
        self.send_body(200, body.encode("utf-8"), self.arg("type", "text/html; charset=utf-8"))

    def ep_page(self, path: str) -> None:
        data = (PAGES / Path(self.arg("file")).name).read_bytes()
        self.send_body(200, data, self.arg("type", "text/html"))

    def ep_bytes(self, path: str) -> None:
        self.send_body(200, bytes.fromhex(self.arg("hex")), self.arg("type", "text/html"))

    def ep_status(self, path: str) -> None:
        code = int(path.rstrip("/").split("/")[-1])
        extra = {"Retry-After": self.arg("retry_after")} if self.arg("retry_after") else {}
        self.send_body(code, f"status {code}".encode(), "text/plain", extra)

    def ep_flaky(self, path: str) -> None:
        with self.fault.lock:
            seen = self.fault.counters.get(path, 0)
            self.fault.counters[path] = seen + 1
        if seen < self.num("fail", 2):
            extra = {"Retry-After": self.arg("retry_after")} if self.arg("retry_after") else {}
            self.send_body(int(self.num("code", 503)), b"try later", "text/plain", extra)
        else:
            self.send_body(200, f"<html><body><p>recovered after {seen}</p></body></html>".encode())

    def ep_echo(self, path: str) -> None:
        body = json.dumps({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}})
        self.send_body(200, body.encode(), "application/json")

    def ep_redirect(self, path: str) -> None:
        code = int(self.num("code", 302))
        self.send_body(code, b"", "text/html", {"Location": self.arg("to", "/ok")})

    def ep_loop(self, path: str) -> None:
        n = int(path.rstrip("/").split("/")[-1])
        self.send_body(302, b"", "text/html", {"Location": f"/loop/{n + 1}"})

    def ep_chain(self, path: str) -> None:
        n = int(path.rstrip("/").split("/")[-1])
        if n <= 0:
            self.send_body(200, b"<html><body><p>end of chain</p></body></html>")
        else:
            self.send_body(301, b"", "text/html", {"Location": f"/chain/{n - 1}"})

    def ep_wait(self, path: str) -> None:
        self.nap(self.num("s", 10))
        self.close_connection = True

    def ep_drip(self, path: str) -> None:
        n = int(self.num("n", 1000))
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        for _ in range(n):
            self.wfile.write(b"x")
            self.wfile.flush()
            if self.nap(self.num("delay", 5)):
                return

    def ep_endless(self, path: str) -> None:
        chunk = b"y" * int(self.num("chunk", 65536))
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        while not self.nap(self.num("delay", 0)):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))

    def ep_large(self, path: str) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Connection", "close")
        self.end_headers()
        block = b"z" * _MB
        for _ in range(int(self.num("mb", 50))):
            if self.fault.stopping.is_set():
                return
            self.wfile.write(block)

    def ep_lying(self, path: str) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(int(self.num("claimed", 100))))
        self.end_headers()
        remaining = int(self.num("actual", 50 * _MB))
        while remaining > 0 and not self.fault.stopping.is_set():
            piece = min(remaining, _MB)
            self.wfile.write(b"L" * piece)
            remaining -= piece

    def ep_gzip_bomb(self, path: str) -> None:
        self._send_gzip_bomb(200, int(self.num("mb", 10)))

    def _send_gzip_bomb(self, status: int, wire_mb: int, extra: dict | None = None) -> None:
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Encoding", "gzip")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(_FIRST)
        repeats = max(1, wire_mb * _MB // len(_AGAIN))
        for _ in range(repeats):  # each block inflates to 1 MB: ~10 MB on the wire → ~10 GB
            if self.fault.stopping.is_set():
                return
            self.wfile.write(_AGAIN)

    def ep_br_bomb(self, path: str) -> None:
        self.send_body(200, _br_bomb(int(self.num("mb", 1024))), "text/html", {"Content-Encoding": "br"})

    def ep_nested(self, path: str) -> None:
        body = b"<html><body><p>" + b"n" * 200_000 + b"</p></body></html>"
        layers = int(self.num("layers", 10))
        for _ in range(layers):
            body = gzip.compress(body, mtime=0)
        header = ", ".join(["gzip"] * int(self.num("header", layers)))
        self.send_body(200, body, "text/html", {"Content-Encoding": header})

    def ep_encoded(self, path: str) -> None:
        text = self.arg("body", "<html><body><p>encoded body</p></body></html>").encode()
        enc = self.arg("enc", "gzip")
        if enc == "gzip":
            body = gzip.compress(text)
        elif enc == "deflate":
            body = zlib.compress(text)
        elif enc == "rawdeflate":
            c = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            body, enc = c.compress(text) + c.flush(), "deflate"
        elif enc == "br":
            import brotli

            body = brotli.compress(text)
        else:
            body = text  # an encoding we do not know: sent as is, labelled as asked
        self.send_body(200, body, "text/html; charset=utf-8", {"Content-Encoding": enc})

    def ep_headers(self, path: str) -> None:
        self.send_response(200)
        for i in range(int(self.num("n", 1001))):
            self.send_header(f"X-Filler-{i}", "v" * 20)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def ep_redirect_bomb(self, path: str) -> None:
        self._send_gzip_bomb(302, 10, {"Location": "/ok"})

    def ep_robots_txt(self, path: str) -> None:
        status, body = self.fault.robots
        self.send_body(status, body.encode("utf-8"), "text/plain")


def local_settings(**overrides):
    """Fetch settings for tests against these servers: private hosts allowed, short waits."""
    from collectors.http import FetchSettings

    base = FetchSettings(user_agent="framelens-test/0.1 (+https://framelens.example/contact)",
                         connect_timeout=1, total_timeout=2, max_bytes=1024 * 1024, host_delay=0,
                         tries=3, retry_after_cap=5, allow_private=True, backoff=0.01)
    return replace(base, **overrides)


@pytest.fixture
def fault_server():
    """A running FaultServer for one test."""
    with FaultServer() as server:
        yield server


def wait_until(predicate, timeout: float = 2.0) -> bool:
    """Poll predicate until true or timeout (for server-side counters)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()
