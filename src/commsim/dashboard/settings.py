"""What the dashboard's controls edit, and the bounds that keep an interactive server safe.

Every control is generated from the single parameter declaration
(``configs/parameters.yaml``): its type, unit, range and help. Where a declared range is
wider than an interactive run can bear (a million residents, two thousand centres), the
dashboard caps it here; the cap is a property of the user interface, not of the model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from commsim.config import ConfigError, preset_names, resolve_parameters
from commsim.params import Parameter, levers, parameters
from commsim.paths import project_root

MAX_RESIDENTS_UI = 5000
MIN_RESIDENTS_UI = 100
MAX_STEPS_UI = 260
MAX_REPLICATES_UI = 30
MAX_SWEEP_RUNS_UI = 400
MAX_SEED = 2**32 - 1
# Interactive caps of policy parameters whose declared range is wider than a neighbourhood
# of at most MAX_RESIDENTS_UI residents needs. Values above a cap (the default 100,000
# weeks of public funding means "never ends") are kept until the user moves the control.
UI_LIMITS: dict[str, tuple[float, float]] = {
    "n_centres": (0, 40),
    "centre_capacity": (1, 200),
    "centre_sessions_per_week": (0, 40),
    "centre_session_cost_yuan": (0.0, 5000.0),
    "centre_public_funding_weeks": (0, MAX_STEPS_UI),
    "council_agenda_size": (1, 40),
    "points_per_act": (0.0, 50.0),
    "point_value_yuan": (0.0, 10.0),
    "fund_per_household_year": (0.0, 500.0),
    "matching_radius_m": (50.0, 3000.0),
}
LEVER_TITLES = {
    "service_centres": "Service centres",
    "targeted_services": "Targeted services (one old, one young)",
    "digital_platform": "Digital platform",
    "transparency": "Transparency",
    "deliberation": "Deliberation",
    "team_leaders": "Building team leaders",
    "points_incentive": "Points incentive",
    "autonomy_fund": "Autonomy fund",
    "resource_library": "Resource library",
    "expert_pool": "Expert pool",
    "time_bank": "Mutual-aid time bank",
    "self_financing": "Self-financing",
}


@dataclass(frozen=True, slots=True)
class Scenario:
    """One community under one policy package, with lever edits, a size and a seed.

    Attributes:
        profile: Community profile preset.
        policy: Policy package preset.
        overrides: Lever parameters edited away from the package's values.
        n_residents: Residents (bounded by :data:`MAX_RESIDENTS_UI`).
        seed: Model seed.
    """

    profile: str = "old_inner_city"
    policy: str = "baseline"
    overrides: dict[str, Any] = field(default_factory=dict)
    n_residents: int = 2000
    seed: int = 1

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :class:`commsim.CommunityModel` for this scenario."""
        return {
            "rng": self.seed,
            "profile": self.profile,
            "policy": self.policy,
            "n_residents": self.n_residents,
            **self.overrides,
        }

    def with_package(self, policy: str) -> Scenario:
        """The same community under another package, its lever edits dropped."""
        return replace(self, policy=policy, overrides={})

    def with_lever(self, name: str, value: Any) -> Scenario:
        """The scenario with one lever parameter set; an edit back to the package's value is dropped."""
        overrides = dict(self.overrides)
        if value == package_values(self.profile, self.policy)[name]:
            overrides.pop(name, None)
        else:
            overrides[name] = value
        return replace(self, overrides=overrides)

    def check(self) -> None:
        """Raise :class:`ConfigError` if the scenario cannot be built (unknown preset, bad value)."""
        resolve_parameters(self.profile, self.policy, {**self.overrides, "n_residents": self.n_residents})


def profiles() -> list[str]:
    """Community profile presets."""
    return preset_names("profile")


def packages() -> list[str]:
    """Policy package presets."""
    return preset_names("policy")


def package_values(profile: str, policy: str) -> dict[str, Any]:
    """Resolved values of every parameter under a profile and package (no edits)."""
    return resolve_parameters(profile, policy)


def lever_parameters() -> dict[str, list[Parameter]]:
    """The twelve levers, each with its declared parameters, in declaration order."""
    declared = parameters()
    return {lever: [declared[name] for name in names] for lever, names in levers().items()}


def ui_range(spec: Parameter) -> tuple[float, float]:
    """The range a control offers for a numeric parameter: the declared range, capped for the UI."""
    low, high = spec.minimum, spec.maximum
    if spec.name in UI_LIMITS:
        cap_low, cap_high = UI_LIMITS[spec.name]
        low, high = max(low, cap_low), min(high, cap_high)
    return low, high


def ui_step(spec: Parameter) -> float:
    """Slider step of a numeric parameter: 1 for integers, a hundredth of the range otherwise."""
    if spec.type == "int":
        return 1
    low, high = ui_range(spec)
    return round((high - low) / 100, 6) or 0.01


def bounded(spec: Parameter, value: Any) -> Any:
    """Clip a number into the control's range and type; other values pass through.

    Args:
        spec: The parameter.
        value: A value from a control (possibly out of range or of the wrong numeric type).

    Returns:
        The value the model will receive.
    """
    if spec.type not in ("int", "float"):
        return value
    low, high = ui_range(spec)
    value = min(max(float(value), low), high)
    return int(round(value)) if spec.type == "int" else value


def numeric_levers() -> list[Parameter]:
    """Lever parameters a sweep can vary over a range (ints and floats)."""
    return [spec for specs in lever_parameters().values() for spec in specs if spec.type in ("int", "float")]


def results_root() -> Path:
    """Folder holding experiment results: ``COMMSIM_RESULTS_DIR`` or the project's ``results/``."""
    if env := os.environ.get("COMMSIM_RESULTS_DIR"):
        return Path(env)
    return project_root() / "results"


def error_text(error: Exception) -> str:
    """A one-paragraph message for the page from an exception."""
    if isinstance(error, ConfigError | ValueError):
        return str(error)
    return f"{type(error).__name__}: {error}"
