"""How sure a comparison is: Wilson intervals for shares, Fisher's exact test for one-sidedness.

Shares are of (weighted) article counts: with copies de-weighted a count can be fractional,
and it is rounded to whole articles for the interval and the test. The rule for calling an
item one-sided (used by the Omissions page and the headless export alike):

1. the shares look one-sided: at least ONE_SIDED_MAJORITY of one side's articles report it
   and at most ONE_SIDED_ABSENT of the other side's;
2. each side has at least FRAMELENS_ONE_SIDED_MIN_ARTICLES articles, else the verdict is
   "too few articles to tell";
3. Fisher's exact test (two-sided) of the 2 x 2 table gives p <= FRAMELENS_ONE_SIDED_ALPHA,
   else "could be chance".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import fisher_exact, norm

from .. import settings

ONE_SIDED_MAJORITY, ONE_SIDED_ABSENT = 0.5, 0.1  # "most of one side", "(almost) none of the other"
TOO_FEW = "too few articles to tell"
CHANCE = "could be chance"


@dataclass(frozen=True)
class Rule:
    """The thresholds of the one-sidedness rule and the interval level (settings by default)."""

    alpha: float = 0.05
    min_articles: int = 5
    level: float = 0.95

    @classmethod
    def from_settings(cls) -> "Rule":
        """The rule as the FRAMELENS_ONE_SIDED_* and FRAMELENS_INTERVAL_LEVEL settings say."""
        return cls(settings.get_float("FRAMELENS_ONE_SIDED_ALPHA"),
                   int(settings.get_float("FRAMELENS_ONE_SIDED_MIN_ARTICLES")),
                   settings.get_float("FRAMELENS_INTERVAL_LEVEL"))


def wilson_interval(hits: float, n: float, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a share of `hits` out of `n` (rounded to whole articles),
    bounds rounded to 4 decimals within [0, 1]; (nan, nan) when there are no articles."""
    k, m = round(hits), round(n)
    if m <= 0:
        return (math.nan, math.nan)
    z = float(norm.ppf(0.5 + level / 2))
    p = k / m
    centre = (p + z * z / (2 * m)) / (1 + z * z / m)
    half = z * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / (1 + z * z / m)
    # Rounded so that 0 of n reads 0, not float noise like 2.78e-17, in tables and exports;
    # kept around p so that the rounding never moves a bound past the share itself.
    low, high = round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)
    return (min(low, p), max(high, p))


def fisher_p(left_hits: float, left_n: float, right_hits: float, right_n: float) -> float:
    """Two-sided p of Fisher's exact test: is reporting the item independent of the side?"""
    a, b = round(left_hits), round(right_hits)
    table = [[a, round(left_n) - a], [b, round(right_n) - b]]
    return float(fisher_exact(table, alternative="two-sided")[1])


def one_sided_verdict(left_hits: float, left_n: float, right_hits: float, right_n: float,
                      rule: Rule | None = None) -> tuple[str, float]:
    """('left only' | 'right only' | TOO_FEW | CHANCE | '', Fisher p or nan) for one item."""
    rule = rule or Rule.from_settings()
    if not left_n or not right_n:
        return "", math.nan
    left, right = left_hits / left_n, right_hits / right_n
    if left >= ONE_SIDED_MAJORITY and right <= ONE_SIDED_ABSENT:
        side = "left only"
    elif right >= ONE_SIDED_MAJORITY and left <= ONE_SIDED_ABSENT:
        side = "right only"
    else:
        return "", math.nan
    p = fisher_p(left_hits, left_n, right_hits, right_n)
    if min(round(left_n), round(right_n)) < rule.min_articles:
        return TOO_FEW, p
    return (side if p <= rule.alpha else CHANCE), p
