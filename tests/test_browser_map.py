"""The Framing map and Omissions pages on the demo story in headless Chromium: legend and
uncertainty visible (screenshots in tests/artifacts/), and a click on a map point opens the
article in the Reader."""

from __future__ import annotations

import os

import pytest

from tests.test_browser import (ARTIFACTS, CHROMIUM, _open, _settled, browser, page,  # noqa: F401
                                pytestmark, serve_app)


@pytest.fixture(scope="module")
def server(demo_db):
    env = {**os.environ, "FRAMELENS_DB": demo_db, "FRAMELENS_CHROMIUM": CHROMIUM}
    env.pop("FRAMELENS_STORIES_DIR", None)
    with serve_app(env) as url:
        yield url


def _main_text(page) -> str:
    return page.locator("[data-testid=stMain]").inner_text()


def test_framing_map_shows_what_each_cluster_means(page, server):
    _open(page, server, "framing_map")
    legend = page.locator("[data-testid=stPlotlyChart] .legend").first.text_content()
    assert "appointing president" in legend  # the legend names clusters by what they say
    axes = page.locator("[data-testid=stPlotlyChart] .xtitle").first.text_content()
    assert "←" in axes and "→" in axes
    text = _main_text(page)
    assert "What each cluster means" in text and "Distinguished by:" in text and "Typical article:" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-framing-map.png"))


def test_omissions_show_counts_intervals_and_the_rule(page, server):
    _open(page, server, "omissions")
    text = _main_text(page)
    assert "Fisher's exact test" in text and "Wilson intervals" in text
    chart = page.locator("[data-testid=stPlotlyChart]").first.text_content()
    assert "interval" in chart and "/" in chart  # counts such as 4/12 on the points
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-omissions.png"))


def _point_position(page) -> tuple[float, float, str]:
    """Page coordinates and outlet (from its hover text) of a map point no other point sits near
    (a syndicated copy shares its original's place)."""
    return tuple(page.evaluate("""() => {
        const gd = document.querySelector('[data-testid=stPlotlyChart] .js-plotly-plot');
        const L = gd._fullLayout, box = gd.getBoundingClientRect();
        const points = gd.calcdata.flatMap((trace, t) => trace.map((p, i) => ({
            px: box.left + L.xaxis._offset + L.xaxis.c2p(p.x), py: box.top + L.yaxis._offset + L.yaxis.c2p(p.y), t, i})));
        const alone = points.find(p => points.every(q => q === p || Math.hypot(q.px - p.px, q.py - p.py) > 20));
        const outlet = gd._fullData[alone.t].hovertext[alone.i].split('<b>')[1].split('</b>')[0];
        return [alone.px, alone.py, outlet];
    }"""))


def test_clicking_a_point_opens_the_article_in_the_reader(page, server):
    _open(page, server, "framing_map")
    x, y, outlet = _point_position(page)
    for _attempt in range(3):  # a click that lands during a rerun can be swallowed; click again
        page.mouse.move(x, y)
        page.locator(".hoverlayer .hovertext").first.wait_for(timeout=10000)
        hover = page.locator(".hoverlayer").first.text_content()
        assert "click to open in the Reader" in hover and outlet[:20] in hover
        page.mouse.down()
        page.mouse.up()
        try:
            page.get_by_role("heading", level=1).filter(has_text="Reader").wait_for(timeout=15000)
            break
        except Exception:  # noqa: BLE001 - retried
            continue
    _settled(page)
    assert page.get_by_role("heading", level=1).first.inner_text().strip() == "Reader"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-map-click-reader.png"))
    shown = page.get_by_role("heading", level=4)  # one heading per article the Reader shows
    assert shown.count() == 1  # the clicked article only (by default the Reader opens two)
    assert f"{outlet[:20]}" in _main_text(page)
