"""What the dashboard's controls edit, and the bounds that keep an interactive server safe.

Every control is generated from the single parameter declaration
(``configs/parameters.yaml``): its type, unit, range and help. Where a declared range is
wider than an interactive run can bear (a million residents, two thousand centres), the
dashboard caps it here. Every bound of the dashboard is declared once, in :data:`LIMITS`:
the controls offer exactly these ranges, and the server checks every value against them
again before it builds a model or starts a job, because a browser can send any value a
control would never offer.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from commsim.config.declaration import Parameter, levers, parameters
from commsim.config.paths import project_root
from commsim.config.presets import preset_names, resolve_parameters
from commsim.config.yaml_files import ConfigError
from commsim.runs.runner import replicate_seeds


class LimitError(ConfigError):
    """A value outside the dashboard's declared bounds; the message names the control and its range."""


def echo(value: Any, length: int = 40) -> str:
    """A short, printable rendering of a value a browser sent, for an error message."""
    text = repr(value)
    return text if len(text) <= length else text[: length - 1] + "…"


@dataclass(frozen=True, slots=True)
class Bound:
    """A closed range of numbers that a control offers and the server enforces.

    Attributes:
        what: The control, as messages name it (``residents``, ``n_centres``).
        low: Smallest allowed value.
        high: Largest allowed value.
        integer: Whether only whole numbers are allowed.
    """

    what: str
    low: float
    high: float
    integer: bool = True

    def check(self, value: Any) -> int | float:
        """The value as a number of this bound's kind.

        Args:
            value: A value from the browser (any JSON value).

        Returns:
            The value, as ``int`` for a whole-number bound and ``float`` otherwise.

        Raises:
            LimitError: If it is not a finite number, not whole where it must be, or out of range.
        """
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise LimitError(f"{self.what}: expected a number, got {echo(value)}")
        if not math.isfinite(value):
            problem = "not a number" if math.isnan(value) else "infinite"
            raise LimitError(f"{self.what}: {problem}; give a finite number")
        if self.integer and value != int(value):
            raise LimitError(f"{self.what}: expected a whole number, got {echo(value)}")
        if not self.low <= value <= self.high:
            raise LimitError(
                f"{self.what}: {value:,} is outside the range the dashboard allows ({self.low:,} to {self.high:,})"
            )
        return int(value) if self.integer else float(value)

    def shown(self, value: Any) -> int | float:
        """What a control displays for a value: clipped into the range, the low end for a non-number."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            value = self.low
        value = min(max(value, self.low), self.high)
        return int(round(value)) if self.integer else float(value)

    def entered(self, value: Any) -> int | float:
        """What a typed entry displays: a finite number as it is, in range or not; else :meth:`shown`.

        An out-of-range number stays in sight beside its refusal.
        """
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return self.shown(value)
        return int(value) if self.integer and float(value).is_integer() else value


# Weeks per run, named here because a lever cap refers to it too.
_WEEKS = Bound("weeks", 13, 260)


@dataclass(frozen=True, slots=True)
class DashboardLimits:
    """Every bound of the dashboard, declared once.

    The controls offer these ranges; :meth:`Scenario.check`, the comparison and sweep
    builders of :mod:`commsim.dashboard.jobs` and the background runner refuse anything
    outside them. Jobs are also sized against commsim's own ceilings (:mod:`commsim.config.limits`).

    Attributes:
        explore_residents: Residents of the Explore page's model.
        compare_residents: Residents of every run of a comparison.
        sweep_residents: Residents of every run of a sweep.
        weeks: Weeks per run of a comparison or sweep.
        compare_replicates: Paired seeds per choice of a comparison.
        sweep_replicates: Seeds per point of a sweep.
        seed: Any seed (a model's or a job's root seed).
        choices: Choices of a comparison.
        sweep_levers: Levers a sweep varies.
        sweep_levels: Grid levels per lever of a sweep.
        play_pause_ms: Pause between steps when Explore plays.
        explore_week: A week the Explore page runs to (from a link or "run to week").
        max_runs: Runs of one comparison or sweep.
        label_length: Characters of a choice's label.
        lever_caps: Interactive caps of lever parameters whose declared range is wider
            than a neighbourhood of at most ``explore_residents.high`` residents needs.
            A package value above a cap (the default 100,000 weeks of public funding
            means "never ends") is kept until the user edits it.
        concurrent_jobs: Comparisons and sweeps running at once on one server, over every session.
        sessions: Browser tabs one server serves at once (Solara's kernel count; more wait).
            An Explore model of 5,000 residents holds about 10 MB after a year of weeks.
        idle_session_minutes: Minutes a closed tab's session is kept for it to reconnect.
        manifest_bytes: Bytes of an experiment's manifest.json read to list it (larger ones are skipped).
        report_bytes: Bytes of an experiment's report.md shown (the rest is cut).
        figure_bytes: Bytes of one report figure shown (larger ones are skipped).
        figures_shown: Report figures shown per experiment.
        reopen_data_bytes: Bytes of a past experiment's data.parquet read to draw its charts
            again (a larger experiment shows its report only).
    """

    explore_residents: Bound = Bound("residents", 100, 5000)
    compare_residents: Bound = Bound("residents", 100, 5000)
    sweep_residents: Bound = Bound("residents", 100, 2000)
    weeks: Bound = _WEEKS
    compare_replicates: Bound = Bound("replicates", 2, 30)
    sweep_replicates: Bound = Bound("replicates per point", 1, 10)
    seed: Bound = Bound("seed", 0, 2**32 - 1)
    choices: Bound = Bound("choices", 2, 4)
    sweep_levers: Bound = Bound("levers", 1, 2)
    sweep_levels: Bound = Bound("levels", 2, 9)
    play_pause_ms: Bound = Bound("pause between steps (ms)", 0, 1000)
    explore_week: Bound = Bound("week", 0, _WEEKS.high)
    max_runs: int = 400
    label_length: int = 60
    lever_caps: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: MappingProxyType(
            {
                "n_centres": (0, 40),
                "centre_capacity": (1, 200),
                "centre_sessions_per_week": (0, 40),
                "centre_session_cost_yuan": (0.0, 5000.0),
                "centre_public_funding_weeks": (0, int(_WEEKS.high)),
                "council_agenda_size": (1, 40),
                "points_per_act": (0.0, 50.0),
                "point_value_yuan": (0.0, 10.0),
                "fund_per_household_year": (0.0, 500.0),
                "matching_radius_m": (50.0, 3000.0),
            }
        )
    )
    concurrent_jobs: int = 2
    sessions: int = 200
    idle_session_minutes: int = 10
    manifest_bytes: int = 50_000_000
    report_bytes: int = 500_000
    figure_bytes: int = 5_000_000
    figures_shown: int = 24
    reopen_data_bytes: int = 50_000_000


LIMITS = DashboardLimits()
PRESET_KINDS = {"profile": "community profile", "policy": "policy package"}


@dataclass(frozen=True, slots=True)
class Scenario:
    """One community under one policy package, with lever edits, a size and a seed.

    Attributes:
        profile: Community profile preset.
        policy: Policy package preset.
        overrides: Lever parameters edited away from the package's values.
        n_residents: Residents (within ``LIMITS.explore_residents``).
        seed: Model seed (within ``LIMITS.seed``).
    """

    profile: str = "old_inner_city"
    policy: str = "baseline"
    overrides: dict[str, Any] = field(default_factory=dict)
    n_residents: int = 2000
    seed: int = 1

    def model_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :class:`commsim.CommunityModel` for this scenario.

        The seed is a root seed, as in a run config: the model is that config's first
        replicate (its seed spawned from the root), so ``commsim run`` on the exported
        scenario reproduces the page's run.
        """
        return {
            "rng": replicate_seeds(self.seed, 1)[0].seed,
            "profile": self.profile,
            "policy": self.policy,
            "n_residents": self.n_residents,
            **self.overrides,
        }

    def with_package(self, policy: str) -> Scenario:
        """The same community under another package, its lever edits dropped."""
        return replace(self, policy=policy, overrides={})

    def with_lever(self, name: str, value: Any) -> Scenario:
        """The scenario with one lever parameter set; an edit back to the package's value is dropped.

        The value is kept as the browser sent it: :meth:`check` refuses it if it is out of bounds.
        """
        overrides = dict(self.overrides)
        try:
            unchanged = value == package_values(self.profile, self.policy)[name]
        except ConfigError:  # an unknown preset: check() says so
            unchanged = False
        if unchanged:
            overrides.pop(name, None)
        else:
            overrides[name] = value
        return replace(self, overrides=overrides)

    def check(self) -> None:
        """Refuse a scenario the dashboard must not build.

        Raises:
            LimitError: On an unknown preset, or a size, seed or lever edit outside :data:`LIMITS`.
            ConfigError: On a value or a combination of values the model rejects.
        """
        check_preset("profile", self.profile)
        check_preset("policy", self.policy)
        LIMITS.explore_residents.check(self.n_residents)
        LIMITS.seed.check(self.seed)
        check_lever_edits(self.overrides)
        resolve_parameters(self.profile, self.policy, {**self.overrides, "n_residents": self.n_residents})


def profiles() -> list[str]:
    """Community profile presets."""
    return preset_names("profile")


def packages() -> list[str]:
    """Policy package presets."""
    return preset_names("policy")


def check_preset(group: str, name: Any) -> str:
    """Refuse a profile (``group='profile'``) or package name that is not one of the shipped presets.

    Checked before any file is looked up, so a name sent by a browser can never point at another file.

    Raises:
        LimitError: Naming the presets there are.
    """
    names = profiles() if group == "profile" else packages()
    if not isinstance(name, str) or name not in names:
        raise LimitError(f"unknown {PRESET_KINDS[group]} {echo(name)}; available: {', '.join(names)}")
    return name


def package_values(profile: str, policy: str) -> dict[str, Any]:
    """Resolved values of every parameter under a profile and package (no edits)."""
    return resolve_parameters(check_preset("profile", profile), check_preset("policy", policy))


def lever_parameters() -> dict[str, list[Parameter]]:
    """The twelve levers, each with its declared parameters, in declaration order."""
    declared = parameters()
    return {lever: [declared[name] for name in names] for lever, names in levers().items()}


def lever_specs() -> dict[str, Parameter]:
    """Every lever parameter by name: the parameters the dashboard lets a user edit."""
    return {spec.name: spec for specs in lever_parameters().values() for spec in specs}


def ui_range(spec: Parameter) -> tuple[float, float]:
    """The range a control offers for a numeric parameter: the declared range, capped by ``LIMITS.lever_caps``."""
    low, high = spec.minimum, spec.maximum
    if spec.name in LIMITS.lever_caps:
        cap_low, cap_high = LIMITS.lever_caps[spec.name]
        low, high = max(low, cap_low), min(high, cap_high)
    return low, high


def lever_bound(spec: Parameter) -> Bound:
    """The bound of a numeric lever parameter: its control's range."""
    return Bound(spec.name, *ui_range(spec), integer=spec.type == "int")


def ui_step(spec: Parameter) -> float:
    """Slider step of a numeric parameter: 1 for integers, a hundredth of the range otherwise."""
    if spec.type == "int":
        return 1
    low, high = ui_range(spec)
    return round((high - low) / 100, 6) or 0.01


def check_lever_edits(overrides: Any) -> None:
    """Refuse lever edits a control could not have made.

    Args:
        overrides: Parameter name to edited value.

    Raises:
        LimitError: On a parameter that is not a lever, a number outside its control's
            range, a switch that is not true or false, or a choice that is not offered.
    """
    if not isinstance(overrides, dict):
        raise LimitError(f"lever edits: expected a mapping, got {echo(overrides)}")
    specs = lever_specs()
    for name, value in overrides.items():
        spec = specs.get(name)
        if spec is None:
            raise LimitError(f"{echo(name)}: not a lever parameter the dashboard edits")
        if spec.type in ("int", "float"):
            lever_bound(spec).check(value)
        elif spec.type == "bool" and not isinstance(value, bool):
            raise LimitError(f"{name}: expected true or false, got {echo(value)}")
        elif spec.type == "choice" and (not isinstance(value, str) or value not in spec.choices):
            raise LimitError(f"{name}: expected one of {', '.join(map(str, spec.choices))}, got {echo(value)}")


def numeric_levers() -> list[Parameter]:
    """Lever parameters a sweep can vary over a range (ints and floats)."""
    return [spec for spec in lever_specs().values() if spec.type in ("int", "float")]


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
