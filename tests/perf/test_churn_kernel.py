"""The churn kernel reproduces the array formulation bit for bit.

A migrant-heavy model pickled at week k runs week k+1 twice, once with the compiled call
(:func:`run_churn`) and once with the array formulation kept as its reference
(:func:`run_churn_by_arrays`, which draws newcomers with ``draw_residents``); every
resident array, the ties, the time bank's pool, the generator's state and the outputs
must be equal. The newcomers' draws are also compared directly, over profiles.
"""

from __future__ import annotations

import pickle
from dataclasses import fields

import numpy as np
import pytest

import commsim.model as model_module
from commsim import CommunityModel
from commsim.config.presets import resolve_parameters
from commsim.processes import churn
from commsim.processes.churn_kernel import move_out_and_draw_newcomers
from commsim.state.residents import INTEREST_BY_AGE, draw_residents

BUSY = {
    "profile": "migrant_heavy",
    "policy": "complete_community",
    "n_centres": 2,
    "time_bank": True,
    "platform_reach": 0.5,
}


def _week(model: CommunityModel, *, arrays: bool, monkeypatch: pytest.MonkeyPatch) -> CommunityModel:
    with monkeypatch.context() as patch:
        if arrays:
            patch.setattr(model_module, "run_churn", churn.run_churn_by_arrays)
        model.step()
    return model


@pytest.fixture(scope="module")
def pickled() -> list[bytes]:
    model = CommunityModel(rng=23, n_residents=1_500, **BUSY)
    saved = []
    for week in range(1, 21):
        model.step()
        if week in (3, 20):
            saved.append(pickle.dumps(model))
    return saved


def test_churn_kernel_reproduces_the_array_formulation(pickled, monkeypatch):
    for saved in pickled:
        compiled = _week(pickle.loads(saved), arrays=False, monkeypatch=monkeypatch)
        reference = _week(pickle.loads(saved), arrays=True, monkeypatch=monkeypatch)
        before = pickle.loads(saved).residents
        for field in fields(compiled.residents):
            value, expected = getattr(compiled.residents, field.name), getattr(reference.residents, field.name)
            assert value.dtype == expected.dtype and np.array_equal(value, expected), field.name
        for value, expected in zip(compiled.ties.upper(), reference.ties.upper(), strict=True):
            assert np.array_equal(value, expected)
        assert compiled.time_bank.pool == reference.time_bank.pool
        assert compiled.rng.bit_generator.state == reference.rng.bit_generator.state
        assert pickle.dumps(compiled.metrics) == pickle.dumps(reference.metrics)
        assert np.sum(compiled.residents.arrival_step != before.arrival_step) > 0  # someone moved in


def _numbers(params) -> tuple:
    free_time = np.array([params["free_time_youth_h"], params["free_time_adult_h"], params["free_time_elderly_h"]])
    return churn.newcomer_numbers(params), churn.newcomer_age_cdf(params), free_time


@pytest.mark.parametrize("profile", ["migrant_heavy", "old_inner_city", "new_commercial_estate", "semi_rural_village"])
@pytest.mark.parametrize("seed", [0, 1])
def test_the_kernels_newcomers_are_draw_residents_newcomers(profile, seed):
    params = resolve_parameters(
        profile, "baseline", {"platform_reach": 0.4, "migrant_turnover_per_year": 3.0, "share_elderly_care_need": 0.9}
    )
    migrant = np.random.default_rng(seed).random(20_000) < 0.5
    kernel_rng, array_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    drawn = move_out_and_draw_newcomers(migrant, *_numbers(params), INTEREST_BY_AGE, kernel_rng)
    leaving = np.flatnonzero(migrant & (array_rng.random(len(migrant)) < churn.weekly_leave_probability(3.0)))
    building = np.arange(len(leaving)) % 7
    expected = draw_residents(building, params, array_rng, step=9, newcomers=True)
    newcomers = churn.newcomers_from(drawn, building, 9)
    assert np.array_equal(drawn[0], leaving) and len(leaving) > 100
    for field in fields(expected):
        value, wanted = getattr(newcomers, field.name), getattr(expected, field.name)
        assert value.dtype == wanted.dtype and np.array_equal(value, wanted), field.name
    assert kernel_rng.bit_generator.state == array_rng.bit_generator.state
    assert newcomers.with_children.any() and newcomers.need_elderly_care.any() and newcomers.platform_follower.any()


def test_no_migrant_no_leaver_and_no_draw():
    params = resolve_parameters("migrant_heavy", "baseline")
    rng = np.random.default_rng(4)
    state = rng.bit_generator.state
    drawn = move_out_and_draw_newcomers(np.zeros(0, dtype=bool), *_numbers(params), INTEREST_BY_AGE, rng)
    assert len(drawn[0]) == 0 and all(len(array) == 0 for array in drawn[1:])
    assert rng.bit_generator.state == state
