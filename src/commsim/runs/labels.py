"""Plain words and numbers for every face: labels of metrics, parameters, levers and units.

The words are declared once, beside what they name: a metric's label, unit and meaning
on its :class:`commsim.metric_table.Metric`, a parameter's label beside its ``help`` and each
lever's title in ``configs/parameters.yaml``, a preset's title in its file. This module
reads them and is the one home of the number formatting the CLI, the figures, the
reports and the dashboard share: shares as percentages, differences of shares in
percentage points, counts and amounts with a precision suited to their size, and costs
per household per year. :data:`KEY_METRICS` is the one list of the metrics those faces
show first.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Any

from commsim.config.declaration import lever_declarations, parameters
from commsim.metric_table import COST_PER_ADDITIONAL, DERIVED, METRICS, Metric
from commsim.state.timescale import WEEKS_PER_YEAR

# The metrics the CLI's summary, the reports and the dashboard's comparisons show, in order.
KEY_METRICS = (
    "rate_any",
    "rate_activities",
    "rate_deliberation",
    "rate_mutual_aid",
    "activity_rate_elderly",
    "unique_participants",
    "top10_share",
    "mean_belonging",
    "mean_trust",
    "mean_efficacy",
    "volunteers_active",
    "cross_building_ties",
    "aid_met_share",
    "programme_cost",
    COST_PER_ADDITIONAL,  # derived by the analysis from the two above
)
DASH = "–"  # what a missing value shows
# Every unit the declarations use, in plain words. Shares are shown as percentages.
UNITS = {
    "": "",
    "share": "%",
    "share of residents": "% of residents",
    "share of acts": "% of acts",
    "share of ties": "% of ties",
    "share of requests": "% of requests",
    "share of places": "% of places",
    "share of issues": "% of issues",
    "share of cost": "% of the cost",
    "share of gap": "% of the gap",
    "share/week": "% per week",
    "probability": "% chance",
    "score": "score from 0 to 1",
    "score 0-1": "score from 0 to 1",
    "index": "index from 0 to 1",
    "coefficient": "coefficient from 0 to 1",
    "logit": "log-odds",
    "log-odds per unit": "log-odds per unit of the score",
    "ratio": "ratio",
    "exponent": "exponent",
    "strength": "tie strength from 0 to 1",
    "opinion distance": "difference of opinion",
    "opinion SD": "spread of opinion",
    "1/week": "per week",
    "1/year": "per year",
    "1/km": "per km",
    "m": "metres",
    "m/min": "metres per minute",
    "hours": "hours",
    "hours/week": "hours per week",
    "hours/act": "hours per act",
    "hours/1000 yuan": "hours per 1,000 yuan",
    "weeks": "weeks",
    "persons": "people",
    "residents": "residents",
    "residents/week": "residents per week",
    "buildings": "buildings",
    "centres": "centres",
    "experts": "experts",
    "organisations": "organisations",
    "projects": "projects",
    "acts": "acts",
    "draws": "members asked",
    "issues": "issues",
    "issues/week": "issues per week",
    "issues/council": "issues per council",
    "issues/1000 residents/week": "issues per 1,000 residents per week",
    "meetings/week": "meetings per week",
    "requests/week": "requests per week",
    "sessions": "sessions",
    "sessions/week": "sessions per week",
    "sessions/month": "sessions per month",
    "places/session": "places per session",
    "posts/1000 residents": "posts per 1,000 residents",
    "posts/organisation": "posts per organisation",
    "encounters/participant": "exchanges per participant",
    "ties/resident": "ties per resident",
    "points/act": "points per act",
    "yuan": "yuan",
    "yuan/act": "yuan per act",
    "yuan/point": "yuan per point",
    "yuan/session": "yuan per session",
    "yuan/year": "yuan per year",
    "yuan/household/year": "yuan per household per year",
    "yuan/resident": "yuan per participant",
    "yuan/additional resident": "yuan per additional participant",
}
PERCENT_UNITS = frozenset(unit for unit, plain in UNITS.items() if plain.startswith("%"))
COUNT_UNITS = frozenset(
    ("persons", "residents", "buildings", "centres", "experts", "organisations", "projects", "issues", "sessions")
)


class UnknownLabelError(KeyError):
    """A name no declaration labels (a typo, or a metric of a custom experiment target)."""


@cache
def _metrics() -> dict[str, Metric]:
    return {metric.name: metric for metric in (*METRICS, *DERIVED)}


def declared_metric(name: str) -> Metric | None:
    """The declaration of a model metric or derived measure, or None for any other name."""
    return _metrics().get(name)


def _filled(template: str, values: Mapping[str, Any] | None) -> str:
    """A declared text with the parameters it names replaced by their values (defaults if not given)."""
    if "{" not in template:
        return template
    declared = parameters()
    given = values or {}
    return template.format_map(
        {name: format_parameter_value(name, given.get(name, spec.default)) for name, spec in declared.items()}
    )


def metric_label(name: str, values: Mapping[str, Any] | None = None) -> str:
    """A metric's label in plain words ("Took part in the last 4 weeks").

    Args:
        name: A metric of :data:`commsim.metric_table.METRICS` or :data:`commsim.metric_table.DERIVED`;
            any other name (a custom target's output) is shown with spaces for underscores.
        values: Parameter values of the run, filling windows and thresholds the label
            names (``recent_window_weeks``); the declared defaults otherwise.

    Returns:
        The label.
    """
    metric = declared_metric(name)
    return _filled(metric.label, values) if metric else name.replace("_", " ")


def metric_meaning(name: str, values: Mapping[str, Any] | None = None) -> str:
    """A metric's one-line explanation in plain words ("" for an undeclared name)."""
    metric = declared_metric(name)
    return _filled(metric.meaning, values) if metric else ""


def metric_unit(name: str) -> str:
    """A metric's unit in plain words ("% of residents", "yuan"); "" for an undeclared name."""
    metric = declared_metric(name)
    return unit_label(metric.unit) if metric else ""


def metric_heading(name: str, values: Mapping[str, Any] | None = None) -> str:
    """A metric's label with its unit, for a table row or an axis ("Programme cost (yuan)").

    Shares carry their percent sign in every value and counts say what they count, so
    their heading is the label alone; a cost per something shows "(yuan)".
    """
    metric = declared_metric(name)
    if metric is None or metric.unit in PERCENT_UNITS or metric.unit in COUNT_UNITS:
        return metric_label(name, values)
    return f"{metric_label(name, values)} ({_short_unit(metric.unit)})"


def _short_unit(unit: str) -> str:
    """A unit as short as a heading wants it: "yuan" for any cost, "0-1" for a score."""
    if unit.startswith("yuan"):
        return "yuan"
    plain = unit_label(unit)
    return "0-1" if plain.endswith("from 0 to 1") else plain


def is_share(name: str) -> bool:
    """Whether a metric is a share (shown as a percentage; its differences in percentage points)."""
    metric = declared_metric(name)
    return metric is not None and metric.unit in PERCENT_UNITS


def _declared(table: Mapping[str, Any], name: str) -> Any:
    """The declaration of ``name`` in a table of declarations; UnknownLabelError if there is none."""
    if name not in table:
        raise UnknownLabelError(name)
    return table[name]


def parameter_label(name: str) -> str:
    """A parameter's label in plain words ("Share of buildings with a team leader").

    Raises:
        UnknownLabelError: If no parameter of that name is declared.
    """
    return _declared(parameters(), name).label


def parameter_heading(name: str) -> str:
    """A parameter's label with its unit in plain words ("Autonomy fund budget (yuan per household per year)")."""
    unit = parameters()[name].unit if name in parameters() else ""
    if not unit or unit in PERCENT_UNITS or unit in COUNT_UNITS:
        return parameter_label(name)
    return f"{parameter_label(name)} ({_short_unit(unit) if unit.startswith('score') else unit_label(unit)})"


def lever_title(name: str) -> str:
    """A policy lever's title ("Building team leaders").

    Raises:
        UnknownLabelError: If no lever of that name is declared.
    """
    return _declared(lever_declarations(), name).title


def lever_description(name: str) -> str:
    """A policy lever's one-line description in plain words."""
    return lever_declarations()[name].description


def preset_title(group: str, name: str) -> str:
    """The title of a community profile (``group='profile'``) or policy package."""
    from commsim.config.presets import load_preset

    return load_preset(group, name).title


def unit_label(unit: str, *, difference: bool = False) -> str:
    """A declared unit in plain words ("share" is "%", "yuan/household/year" is "yuan per household per year").

    Args:
        unit: A unit as the declarations write it.
        difference: The unit of a difference: a difference of shares is in percentage points.

    Returns:
        The plain form; an unlisted unit with "/" spelt "per".
    """
    if difference and unit in PERCENT_UNITS:
        return "percentage points"
    if unit in UNITS:
        return UNITS[unit]
    return unit.replace("/", " per ")


# ------------------------------------------------------------------ numbers


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _digits(value: float) -> int:
    size = abs(value)
    return 0 if size >= 100 else 1 if size >= 10 else 3


def format_number(value: float | None, *, signed: bool = False, like: float | None = None) -> str:
    """A number with a precision suited to its size: ``12,345``, ``12.3``, ``0.123``.

    Args:
        value: The number; None and NaN show as a dash.
        signed: Write the sign of positive numbers too (differences).
        like: Take the precision of this number instead (a half-width, as precise as its estimate).

    Returns:
        The text.
    """
    if _missing(value):
        return DASH
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    digits = _digits(value if like is None or _missing(like) or math.isinf(like) else like)
    return f"{value:{'+' if signed else ''},.{digits}f}"


def format_value(value: float | None, unit: str, *, signed: bool = False) -> str:
    """A value in its unit: shares as percentages ("12.3%"), other values as :func:`format_number`.

    Args:
        value: The value.
        unit: Its declared unit.
        signed: Write the sign of positive values too.

    Returns:
        The text (a dash for a missing value).
    """
    if unit in PERCENT_UNITS and not _missing(value) and math.isfinite(value):
        return f"{value * 100:{'+' if signed else ''}.1f}%"
    return format_number(value, signed=signed)


def format_difference(value: float | None, unit: str) -> str:
    """A difference in its unit: of shares in percentage points ("+3.1 pp"), else signed ("+12.3")."""
    if unit in PERCENT_UNITS and not _missing(value) and math.isfinite(value):
        return f"{value * 100:+.1f} pp"
    return format_number(value, signed=True)


def _bare(value: float | None, unit: str) -> str:
    """A value of an interval's bound, in the scale of its estimate (percent for shares), without a sign."""
    if unit in PERCENT_UNITS and not _missing(value) and math.isfinite(value):
        return f"{value * 100:.1f}"
    return format_number(value)


def format_interval(
    estimate: float | None,
    low: float | None,
    high: float | None,
    unit: str = "",
    *,
    difference: bool = False,
    plus_minus: bool = False,
) -> str:
    """An estimate with its 95% interval: "12.3% [11.0, 13.6]", "+3.1 pp [1.2, 5.0]" or "412 ± 31".

    Args:
        estimate: The mean (or mean difference).
        low: Lower bound of the interval; a missing bound (one replicate) shows the estimate alone.
        high: Upper bound.
        unit: The declared unit of the quantity.
        difference: The estimate is a difference (signed; shares in percentage points).
        plus_minus: Write the half-width after "±" instead of the bounds in brackets.

    Returns:
        The text.
    """
    shown = format_difference(estimate, unit) if difference else format_value(estimate, unit)
    if _missing(estimate) or _missing(low) or _missing(high):
        return shown
    if plus_minus:
        half = (high - low) / 2
        if unit in PERCENT_UNITS:
            suffix = " pp" if difference else "%"
            return f"{shown.removesuffix(suffix)} ± {half * 100:.1f}{suffix}"
        return f"{shown} ± {format_number(half, like=estimate)}"
    return f"{shown} [{_bare(low, unit)}, {_bare(high, unit)}]"


def format_metric(name: str, value: float | None, *, difference: bool = False) -> str:
    """A value of a metric in its unit (a difference when ``difference`` is set)."""
    metric = declared_metric(name)
    unit = metric.unit if metric else ""
    return format_difference(value, unit) if difference else format_value(value, unit)


def metric_interval(name: str, estimate: float | None, low: float | None, high: float | None, **options: Any) -> str:
    """:func:`format_interval` in the unit of a metric (``options``: ``difference``, ``plus_minus``)."""
    metric = declared_metric(name)
    return format_interval(estimate, low, high, metric.unit if metric else "", **options)


def format_parameter_value(name: str, value: Any) -> str:
    """A parameter's value for a sentence: ``4``, ``0.5``, ``true``, ``monthly``, ``100,000``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer():
            return f"{int(value):,}"
        return f"{value:,g}"
    return str(value)


def parameter_in_words(name: str, value: Any) -> str:
    """A parameter's value in its unit, for a reader: "40.0%", "6.86 yuan per household per year", "yes", "monthly".

    Shares show as percentages, other numbers with their declared unit in plain words,
    switches as yes or no; a choice among words shows as its word.
    """
    if hasattr(value, "item"):  # a numpy scalar from a table
        value = value.item()
    if isinstance(value, bool):
        return "yes" if value else "no"
    unit = parameters()[name].unit if name in parameters() else ""
    if not isinstance(value, int | float):
        return str(value)
    if unit in PERCENT_UNITS:
        return f"{value * 100:.1f}%"
    shown = format_parameter_value(name, float(f"{value:.3g}") if isinstance(value, float) else value)
    if not unit:
        return shown
    return f"{shown} ({_short_unit(unit)})" if unit.startswith("score") else f"{shown} {unit_label(unit)}"


def households(n_residents: float, persons_per_household: float) -> float:
    """Households of a community: adult residents over adults per household."""
    return n_residents / persons_per_household


def per_household_year(total_yuan: float, *, n_households: float, weeks: float) -> float:
    """A total cost over ``weeks`` as yuan per household per year."""
    if not n_households or not weeks:
        return math.nan
    return total_yuan / n_households / (weeks / WEEKS_PER_YEAR)


def format_cost_per_household_year(total_yuan: float, *, n_households: float, weeks: float) -> str:
    """A total cost over ``weeks`` as "123 yuan per household per year"."""
    value = per_household_year(total_yuan, n_households=n_households, weeks=weeks)
    return f"{format_number(value)} {UNITS['yuan/household/year']}"


def format_duration(seconds: float | None) -> str:
    """A duration for people: "12.3 s", "4.5 min", "1.2 h"; "unknown" without one."""
    if seconds is None:
        return "unknown"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def plural(count: int, noun: str) -> str:
    """A count with its noun, plural unless one: "1 run", "12 runs"."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
