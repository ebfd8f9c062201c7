"""Outputs: the rates follow the recent window they name, and their text names the parameter."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.config.declaration import defaults
from commsim.metric_table import METRICS
from commsim.metrics import participation_metrics, recent_participation
from commsim.runs.docgen import metrics_markdown

RECENT_RATES = [m for m in METRICS if m.name.startswith("rate_") or m.name == "activity_rate_elderly"]


def test_recent_rates_name_the_window_parameter_not_a_number():
    assert len(RECENT_RATES) == 12
    for metric in RECENT_RATES:
        assert "{recent_window_weeks}" in metric.meaning, metric.name
        assert "4 weeks" not in metric.meaning + metric.label, metric.name
    aid = next(m for m in METRICS if m.name == "aid_met_share")
    assert "{aid_memory_weeks}" in aid.meaning


def test_the_metrics_reference_states_the_declared_default_of_the_window():
    assert f"(default {defaults()['recent_window_weeks']})" in metrics_markdown()


@pytest.mark.parametrize("window", [1, 4, 9])
def test_took_part_recently_means_the_last_act_fell_within_the_window(window):
    model = CommunityModel(rng=1, n_residents=120)
    residents = model.residents
    step = 20
    ago = np.arange(len(residents)) % 12  # weeks since the last activity act
    residents.last_activities[:] = step - ago
    recent = recent_participation(residents, step, window)
    assert np.array_equal(recent["activities"], ago < window)
    rates = participation_metrics(residents, step, window)
    assert rates["rate_activities"] == pytest.approx(np.mean(ago < window))
