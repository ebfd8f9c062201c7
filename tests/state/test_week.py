"""Booking acts: counters, the last act per channel, this week's tally, and the points they earn."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.state.finance import Finance
from commsim.state.residents import draw_residents
from commsim.state.week import Acts, Week


def _acts(params, step=6, points=2.0, value=0.5):
    residents = draw_residents(np.zeros(10, dtype=np.int32), params, np.random.default_rng(0))
    week = Week(10, n_buildings=1)
    finance = Finance(params, households=4.0)
    return residents, week, finance, Acts(residents, week, finance, step, points_per_act=points, point_value_yuan=value)


def test_an_act_is_counted_everywhere_and_earns_its_points(params_for):
    residents, week, finance, acts = _acts(params_for())
    acts.record(np.array([1, 1, 4]), "activities")
    acts.record(np.array([4]), "deliberation", count=3)
    assert residents.participation_count.tolist()[:5] == [0, 2, 0, 0, 4]
    assert residents.acts_activities[1] == 2 and residents.acts_deliberation[4] == 3
    assert week.acts[4] == 4 and week.activity_acts[4] == 1 and week.activity_acts[1] == 2
    assert residents.last_activities[1] == 6 and residents.last_deliberation[4] == 6
    assert residents.last_mutual_aid[1] < 0
    assert residents.points[1] == pytest.approx(4.0) and residents.points[4] == pytest.approx(8.0)
    assert finance.points_paid == pytest.approx(12.0 * 0.5)  # six acts, two points each, half a yuan a point


def test_no_acts_change_nothing(params_for):
    residents, week, finance, acts = _acts(params_for())
    acts.record(np.zeros(0, dtype=np.int64), "mutual_aid")
    assert week.acts.sum() == 0 and finance.points_paid == 0.0 and residents.participation_count.sum() == 0


def test_a_fresh_week_is_empty():
    week = Week(5, n_buildings=2)
    assert week.acts.tolist() == [0] * 5 and week.successes_by_building.tolist() == [0, 0]
    assert week.sessions is None and week.centre_attendees is None
    assert week.issues_raised.sum() == 0 and week.meetings == 0 and week.quits == 0
