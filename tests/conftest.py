"""Test-wide settings and fixtures.

Hypothesis draws the same examples on every run (reproducible CI); the timing cache of dry
runs (``COMMSIM_CACHE_DIR``) lives in the test session's temporary folder; the compiled
kernels are compiled once, before any test worker starts. The other fixtures below are
shared by the tests of the model's state and processes.
"""

from __future__ import annotations

import os
import signal
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

    A suite started in the background by a shell without job control inherits SIGINT
    ignored, and so would every process it starts: the tests of Ctrl-C then see nothing
    arrive. Python's own handler is put back first, as an interactive start would have it.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if not hasattr(config, "workerinput"):
        from commsim.model import warm_kernels

        warm_kernels()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``slow`` first: the workers of `make test` then end on short tests, together."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session", autouse=True)
def _shared_runs(tmp_path_factory) -> Any:
    """The folder through which pytest-xdist's workers share expensive results (tests/shared_runs.py)."""
    from tests import shared_runs

    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared-runs"
    folder.mkdir(exist_ok=True)
    shared_runs.FOLDER[:] = [folder]
    yield
    shared_runs.FOLDER.clear()


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
