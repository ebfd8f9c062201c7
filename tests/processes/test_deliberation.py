"""Deliberation: the five formats, the council's cadence and agenda."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim import CommunityModel
from commsim.processes.deliberation import (
    FORMATS,
    due_issues,
    format_for,
    next_council,
    schedule,
)
from commsim.state.issue_table import CATEGORIES, PUBLIC_SERVICES


def test_tiered_formats_follow_the_five_lanzhou_formats():
    """MODEL_SPEC 3.4: disputes on the spot, environment on site, public services at the council,
    safety & health immediately, facilities by multi-round negotiation."""
    expected = {
        "environment": "on_site",
        "disputes": "on_the_spot",
        "public_services": "council",
        "facilities": "multi_round",
        "safety_health": "immediate",
    }
    for c, name in enumerate(CATEGORIES):
        assert format_for(c, True).name == expected[name]
        assert format_for(c, False).name == "council"
    assert {format_for(c, True).name for c in range(len(CATEGORIES))} == set(FORMATS)
    assert FORMATS["council"].at_council and not any(f.at_council for n, f in FORMATS.items() if n != "council")
    assert FORMATS["multi_round"].sittings > 1 and FORMATS["on_the_spot"].small


@settings(max_examples=60, deadline=None)
@given(step=st.integers(0, 500), interval=st.integers(1, 104))
def test_next_council_is_the_first_sitting_at_or_after_step(step, interval):
    """Councils sit when step % interval == 0; the next one is at most interval - 1 weeks away."""
    sitting = next_council(step, interval)
    assert sitting % interval == 0
    assert step <= sitting < step + interval


def test_next_council_known_values():
    """Quarterly councils (13 weeks): weeks 0, 13, 26..."""
    assert [next_council(s, 13) for s in (0, 1, 12, 13, 14, 26)] == [0, 13, 13, 13, 26, 26]


def _add_issues(model, categories, *, step, urgency=None):
    n = len(categories)
    model.issues.append(
        category=np.asarray(categories, dtype=np.int64),
        compound_scope=np.zeros(n, dtype=bool),
        scope_id=np.zeros(n, dtype=np.int64),
        urgency=np.linspace(0.2, 0.9, n) if urgency is None else np.asarray(urgency, dtype=float),
        cost=np.full(n, 1000.0),
        raised_step=np.full(n, step, dtype=np.int64),
        known_step=np.full(n, step, dtype=np.int64),
        resolved_step=np.full(n, -1, dtype=np.int64),
        next_meeting=np.full(n, -1, dtype=np.int64),
        attempts=np.zeros(n, dtype=np.int64),
    )
    return np.arange(len(model.issues) - n, len(model.issues))


def test_schedule_sets_each_formats_delay():
    """Tiered formats meet after their own delay; council issues wait for the next sitting; retries wait longer."""
    model = CommunityModel(rng=1, n_residents=150, tiered_formats=True, council_interval_weeks=13)
    added = _add_issues(model, range(len(CATEGORIES)), step=5)
    schedule(model.issues, added, model.p, 5, retry=False)
    meeting = dict(zip(CATEGORIES, model.issues.next_meeting[added].tolist(), strict=True))
    assert meeting == {
        "environment": 6,
        "disputes": 5,
        "public_services": 13,
        "facilities": 7,
        "safety_health": 5,
    }
    schedule(model.issues, added, model.p, 5, retry=True)
    retry = dict(zip(CATEGORIES, model.issues.next_meeting[added].tolist(), strict=True))
    assert retry["disputes"] == 5 + model.p["retry_weeks"] and retry["public_services"] == 13
    # A failed council issue waits for the next sitting.
    schedule(model.issues, added[[PUBLIC_SERVICES]], model.p, 13, retry=True)
    assert model.issues.next_meeting[added[PUBLIC_SERVICES]] == 26


def test_council_agenda_limit_postpones_the_rest_to_the_next_sitting():
    """A council takes at most council_agenda_size issues at a sitting, the most urgent first."""
    model = CommunityModel(rng=2, n_residents=150, council_interval_weeks=4, council_agenda_size=3)
    added = _add_issues(model, [PUBLIC_SERVICES] * 10, step=8)
    model.issues.next_meeting[added] = 8
    due = due_issues(model.issues, model.p, 8)
    assert len(due) == 3
    assert set(due.tolist()) == set(added[-3:].tolist())  # highest urgency
    postponed = np.setdiff1d(added, due)
    assert np.all(model.issues.next_meeting[postponed] == 12)


def test_agenda_limit_binds_only_the_council():
    """With tiered formats, on-the-spot and immediate meetings are not limited by the council's agenda."""
    model = CommunityModel(rng=2, n_residents=150, tiered_formats=True, council_interval_weeks=4, council_agenda_size=1)
    added = _add_issues(model, [1] * 5 + [4] * 5 + [PUBLIC_SERVICES] * 5, step=8)
    model.issues.next_meeting[added] = 8
    due = due_issues(model.issues, model.p, 8)
    assert len(due) == 11
    assert np.sum(model.issues.category[due] == PUBLIC_SERVICES) == 1


def test_a_council_never_takes_more_issues_than_its_agenda_in_a_run():
    """Model level: with many issues reported, meetings per week never exceed the agenda size."""
    agenda = 2
    model = CommunityModel(
        rng=3,
        n_residents=300,
        issue_rate_per_1000=40.0,
        report_base=1.0,
        council_interval_weeks=2,
        council_agenda_size=agenda,
        tiered_formats=False,
    )
    for _ in range(12):
        model.step()
    meetings = model.datacollector.get_model_vars_dataframe()["meetings"]
    assert meetings.max() == agenda  # the agenda binds ...
    assert (meetings <= agenda).all()  # ... and is never exceeded
    assert (meetings.iloc[1:][np.arange(1, len(meetings)) % 2 == 1] == 0).all()  # no sitting in odd weeks
