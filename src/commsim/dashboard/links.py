"""A scenario as a link and as a run config: nothing shown on the Explore page is lost.

The Explore page writes its scenario (profile, package, residents, seed, lever edits) and
its week into the page's address, so a copied link reopens the same run at the same week;
:func:`read_query` reads such an address back and refuses anything a control could not
have set, exactly as the page's own checks do. :func:`run_config` writes the same
scenario as a run config that ``commsim run`` accepts: one replicate whose seed is the
scenario's seed, run to the week shown, giving the same numbers the monitors show.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

import yaml

from commsim.dashboard.settings import LIMITS, LimitError, Scenario, echo, lever_specs
from commsim.runs.labels import preset_title

# The address's fields besides the levers, each named as a reader would: package, not policy.
FIELDS = ("profile", "package", "residents", "seed", "week")
RUN_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def scenario_query(scenario: Scenario, week: int) -> str:
    """The query string of a scenario at a week (``profile=…&package=…&residents=…&seed=…&week=…``)."""
    fields: list[tuple[str, Any]] = [
        ("profile", scenario.profile),
        ("package", scenario.policy),
        ("residents", scenario.n_residents),
        ("seed", scenario.seed),
        ("week", week),
    ]
    fields += [(name, _text(value)) for name, value in sorted(scenario.overrides.items())]
    return urlencode(fields)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(field: str, text: str, *, integer: bool) -> int | float:
    try:
        return int(text) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise LimitError(f"{field}: expected {kind}, got {echo(text)}") from None


def _lever_value(name: str, text: str) -> Any:
    spec = lever_specs()[name]
    if spec.type == "bool":
        if text not in ("true", "false"):
            raise LimitError(f"{name}: expected true or false, got {echo(text)}")
        return text == "true"
    if spec.type in ("int", "float"):
        return _number(name, text, integer=spec.type == "int")
    return text


def read_query(search: str | None) -> tuple[Scenario, int] | None:
    """The scenario and week an address names, or None if it names none.

    Args:
        search: The query string (without ``?``).

    Returns:
        The scenario and the week, checked as the page checks what its controls send.

    Raises:
        LimitError: On an unknown field, a repeated one, or a value a control could not have set.
    """
    pairs = parse_qsl(search or "", keep_blank_values=True)
    if not pairs:
        return None
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise LimitError(f"the link names {', '.join(map(echo, repeated))} more than once")
    given, levers = dict(pairs), lever_specs()
    unknown = [name for name in given if name not in FIELDS and name not in levers]
    if unknown:
        raise LimitError(f"the link names {echo(unknown[0])}, which is neither a setting nor a lever")
    default = Scenario()
    scenario = Scenario(
        profile=given.get("profile", default.profile),
        policy=given.get("package", default.policy),
        n_residents=_number("residents", given["residents"], integer=True)
        if "residents" in given
        else default.n_residents,
        seed=_number("seed", given["seed"], integer=True) if "seed" in given else default.seed,
        overrides={name: _lever_value(name, text) for name, text in given.items() if name in levers},
    )
    week = LIMITS.explore_week.check(_number("week", given["week"], integer=True)) if "week" in given else 0
    scenario.check()
    return scenario, week


def run_config(scenario: Scenario, week: int) -> dict[str, Any]:
    """The scenario as a run config ``commsim run`` accepts: one replicate to ``week`` on the scenario's seed.

    Args:
        scenario: The Explore page's scenario.
        week: The week shown (at least one week is run).

    Returns:
        The config as a mapping, in the order a config file lists its fields.
    """
    name = RUN_NAME.sub("_", f"explore_{scenario.profile}_{scenario.policy}_seed{scenario.seed}_week{week}")
    return {
        "name": name,
        "description": (
            f"{preset_title('policy', scenario.policy)} in {preset_title('profile', scenario.profile)}, "
            f"as the dashboard's Explore page ran it (seed {scenario.seed}, to week {week})"
        ),
        "profile": scenario.profile,
        "policy": scenario.policy,
        "steps": max(week, 1),
        "replicates": 1,
        "seed": scenario.seed,
        "compare_with_baseline": False,
        "overrides": {"n_residents": scenario.n_residents, **dict(sorted(scenario.overrides.items()))},
    }


def run_config_yaml(scenario: Scenario, week: int) -> str:
    """:func:`run_config` as YAML text."""
    return yaml.safe_dump(run_config(scenario, week), sort_keys=False, allow_unicode=True)
