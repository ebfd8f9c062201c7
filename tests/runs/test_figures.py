"""The run's figures: bands across replicates, the derived share, and the PNGs written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from commsim.runs.figures import band, with_derived_columns
from commsim.state.issue_table import CATEGORIES


def test_the_band_is_the_t_interval_across_replicates_step_by_step():
    series = pd.DataFrame({"step": [0, 0, 0, 1, 1, 1], "unique_participants": [10.0, 12.0, 14.0, 20.0, 20.0, 20.0]})
    steps, mean, low, high = band(series, "unique_participants")
    assert list(steps) == [0, 1] and list(mean) == [12.0, 20.0]
    half = stats.t.ppf(0.975, 2) * 2.0 / np.sqrt(3)
    assert (low[0], high[0]) == pytest.approx((max(12.0 - half, 0.0), 12.0 + half))
    assert low[1] == high[1] == 20.0  # no spread, no band


def test_a_share_band_stays_within_zero_and_one():
    series = pd.DataFrame({"step": [0, 0], "rate_any": [0.0, 1.0]})
    _, _, low, high = band(series, "rate_any")
    assert low[0] == 0.0 and high[0] == 1.0


def test_the_resolved_share_is_resolved_over_raised_and_empty_before_any_issue():
    counts = {f"raised_{c}": [0, 4] for c in CATEGORIES} | {f"resolved_{c}": [0, 1] for c in CATEGORIES}
    derived = with_derived_columns(pd.DataFrame(counts))
    share = derived["issues_resolved_share"]
    assert np.isnan(share[0]) and share[1] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("limits", "first", "last"),
    [((0.3, 0.7), "25%", "75%"), ((0.0205, 0.0235), "2.00%", "2.40%"), ((0.0205, 0.0208), "2.045%", "2.085%")],
)
def test_percent_ticks_take_the_fewest_decimals_that_tell_them_apart(limits, first, last):
    """A narrow axis of shares gets decimals instead of repeating whole percents ("2%, 2%, 2%")."""
    import matplotlib.pyplot as plt

    from commsim.runs.figures import label_axis

    figure, axis = plt.subplots()
    try:
        axis.plot([0, 1], list(limits))
        label_axis(axis, "share")
        figure.canvas.draw()
        labels = [tick.get_text() for tick in axis.get_yticklabels()]
        assert len(set(labels)) == len(labels) > 2
        assert (labels[0], labels[-1]) == (first, last)
    finally:
        plt.close(figure)
