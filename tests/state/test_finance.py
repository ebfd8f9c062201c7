"""Money: the public funding window, self-financing, the autonomy fund."""

from __future__ import annotations

import numpy as np
import pytest

from commsim import CommunityModel
from commsim.state.finance import Finance


def _finance(params_for, **overrides) -> Finance:
    params = params_for(**overrides)
    return Finance(params, households=400.0)


def test_public_funding_pays_every_session_until_the_window_ends_then_self_financing(params_for):
    """Funding lever: during the public window all planned sessions run; after it, the cross-subsidy share."""
    finance = _finance(
        params_for,
        centre_public_funding_weeks=10,
        self_financing=0.3,
        fund_per_household_year=0.0,
        centre_sessions_per_week=10,
    )
    rng = np.random.default_rng(0)
    held_after = []
    for step in range(1, 400):
        finance.start_week(step)
        sessions = finance.centre_sessions_this_week(3, rng)
        if step <= 10:
            assert finance.funded_share == 1.0
            assert sessions.tolist() == [10, 10, 10]
        else:
            assert finance.funded_share == pytest.approx(0.3)
            held_after.append(sessions)
    held = np.array(held_after)
    assert held.max() <= 10
    assert held.mean() == pytest.approx(3.0, abs=0.2)  # binomial(10, 0.3)


def test_no_money_after_the_window_means_no_sessions(params_for):
    """Removing the fund and the cross-subsidy makes the centres' offer stop."""
    finance = _finance(params_for, centre_public_funding_weeks=5, self_financing=0.0, fund_per_household_year=0.0)
    rng = np.random.default_rng(0)
    for step in range(1, 30):
        finance.start_week(step)
        sessions = finance.centre_sessions_this_week(2, rng)
        if step > 5:
            assert finance.funded_share == 0.0 and sessions.sum() == 0


def test_autonomy_fund_tops_up_centre_costs_after_the_window(params_for):
    """The fund's centre share pays what the cross-subsidy leaves, up to what it has earned."""
    finance = _finance(
        params_for,
        centre_public_funding_weeks=0,
        self_financing=0.2,
        fund_per_household_year=52.0,
        fund_centre_share=0.5,
        centre_sessions_per_week=3,
        centre_session_cost_yuan=400.0,
    )
    finance.start_week(1)  # income 52*400/52 = 400 yuan; half (200) for centres
    assert finance.centre_pot == pytest.approx(200.0) and finance.fund_balance == pytest.approx(200.0)
    finance.centre_sessions_this_week(1, np.random.default_rng(0))
    cost = 3 * 400.0
    assert finance.funded_share == pytest.approx((0.2 * cost + 200.0) / cost)
    assert finance.centre_pot == pytest.approx(0.0)
    assert finance.fund_spent == pytest.approx(200.0)


def test_projects_never_spend_more_than_the_fund_holds(params_for):
    """The autonomy fund cannot be overdrawn."""
    finance = _finance(params_for, fund_per_household_year=52.0, centre_public_funding_weeks=100000)
    finance.start_week(1)
    balance = finance.fund_balance
    assert finance.spend_on_project(balance + 1000.0) == pytest.approx(balance)
    assert finance.fund_balance == pytest.approx(0.0)
    assert finance.spend_on_project(50.0) == 0.0
    assert finance.spend_on_project(-5.0) == 0.0


def test_centre_sessions_drop_in_a_run_when_funding_ends():
    """Model level: sessions run in full during the window and stop when nothing pays for them."""
    model = CommunityModel(
        rng=4, n_residents=200, n_centres=2, centre_sessions_per_week=4, centre_public_funding_weeks=4
    )
    for _ in range(8):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert (frame["centre_sessions"].iloc[1:5] == 8).all()
    assert (frame["centre_sessions"].iloc[5:] == 0).all()
    assert (frame["centre_funded_share"].iloc[5:] == 0).all()
