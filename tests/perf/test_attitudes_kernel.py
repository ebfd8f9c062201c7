"""The attitudes kernel reproduces the array formulation bit for bit.

A busy model (monthly open days, so some weeks hold one) pickled at week k runs week
k+1 twice, once with the compiled pass (:func:`update_attitudes`) and once with the
array formulation kept as its reference (:func:`update_attitudes_by_arrays`); every
resident array, the disclosure record and the outputs must be equal.
"""

from __future__ import annotations

import pickle
from dataclasses import fields

import numpy as np
import pytest

import commsim.model as model_module
from commsim import CommunityModel
from commsim.processes.attitudes import update_attitudes_by_arrays
from commsim.processes.attitudes_kernel import success_seen
from commsim.state.ties import Ties

BUSY = {
    "profile": "old_inner_city",
    "policy": "complete_community",
    "n_centres": 3,
    "time_bank": True,
    "leader_coverage": 1.0,
    "disclosure": "monthly",
    "platform_reach": 0.5,
}


def _week(model: CommunityModel, *, arrays: bool, monkeypatch: pytest.MonkeyPatch) -> CommunityModel:
    with monkeypatch.context() as patch:
        if arrays:
            patch.setattr(model_module, "update_attitudes", update_attitudes_by_arrays)
        model.step()
    return model


@pytest.fixture(scope="module")
def pickled() -> dict[int, bytes]:
    model = CommunityModel(rng=21, n_residents=1_200, **BUSY)
    saved = {}
    for _ in range(35):
        model.step()
        if model.steps in (18, 19, 31):  # the next week: 19 holds no open day, 20 and 32 one
            saved[model.steps] = pickle.dumps(model)
    return saved


@pytest.mark.parametrize("week", [18, 19, 31])
def test_attitudes_kernel_reproduces_the_array_formulation(pickled, week, monkeypatch):
    compiled = _week(pickle.loads(pickled[week]), arrays=False, monkeypatch=monkeypatch)
    reference = _week(pickle.loads(pickled[week]), arrays=True, monkeypatch=monkeypatch)
    changed = 0
    earlier = pickle.loads(pickled[week])
    before = earlier.residents
    for field in fields(compiled.residents):
        value, expected = getattr(compiled.residents, field.name), getattr(reference.residents, field.name)
        assert value.dtype == expected.dtype and np.array_equal(value, expected), field.name
        changed += not np.array_equal(value, getattr(before, field.name))
    assert changed >= 6  # the attitudes, fatigue and the memory of acts moved
    assert (compiled.disclosure.resolved, compiled.disclosure.known) == (
        reference.disclosure.resolved,
        reference.disclosure.known,
    )
    assert compiled.metrics == pytest.approx(reference.metrics, nan_ok=True)
    assert pickle.dumps(compiled.metrics) == pickle.dumps(reference.metrics)


def test_the_ties_of_witnesses_see_a_success():
    ties = Ties(6)
    ties.strengthen(np.array([0, 1, 4]), np.array([2, 3, 5]), 0.5)
    at_home = np.array([True, True, False, False, False, False])
    acts = np.array([1, 0, 0, 0, 0, 0])
    # 0 took part where a success happened, so its tie 2 sees it; 1 did not, so 3 does not.
    seen = success_seen(at_home, acts, ties.start, ties.length, ties.column)
    assert seen.tolist() == [True, True, True, False, False, False]
    assert success_seen(at_home, np.zeros(6, dtype=np.int64), ties.start, ties.length, ties.column).tolist() == (
        at_home.tolist()
    )
