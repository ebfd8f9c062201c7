"""Test-wide settings and fixtures.

Hypothesis draws the same examples on every run (reproducible CI); the timing cache of dry
runs (``COMMSIM_CACHE_DIR``) lives in the test session's temporary folder; the compiled
kernels are compiled once, before any test worker starts. The other fixtures below are
shared by the tests of the model's state and processes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

from commsim.config.presets import resolve_parameters
from commsim.state.ties import Ties

settings.register_profile("commsim", derandomize=True, database=None)
settings.load_profile("commsim")


def pytest_configure(config: pytest.Config) -> None:
    """Compile every kernel once in the main process, before pytest-xdist starts its workers.

    On a fresh clone numba's cache is empty, and each worker, and each command-line run a
    test starts, would otherwise compile the same kernels at the same time (about 40 s
    each); after this they all load them from the cache (about 1 s).
    """
    if not hasattr(config, "workerinput"):
        from commsim.model import warm_kernels

        warm_kernels()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Order and group the tests for the two workers of `make test` (``--dist loadgroup``).

    Tests that share a module-scoped fixture run on one worker, which builds it once
    (each worker would otherwise build its own); tests that share other state (a cached
    set of runs) name their group with ``pytest.mark.xdist_group``. Groups are handed out
    first, largest first; then the tests marked ``slow``, then the rest, so that the
    workers finish together instead of one waiting for a long test started last.
    """
    for item in items:
        if item.get_closest_marker("xdist_group") or not hasattr(item, "_fixtureinfo"):
            continue
        definitions = item._fixtureinfo.name2fixturedefs
        shared = sorted(
            name for name in item.fixturenames if name in definitions and definitions[name][-1].scope == "module"
        )
        if shared:
            item.add_marker(pytest.mark.xdist_group(f"{item.module.__name__}.{shared[0]}"))
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session", autouse=True)
def _timing_cache(tmp_path_factory) -> Any:
    """Measured run costs go to a cache of the test session, never to the user's cache folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COMMSIM_CACHE_DIR", str(tmp_path_factory.mktemp("commsim-cache")))
        yield


@pytest.fixture(scope="session")
def params_for() -> Callable[..., dict[str, Any]]:
    """Resolved parameters of a community profile and a policy package, with overrides."""

    def resolve(profile: str = "old_inner_city", policy: str = "baseline", **overrides: Any) -> dict[str, Any]:
        return resolve_parameters(profile, policy, overrides)

    return resolve


@pytest.fixture(scope="session")
def degree() -> Callable[[Ties], np.ndarray]:
    """Number of ties of each resident of a network."""

    def count(ties: Ties) -> np.ndarray:
        return np.diff(ties.adjacency().indptr)

    return count
