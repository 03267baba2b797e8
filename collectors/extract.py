"""HTML → article text and metadata (title, date, authors, language); no network.

Default ('auto'): trafilatura with comments off, newspaper4k as the fallback when
trafilatura finds too little. Dates are checked here whoever found them: a date more
than a day in the future, or one that cannot exist, becomes None and a flag.
`extract_bounded` runs the same in a worker process that is killed when it overruns.
"""

from __future__ import annotations

import atexit
import logging
import re
import sys
import threading
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .charset import decode_html
from .credit import provider_names

log = logging.getLogger("framelens.extract")
warnings.filterwarnings("ignore", message="nltk is not installed")  # newspaper's NLP is not used

EXTRACTORS = ("auto", "trafilatura", "newspaper")
FALLBACK_BELOW = 200  # characters of text under which 'auto' asks newspaper too
SHORT_TEXT = 250  # a paywall or consent stub is shorter than this
TITLE_MAX = 1000
FAVOR_PRECISION = False  # measured on tests/pages: see benchmarks/bench_extraction.py
_MIN_YEAR = 1900
_FUTURE_SLACK = timedelta(days=1)


@dataclass
class Extracted:
    """What extraction found in one page."""

    title: str
    text: str
    published: datetime | None  # UTC
    authors: list[str] = field(default_factory=list)
    language: str = ""
    extractor: str = ""  # trafilatura | newspaper | '' when nothing was found
    flags: list[str] = field(default_factory=list)  # future_date, impossible_date, short_text, ...
    providers: list[str] = field(default_factory=list)  # outlets the page credits (collectors.credit)


class ExtractionError(RuntimeError):
    """Extraction failed in its worker (it crashed or the page broke the extractor)."""


class ExtractionTimeout(ExtractionError):
    """Extraction took longer than its bound; the worker was killed."""


@dataclass
class _Found:
    title: str = ""
    text: str = ""
    date: object = None
    authors: list[str] = field(default_factory=list)
    name: str = ""
    failed: bool = False


# ---------------------------------------------------------------- extraction

def extract_article(html: str | bytes, url: str = "", extractor: str = "auto") -> Extracted:
    """Extract one page. `extractor`: 'auto' | 'trafilatura' | 'newspaper'."""
    if extractor not in EXTRACTORS:
        raise ValueError(f"unknown extractor {extractor!r}; choose one of {', '.join(EXTRACTORS)}")
    markup = clean_markup(decode_html(html) if isinstance(html, bytes) else html or "")
    if extractor == "newspaper":
        found = _newspaper(markup, url)
    else:
        found = _trafilatura(markup, url)
        if extractor == "auto" and len(found.text) < FALLBACK_BELOW:
            found = _better(found, _newspaper(markup, url))
    return _finish(found, markup)


def _better(first: _Found, second: _Found) -> _Found:
    """The one with more text, its gaps filled from the other."""
    best, other = (second, first) if len(second.text) > len(first.text) else (first, second)
    return _Found(title=best.title or other.title, text=best.text, date=best.date or other.date,
                  authors=best.authors or other.authors, name=best.name if best.text else "",
                  failed=first.failed and second.failed)


def _finish(found: _Found, markup: str) -> Extracted:
    flags = ["extractor_error"] if found.failed else []
    published, date_flags = _published(markup, found.date)
    title = _one_line(found.title or _html_title(markup))
    if len(title) > TITLE_MAX:
        title, flags = title[:TITLE_MAX].rstrip() + "…", flags + ["long_title"]
    text = _drop_head_lines(_tidy(found.text), title)
    if _weight(text) < SHORT_TEXT:
        flags.append("short_text")
    return Extracted(title=title, text=text, published=published, authors=_authors(found.authors),
                     language=detect_language(text), extractor=found.name if text else "",
                     flags=flags + date_flags, providers=provider_names(markup))


def _trafilatura(markup: str, url: str) -> _Found:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(markup, url=url or None, include_comments=False, with_metadata=True,
                                          favor_precision=FAVOR_PRECISION, include_tables=True)
    except Exception as exc:  # a hostile page (RecursionError included) must not take the run down
        log.info("trafilatura failed on %s: %s", url or "a page", exc)
        return _Found(name="trafilatura", failed=True)
    if doc is None:
        return _Found(name="trafilatura")
    return _Found(title=doc.title or "", text=doc.text or "", date=doc.date,
                  authors=re.split(r";|\n", doc.author or ""), name="trafilatura")


def _newspaper(markup: str, url: str) -> _Found:
    _configure_tldextract_offline()
    import newspaper

    try:
        # No downloads of any kind: no images, no meta-refresh target, no read-more page.
        article = newspaper.Article(url or "https://unknown.invalid/", fetch_images=False, follow_meta_refresh=False)
        article.download(input_html=markup, ignore_read_more=True)
        article.parse()
    except Exception as exc:
        log.info("newspaper failed on %s: %s", url or "a page", exc)
        return _Found(name="newspaper", failed=True)
    return _Found(title=article.title or "", text=article.text or "", date=article.publish_date,
                  authors=list(article.authors or []), name="newspaper")


_TLD_LOCK = threading.Lock()
_tld_ready = False


def _configure_tldextract_offline() -> None:
    """newspaper's URL helpers call tldextract, which fetches the suffix list unless told not to."""
    global _tld_ready
    with _TLD_LOCK:
        if _tld_ready:
            return
        import tldextract.tldextract as tld

        tld.TLD_EXTRACTOR = tld.TLDExtract(suffix_list_urls=(), cache_dir=None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "nltk is not installed": its NLP is not used
            import newspaper  # noqa: F401
        _tld_ready = True


# ---------------------------------------------------------------- cleaning

_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_markup(markup: str) -> str:
    """Drop what lxml refuses (NUL, C0 controls, lone surrogates); keep everything else."""
    return _BAD_CHARS.sub("", markup)


def _tidy(text: str) -> str:
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in (text or "").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_BYLINE = re.compile(r"^(by|von|par|por|door|di|av|af)\s+\S.{0,80}$", re.IGNORECASE)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _drop_head_lines(text: str, title: str) -> str:
    """The headline and the byline are metadata, not article text: drop them from the top."""
    if title and text[:len(title)].lower() == title.lower() and text[len(title):len(title) + 1].isspace():
        text = text[len(title):].lstrip()
    lines = text.split("\n")
    if lines and _BYLINE.match(lines[0].strip()):
        lines = lines[1:]
    return "\n".join(lines).strip()


def _weight(text: str) -> int:
    """Length in Latin-text characters: a CJK character carries about three."""
    return len(text) + 2 * len(_CJK.findall(text))


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _html_title(markup: str) -> str:
    import html as htmllib

    match = _TITLE.search(markup[:2_000_000])
    return htmllib.unescape(match.group(1)) if match else ""


_NOT_A_NAME = re.compile(r"\d|^(published|updated|posted|staff|admin|editor|reporter|news|by|and)$", re.IGNORECASE)


def _authors(raw: list[str]) -> list[str]:
    names: list[str] = []
    for name in raw:
        name = re.sub(r"^\s*(by|von|par|por)\s+", "", _one_line(str(name)), flags=re.IGNORECASE).strip(" ,;")
        if not name or len(name) > 100 or _NOT_A_NAME.search(name):
            continue  # bylines like "Published 31 February" are not people
        if name.lower() not in (n.lower() for n in names):
            names.append(name)
    return names[:10]


# ---------------------------------------------------------------- dates

_DECLARED = [  # where a page states its own publication date, in order of trust
    re.compile(r"""<meta\b(?=[^>]*\b(?:property|name|itemprop)\s*=\s*["']?(?:article:published_time|"""
               r"""og:published_time|datePublished|pubdate|publishdate|publish-date|dc\.date\.issued|"""
               r"""parsely-pub-date|sailthru\.date)["'\s>])[^>]*\bcontent\s*=\s*["']([^"']{4,64})""",
               re.IGNORECASE),
    re.compile(r""""datePublished"\s*:\s*"([^"]{4,64})\""""),
]
_TIME_TAG = re.compile(r"""<time\b[^>]*\bdatetime\s*=\s*["']([^"']{4,64})""", re.IGNORECASE)
_SCAN = 1_000_000


def _published(markup: str, found_date) -> tuple[datetime | None, list[str]]:
    """The page's declared date if it has one (checked), else the extractor's (checked)."""
    head = markup[:_SCAN]
    for pattern in _DECLARED:
        match = pattern.search(head)
        if match:
            return parse_date(match.group(1))
    published, flags = parse_date(found_date)
    match = _TIME_TAG.search(head)
    if match is None:
        return published, flags
    stamped, time_flags = parse_date(match.group(1))
    if published is None and not flags:  # the extractors drop future dates silently: say why there is none
        return None, [f for f in time_flags if f != "unparsed_date"]
    if stamped and published and stamped.date() == published.date() and published.time() == datetime.min.time():
        return stamped, flags  # the same day, now with its time of day
    return published, flags


def parse_date(value, now: datetime | None = None) -> tuple[datetime | None, list[str]]:
    """A date in UTC, or None with a flag: future_date, impossible_date or unparsed_date."""
    if value is None or value == "":
        return None, []
    now = now or datetime.now(timezone.utc)
    try:
        parsed = _to_datetime(value)
    except _Impossible:
        return None, ["impossible_date"]
    if parsed is None:
        return None, ["unparsed_date"]
    parsed = parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
    if parsed.year < _MIN_YEAR:
        return None, ["impossible_date"]
    if parsed > now + _FUTURE_SLACK:
        return None, ["future_date"]
    return parsed, []


class _Impossible(ValueError):
    pass


def _to_datetime(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return _from_epoch(float(value))
    text = str(value).strip()
    if re.fullmatch(r"\d{10}(\d{3})?(\.\d+)?", text):
        return _from_epoch(float(text))
    return _from_text(text[:100])


def _from_epoch(seconds: float) -> datetime | None:
    if seconds > 1e11:  # milliseconds
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise _Impossible(seconds) from None


def _from_text(text: str) -> datetime | None:
    impossible = False
    for parse in (_iso, _rfc2822, _dateutil):
        try:
            parsed = parse(text)
        except (ValueError, OverflowError, TypeError) as exc:
            impossible = impossible or _says_impossible(exc)
            continue
        if parsed is not None:
            return parsed
    if impossible:
        raise _Impossible(text)
    return None


def _says_impossible(exc: Exception) -> bool:
    message = str(exc).lower()
    return "out of range" in message or "must be in" in message


def _iso(text: str) -> datetime | None:
    if not re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))


def _rfc2822(text: str) -> datetime | None:
    import email.utils

    if not re.match(r"^(\w{3},\s*)?\d{1,2}\s+\w{3}\s+\d{2,4}\s+\d", text):
        return None
    return email.utils.parsedate_to_datetime(text)


def _dateutil(text: str) -> datetime | None:
    from dateutil import parser

    if not re.search(r"\d", text):
        return None  # "yesterday", "last week": nothing to anchor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # other time-zone names parse as naive: UTC here
        parsed = parser.parse(text, default=datetime(1, 1, 1), tzinfos=_TZ_NAMES)
    return None if parsed.year == 1 else parsed  # no year in the text: not a date we can use


_TZ_NAMES = {name: hours * 3600 for name, hours in {
    "UTC": 0, "GMT": 0, "Z": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
    "PST": -8, "PDT": -7, "AKST": -9, "AKDT": -8, "HST": -10, "BST": 1, "CET": 1, "CEST": 2,
    "EET": 2, "EEST": 3, "JST": 9, "KST": 9, "AEST": 10, "AEDT": 11}.items()}


# ---------------------------------------------------------------- language

_LANG_MIN_CHARS = 40


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text (py3langid), or '' when there is too little text."""
    sample = " ".join((text or "").split())[:5000]
    if sum(ch.isalpha() for ch in sample) < _LANG_MIN_CHARS:
        return ""
    import py3langid

    language, _score = py3langid.classify(sample)
    return language


# ---------------------------------------------------------------- bounded extraction

def extract_bounded(html: str | bytes, url: str = "", extractor: str = "auto", timeout: float = 20) -> Extracted:
    """extract_article in a worker process, killed after `timeout` seconds (ExtractionTimeout)."""
    if extractor not in EXTRACTORS:
        raise ValueError(f"unknown extractor {extractor!r}; choose one of {', '.join(EXTRACTORS)}")
    worker = _POOL.acquire()
    try:
        result = worker.run((html, url, extractor), timeout)
    except BaseException:
        worker.kill()
        raise
    _POOL.release(worker)
    return result


def serve_worker(read_fd: int, write_fd: int) -> None:
    """Worker loop (in its own process): warm up, say ready, then one job at a time, no network."""
    import socket
    from multiprocessing.connection import Connection

    def refuse(*args, **kwargs):
        raise OSError("no network in the extraction worker")

    socket.socket.connect = refuse  # belt and braces: the extractors must never fetch
    socket.create_connection = refuse
    jobs, results = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    extract_article("<html><body><p>warm up the extractors and the language model</p></body></html>")
    results.send(("ready", None))
    while True:
        try:
            html, url, extractor = jobs.recv()
        except (EOFError, OSError):
            return
        try:
            results.send(("ok", extract_article(html, url, extractor)))
        except BaseException as exc:  # report, then keep serving
            results.send(("error", f"{type(exc).__name__}: {exc}"))


_WORKER_START_TIMEOUT = 60.0


class _Worker:
    """A plain child process (not multiprocessing: no re-import of the caller's __main__)."""

    def __init__(self):
        import os
        import subprocess
        from multiprocessing.connection import Connection

        job_r, job_w = os.pipe()
        res_r, res_w = os.pipe()
        code = f"from collectors.extract import serve_worker; serve_worker({job_r}, {res_w})"
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen([sys.executable, "-c", code], pass_fds=(job_r, res_w), env=env,
                                        stdin=subprocess.DEVNULL, close_fds=True)
        os.close(job_r)
        os.close(res_w)
        self.jobs, self.results = Connection(job_w, readable=False), Connection(res_r, writable=False)
        self.ready = False

    def alive(self) -> bool:
        return self.process.poll() is None

    def run(self, job, timeout: float) -> Extracted:
        if not self.ready:
            self._receive(_WORKER_START_TIMEOUT, "start")
            self.ready = True
        self.jobs.send(job)
        kind, payload = self._receive(timeout, "job")
        if kind == "error":
            raise ExtractionError(payload)
        return payload

    def _receive(self, timeout: float, what: str):
        if not self.results.poll(timeout):
            if what == "start":
                raise ExtractionError(f"the extraction worker did not start within {timeout:g}s")
            raise ExtractionTimeout(f"extraction took longer than {timeout:g}s")
        try:
            return self.results.recv()
        except (EOFError, OSError):
            raise ExtractionError(f"the extraction worker died (exit code {self.process.poll()})") from None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.jobs.close()
        self.results.close()


class _WorkerPool:
    """Reusable extraction workers: started on first use, replaced when killed."""

    def __init__(self, keep: int = 2):
        self.keep = keep
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def acquire(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.kill()
        return _Worker()

    def release(self, worker: _Worker) -> None:
        with self._lock:
            if len(self._idle) < self.keep and worker.alive():
                self._idle.append(worker)
                return
        worker.kill()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


_ROOT = str(Path(__file__).resolve().parent.parent)  # so the worker imports this very package
_POOL = _WorkerPool()
atexit.register(_POOL.close)

