"""Golden outputs: fixed scenarios whose every output is hashed, so refactors can prove they change nothing.

``python -m tests.golden.scenarios`` (from the repository root) rewrites ``golden.json``.
Do that only in a commit whose message says why an output had to move.

For each scenario the model runs 104 weeks; the SHA-256 of every DataCollector column
(as float64 bytes), of every final resident array, and of the final tie list (sorted
``(i, j, strength)`` triples, independent of how the network stores them) is recorded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np

GOLDEN_FILE = Path(__file__).with_name("golden.json")
WEEKS = 104

ALL_LEVERS: dict[str, Any] = {
    "n_centres": 4,
    "centre_placement": "spread",
    "targeted_share_elderly": 0.3,
    "targeted_share_children": 0.15,
    "platform_reach": 0.5,
    "platform_booking": True,
    "platform_reporting": True,
    "disclosure": "monthly",
    "tiered_formats": True,
    "inclusiveness": 0.3,
    "leader_coverage": 1.0,
    "leader_training": 0.5,
    "points_per_act": 10.0,
    "point_value_yuan": 0.1,
    "fund_per_household_year": 60.0,
    "library_share_red": 0.5,
    "library_share_white": 0.5,
    "library_share_green": 0.5,
    "library_work_meeting": True,
    "expert_pool_share": 0.1,
    "time_bank": True,
    "self_financing": 0.3,
}

# name -> CommunityModel keyword arguments (rng included)
SCENARIOS: dict[str, dict[str, Any]] = {
    "old_inner_city-baseline": {"rng": 11, "n_residents": 400, "profile": "old_inner_city", "policy": "baseline"},
    "old_inner_city-all_levers": {
        "rng": 12,
        "n_residents": 600,
        "profile": "old_inner_city",
        "policy": "complete_community",
        **ALL_LEVERS,
    },
    "new_commercial_estate-centres": {
        "rng": 13,
        "n_residents": 500,
        "profile": "new_commercial_estate",
        "policy": "centres",
    },
    "migrant_heavy-acquaintance": {"rng": 14, "n_residents": 500, "profile": "migrant_heavy", "policy": "acquaintance"},
    "semi_rural_village-social_work_committee": {
        "rng": 15,
        "n_residents": 400,
        "profile": "semi_rural_village",
        "policy": "social_work_committee",
    },
    "old_inner_city-consultation": {
        "rng": 16,
        "n_residents": 400,
        "profile": "old_inner_city",
        "policy": "consultation",
    },
    "migrant_heavy-no_levers": {"rng": 17, "n_residents": 300, "profile": "migrant_heavy", "policy": "no_levers"},
    "new_commercial_estate-funding_withdrawn": {
        "rng": 18,
        "n_residents": 500,
        "profile": "new_commercial_estate",
        "policy": "complete_community",
        "centre_public_funding_weeks": 26,
        "self_financing": 0.0,
        "time_bank": True,
        "migrant_turnover_per_year": 1.5,
    },
}


def _digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def outputs(settings: dict[str, Any], weeks: int = WEEKS) -> dict[str, str]:
    """Run one scenario and hash every output.

    Args:
        settings: ``CommunityModel`` keyword arguments.
        weeks: Weeks to run.

    Returns:
        ``metric:<column>``, ``resident:<field>`` and ``ties`` to hex digests.
    """
    from commsim import CommunityModel

    model = CommunityModel(**settings)
    for _ in range(weeks):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    hashes = {f"metric:{column}": _digest(frame[column].to_numpy(dtype=np.float64)) for column in frame.columns}
    for field in fields(model.residents):
        hashes[f"resident:{field.name}"] = _digest(np.asarray(getattr(model.residents, field.name)))
    i, j = model.ties.pairs
    order = np.lexsort((j, i))
    hashes["ties"] = _digest(np.stack([i[order], j[order], model.ties.strength[order]]).astype(np.float64))
    return hashes


def record() -> None:
    """Rewrite the golden file from the current code."""
    golden = {name: outputs(settings) for name, settings in SCENARIOS.items()}
    GOLDEN_FILE.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    record()
