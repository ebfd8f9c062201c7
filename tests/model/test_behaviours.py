"""Paired-seed tests of direction: each behaviour of MODEL_SPEC section 6 and each policy lever.

Every comparison runs the same seeds under two settings (common random numbers) and
asserts a one-sided paired t-test at the 5% level in the direction the spec states.
Seeds are fixed, so the tests are deterministic.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from scipy import stats
from tests.shared_runs import shared

from commsim import CommunityModel
from commsim.validation.abc_smc import FEW_CENTRES, MANY_CENTRES
from commsim.validation.facts import YEAR_WEEKS
from commsim.validation.steps import AbcSize

SEEDS = (11, 12, 13, 14, 15)
# Transparency's effect on trust is small (MODEL_SPEC 8; about 0.25 standard deviations of
# residents' trust for monthly open days, less for semiannual ones), smaller than the
# run-to-run noise of mean trust on five seeds, so its comparisons take more seeds; so
# do the count of projects a fund adds (a few per run) and the elderly's gain from
# sessions set aside for them.
SMALL_EFFECT_SEEDS = tuple(range(11, 35))
N = 600
STEPS = 78


def _series(seed: int, steps: int, settings: tuple[tuple[str, object], ...]):
    """One run's weekly outputs, computed once per session (several tests read the same runs)."""

    def run():
        model = CommunityModel(rng=seed, **dict(settings))
        for _ in range(steps):
            model.step()
        return model.datacollector.get_model_vars_dataframe()

    key = hashlib.sha256(repr((seed, steps, settings)).encode()).hexdigest()[:20]
    return shared(f"behaviours-{key}", run)


def outcome(settings: dict, metric: str, *, seed: int, steps: int = STEPS, last: int = 26, n: int = N) -> float:
    """Mean of ``metric`` over the last ``last`` weeks of a run."""
    frame = _series(seed, steps, tuple(sorted({"n_residents": n, **settings}.items())))
    return float(frame[metric].iloc[-last:].mean())


def assert_raises(metric: str, low: dict, high: dict, *, seeds: tuple[int, ...] = SEEDS, **kwargs) -> None:
    """``metric`` is higher under ``high`` than under ``low`` (paired over ``seeds``)."""
    a = np.array([outcome(low, metric, seed=s, **kwargs) for s in seeds])
    b = np.array([outcome(high, metric, seed=s, **kwargs) for s in seeds])
    difference = b - a
    assert difference.mean() > 0, f"{metric}: {a.round(3)} -> {b.round(3)}"
    if np.all(difference == difference[0]):
        return
    assert stats.ttest_rel(b, a, alternative="greater").pvalue < 0.05, f"{metric}: {a.round(3)} -> {b.round(3)}"


# ---------------------------------------------------------------- section 6 behaviours


def test_without_levers_participation_is_low_and_concentrated():
    assert_raises("rate_any", {"policy": "no_levers"}, {"policy": "complete_community"})
    assert_raises("top10_share", {"policy": "complete_community"}, {"policy": "no_levers"})
    rates = [outcome({"policy": "no_levers"}, "rate_any", seed=s) for s in SEEDS]
    top10 = [outcome({"policy": "no_levers"}, "top10_share", seed=s) for s in SEEDS]
    assert np.mean(rates) < 0.33  # holders of a role count as taking part (their duty is booked as acts)
    assert np.mean(top10) > 0.35


def test_centre_coverage_raises_elderly_activity_participation():
    village = {"profile": "semi_rural_village", "centre_sessions_per_week": 6}
    low = {**village, "n_centres": 1, "centre_placement": "edge"}
    high = {**village, "n_centres": 4, "centre_placement": "spread"}
    assert_raises("coverage_15min", low, high)
    assert_raises("activity_rate_elderly", low, high)


def test_centre_coverage_raises_elderly_activity_on_a_dense_estate():
    """A dense estate is within 15 minutes of any centre of its own: only centres beyond it leave it uncovered."""
    estate = {"profile": "old_inner_city", "n_centres": 4, "centre_sessions_per_week": 6}
    low = {**estate, "centre_placement": "outside"}
    high = {**estate, "centre_placement": "spread"}
    assert_raises("coverage_15min", low, high)
    assert_raises("activity_rate_elderly", low, high)


def test_distance_decay_is_visible_in_attendance():
    """Residents of buildings far from the only centre attend its sessions less."""
    model = CommunityModel(
        rng=5,
        n_residents=1500,
        profile="semi_rural_village",
        n_centres=1,
        centre_placement="edge",
        centre_sessions_per_week=20,
        centre_capacity=200,
        compound_session_share=0.0,
        initial_organiser_share=0.0,
        volunteer_recruit_rate=0.0,
        policy="baseline",
    )
    for _ in range(40):
        model.step()
    minutes = model.layout.centre_minutes[:, 0][model.residents.building]
    acts = model.residents.acts_activities
    near, far = acts[minutes < np.quantile(minutes, 0.3)], acts[minutes > np.quantile(minutes, 0.7)]
    assert near.mean() > 1.5 * far.mean()


def test_team_leaders_and_coattendance_raise_cross_building_ties():
    assert_raises("cross_building_ties", {"leader_coverage": 0.0}, {"leader_coverage": 1.0, "leader_training": 0.5})
    assert_raises("network_mean_degree", {"centre_sessions_per_week": 0}, {"centre_sessions_per_week": 12})


def test_transparency_raises_trust():
    assert_raises("mean_trust", {"disclosure": "none"}, {"disclosure": "monthly"}, seeds=SMALL_EFFECT_SEEDS)
    # Two open days a year, a sixth of the monthly dose, raise mean trust by about 0.001-0.003
    # over none (48 seeds), below what paired seeds resolve here (p 0.23 on 48): the dose is
    # tested as monthly against semiannual instead (test_lever_transparency).


def test_trust_raises_reporting_and_deliberation_turnout():
    common = {
        "issue_rate_per_1000": 4.0,
        "council_interval_weeks": 4,
        "council_agenda_size": 20,
        "inclusiveness": 0.4,
    }
    low = {**common, "initial_trust": 0.15, "newcomer_trust": 0.1, "trust_rest": 0.15}
    high = {**common, "initial_trust": 0.8, "newcomer_trust": 0.6, "trust_rest": 0.7}
    assert_raises("issues_unreported", high, low)
    assert_raises("rate_deliberation", low, high, last=STEPS)


def test_turnover_weakens_the_loop_and_mutual_aid_partly_restores_it():
    stable = {"profile": "migrant_heavy", "migrant_turnover_per_year": 0.05}
    churning = {"profile": "migrant_heavy", "migrant_turnover_per_year": 1.5}
    assert_raises("mean_belonging", churning, stable)
    assert_raises("rate_any", churning, stable)
    assert_raises("mean_belonging", churning, {**churning, "time_bank": True})
    assert_raises("aid_met_share", churning, {**churning, "time_bank": True})


def test_volunteers_burn_out_when_participation_rests_on_few():
    def burnout_per_volunteer_week(share: float, seed: int) -> float:
        frame = _series(
            seed,
            STEPS,
            tuple(
                sorted(
                    {
                        "n_residents": 1000,
                        "policy": "centres",
                        "volunteer_recruit_rate": 0.0,
                        "initial_organiser_share": share,
                    }.items()
                )
            ),
        )
        active = frame["volunteers_active"] > 0
        return float(frame.loc[active, "volunteer_burnout"].mean()) if active.any() else 0.0

    many = np.array([burnout_per_volunteer_week(0.05, s) for s in SEEDS])
    few = np.array([burnout_per_volunteer_week(0.004, s) for s in SEEDS])
    assert few.mean() > many.mean()
    assert stats.ttest_rel(few, many, alternative="greater").pvalue < 0.05


def test_booking_role_duty_as_acts_concentrates_participation():
    """Volunteers' duty hours are acts: the active minority who hold roles carry more of them."""
    unbooked = {"role_hours_per_act": 1000.0}  # no duty is long enough to count as an act
    assert_raises("top10_share", unbooked, {}, seeds=SEEDS[:3], steps=52, n=1000)


def test_removing_funding_makes_centre_gains_fade():
    funded = {"policy": "centres", "centre_public_funding_weeks": 26, "self_financing": 1.0}
    unfunded = {
        "policy": "centres",
        "centre_public_funding_weeks": 26,
        "self_financing": 0.0,
        "fund_per_household_year": 0.0,
    }
    assert_raises("rate_activities", unfunded, funded)
    # Within the unfunded run, participation after the funding ends falls below its level before.
    for seed in SEEDS:
        frame = _series(seed, STEPS, tuple(sorted({"n_residents": N, **unfunded}.items())))
        assert frame["rate_activities"].iloc[-10:].mean() < frame["rate_activities"].iloc[16:27].mean()


# ---------------------------------------------------------------- each policy lever


# Where the calibration holds the centre pattern: its estate size and weeks, over the last
# year (docs/validation.md, section 2). Centres act through the places they add and the
# wider search of residents with more centres within the walk.
CALIBRATION_SIZE = {"n": AbcSize().residents, "steps": AbcSize().weeks, "last": YEAR_WEEKS}


def test_lever_service_centres():
    assert_raises("rate_activities", FEW_CENTRES, MANY_CENTRES, **CALIBRATION_SIZE)  # also a pattern of the calibration


def test_lever_targeted_services():
    common = {
        "centre_sessions_per_week": 6,
        "compound_session_share": 0.0,
        "initial_organiser_share": 0.0,
        "volunteer_recruit_rate": 0.0,
    }
    # About 0.04 more of the elderly take part (24 paired seeds), within the noise of five.
    assert_raises(
        "activity_rate_elderly",
        {**common, "targeted_share_elderly": 0.0},
        {**common, "targeted_share_elderly": 0.6},
        seeds=SMALL_EFFECT_SEEDS,
    )


def test_lever_digital_platform():
    assert_raises("rate_activities", {"platform_reach": 0.0}, {"platform_reach": 0.8, "platform_promotion": 0.8})
    common = {"issue_rate_per_1000": 10.0, "platform_reach": 0.8}
    assert_raises("issues_unreported", {**common, "platform_reporting": True}, {**common, "platform_reporting": False})


def test_lever_transparency():
    assert_raises("mean_trust", {"disclosure": "semiannual"}, {"disclosure": "monthly"}, seeds=SMALL_EFFECT_SEEDS)


def test_lever_deliberation():
    common = {"issue_rate_per_1000": 3.0}
    assert_raises(
        "rate_deliberation",
        {**common, "council_interval_weeks": 13},
        {**common, "council_interval_weeks": 4},
        last=STEPS,
    )
    # About 0.015 more residents deliberate, within the noise of five seeds.
    low, high = {**common, "inclusiveness": 0.05}, {**common, "inclusiveness": 0.5}
    assert_raises("rate_deliberation", low, high, last=STEPS, seeds=SMALL_EFFECT_SEEDS)
    assert_raises("issues_open", {**common, "tiered_formats": True}, {**common, "tiered_formats": False})


def test_lever_team_leaders():
    assert_raises("rate_any", {"leader_coverage": 0.0}, {"leader_coverage": 1.0})


def test_lever_points_incentive_crowds_out_when_small_and_pulls_when_large():
    assert_raises("rate_activities", {"points_per_act": 0.0}, {"points_per_act": 10.0, "point_value_yuan": 5.0})
    assert_raises("rate_activities", {"points_per_act": 1.0, "point_value_yuan": 0.1}, {"points_per_act": 0.0})


def test_lever_autonomy_fund():
    common = {"issue_rate_per_1000": 8.0, "council_interval_weeks": 4, "inclusiveness": 0.4}
    # A run completes only a handful of projects, so the count is noisy: ten seeds, not five.
    assert_raises(
        "projects_succeeded",
        {**common, "fund_per_household_year": 0.0},
        {**common, "fund_per_household_year": 200.0},
        last=1,
        seeds=SMALL_EFFECT_SEEDS,  # a count of a few projects per run
    )


def test_lever_resource_library():
    none = {"library_share_red": 0.0, "library_share_white": 0.0, "library_share_green": 0.0}
    full = {
        "library_share_red": 1.0,
        "library_share_white": 1.0,
        "library_share_green": 1.0,
        "library_work_meeting": True,
    }
    assert_raises("organisations_engaged", none, full)
    assert_raises("rate_activities", none, full)


def test_lever_expert_pool():
    common = {
        "issue_rate_per_1000": 4.0,
        "council_interval_weeks": 4,
        "council_agenda_size": 20,
        "inclusiveness": 0.4,
    }
    assert_raises("mean_efficacy", {**common, "expert_pool_share": 0.0}, {**common, "expert_pool_share": 0.8})


def test_lever_time_bank():
    migrants = {"profile": "migrant_heavy"}
    assert_raises("aid_met_share", {**migrants, "time_bank": False}, {**migrants, "time_bank": True})
    village = {"profile": "semi_rural_village", "time_bank": True, "help_intercept": -4.0, "residents_per_building": 3}
    assert_raises("aid_met_share", {**village, "matching_radius_m": 100.0}, {**village, "matching_radius_m": 2000.0})


def test_lever_self_financing():
    after = {"policy": "centres", "centre_public_funding_weeks": 20, "fund_per_household_year": 0.0}
    assert_raises("centre_funded_share", {**after, "self_financing": 0.2}, {**after, "self_financing": 0.9})
    # Self-financing keeps more sessions once public funding ends, and more sessions raise
    # activity where they would otherwise turn residents away: at the calibration's size +0.042
    # of residents on these five seeds (p = 0.002; +0.056 on twelve); on 600 residents over 78
    # weeks only +0.015 on 24 seeds (p = 0.03).
    assert_raises(
        "rate_activities", {**after, "self_financing": 0.2}, {**after, "self_financing": 0.9}, **CALIBRATION_SIZE
    )


@pytest.mark.parametrize(
    "policy", ["centres", "consultation", "acquaintance", "social_work_committee", "complete_community"]
)
def test_every_package_beats_no_levers(policy):
    assert_raises("rate_any", {"policy": "no_levers"}, {"policy": policy})
