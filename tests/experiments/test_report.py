"""The report's plain-language findings and honest intervals."""

from __future__ import annotations

import pandas as pd

from commsim.experiments.report import _effect_headline


def _effects(rows: list[tuple[str, float, float, float]]) -> tuple[pd.DataFrame, pd.Series]:
    table = pd.DataFrame(rows, columns=["scenario", "difference", "ci_low", "ci_high"]).assign(metric="rate_any")
    return table, table.groupby("scenario")["difference"].mean()


def test_no_interval_excluding_zero_is_no_clear_effect():
    table, means = _effects([("centres", 0.08, -0.08, 0.24), ("consultation", -0.01, -0.05, 0.03)])
    text = _effect_headline("rate_any", table, means, "")
    assert "no clear effect" in text and "raises" not in text and "lowers" not in text
    assert "none of the 2 effects" in text and "centres" in text


def test_only_a_scenario_with_a_clear_interval_is_said_to_raise_it():
    # consultation has the larger mean but no interval above zero; centres has one.
    table, means = _effects([("consultation", 0.20, -0.30, 0.70), ("centres", 0.05, 0.01, 0.09)])
    text = _effect_headline("rate_any", table, means, "")
    assert "centres raises it most" in text and "consultation" not in text
    assert "no clear effect" not in text and "lowers" not in text
    assert "1 of 2 effects" in text
