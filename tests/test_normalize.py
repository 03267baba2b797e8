"""Canonical URLs: variants of one article collapse to one string."""

import pytest

from collectors.normalize import canonical_url

SAME = [
    "https://www.news.example/politics/story-1",
    "http://news.example/politics/story-1/",
    "https://NEWS.example/politics/story-1?utm_source=twitter&utm_medium=social",
    "https://news.example/politics/story-1#comments",
    "https://m.news.example/politics/story-1",
    "https://news.example/politics/story-1/amp",
    "https://amp.news.example/politics/story-1?fbclid=abc",
    "https://news.example:443/politics/story-1?amp",
]


@pytest.mark.parametrize("url", SAME)
def test_variants_collapse(url):
    assert canonical_url(url) == "https://news.example/politics/story-1"


def test_meaningful_query_kept_and_sorted():
    assert canonical_url("https://news.example/a?b=2&id=7&utm_campaign=x") == "https://news.example/a?b=2&id=7"


def test_page_canonical_same_site_only():
    html = '<link rel="canonical" href="https://news.example/politics/story-1">'
    assert canonical_url("https://news.example/print/123", html) == "https://news.example/politics/story-1"
    other = '<link href="https://elsewhere.example/x" rel="canonical">'
    assert canonical_url("https://news.example/a", other) == "https://news.example/a"
    assert canonical_url("https://news.example/a", '<link rel="canonical" href="javascript:alert(1)">') == \
        "https://news.example/a"


@pytest.mark.parametrize("text, credit", [
    ("SEATTLE (AP) — A federal judge on Thursday refused to order Amazon to restore the site.", "(AP)"),
    ("SEATTLE (AP) -- A federal judge refused.", "(AP)"),
    ("NEW YORK, Jan 21 (Reuters) - A U.S. judge on Thursday rejected the request.", "(Reuters)"),
    ("WASHINGTON, D.C. (AFP) – The judge ruled.", "(AFP)"),
    ("(Bloomberg) -- Amazon.com Inc. does not have to restore the service.", "(Bloomberg)"),
    ("SAN FRANCISCO (Courthouse News Service) — The judge wrote.", "(Courthouse News Service)"),
    ("A judge ruled on Thursday.\nMore text.\n(Reporting by Jo Doe in Seattle; Editing by Ann Roe)", "(Reuters)"),
    ("A judge ruled on Thursday. The Associated Press contributed to this report.", ""),
    ("The case (AP reported) goes on — said the clerk.", ""),
    ("", ""),
])
def test_wire_credit_lines(text, credit):
    from collectors.pipeline import capture_credit

    assert capture_credit(text) == credit
