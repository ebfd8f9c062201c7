"""The roles kernel reproduces the array formulation bit for bit.

A busy model (leaders everywhere, the library asking, burnout and quitting) pickled at
week k runs week k+1 twice, once with the compiled pass (:func:`update_roles`) and once
with the array formulation kept as its reference (:func:`update_roles_by_arrays`);
every resident array, the week's quits, the generator's state and the outputs must be
equal.
"""

from __future__ import annotations

import pickle
from dataclasses import fields

import numpy as np
import pytest

import commsim.model as model_module
from commsim import CommunityModel
from commsim.processes.roles import update_roles_by_arrays

BUSY = {
    "profile": "old_inner_city",
    "policy": "complete_community",
    "n_centres": 3,
    "time_bank": True,
    "leader_coverage": 1.0,
    "library_share_green": 0.5,
    "library_share_red": 0.5,
    "expert_pool_share": 0.1,
    "support_hours_per_act": 0.6,
}


def _week(model: CommunityModel, *, arrays: bool, monkeypatch: pytest.MonkeyPatch) -> CommunityModel:
    with monkeypatch.context() as patch:
        if arrays:
            patch.setattr(model_module, "update_roles", update_roles_by_arrays)
        model.step()
    return model


@pytest.fixture(scope="module")
def pickled() -> dict[int, bytes]:
    model = CommunityModel(rng=22, n_residents=1_200, **BUSY)
    saved = {}
    for _ in range(32):
        model.step()
        if model.steps in (2, 15, 31):
            saved[model.steps] = pickle.dumps(model)
    return saved


def test_roles_kernel_reproduces_the_array_formulation(pickled, monkeypatch):
    turnover = 0
    for week, saved in pickled.items():
        compiled = _week(pickle.loads(saved), arrays=False, monkeypatch=monkeypatch)
        reference = _week(pickle.loads(saved), arrays=True, monkeypatch=monkeypatch)
        before = pickle.loads(saved).residents
        for field in fields(compiled.residents):
            value, expected = getattr(compiled.residents, field.name), getattr(reference.residents, field.name)
            assert value.dtype == expected.dtype and np.array_equal(value, expected), (week, field.name)
        assert compiled.week.quits == reference.week.quits
        assert compiled.rng.bit_generator.state == reference.rng.bit_generator.state
        assert pickle.dumps(compiled.metrics) == pickle.dumps(reference.metrics)
        assert compiled.residents.burnout.max() > 0  # volunteers are overloaded
        turnover += compiled.week.quits + int(np.sum(compiled.residents.role != before.role))
    assert turnover > 0  # some volunteers quit or join in the weeks compared
