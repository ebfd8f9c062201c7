"""Mutual aid: each helper helps once a week, and competing requests are served at random."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim import CommunityModel
from commsim.processes.mutual_aid import (
    AidMemory,
    Search,
    balance_pull,
    first_come,
    help_log_odds,
    offer_shift,
    post_requests,
    request_chance,
)
from commsim.state.residents import NEVER


@settings(max_examples=40, deadline=None)
@given(data=st.data(), n_residents=st.integers(1, 12), n_requests=st.integers(0, 30), seed=st.integers(0, 2**32 - 1))
def test_first_come_lets_each_helper_help_at_most_once(data, n_residents, n_requests, seed):
    """Each helper gives one act of help a week; the busy and -1 never help; a free willing helper always helps once."""
    helpers = np.array(
        data.draw(st.lists(st.integers(-1, n_residents - 1), min_size=n_requests, max_size=n_requests)), dtype=np.int64
    )
    accepted = np.array(data.draw(st.lists(st.booleans(), min_size=n_requests, max_size=n_requests)), dtype=bool)
    busy = np.array(data.draw(st.lists(st.booleans(), min_size=n_residents, max_size=n_residents)), dtype=bool)
    keep = first_come(helpers, accepted, busy, np.random.default_rng(seed))
    kept = helpers[keep]
    assert len(np.unique(kept)) == len(kept)
    assert np.all(accepted[keep]) and np.all(kept >= 0) and not busy[kept].any()
    # Maximal: every free helper who accepted some request helps on exactly one of those requests.
    willing_free = set(helpers[accepted & (helpers >= 0)].tolist()) - set(np.flatnonzero(busy).tolist())
    assert set(kept.tolist()) == willing_free


def test_first_come_picks_among_competing_requests_at_random():
    """A helper wanted by several requesters helps one of them, each equally likely (no slot-order bias)."""
    rng = np.random.default_rng(0)
    helpers = np.array([2, 2, 2])
    accepted = np.ones(3, dtype=bool)
    busy = np.zeros(4, dtype=bool)
    wins = np.zeros(3)
    for _ in range(3000):
        wins += first_come(helpers, accepted, busy, rng)
    assert wins.sum() == 3000
    assert wins / 3000 == pytest.approx([1 / 3] * 3, abs=0.04)


def test_helpers_see_the_share_met_over_the_remembered_weeks_only():
    memory = AidMemory(weeks=2, prior=0.3)
    assert memory.met_share() == 0.3  # before any request
    memory.remember(0, 0)
    assert memory.met_share() == 0.3
    memory.remember(4, 1)
    memory.remember(6, 6)
    assert memory.met_share() == pytest.approx(7 / 10)
    memory.remember(10, 0)  # the week with 4 requests is forgotten
    assert memory.met_share() == pytest.approx(6 / 16)


def test_helping_rises_with_tie_strength_belonging_and_what_others_did(params_for):
    params = params_for()
    base = dict(tie_strength=0.2, belonging=np.array([0.4]), fatigue=np.array([0.1]), met_share=0.5, params=params)
    value = help_log_odds(**base)[0]
    assert help_log_odds(**{**base, "tie_strength": 0.9})[0] > value
    assert help_log_odds(**{**base, "met_share": 0.9})[0] > value
    raised = help_log_odds(**{**base, "belonging": np.array([0.9])})[0] - value
    assert raised == pytest.approx(params["w_belonging"] * params["help_belonging_share"] * 0.5)
    assert help_log_odds(**{**base, "fatigue": np.array([0.9])})[0] < value


def test_balance_pull_is_odd_saturating_and_zero_at_zero():
    credits = np.array([-1000.0, -10.0, 0.0, 10.0, 1000.0])
    pull = balance_pull(credits, 10.0)
    assert pull[2] == 0.0 and pull[3] == pytest.approx(np.tanh(1.0)) and pull[1] == pytest.approx(-np.tanh(1.0))
    assert np.all(np.diff(pull) > 0) and np.all(np.abs(pull) <= 1.0)
    assert balance_pull(np.array([-30.0, 30.0]), 10.0) == pytest.approx([-np.tanh(3.0), np.tanh(3.0)])


def test_everyone_asks_now_and_then_and_needs_add_their_own_requests(params_for):
    """Needs are not the only reason to ask: independent everyday and need-driven requests."""
    params = params_for(everyday_request_rate=0.02, aid_request_rate=0.1)
    needs = np.array([False, True])
    chance = request_chance(needs=needs, member=np.zeros(2, bool), credits=np.array([50.0, -50.0]), params=params)
    assert chance == pytest.approx([0.02, 1 - 0.98 * 0.9])  # balances do not matter to non-members
    never = params_for(everyday_request_rate=0.0, aid_request_rate=0.0)
    always = params_for(everyday_request_rate=1.0)
    member = np.ones(2, bool)
    assert np.all(request_chance(needs=needs, member=member, credits=np.array([50.0, 9.0]), params=never) == 0.0)
    assert np.all(request_chance(needs=needs, member=member, credits=np.array([-50.0, 9.0]), params=always) == 1.0)


def test_members_with_credits_ask_more_readily_and_those_in_debt_hold_back(params_for):
    """Odds of asking times exp(w_ask_balance * tanh(balance / scale)) for members."""
    params = params_for(everyday_request_rate=0.05, aid_request_rate=0.0, w_ask_balance=1.5)
    credits = np.array([-20.0, -5.0, 0.0, 5.0, 20.0])
    chance = request_chance(needs=np.zeros(5, bool), member=np.ones(5, bool), credits=credits, params=params)
    assert np.all(np.diff(chance) > 0) and chance[2] == pytest.approx(0.05)
    odds = chance / (1 - chance)
    pull = np.tanh(credits / params["time_bank_balance_scale_h"])
    assert odds / odds[2] == pytest.approx(np.exp(1.5 * pull))


def test_members_in_debt_offer_more_and_those_with_a_large_balance_less(params_for):
    params = params_for(time_bank_help_bonus=1.0, w_offer_balance=2.0)
    shift = offer_shift(np.array([-30.0, 0.0, 30.0]), params)
    assert shift[1] == pytest.approx(1.0) and shift[0] > shift[1] > shift[2]
    assert offer_shift(np.array([-30.0, 30.0]), {**params, "w_offer_balance": 0.0}) == pytest.approx([1.0, 1.0])


def _bank_week(seed: int, **overrides):
    """A time-bank community whose members are half in credit (+15 h) and half in debt (-15 h)."""
    model = CommunityModel(rng=seed, n_residents=3000, time_bank=True, time_bank_overdraft_h=40.0)
    residents = model.residents
    residents.time_bank_member[:] = True
    residents.credits[:] = np.where(np.arange(len(residents)) % 2 == 0, 15.0, -15.0)
    model.time_bank.pool -= float(residents.credits.sum())
    ctx = model._mutual_aid()
    return model, replace(ctx, params={**model.p, **overrides})


def test_paired_seeds_balance_feedback_moves_who_asks():
    """Same draws, feedback on vs off: creditors ask more and debtors less (a coupled, monotone comparison)."""
    off = {"w_ask_balance": 0.0, "everyday_request_rate": 0.1}
    on = {"w_ask_balance": 1.5, "everyday_request_rate": 0.1}
    _, ctx_off = _bank_week(3, **off)
    model, ctx_on = _bank_week(3, **on)
    ctx_off, ctx_on = replace(ctx_off, rng=np.random.default_rng(8)), replace(ctx_on, rng=np.random.default_rng(8))
    asked_off, asked_on = set(post_requests(ctx_off)[0].tolist()), set(post_requests(ctx_on)[0].tolist())
    in_credit = model.residents.credits > 0
    creditors_off = {i for i in asked_off if in_credit[i]}
    creditors_on = {i for i in asked_on if in_credit[i]}
    debtors_off = asked_off - creditors_off
    debtors_on = asked_on - creditors_on
    assert creditors_off < creditors_on and debtors_on < debtors_off
    assert len(creditors_on) > 1.5 * len(creditors_off) and len(debtors_on) < 0.7 * len(debtors_off)


def _time_bank_helpers(seed: int, w_offer_balance: float) -> np.ndarray:
    """Balances of the members who helped through the time bank in one week of requests."""
    model, ctx = _bank_week(seed, w_offer_balance=w_offer_balance, time_bank_tries=1)
    requesters = np.arange(0, len(model.residents), 7)
    search = Search(ctx, requesters, np.ones(len(requesters), dtype=bool))
    search.through_time_bank(np.arange(len(requesters)))
    return model.residents.credits[search.helper[search.via_time_bank]]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_paired_seeds_balance_feedback_moves_who_offers(seed):
    """Same seed, feedback on vs off: more of the time-bank help comes from members in debt."""
    in_debt_off = np.mean(_time_bank_helpers(seed, 0.0) < 0)
    in_debt_on = np.mean(_time_bank_helpers(seed, 2.0) < 0)
    assert in_debt_off == pytest.approx(0.5, abs=0.1)
    assert in_debt_on > in_debt_off + 0.15


def test_residents_with_needs_also_give_and_informal_help_is_recorded():
    """Residents both give and receive; help between ties and neighbours counts as informal helping."""
    model = CommunityModel(rng=4, n_residents=1000)
    for _ in range(30):
        model.step()
    residents = model.residents
    helped_informally = residents.last_helped_informally > NEVER
    assert helped_informally[residents.needs].mean() > 0.1
    assert helped_informally[~residents.needs].mean() > 0.1
    assert not residents.time_bank_member.any()  # no time bank: every help was informal


@pytest.mark.parametrize(("everyday", "need"), [(0.1, 0.0), (0.0, 0.3)])
def test_everyday_favours_are_informal_helping_and_help_with_a_need_is_an_act_of_mutual_aid(everyday, need):
    model = CommunityModel(rng=5, n_residents=600, everyday_request_rate=everyday, aid_request_rate=need)
    for _ in range(20):
        model.step()
    residents = model.residents
    helped = residents.last_helped_informally > NEVER
    assert helped.mean() > 0.05
    if need == 0.0:
        assert residents.acts_mutual_aid.sum() == 0  # favours only: no act of community participation
    else:
        assert np.all(residents.last_mutual_aid[helped] >= residents.last_helped_informally[helped])


def test_a_needy_residents_request_comes_from_the_need_in_its_share_of_the_two_reasons():
    model = CommunityModel(rng=6, n_residents=4000)
    residents = model.residents
    for everyday, need, expected in [(0.0, 0.2, 1.0), (0.2, 0.0, 0.0), (0.2, 0.2, 0.2 / (1 - 0.8 * 0.8))]:
        ctx = replace(
            model._mutual_aid(),
            params={**model.p, "everyday_request_rate": everyday, "aid_request_rate": need},
            rng=np.random.default_rng(1),
        )
        requesters, out_of_need = post_requests(ctx)
        needy = residents.needs[requesters]
        assert not out_of_need[~needy].any()
        assert out_of_need[needy].mean() == pytest.approx(expected, abs=0.05)
