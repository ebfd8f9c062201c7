"""Honest intervals for bounded quantities: a t-interval cut at what the quantity can take, and marked.

A mean of a share lies in [0, 1] and a mean of a count or an amount is not negative, yet a
t-interval from few or skewed replicates can reach past those bounds (volunteers
[-10.3, 7.96]). Reports cut such an interval at the bound and mark it
:data:`CUT_MARK`, with :data:`CUT_NOTE` below the table; figures cut it and end it in a
bar. The uncut limits stay in the report's CSV tables. The bounds come from each
metric's declared range (:mod:`commsim.metric_table`).
"""

from __future__ import annotations

import math

import pandas as pd

from commsim.runs.labels import declared_metric, metric_interval

CUT_MARK = "†"
CUT_NOTE = (
    "† the 95% t-interval reached past the values the quantity can take (a share outside 0-100%, a count or "
    "amount below zero; for a difference, the bound shifted by the reference mean) and is cut there: with few or "
    "skewed replicates a t-interval is a rough guide near a bound. The uncut limits are in `tables/`."
)


def bounds(metric: str) -> tuple[float, float]:
    """The values a metric can take, from its declared range (unbounded if undeclared).

    Args:
        metric: The metric's name.

    Returns:
        The lower and upper bound (infinite where there is none).
    """
    found = declared_metric(metric)
    kind = found.range if found else ""
    if kind == "0-1":
        return 0.0, 1.0
    if kind.startswith(">=0") or kind == "0-n":
        return 0.0, math.inf
    return -math.inf, math.inf


def cut_interval(metric: str, low: float, high: float, *, reference: float | None = None) -> tuple[float, float, bool]:
    """A t-interval cut to the values the quantity can take, and whether it had to be cut.

    Args:
        metric: The metric (its declared range gives the bounds).
        low: Lower end of the t-interval.
        high: Upper end.
        reference: For a difference, the reference scenario's mean: the bounds shift by it.

    Returns:
        The cut lower and upper ends and True if either end was cut.
    """
    floor, ceiling = bounds(metric)
    if reference is not None:
        if not math.isfinite(reference):
            return low, high, False
        floor, ceiling = floor - reference, ceiling - reference
    cut_low, cut_high = max(low, floor), min(high, ceiling)
    return cut_low, cut_high, bool(cut_low != low or cut_high != high)


def honest_interval(metric: str, estimate: float, low: float, high: float, *, reference: float | None = None) -> str:
    """An interval cell in the metric's unit, cut at its bounds and marked † where the t-interval crossed one.

    Args:
        metric: The metric.
        estimate: The mean (or, with ``reference``, the mean difference).
        low: Lower end of the t-interval.
        high: Upper end.
        reference: For a difference, the reference scenario's mean.

    Returns:
        The text, ending in :data:`CUT_MARK` if the interval was cut.
    """
    difference = reference is not None
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return metric_interval(metric, estimate, low, high, difference=difference)
    low, high, cut = cut_interval(metric, low, high, reference=reference)
    return metric_interval(metric, estimate, low, high, difference=difference) + (CUT_MARK if cut else "")
