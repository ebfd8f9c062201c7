"""The Compare and Sweep result figures: what each draws, in percent, with text shown as written."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from commsim.dashboard.result_charts import as_text, bands_figure, response_figure

METRICS = ("rate_any", "mean_belonging")


def comparison(labels, replicates=3, steps=4):
    rng = np.random.default_rng(1)
    rows = [
        {"scenario": label, "replicate": r, "step": s, "rate_any": 0.1 * s + 0.01 * r, "mean_belonging": rng.random()}
        for label in labels
        for r in range(replicates)
        for s in range(steps)
    ]
    return pd.DataFrame(rows)


def test_bands_draw_each_choice_and_metric_with_its_mean_in_percent_for_shares():
    data = comparison(["status quo", "more centres"])
    figure = bands_figure(data, ["status quo", "more centres"], METRICS)
    means = {tuple(trace.meta): trace for trace in figure.data if trace.meta}
    assert set(means) == {(label, metric) for label in ("status quo", "more centres") for metric in METRICS}
    rate = means[("status quo", "rate_any")]
    expected = data[data.scenario == "status quo"].groupby("step")["rate_any"].mean().to_numpy() * 100
    assert list(rate.y) == pytest.approx(expected)
    belonging = means[("more centres", "mean_belonging")]
    assert max(belonging.y) <= 1.0  # a score, not a share: not scaled
    assert "3 paired replicates" in figure.layout.title.text


def test_the_band_encloses_the_mean():
    figure = bands_figure(comparison(["a"]), ["a"], ("rate_any",))
    band, mean = figure.data
    upper = np.asarray(band.y[: len(mean.y)])
    lower = np.asarray(band.y[len(mean.y) :])[::-1]
    assert np.all(lower <= np.asarray(mean.y) + 1e-9) and np.all(np.asarray(mean.y) <= upper + 1e-9)


def test_a_choice_named_like_markup_shows_as_written():
    hostile = "<img src=x onerror=alert(1)>"
    figure = bands_figure(comparison([hostile]), [hostile], ("rate_any",))
    shown = [annotation.text for annotation in figure.layout.annotations]
    assert shown == ["&lt;img src=x onerror=alert(1)&gt;"]
    assert "<img" not in figure.to_json()
    assert as_text("a & b") == "a &amp; b"


def test_one_lever_gives_a_curve_with_its_interval():
    table = pd.DataFrame({"inclusiveness": [1.0, 0.0, 0.5], "mean": [0.2, 0.1, 0.3], "ci_low": [0.15, 0.05, 0.25],
                          "ci_high": [0.25, 0.15, 0.35]})  # fmt: skip
    figure = response_figure(table, ["inclusiveness"], "rate_any", 13)
    _, curve = figure.data
    assert list(curve.x) == [0.0, 0.5, 1.0]
    assert list(curve.y) == pytest.approx([10.0, 30.0, 20.0])
    assert figure.layout.xaxis.title.text == "Share of affected residents invited to deliberate"
    assert "mean of the last 13 weeks, 95% CI" in figure.layout.title.text
    # One replicate: no interval, so no band and no "95% CI" in the title.
    alone = response_figure(table.assign(ci_low=float("nan"), ci_high=float("nan")), ["inclusiveness"], "rate_any", 13)
    assert [trace.name for trace in alone.data] == ["mean"]
    assert "95% CI" not in alone.layout.title.text and "one replicate" in alone.layout.title.text


def test_two_levers_give_a_heatmap_of_the_means():
    rows = [(i, c, 0.1 * (1 + i) + 0.01 * k) for i, inclusiveness in enumerate([0.0, 1.0])
            for k, c in enumerate([0.2, 0.4, 0.6])]  # fmt: skip
    table = pd.DataFrame(
        {"inclusiveness": [[0.0, 1.0][i] for i, _, _ in rows], "leader_coverage": [c for _, c, _ in rows],
         "mean": [m for _, _, m in rows], "ci_low": 0.0, "ci_high": 1.0}
    )  # fmt: skip
    figure = response_figure(table, ["inclusiveness", "leader_coverage"], "rate_any", 13)
    (heat,) = figure.data
    z = np.asarray(heat.z)
    assert z.shape == (3, 2)  # rows: the second lever's levels; columns: the first's
    assert z[0, 1] == pytest.approx(20.0) and z[2, 0] == pytest.approx(12.0)
    assert figure.layout.yaxis.title.text == "Share of buildings with a team leader"


def test_a_heatmap_cell_without_runs_is_blank_and_sends_no_nan():
    """A grid point with no result yet is drawn blank; a NaN in the figure's JSON would make the browser drop it."""
    table = pd.DataFrame({"inclusiveness": [0.0, 0.0, 1.0], "leader_coverage": [0.2, 0.4, 0.2],
                          "mean": [0.1, 0.2, 0.3], "ci_low": 0.0, "ci_high": 1.0})  # fmt: skip
    (heat,) = response_figure(table, ["inclusiveness", "leader_coverage"], "rate_any", 13).data
    assert [list(row) for row in heat.z] == [[pytest.approx(10.0), pytest.approx(30.0)], [pytest.approx(20.0), None]]
    json.dumps([list(row) for row in heat.z], allow_nan=False)
