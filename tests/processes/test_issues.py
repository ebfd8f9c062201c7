"""Issues: arrival by category and infrastructure age, reporting by trust and platform."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.processes.issues import new_issues, report_probability_per_resident
from commsim.state.issue_table import CATEGORIES, FACILITIES, PUBLIC_SERVICES


def test_reporting_rises_with_trust_and_a_platform_channel(params_for):
    """Trust raises reporting (MODEL_SPEC 6); a digital reporting channel multiplies it."""
    params = params_for()
    trust = np.linspace(0.0, 1.0, 11)
    without = report_probability_per_resident(trust, np.zeros(11, dtype=bool), params)
    with_channel = report_probability_per_resident(trust, np.ones(11, dtype=bool), params)
    assert without[0] == 0.0 and np.all(np.diff(without) > 0)
    assert without == pytest.approx(params["report_base"] * trust)
    assert with_channel[1:] == pytest.approx(np.minimum(without[1:] * params["report_platform_boost"], 0.99))
    assert np.all(with_channel <= 0.99)


def test_issue_rate_and_category_mix_follow_infrastructure_age(params_for):
    """Issues arrive at issue_rate_per_1000; older buildings tilt the mix to environment and facilities."""
    rng = np.random.default_rng(0)
    building_compound = np.zeros(10, dtype=np.int64)
    mix = {}
    for age in (0.0, 1.0):
        params = params_for(infrastructure_age=age, issue_rate_per_1000=2.0)
        draws = [new_issues(100_000, params, 10, building_compound, 3, rng) for _ in range(20)]
        counts = np.array([len(d["category"]) for d in draws])
        assert counts.mean() == pytest.approx(200.0, rel=0.05)
        category = np.concatenate([d["category"] for d in draws])
        mix[age] = np.bincount(category, minlength=len(CATEGORIES)) / len(category)
        first = draws[0]
        assert np.all(first["raised_step"] == 3) and np.all(first["known_step"] == -1)
        assert np.all((first["urgency"] > 0) & (first["urgency"] <= 1)) and np.all(first["cost"] >= 0)
    assert mix[1.0][FACILITIES] > mix[0.0][FACILITIES] + 0.05
    assert mix[1.0][PUBLIC_SERVICES] < mix[0.0][PUBLIC_SERVICES]
