"""Mutual aid: each helper helps once a week, and competing requests are served at random."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commsim.processes.mutual_aid import AidMemory, first_come, help_log_odds


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
