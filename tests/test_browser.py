"""End to end in headless Debian Chromium (Playwright): every page, a heatmap click to the evidence,
PNG and CSV downloads, and RELIABILITY list E's hostile strings rendered as inert text.

Screenshots land in tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from framelens.textclean import clean_name

from tests.dashboard_fixtures import FORMULA_LIKE, populate, write_story

CHROMIUM = os.environ.get("FRAMELENS_CHROMIUM") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
PAGES = {"": "The Widget ruling (test story)", "compare": "Compare outlets", "framing_map": "Framing map",
         "omissions": "Omissions", "quotes": "Quotes against the primary source", "words": "Distinctive words",
         "descriptors": "How outlets describe the actors", "reader": "Reader", "export": "Export",
         "story_lab": "Story lab"}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"Debian chromium not installed at {CHROMIUM} (apt install chromium)")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}: {proc.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer on {url}")


@contextmanager
def serve_app(env: dict[str, str]) -> Iterator[str]:
    """Run `streamlit run app.py` on a free local port with `env`; yield its URL, stop it after."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    write_story(tmp / "stories")
    db = str(tmp / "browser.db")
    populate(db, n_articles=40, hostile=True)
    env = {**os.environ, "FRAMELENS_DB": db, "FRAMELENS_STORIES_DIR": str(tmp / "stories"),
           "FRAMELENS_CHROMIUM": CHROMIUM}
    with serve_app(env) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    # Streamlit scrolls inside its own container, so a tall viewport is what a screenshot sees.
    context = browser.new_context(viewport={"width": 1400, "height": 3200}, accept_downloads=True)
    pg = context.new_page()
    pg.dialogs = []
    pg.external = []
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    pg.on("request", lambda r: r.url.startswith(("http://127.0.0.1", "data:", "blob:")) or pg.external.append(r.url))
    yield pg
    context.close()


def _open(page, server: str, path: str) -> None:
    """Load a page and wait for its content (title, then no script running, charts drawn)."""
    # Streamlit's "load" event waits on its bundles, which a busy 2-core machine can hold up past
    # Playwright's 30 s default; the heading below is the real sign the page is there.
    page.goto(f"{server}/{path}", wait_until="commit", timeout=120000)
    page.get_by_role("heading", level=1).filter(has_text=PAGES[path]).wait_for(timeout=120000)
    _settled(page)
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
                                      .every(c => c.querySelector('.main-svg'))""", timeout=60000)
    page.wait_for_function("() => !document.querySelector('[data-testid=stSkeleton]')", timeout=60000)


def _settled(page) -> None:
    """Wait until the script run is over (Streamlit marks its state on the app element)."""
    page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=60000)


def _assert_inert(page) -> None:
    """No dialogs, no injected script or on* handlers, links http(s) only, no exception box."""
    report = page.evaluate("""() => {
        const handlers = [...document.querySelectorAll('*')].filter(
            el => [...el.attributes].some(a => a.name.toLowerCase().startsWith('on')));
        const scripts = [...document.querySelectorAll('script')].filter(s => /alert\\(/.test(s.textContent));
        const links = [...document.querySelectorAll('a[href]')].map(a => a.href)
            .filter(h => !/^https?:/i.test(h));
        const imgs = [...document.querySelectorAll('img[src="x"], svg[onload]')];
        return {handlers: handlers.map(e => e.outerHTML.slice(0, 120)), scripts: scripts.length,
                links, imgs: imgs.length, errors: document.querySelectorAll('[data-testid=stException]').length};
    }""")
    assert page.dialogs == []
    assert report == {"handlers": [], "scripts": 0, "links": [], "imgs": 0, "errors": 0}, report


@pytest.mark.parametrize("path", list(PAGES))
def test_page_renders_inert(page, server, path):
    _open(page, server, path)
    _assert_inert(page)
    assert page.external == []  # nothing fetched from outside 127.0.0.1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{path or 'overview'}.png"))


def test_hostile_strings_show_as_text(page, server):
    _open(page, server, "compare")
    for text in ("<img src=x onerror=alert(1)>", "<svg onload=alert(2)>", "[x](javascript:alert(3))",
                 '=HYPERLINK("http://evil.example","x")', "<img src=x onerror=alert('outlet')>",
                 ":red[not red] $x^2$ :smile: # not a heading"):
        assert page.get_by_text(text, exact=False).count() >= 1, text
    assert page.get_by_role("link", name="A link that must not be a link").count() == 0
    _assert_inert(page)


def _cell_position(page, outlet: str, feature: str) -> tuple[float, float]:
    """Page coordinates of a heatmap cell, from plotly's own axes."""
    return tuple(page.evaluate("""([outlet, feature]) => {
        const gd = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
        const L = gd._fullLayout, box = gd.getBoundingClientRect();
        const row = L.yaxis._categories.find(c => c.startsWith(outlet));
        return [box.left + L.xaxis._offset + L.xaxis.d2p(feature), box.top + L.yaxis._offset + L.yaxis.d2p(row)];
    }""", [outlet, feature]))


def _picked(page) -> list[str]:
    """The values shown in the main area's select boxes (Streamlit keeps them in <input> values)."""
    return page.locator("[data-testid=stMain] [data-testid=stSelectbox] input").evaluate_all(
        "els => els.map(e => e.value)")


def test_heatmap_click_reaches_the_evidence(page, server):
    _open(page, server, "compare")
    assert _picked(page) == ["All outlets", "All features"]
    for _attempt in range(3):  # a click that lands during a rerun can be swallowed; click again
        x, y = _cell_position(page, "Iron Bell Daily", "Calls it censorship")
        page.mouse.move(x, y)
        page.locator(".hoverlayer .hovertext").first.wait_for(timeout=10000)
        assert "Iron Bell Daily" in page.locator(".hoverlayer").first.text_content()
        page.mouse.down()
        page.mouse.up()
        try:
            page.wait_for_function("""() => [...document.querySelectorAll(
                '[data-testid=stMain] [data-testid=stSelectbox] input')].some(e => e.value === 'Iron Bell Daily')""",
                                   timeout=8000)
            break
        except Exception:  # noqa: BLE001 - retried
            continue
    _settled(page)
    assert _picked(page) == ["Iron Bell Daily", "Calls it censorship"]
    quotes = page.locator("[data-testid=stMain] blockquote")
    assert quotes.count() == 3  # Iron Bell Daily's three articles all call it censorship
    sentence = "Critics called the suspension an act of censorship by the host."
    assert {t.strip() for t in quotes.all_text_contents()} == {sentence}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "compare-evidence-after-click.png"))


def test_png_and_csv_downloads(page, server, tmp_path):
    from PIL import Image

    _open(page, server, "")
    with page.expect_download(timeout=90000) as info:
        page.locator("[data-testid=stDownloadButton]").filter(has_text="PNG").first.click()
    png = tmp_path / "chart.png"
    info.value.save_as(png)
    assert info.value.suggested_filename == "widget-articles_by_lean.png"
    assert Image.open(png).size == (2400, 760)  # 1200 x 380 layout pixels at scale 2

    with page.expect_download(timeout=60000) as info:
        page.locator(".st-key-dl-articles-csv button").click()  # the articles table's own CSV button
    rows = list(csv.DictReader(io.StringIO(info.value.path().read_bytes().decode("utf-8"), newline="")))
    assert info.value.suggested_filename == "widget-articles.csv"
    assert len(rows) == 41
    titles = {r["title"] for r in rows}
    assert {"'" + clean_name(t) for t in FORMULA_LIKE} <= titles  # tab/CR are cleaned out of titles at import
    assert not [v for r in rows for v in r.values() if v.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_report_download_is_self_contained(page, server):
    _open(page, server, "export")
    with page.expect_download(timeout=120000) as info:
        page.locator("[data-testid=stDownloadButton]").filter(has_text="Download the report").click()
    assert info.value.suggested_filename == "widget-report.html"
    html = info.value.path().read_bytes().decode("utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Plotly.newPlot" in html and "Provenance" in html
    assert "<script src" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_story_lab_edit_shows_new_matches_and_hostile_patterns_as_text(page, server):
    _open(page, server, "story_lab")
    caught = page.locator("[data-testid=stMetric]").filter(has_text="Sentences caught")
    before = caught.text_content()
    box = page.locator("textarea[aria-label^='Patterns']")
    for pattern in ("censor", "<img src=x onerror=alert(9)>(["):
        box.fill(pattern)
        box.press("Control+Enter")
        page.wait_for_timeout(300)
        _settled(page)
        if pattern == "censor":  # the caught count changes once the rerun lands
            page.wait_for_function("""(b) => [...document.querySelectorAll('[data-testid=stMetric]')]
                .some(m => m.textContent.includes('Sentences caught') && m.textContent !== b)""", arg=before,
                                   timeout=30000)
    # the hostile pattern comes back as text in a code block (a rerun can finish after _settled saw the old run)
    page.locator("[data-testid=stMain] pre").filter(has_text="<img src=x onerror=alert(9)>([").wait_for(timeout=30000)
    assert page.get_by_text("Not a valid regular expression", exact=False).count() >= 1
    _assert_inert(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "story-lab-hostile-pattern.png"))
