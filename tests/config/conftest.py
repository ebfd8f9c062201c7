"""Shared fixtures of the configuration tests."""

from __future__ import annotations

import textwrap

import pytest


@pytest.fixture
def write_yaml(tmp_path):
    """Write dedented YAML text to ``scenario.yaml`` in the test's folder and return its path."""

    def write(text: str):
        path = tmp_path / "scenario.yaml"
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write
