"""Collection throughput: framelens's fetcher vs a serial crawl, both keeping ≥ 1 s per host.

    .venv/bin/python benchmarks/bench_collection.py [--hosts 20] [--pages 200] [--latency 0.05]
        [--delay 1.0] [--workers 8,20] [--serial host-by-host,round-robin] [--json OUT]

`--hosts` fictional outlets (`siteNN.example`, each its own HTTP server on 127.0.0.1,
answering every request after `--latency` seconds) serve `--pages` article pages between
them. The baselines fetch the same URLs one at a time with plain httpx, reading every
host's robots.txt first and waiting so that two requests to one host start ≥ `--delay`
apart: *host-by-host* takes the URLs in feed order (each outlet's pages together, the
obvious crawler), *round-robin* interleaves the hosts (the best a serial crawler can do).
framelens runs `Fetcher(FetchSettings(host_delay=DELAY)).get_many(urls, workers=N)`.
Printed: seconds, pages/s, speed-up over each baseline, and the smallest gap between two
requests to one host as the servers saw it (must be ≥ the delay, less 0.1 s of jitter).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

JITTER_S = 0.1
UA = "framelens-bench/0.1 (+https://framelens.example/contact)"
BODY = ("<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
        + "<p>The court ruled on the motion and the outlet reported it at length.</p>" * 60
        + "</article></body></html>")


class SlowSite:
    """One fictional outlet: an HTTP server that answers after `latency` seconds and logs request times."""

    def __init__(self, index: int, latency: float):
        self.host = f"site{index:02d}.example"
        self.latency = latency
        self.log: list[float] = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else Nagle + delayed ACKs add ~40 ms to every answer

            def do_GET(self):
                with site._lock:
                    site.log.append(time.monotonic())
                time.sleep(site.latency)
                if self.path == "/robots.txt":
                    body, ctype = b"User-agent: *\nAllow: /\n", "text/plain"
                else:
                    body, ctype = BODY.format(n=self.path).encode(), "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler

    def reset(self) -> None:
        with self._lock:
            self.log.clear()

    def min_gap(self) -> float:
        times = sorted(self.log)
        return min((b - a for a, b in zip(times, times[1:])), default=float("inf"))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _urls(sites: list[SlowSite], pages: int) -> list[str]:
    """Feed order: each outlet's pages together."""
    per_site = [[] for _ in sites]
    for n in range(pages):
        per_site[n % len(sites)].append(sites[n % len(sites)].url(f"/2025/03/14/story-{n}"))
    return [u for group in per_site for u in group]


def _round_robin(urls: list[str]) -> list[str]:
    groups: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        groups[url.split("/")[2]].append(url)
    out, lists = [], list(groups.values())
    for i in range(max(len(g) for g in lists)):
        out.extend(g[i] for g in lists if i < len(g))
    return out


def serial_crawl(sites: list[SlowSite], urls: list[str], delay: float) -> tuple[float, int]:
    """One request at a time with plain httpx: robots.txt per host first, ≥ delay between a host's requests."""
    import httpx

    ports = {s.host: s.port for s in sites}
    last: dict[str, float] = {}
    ok = 0
    started = time.monotonic()
    hosts = list(dict.fromkeys(url.split("/")[2].split(":")[0] for url in urls))
    with httpx.Client(headers={"User-Agent": UA}, timeout=30) as client:
        def get(host: str, path: str) -> int:
            wait = last.get(host, -1e9) + delay - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            last[host] = time.monotonic()
            return client.get(f"http://127.0.0.1:{ports[host]}{path}", headers={"Host": host}).status_code

        for host in hosts:  # every robots.txt first, so no page waits on its own host's robots.txt
            get(host, "/robots.txt")
        for url in urls:
            ok += get(url.split("/")[2].split(":")[0], "/" + url.split("/", 3)[3]) == 200
    return time.monotonic() - started, ok


def framelens_crawl(urls: list[str], delay: float, workers: int) -> tuple[float, int]:
    from collectors.http import Fetcher, FetchSettings

    settings = FetchSettings(user_agent=UA, host_delay=delay, allow_private=True, total_timeout=30)
    ok = 0
    started = time.monotonic()
    with Fetcher(settings, resolver=lambda host, port: ["127.0.0.1"]) as fetcher:
        for _, got in fetcher.get_many(urls, workers=workers):
            ok += getattr(got, "status", None) == 200
    return time.monotonic() - started, ok


def run(hosts: int, pages: int, latency: float, delay: float, workers: list[int], serial: list[str]) -> dict:
    sites = [SlowSite(i, latency) for i in range(hosts)]
    urls = _urls(sites, pages)
    results: dict = {"hosts": hosts, "pages": pages, "latency_s": latency, "delay_s": delay, "runs": {}}
    try:
        jobs = [(f"serial {order}", lambda o=order: serial_crawl(sites, urls if o == "host-by-host" else _round_robin(urls), delay))
                for order in serial]
        jobs += [(f"framelens workers={w}", lambda w=w: framelens_crawl(urls, delay, w)) for w in workers]
        for name, job in jobs:
            for site in sites:
                site.reset()
            seconds, ok = job()
            gap = min(s.min_gap() for s in sites)
            results["runs"][name] = {"seconds": round(seconds, 2), "ok": ok, "pages_per_s": round(ok / seconds, 2),
                                     "min_gap_s": round(gap, 3)}
            print(f"{name:28s} {seconds:7.1f} s  {ok:4d} pages  {ok / seconds:6.1f} pages/s  "
                  f"min gap per host {gap:.3f} s", flush=True)
    finally:
        for site in sites:
            site.close()
    _ratios(results)
    return results


def _ratios(results: dict) -> None:
    runs = results["runs"]
    floor = (-(-results["pages"] // results["hosts"])) * results["delay_s"]
    print(f"lower bound at this pacing: about {floor:.0f} s (one host's pages, {results['delay_s']} s apart)")
    for name, r in runs.items():
        if not name.startswith("framelens"):
            continue
        for base, b in runs.items():
            if base.startswith("serial"):
                ratio = b["seconds"] / r["seconds"]
                r.setdefault("speedup", {})[base] = round(ratio, 2)
                print(f"{name}: {ratio:.2f}x the speed of the {base}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds between two requests to one host")
    parser.add_argument("--workers", default="8,20", help="comma-separated worker counts for get_many")
    parser.add_argument("--serial", default="host-by-host,round-robin", help="baselines to run")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    results = run(args.hosts, args.pages, args.latency, args.delay, [int(w) for w in args.workers.split(",")],
                  [s.strip() for s in args.serial.split(",") if s.strip()])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    # Server-side timestamps carry the servers' thread-scheduling jitter (tens of ms on a busy
    # machine), so a gap a little under the delay is noise; clients pace their request starts.
    bad = [n for n, r in results["runs"].items() if r["min_gap_s"] < args.delay - JITTER_S or r["ok"] < args.pages]
    if bad:
        print(f"FAILED politeness or completeness: {', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
