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
