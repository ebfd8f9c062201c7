"""The golden outputs stay put: every output of the fixed scenarios hashes as recorded."""

from __future__ import annotations

import json

import pytest
from tests.golden.scenarios import GOLDEN_FILE, SCENARIOS, outputs

GOLDEN = json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))


def test_golden_file_covers_every_scenario():
    assert set(GOLDEN) == set(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_outputs_match_the_golden_hashes(name):
    recorded, now = GOLDEN[name], outputs(SCENARIOS[name])
    changed = sorted(key for key in recorded.keys() | now.keys() if recorded.get(key) != now.get(key))
    assert not changed, f"{name}: outputs moved: {', '.join(changed)}"
