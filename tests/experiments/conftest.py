"""Shared fixtures of the experiment tests: small specs and spec files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from commsim.experiments.spec import ExperimentSpec

SMALL = {"profile": "old_inner_city", "n_residents": 100}


@pytest.fixture(scope="session")
def make_spec() -> Callable[..., ExperimentSpec]:
    """A spec of three replicates of three steps of a small community, with the fields given."""

    def make(**fields) -> ExperimentSpec:
        return ExperimentSpec(**({"name": "t", "base": SMALL, "steps": 3, "replicates": 3} | fields))

    return make


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write dedented spec text (or a CSV design) into the test's folder and return its path."""

    def write(text: str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write
