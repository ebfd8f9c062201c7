"""The work of a step is vectorised: Python-level calls do not grow with the population.

No wall-clock threshold (these machines are noisy): the count of Python function calls
per step is deterministic for a seed, and a per-resident Python loop anywhere in a step
would make it grow in proportion to the residents.
"""

from __future__ import annotations

import cProfile
import pstats

import pytest

from commsim import CommunityModel

BUSY = {
    "profile": "old_inner_city",
    "policy": "complete_community",
    "time_bank": True,
    "leader_coverage": 1.0,
    "tiered_formats": True,
    "platform_reach": 0.5,
    "disclosure": "monthly",
    "library_share_green": 0.5,
    "expert_pool_share": 0.1,
}


def python_calls_per_step(residents: int, *, steps: int = 6, warm_up: int = 6) -> float:
    model = CommunityModel(rng=5, n_residents=residents, **BUSY)
    for _ in range(warm_up):
        model.step()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        model.step()
    profiler.disable()
    calls = sum(primitive for primitive, _, _, _, _ in pstats.Stats(profiler).stats.values())
    return calls / steps


@pytest.fixture(scope="module")
def calls() -> dict[int, float]:
    return {residents: python_calls_per_step(residents) for residents in (2_000, 8_000)}


def test_quadrupling_residents_leaves_python_calls_per_step_nearly_unchanged(calls):
    # A loop over residents would multiply the calls by 4; a loop over this week's
    # meetings or sessions grows only with those, which grow far slower.
    assert calls[8_000] / calls[2_000] < 1.6


def test_python_calls_per_resident_fall_as_the_population_grows(calls):
    # Per-resident work done in Python would keep this ratio constant.
    assert calls[8_000] / 8_000 < 0.5 * calls[2_000] / 2_000
