"""Scenario discovery: which lever ranges make a target reachable (PRIM, from the EMA Workbench).

PRIM (the Patient Rule Induction Method; Friedman and Fisher 1999) peels the space of
lever mixes down to a box in which most mixes reach the target. Two numbers describe a
box: its **density**, the share of the mixes inside it that reach the target, and its
**coverage**, the share of all mixes that reach the target that lie inside it. The mixes
are those the search evaluated (so they crowd where the search went, not a uniform
sample: a box says where good mixes were found, not how likely a random mix is to work).
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

from commsim.design.spec import DesignSpec
from commsim.runs.labels import format_parameter_value, parameter_in_words

MIN_CASES = 10


def target_reached(spec: DesignSpec, evaluations: pd.DataFrame) -> np.ndarray:
    """Whether each evaluated mix reaches the discovery target in every community (and meets every constraint)."""
    target = spec.discovery
    columns = evaluations[[f"{target.metric}@{profile}" for profile in spec.profiles]]
    if target.at_least is not None:
        reached = columns.min(axis=1).to_numpy(float) >= target.at_least
    else:
        reached = columns.max(axis=1).to_numpy(float) <= target.at_most
    return reached & evaluations["feasible"].to_numpy(bool)


def discover(spec: DesignSpec, evaluations: pd.DataFrame) -> pd.DataFrame:
    """PRIM boxes over the evaluated mixes: one row per restricted lever of the chosen box.

    Args:
        spec: The spec (its ``discovery`` target).
        evaluations: :func:`commsim.design.search.evaluations_table`.

    Returns:
        Rows with lever, low, high (or the choices kept), coverage, density, mixes in
        the box, mixes reaching the target, and a sentence; one row with lever "(none)"
        when no box could be found (too few mixes, or none or all reach the target).
    """
    reached = target_reached(spec, evaluations)
    levers = [lever.name for lever in spec.levers]
    if len(evaluations) < MIN_CASES or reached.all() or not reached.any():
        why = "every" if reached.all() and len(reached) else "no" if not reached.any() else "too few"
        return pd.DataFrame([_empty(spec, f"{why} evaluated mixes reach the target", reached)])
    x = _inputs(spec, evaluations[levers])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the workbench warns about optional parallel back-ends it does not need here
        from ema_workbench.analysis import prim

        logging.getLogger("EMA").setLevel(logging.ERROR)
        found = prim.Prim(x, reached, threshold=spec.discovery.density, peel_alpha=0.1)
        box = found.find_box()
    limits = box.box_lim
    initial = found.box_init
    rows = []
    for lever in spec.levers:
        low, high = limits[lever.name].iloc[0], limits[lever.name].iloc[1]
        if _same(low, initial[lever.name].iloc[0]) and _same(high, initial[lever.name].iloc[1]):
            continue
        rows.append(_row(spec, lever.name, low, high, box, reached))
    if not rows:
        return pd.DataFrame([_empty(spec, "no lever range sets the mixes that reach the target apart", reached)])
    return pd.DataFrame(rows)


def _inputs(spec: DesignSpec, frame: pd.DataFrame) -> pd.DataFrame:
    x = frame.copy()
    for lever in spec.levers:
        if lever.values is not None:
            x[lever.name] = pd.Categorical([str(value) for value in x[lever.name]])
        else:
            x[lever.name] = x[lever.name].astype(float)
    return x.reset_index(drop=True)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (set, frozenset)) or isinstance(b, (set, frozenset)):
        return set(a) == set(b)
    return bool(np.isclose(float(a), float(b)))


def _row(spec: DesignSpec, name: str, low: Any, high: Any, box: Any, reached: np.ndarray) -> dict[str, Any]:
    if isinstance(low, (set, frozenset)):
        kept = sorted(str(value) for value in low)
        choices = next(lever.values for lever in spec.levers if lever.name == name)
        words = [parameter_in_words(name, value) for value in choices if str(value) in kept]
        where = f"{_label(name)} set to {' or '.join(words)}"
        bounds = {"low": None, "high": None, "choices": " ".join(kept)}
    else:
        where = f"{_label(name)} between {format_parameter_value(name, float(f'{low:.3g}'))} and "
        where += f"{format_parameter_value(name, float(f'{high:.3g}'))}"
        bounds = {"low": float(low), "high": float(high), "choices": None}
    return {
        "lever": name,
        **bounds,
        "condition": where,
        "coverage": float(box.coverage),
        "density": float(box.density),
        "mixes_in_box": int(round(box.mass * len(reached))),
        "mixes_reaching": int(reached.sum()),
        "mixes": len(reached),
    }


def _label(name: str) -> str:
    from commsim.design.report import lever_label

    return lever_label(name)


def _empty(spec: DesignSpec, why: str, reached: np.ndarray) -> dict[str, Any]:
    share = float(reached.mean()) if len(reached) else float("nan")
    return {
        "lever": "(none)",
        "low": None,
        "high": None,
        "choices": None,
        "condition": why,
        "coverage": float("nan"),
        "density": share,
        "mixes_in_box": len(reached),
        "mixes_reaching": int(reached.sum()),
        "mixes": len(reached),
    }


def target_words(spec: DesignSpec) -> str:
    """The discovery target in words: 'the target "took part in the last 4 weeks" at least 30.0%'."""
    from commsim.design.report import objective_label
    from commsim.runs.labels import format_metric

    target = spec.discovery
    bound = target.at_least if target.at_least is not None else target.at_most
    side = "at least" if target.at_least is not None else "at most"
    return f'the target "{objective_label(target.metric).lower()}" {side} {format_metric(target.metric, bound)}'


def describe(spec: DesignSpec, boxes: pd.DataFrame) -> str:
    """The box in one plain sentence: "with X and Y, 85% of mixes reach ...; the box holds 70% of ..."."""
    goal = target_words(spec)
    first = boxes.iloc[0]
    if first["lever"] == "(none)":
        return (
            f"No lever range could be singled out for {goal} ({first['condition']}; "
            f"{first['mixes_reaching']} of {first['mixes']} mixes evaluated reach it)."
        )
    conditions = " and ".join(boxes["condition"])
    return (
        f"With {conditions}, {first['density']:.0%} of the mixes evaluated reach {goal} in every community "
        "within the constraints; "
        f"these mixes are {first['coverage']:.0%} of all the mixes found that reach it "
        f"({first['mixes_reaching']} of {first['mixes']} evaluated)."
    )
