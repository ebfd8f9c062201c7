"""The report's plain-language findings and honest intervals."""

from __future__ import annotations

import pandas as pd
import pytest

from commsim.experiments.report_text import effect_headline


def _effects(rows: list[tuple[str, float, float, float]]) -> tuple[pd.DataFrame, pd.Series]:
    table = pd.DataFrame(rows, columns=["scenario", "difference", "ci_low", "ci_high"]).assign(metric="rate_any")
    return table, table.groupby("scenario")["difference"].mean()


def test_no_interval_excluding_zero_is_no_clear_effect():
    table, means = _effects([("centres", 0.08, -0.08, 0.24), ("consultation", -0.01, -0.05, 0.03)])
    text = effect_headline("rate_any", table, means, "")
    assert "no clear effect" in text and "raises" not in text and "lowers" not in text
    assert "none of the 2 effects" in text and "centres" in text


def test_only_a_scenario_with_a_clear_interval_is_said_to_raise_it():
    # consultation has the larger mean but no interval above zero; centres has one.
    table, means = _effects([("consultation", 0.20, -0.30, 0.70), ("centres", 0.05, 0.01, 0.09)])
    text = effect_headline("rate_any", table, means, "")
    assert "centres raises it most" in text and "consultation" not in text
    assert "no clear effect" not in text and "lowers" not in text
    assert "1 of 2 effects" in text


def test_every_run_figure_axis_carries_the_declared_unit_of_its_metrics_and_legends_sit_below():
    import matplotlib.pyplot as plt
    import numpy as np

    from commsim.runs.figures import GROUP_PANELS, LOOP_PANELS, draw_panel
    from commsim.runs.labels import declared_metric, unit_label

    steps = np.arange(4)
    series = pd.DataFrame({"scenario": "run", "replicate": 0, "step": steps})
    for panel in (*LOOP_PANELS, *GROUP_PANELS):
        for metric in panel.metrics:
            assert declared_metric(metric).unit == panel.unit, metric
            series[metric] = 0.5
        if panel.right_metric:
            assert declared_metric(panel.right_metric).unit == panel.right_unit
            series[panel.right_metric] = 0.5
    for panel in (*LOOP_PANELS, *GROUP_PANELS):
        figure, axis = plt.subplots()
        draw_panel(axis, series, panel, ["run"], legend_size=8)
        assert axis.get_ylabel() == unit_label(panel.unit) and axis.get_xlabel() == "week"
        labels = [other.get_ylabel() for other in figure.axes]
        assert all(labels), f"{panel.title}: an axis without a label"
        anchor = axis.get_legend().get_bbox_to_anchor().transformed(axis.transAxes.inverted())
        assert anchor.y1 < 0, f"{panel.title}: the legend is not below the axes"
        plt.close(figure)


def test_intervals_crossing_a_bound_are_cut_and_marked():
    from commsim.experiments.intervals import CUT_MARK, cut_interval, honest_interval

    assert cut_interval("volunteers_active", -3.7, 13.2) == (0.0, 13.2, True)  # a count is not negative
    assert cut_interval("rate_any", 0.9, 1.1) == (0.9, 1.0, True)  # a share is at most 100%
    assert cut_interval("rate_any", 0.2, 0.4) == (0.2, 0.4, False)
    # A difference from a reference mean of 4.7 volunteers cannot fall below -4.7.
    low, high, cut = cut_interval("volunteers_active", -10.3, 7.96, reference=4.7)
    assert (low, high, cut) == (pytest.approx(-4.7), 7.96, True)
    assert honest_interval("volunteers_active", -1.2, -10.3, 7.96, reference=4.7).endswith(CUT_MARK)
    assert CUT_MARK not in honest_interval("rate_any", 0.3, 0.2, 0.4)
