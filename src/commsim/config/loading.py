"""Loading run configs, sizing them, and validating any commsim YAML file by its kind.

A **run config** (``configs/*.yaml``) names a community profile and a policy package,
overrides, steps, replicates and a root seed; :func:`load_run_config` checks it against
:class:`commsim.config.schemas.RunConfig`, its presets and the declaration's rules, and
:func:`validate_file` tells a run config from a preset by its folder and keys. Every
error names the file, the field, the YAML line and the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from commsim.config.declaration import RuleError, check_consistency, defaults
from commsim.config.limits import Work
from commsim.config.presets import Located, load_preset, resolve_parameters, rule_message
from commsim.config.schemas import RunConfig, overrides_model, preset_model
from commsim.config.yaml_files import ConfigError, line_of, read_yaml, validate_yaml, validation_message


def run_work(
    config: RunConfig, *, steps: int | None = None, replicates: int | None = None, n_residents: int | None = None
) -> Work:
    """The planned size of running a config (see :mod:`commsim.config.limits`).

    Args:
        config: A validated run config.
        steps: Weeks instead of ``config.steps``.
        replicates: Replicates instead of ``config.replicates``.
        n_residents: Residents per model; None resolves the config's parameters.

    Returns:
        Resident-weeks over every scenario and replicate, runs, and the model's size.
    """
    steps = config.steps if steps is None else steps
    replicates = config.replicates if replicates is None else replicates
    if n_residents is None:
        n_residents = resolve_parameters(config.profile, config.policy, config.overrides)["n_residents"]
    runs = replicates * len(config.scenario_names())
    return Work(resident_weeks=float(n_residents) * steps * runs, runs=runs, largest_residents=n_residents)


def load_run_config(path: str | Path) -> RunConfig:
    """Load, validate and resolve a run config file.

    Args:
        path: The YAML file.

    Returns:
        The validated run config. Its presets exist and its overrides are valid.

    Raises:
        ConfigError: With file, line, field and reason, if anything is wrong.
    """
    path = Path(path)
    config, node = validate_yaml(path, RunConfig)
    try:
        overrides_model().model_validate(config.overrides)
    except ValidationError as error:
        raise ConfigError(validation_message(path, node, error, ("overrides",), model=overrides_model())) from error
    for group in ("profile", "policy"):
        name = getattr(config, group)
        try:
            load_preset(group, name)
        except ConfigError as error:
            raise ConfigError(f"{path}:{line_of(node, (group,))}: {group}: {error}") from error
    try:
        resolve_parameters(config.profile, config.policy, config.overrides, source=Located(path, node, ("overrides",)))
    except ConfigError as error:
        if not str(error).startswith(str(path)):  # a value of a preset: say which config chose it
            raise ConfigError(f"{path}: {error}") from None
        raise
    return config


PRESET_FOLDERS = {"profiles": "profile", "policies": "policy"}


def is_preset_file(path: Path, data: Any) -> bool:
    """Whether a YAML file is a profile or policy package: it sits in their folder or has ``values``."""
    return Path(path).parent.name in PRESET_FOLDERS or (isinstance(data, dict) and "values" in data)


def validate_file(path: str | Path) -> str:
    """Validate any commsim YAML file, telling its kind from its folder and keys.

    Args:
        path: A run config, profile or policy package file.

    Returns:
        A one-line description of what was validated.

    Raises:
        ConfigError: If the file is invalid.
    """
    path = Path(path)
    data, node = read_yaml(path)
    if is_preset_file(path, data):
        group = PRESET_FOLDERS.get(path.parent.name, "policy")
        preset, node = validate_yaml(path, preset_model(group))
        if path.parent.name in PRESET_FOLDERS and preset.name != path.stem:
            raise ConfigError(
                f"{path}:{line_of(node, ('name',))}: name: {preset.name!r} differs from the file name {path.stem!r}"
            )
        values = preset.values.model_dump(exclude_none=True)
        try:
            check_consistency(defaults() | values)
        except RuleError as error:
            located = Located(path, node, ("values",))
            layer = dict.fromkeys(defaults(), ("default", None)) | dict.fromkeys(values, ("override", None))
            raise ConfigError(rule_message(error, layer, located)) from None
        return f"{path}: valid {group} preset {preset.name!r}"
    config = load_run_config(path)
    return f"{path}: valid run config {config.name!r} ({config.profile} + {config.policy})"
