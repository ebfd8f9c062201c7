"""Programme cost of a run, priced from its recorded outputs and the costs declared in ``configs/costs.yaml``.

The model itself keeps no price list: it records what the measures did (centre sessions
paid for, the fund spent, team leaders serving, meetings held, ...) and this module
turns that into yuan. Each cost item is a price (in the file, or a model parameter such
as ``centre_session_cost_yuan``) times a yearly quantity, its *driver*, measured over
the last year of the run (or the whole run, scaled to a year, when it is shorter).
Income items (commercial self-financing, and centre sessions the autonomy fund already
pays for) are subtracted. The result is the programme's public cost per year and per
household per year.

Because prices are data, a price change never changes a stored run; it changes what is
derived from runs. :func:`costs_version` is the digest of the declared costs: anything
that prices runs (a design search's objectives) enters it into its own hash.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from commsim.config.declaration import parameters
from commsim.config.paths import config_dir
from commsim.config.yaml_files import ConfigError, validate_yaml
from commsim.state.timescale import WEEKS_PER_YEAR

# Metrics a run must keep to be priced.
COST_METRICS = (
    "programme_cost",
    "fund_spent",
    "centre_funded_share",
    "team_leaders",
    "experts",
    "time_bank_members",
    "organisations_engaged",
    "meetings",
)
COST_METRIC = "cost_per_household_year"
DISCLOSURES_PER_YEAR = {"none": 0, "semiannual": 2, "monthly": 12}
MONTHS_PER_YEAR = 12

Driver = Literal[
    "centres",
    "centre_sessions",
    "self_financing_income",
    "fund_paid_centres",
    "autonomy_fund",
    "points_redeemed",
    "platform",
    "platform_households",
    "team_leaders",
    "leader_training",
    "experts",
    "time_bank",
    "time_bank_members",
    "library_meetings",
    "library_organisations",
    "disclosures",
    "deliberation_meetings",
]


class CostItem(BaseModel):
    """One declared cost: a price times a yearly quantity.

    Give ``price`` or ``price_parameter`` (a model parameter holding the price, so it is
    declared only once).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)

    label: str = Field(min_length=1, description="Plain name of the cost")
    unit: str = Field(min_length=1, description="What the price is per, e.g. 'yuan per centre per year'")
    price: float | None = Field(default=None, ge=0, description="Price in yuan per unit of the driver")
    price_parameter: str | None = Field(default=None, description="Model parameter holding the price")
    driver: Driver = Field(description="The yearly quantity the price multiplies")
    income: bool = Field(default=False, description="Subtracted from the cost (self-financing)")
    source: str = Field(min_length=1, description="Where the price comes from; 'illustrative' if from no source")

    @model_validator(mode="after")
    def _one_price(self) -> CostItem:
        if (self.price is None) == (self.price_parameter is None):
            raise ValueError("give exactly one of price and price_parameter")
        if self.price_parameter is not None and self.price_parameter not in parameters():
            raise ValueError(f"{self.price_parameter!r} is not a parameter of commsim's model")
        return self

    @property
    def illustrative(self) -> bool:
        """Whether the price comes from no source."""
        return self.source.lower().startswith("illustrative")


class CostTable(BaseModel):
    """Every declared cost item, by name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: dict[str, CostItem] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class RunCost:
    """A run's programme cost over a year.

    Attributes:
        lines: Yuan per year of each item (income items negative).
        total_year: Net programme cost in yuan per year.
        households: Households of the community.
        per_household_year: Net cost in yuan per household per year.
        weeks: Weeks the cost was measured over (at most one year).
    """

    lines: dict[str, float]
    total_year: float
    households: float
    per_household_year: float
    weeks: int


def is_costs_file(path: Path, data: Any) -> bool:
    """Whether a YAML file declares programme costs (named ``costs.yaml``, a mapping with ``items``)."""
    return path.name == "costs.yaml" and isinstance(data, dict) and "items" in data


def validate_costs(path: Path) -> str:
    """Check a costs file (``commsim validate``).

    Returns:
        One line saying what it holds.

    Raises:
        ConfigError: Naming file, line and field of a bad entry.
    """
    return f"{path}: valid costs file ({len(load_costs(path).items)} cost items)"


def costs_path() -> Path:
    """``configs/costs.yaml`` (or that of ``COMMSIM_CONFIG_DIR``)."""
    return config_dir() / "costs.yaml"


@cache
def _load(path: Path, digest: str) -> CostTable:
    table, _ = validate_yaml(path, CostTable)
    return table


def load_costs(path: str | Path | None = None) -> CostTable:
    """Read and validate the declared costs.

    Args:
        path: A costs file (default: :func:`costs_path`).

    Returns:
        The cost table.

    Raises:
        ConfigError: Naming file, line and field of a bad entry.
    """
    path = Path(path) if path is not None else costs_path()
    if not path.is_file():
        raise ConfigError(f"{path}: no such costs file")
    return _load(path, costs_version(path))


def costs_version(path: str | Path | None = None) -> str:
    """Digest of the declared costs: changes whenever a price, driver or source does.

    Args:
        path: A costs file (default: :func:`costs_path`).

    Returns:
        The first 12 hex digits of the file's SHA-256.
    """
    path = Path(path) if path is not None else costs_path()
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def price_run(frame: pd.DataFrame, values: Mapping[str, Any], table: CostTable | None = None) -> RunCost:
    """Price one run from its kept steps and its resolved parameters.

    Args:
        frame: The run's kept steps: ``step`` and at least :data:`COST_METRICS`.
        values: Its resolved parameters (levers and the community's size).
        table: The costs (default: the declared ones).

    Returns:
        Its yearly cost, item by item, and per household.

    Raises:
        KeyError: If the frame lacks a metric of :data:`COST_METRICS`.
    """
    table = table or load_costs()
    missing = [name for name in COST_METRICS if name not in frame.columns]
    if missing:
        raise KeyError(f"a run needs the metrics {', '.join(missing)} to be priced")
    year = _last_year(frame)
    households = float(values["n_residents"]) / float(values["persons_per_household"])
    quantities = _quantities(frame, year, values, households)
    lines = {}
    for name, item in table.items.items():
        price = item.price if item.price is not None else float(values[item.price_parameter])
        amount = price * quantities[item.driver]
        lines[name] = -amount if item.income else amount
    total = float(sum(lines.values()))
    return RunCost(lines, total, households, total / households if households else math.nan, year.weeks)


@dataclass(frozen=True, slots=True)
class _Year:
    rows: pd.DataFrame  # kept steps of the year (step >= 1)
    start: pd.Series  # the kept step at the year's start (cumulative metrics)
    end: pd.Series
    weeks: int

    def per_year(self, values: np.ndarray) -> float:
        """A weekly quantity's yearly total, from its values at the kept steps."""
        return float(np.mean(values)) * WEEKS_PER_YEAR if len(values) else 0.0

    def average(self, metric: str) -> float:
        """A stock's mean over the year (team leaders serving, say)."""
        return float(self.rows[metric].mean()) if len(self.rows) else 0.0

    def change(self, metric: str) -> float:
        """A cumulative metric's growth over the year, scaled to a whole year."""
        return float(self.end[metric] - self.start[metric]) * WEEKS_PER_YEAR / self.weeks if self.weeks else 0.0


def _last_year(frame: pd.DataFrame) -> _Year:
    frame = frame.sort_values("step")
    last = int(frame["step"].iloc[-1])
    first = max(0, last - WEEKS_PER_YEAR)
    before = frame[frame["step"] <= first]
    start = before.iloc[-1] if len(before) else frame.iloc[0]
    rows = frame[(frame["step"] > int(start["step"])) & (frame["step"] >= 1)]
    return _Year(rows, start, frame.iloc[-1], last - int(start["step"]))


def _quantities(frame: pd.DataFrame, year: _Year, values: Mapping[str, Any], households: float) -> dict[str, float]:
    """Every driver's yearly quantity."""
    rows = year.rows
    planned = float(values["centre_sessions_per_week"]) * float(values["n_centres"])
    session_cost = float(values["centre_session_cost_yuan"])
    funded = rows["centre_funded_share"].to_numpy(float) * planned
    after = rows["step"].to_numpy() > int(values["centre_public_funding_weeks"])
    cross = np.where(after, np.minimum(float(values["self_financing"]) * planned, funded), 0.0)
    from_fund = np.where(after, funded - cross, 0.0)
    centre_paid = year.per_year(funded) * session_cost
    fund_to_centres = year.per_year(from_fund) * session_cost
    points = 0.0
    if float(values["points_per_act"]) * float(values["point_value_yuan"]) > 0:
        projects = year.change("fund_spent") - fund_to_centres
        points = max(0.0, year.change("programme_cost") - centre_paid - projects)
    leaders = year.average("team_leaders")
    reach = float(values["platform_reach"])
    return {
        "centres": float(values["n_centres"]) if planned > 0 else 0.0,
        "centre_sessions": year.per_year(funded),
        "self_financing_income": year.per_year(cross) * session_cost,
        "fund_paid_centres": fund_to_centres,
        "autonomy_fund": float(values["fund_per_household_year"]) * households,
        "points_redeemed": points,
        "platform": 1.0 if reach > 0 else 0.0,
        "platform_households": reach * households,
        "team_leaders": leaders,
        "leader_training": leaders * float(values["leader_training"]),
        "experts": year.average("experts"),
        "time_bank": 1.0 if values["time_bank"] else 0.0,
        "time_bank_members": year.average("time_bank_members"),
        "library_meetings": float(MONTHS_PER_YEAR) if values["library_work_meeting"] else 0.0,
        "library_organisations": year.average("organisations_engaged"),
        "disclosures": float(DISCLOSURES_PER_YEAR[str(values["disclosure"])]),
        "deliberation_meetings": year.per_year(rows["meetings"].to_numpy(float)),
    }


def cost_lines_table(cost: RunCost, table: CostTable | None = None) -> pd.DataFrame:
    """A run's cost item by item, for reports: label, unit, source, yuan per year and per household.

    Args:
        cost: A priced run.
        table: The costs it was priced with (default: the declared ones).

    Returns:
        One row per item.
    """
    table = table or load_costs()
    rows = []
    for name, item in table.items.items():
        amount = cost.lines[name]
        rows.append(
            {
                "item": name,
                "label": item.label,
                "price_unit": item.unit,
                "source": item.source,
                "illustrative": item.illustrative,
                "yuan_per_year": amount,
                "yuan_per_household_year": amount / cost.households if cost.households else math.nan,
            }
        )
    return pd.DataFrame(rows)
