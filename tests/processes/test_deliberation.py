"""Deliberation: the five formats, their lengths, who attends, the council's cadence and agenda."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import commsim.processes.deliberation_kernel as kernel
from commsim import CommunityModel
from commsim.config.declaration import defaults
from commsim.processes.deliberation import (
    FORMATS,
    KERNEL_PARAMS,
    deliberation_log_odds,
    due_issues,
    format_for,
    next_council,
    schedule,
)
from commsim.state.issue_table import CATEGORIES, PUBLIC_SERVICES
from commsim.validation.claims import CLAIMS_BY_NAME, claim_arm


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


def test_each_format_declares_its_length_and_a_talk_on_the_spot_is_the_shortest():
    """A meeting's hours are its format's declared sitting length times its sittings."""
    params = defaults()
    for fmt in FORMATS.values():
        assert fmt.meeting_hours(params) == params[fmt.hours] * fmt.sittings
    hours = {name: fmt.meeting_hours(params) for name, fmt in FORMATS.items()}
    assert hours["on_the_spot"] == min(hours.values()) < hours["council"]
    assert hours["multi_round"] == max(hours.values())


@settings(max_examples=40, deadline=None)
@given(shift=st.floats(-20.0, 0.0), trust=st.floats(0.0, 1.0), free_time=st.floats(0.5, 80.0))
def test_reading_the_notice_instead_of_an_invitation_shifts_the_log_odds_by_the_declared_amount(
    shift, trust, free_time
):
    params = {**defaults(), "notice_attend_logit": shift}
    common = {
        "trust": np.array([trust]),
        "efficacy": np.array([0.4]),
        "civic_skills": np.array([0.2]),
        "belonging": np.array([0.5]),
        "urgency": 0.5,
        "hours": 2.0,
        "free_time": np.array([free_time]),
        "fatigue": np.array([0.1]),
        "params": params,
    }
    invited = deliberation_log_odds(**common)
    on_notice = deliberation_log_odds(**common, notice=True)
    assert on_notice[0] - invited[0] == pytest.approx(shift)


def _turnout_kernel(
    *, small: int, inclusiveness: float, n: int = 200, seed: int = 0, hours: float = 1.0, intercept: float = 20.0
):
    params = {**defaults(), "inclusiveness": inclusiveness, "delib_intercept": intercept, "experts_per_meeting": 0}
    values = np.zeros(kernel.N_PARAMETERS)
    values[: len(KERNEL_PARAMS)] = [float(params[name]) for name in KERNEL_PARAMS]
    values[kernel.LEADER_ROLE] = 99.0  # no resident is a leader
    resident = (
        np.zeros(n, dtype=np.int64),
        *(np.full(n, value) for value in (0.5, 0.5, 0.2, 0.5, 7.0, 0.0)),
    )
    slots = np.arange(n)
    return kernel._turnout(
        np.random.default_rng(seed),
        slots,
        small,
        hours,
        0.5,
        np.zeros(0, dtype=np.int64),
        resident,
        values,
        np.full(n, -1, dtype=np.int8),  # nobody played by a student
    )


def test_the_uninvited_come_on_the_notice_but_not_to_a_small_talk():
    """With nobody invited, a council fills from its notice; a talk on the spot stays empty."""
    _, council, _ = _turnout_kernel(small=0, inclusiveness=0.0)
    _, talk, _ = _turnout_kernel(small=1, inclusiveness=0.0)
    assert len(council) > 150 and len(talk) == 0
    _, capped, _ = _turnout_kernel(small=1, inclusiveness=1.0)
    assert len(capped) == defaults()["on_the_spot_max_invited"]


# ------------------------------------------------------------------- paired-seed model tests

SEEDS = (11, 12, 13, 14, 15)


@cache
def _frame(seed: int, **settings):
    model = CommunityModel(rng=seed, **settings)
    for _ in range(78):
        model.step()
    return model.datacollector.get_model_vars_dataframe()


def _turnout(frame) -> float:
    return float(frame["meeting_attendees"].sum() / frame["meeting_affected"].sum())


def test_deliberation_rises_steeply_with_age_under_the_baseline():
    """MODEL_SPEC 8: youth take part seldom, the elderly often; the elderly's yearly rate is >= 3x the youth's.

    Levels: the Shanghai survey's voting rates (13.8% of 18-29, 55.7-77.7% of 50-79) bound
    deliberation, which asks more than a vote, from above.
    """
    frames = [_frame(seed, n_residents=2000, policy="baseline") for seed in SEEDS]
    youth = np.array([frame["deliberation_year_youth"].iloc[-1] for frame in frames])
    elderly = np.array([frame["deliberation_year_elderly"].iloc[-1] for frame in frames])
    assert np.all(elderly > youth), (youth, elderly)
    assert elderly.mean() / youth.mean() >= 3.0
    assert youth.mean() < 0.138 and 0.1 < elderly.mean() < 0.777


def test_a_shorter_talk_brings_more_of_the_invited_on_the_same_draws():
    """Common random numbers: at half an hour instead of two, everyone who came still comes, and more do."""
    longer, shorter = 0, 0
    for seed in range(20):
        _, at_two_hours, _ = _turnout_kernel(small=1, inclusiveness=1.0, seed=seed, hours=2.0, intercept=-1.0)
        _, at_half_hour, _ = _turnout_kernel(small=1, inclusiveness=1.0, seed=seed, hours=0.5, intercept=-1.0)
        assert set(at_two_hours) <= set(at_half_hour)
        longer, shorter = longer + len(at_two_hours), shorter + len(at_half_hour)
    assert shorter > longer


def test_the_notice_raises_turnout():
    """Paired seeds, baseline: without the notice (a shift of -20) fewer of the affected attend.

    One-sided paired t-test at the 5% level, as the direction tests of tests/model do.
    """
    base = {"n_residents": 1000, "policy": "baseline"}
    a = np.array([_turnout(_frame(seed, **base, notice_attend_logit=-20.0)) for seed in SEEDS])
    b = np.array([_turnout(_frame(seed, **base)) for seed in SEEDS])
    assert (b - a).mean() > 0 and stats.ttest_rel(b, a, alternative="greater").pvalue < 0.05, (a, b)


def test_trust_raises_deliberation_turnout_under_the_baseline_package():
    """MODEL_SPEC 6: paired seeds of the ``trust_turnout`` claim; the 95% interval of the effect excludes zero."""
    claim = CLAIMS_BY_NAME["trust_turnout"]
    assert claim.reference["policy"] == claim.treatment["policy"] == "baseline"
    effect = np.array(
        [
            claim_arm(seed=seed, claim="trust_turnout", arm="treatment")["primary"]
            - claim_arm(seed=seed, claim="trust_turnout", arm="reference")["primary"]
            for seed in range(8)
        ]
    )
    half_width = stats.t.ppf(0.975, len(effect) - 1) * effect.std(ddof=1) / np.sqrt(len(effect))
    assert effect.mean() - half_width > 0, effect


def _project_resources(*, hours: float, attendees: int, cost: float, fund: float, experts: int = 0) -> tuple:
    """Resources of one agreed project of unconditional cooperators (the kernel's own step), and the fund left."""
    param = np.zeros(kernel.N_PARAMETERS)
    param[kernel.MAX_HOURS] = hours
    param[kernel.HOURS_NEEDED] = 1.0  # an hour of residents' work per 1,000 yuan
    param[kernel.PUBLIC_SHARE] = 0.4
    param[kernel.EXPERT_RESOURCE_GAIN] = 0.15
    param[kernel.SUCCESS_HALF] = 0.6
    param[kernel.SUCCESS_ACCELERATION] = 2.5
    money = np.array([fund, 0.0, 0.0, 0.0, 1.0])  # balance, spent, on projects, points, contribution share
    no_library = (np.zeros(0, dtype=np.bool_), np.zeros(0), np.zeros(0))
    _, resources, _, _ = kernel._project(
        np.random.default_rng(1),
        np.arange(attendees),
        experts,
        cost,
        np.full(attendees, 2, dtype=np.int64),
        np.zeros(attendees),
        money,
        no_library,
        param,
        np.inf,
    )
    return resources, money[0]


def test_residents_hours_and_money_are_complements_in_a_project():
    """Co-production (Ostrom 1996): resources = share of the cost money covers x hours over the hours needed."""
    # 5 residents x 4 h = 20 h against 10 h needed; the street office pays 40%, no fund.
    assert _project_resources(hours=4, attendees=5, cost=10_000, fund=0) == (pytest.approx(0.8), 0.0)
    # A fund that covers the rest: the same hands, the whole cost.
    assert _project_resources(hours=4, attendees=5, cost=10_000, fund=1e5) == (pytest.approx(2.0), 94_000.0)
    # Without residents' hours money buys nothing; experts still count.
    assert _project_resources(hours=0, attendees=5, cost=10_000, fund=1e5, experts=2)[0] == pytest.approx(0.3)
    # Hours cannot stand in for money: with half the hands, resources halve at any money.
    assert _project_resources(hours=2, attendees=5, cost=10_000, fund=0)[0] == pytest.approx(0.4)
