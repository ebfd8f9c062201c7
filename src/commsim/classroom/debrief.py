"""The debrief's comparisons: the class's run against its twin, the same community and seed with nobody playing.

The twin runs with the model's own rules for every agent (common random numbers), so a
difference is paired by agent: per played resident (acts by channel), per played team
leader (residents asked in person, issues of the building reported, volunteers and
activity acts in the building), per played organisation (staff hours and space given),
and for the committee (fund spent on projects, open days, meetings held, issues
resolved: one agent, so no interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from commsim.runs.statistics import estimate
from commsim.state.residents import NO_ROLE

# What the debrief compares per played resident: acts by channel over the class run.
DEBRIEF_ACTS = ("acts_activities", "acts_deliberation", "acts_mutual_aid")
COMPARISON_COLUMNS = ("role", "measure", "class", "model", "difference", "ci_low", "ci_high", "agents")


@dataclass(slots=True)
class Twin:
    """The twin run and what it recorded week by week.

    Attributes:
        model: The twin at the class's week.
        expected_asks: Per building, residents its leader would reach, summed over weeks
            (the leader's weekly reach times the other residents of the building).
        staff_given: Per organisation, staff hours given over the weeks.
        space_given: Per organisation, weeks of space given (shares summed).
    """

    model: Any
    expected_asks: np.ndarray
    staff_given: np.ndarray
    space_given: np.ndarray


def expected_asks(model) -> np.ndarray:
    """Residents each building's team leader reaches in a week by the model's rule (expected)."""
    others = np.maximum(np.bincount(model.residents.building, minlength=model.layout.n_buildings) - 1, 0)
    return model.roles.reach_by_building * others


def run_twin(setup, weeks: int) -> Twin:
    """Run ``setup`` (a :class:`~commsim.classroom.run.ClassSetup`) for ``weeks`` with nobody playing."""
    model = setup.build()
    twin = Twin(
        model,
        np.zeros(model.layout.n_buildings),
        np.zeros(len(model.organisations)),
        np.zeros(len(model.organisations)),
    )
    for _ in range(weeks):
        twin.expected_asks += expected_asks(model)
        model.step()
        twin.staff_given += model.organisations.staff_given
        twin.space_given += model.organisations.space_given
    return twin


def compare(role: str, measure: str, played: np.ndarray, twin: np.ndarray) -> dict[str, Any]:
    """One row: the mean over played agents in the class and in the twin, and the paired difference."""
    difference = estimate(played - twin)
    return {
        "role": role,
        "measure": measure,
        "class": float(np.mean(played)) if len(played) else np.nan,
        "model": float(np.mean(twin)) if len(twin) else np.nan,
        "difference": difference.mean,
        "ci_low": difference.ci_low,
        "ci_high": difference.ci_high,
        "agents": difference.n,
    }


def resident_rows(model, twin: Twin, slots: Sequence[int]) -> list[dict[str, Any]]:
    """Acts by channel per played resident."""
    rows = []
    for name in DEBRIEF_ACTS:
        played = getattr(model.residents, name)[list(slots)].astype(float)
        other = getattr(twin.model.residents, name)[list(slots)].astype(float)
        rows.append(compare("resident", name.removeprefix("acts_").replace("_", " "), played, other))
    return rows


def building_outcomes(model, buildings: np.ndarray) -> dict[str, np.ndarray]:
    """Per building: issues of it reported, volunteers living there, activity acts of its residents."""
    issues, residents = model.issues, model.residents
    n = model.layout.n_buildings
    own = ~issues.compound_scope & issues.known
    reported = np.bincount(issues.scope_id[own], minlength=n)
    volunteers = np.bincount(residents.building[residents.role != NO_ROLE], minlength=n)
    acts = np.bincount(residents.building, weights=residents.acts_activities, minlength=n)
    return {
        "issues of the building reported": reported[buildings].astype(float),
        "volunteers in the building": volunteers[buildings].astype(float),
        "activity acts in the building": acts[buildings],
    }


def leader_rows(model, twin: Twin, timeline: pd.DataFrame) -> list[dict[str, Any]]:
    """Per played team leader: residents asked, and the building's outcomes."""
    rows = timeline[timeline["role"] == "leader"]
    if rows.empty:
        return []
    by_leader = rows.groupby("agent")
    slots = np.array(sorted(by_leader.groups), dtype=np.int64)
    buildings = np.array([int(by_leader.get_group(slot)["building"].iloc[0]) for slot in slots], dtype=np.int64)
    asked = by_leader["asked"].sum().reindex(slots).to_numpy(float)
    result = [compare("leader", "residents asked in person", asked, twin.expected_asks[buildings])]
    played, other = building_outcomes(model, buildings), building_outcomes(twin.model, buildings)
    result += [compare("leader", measure, played[measure], other[measure]) for measure in played]
    return result


def committee_rows(model, twin: Twin, timeline: pd.DataFrame) -> list[dict[str, Any]]:
    """The committee's run against the twin's: fund spent, open days, meetings, issues resolved."""
    if not (timeline["role"] == "committee").any():
        return []

    def measures(run) -> dict[str, float]:
        return {
            "fund spent on projects (yuan)": float(run.finance.project_spent),
            "open days held": float(run.disclosure.open_days),
            "meetings held": float(run.issues.attempts.sum()),
            "issues resolved": float(np.sum(run.issues.resolved_step >= 0)),
        }

    played, other = measures(model), measures(twin.model)
    return [compare("committee", name, np.array([played[name]]), np.array([other[name]])) for name in played]


def organisation_rows(twin: Twin, timeline: pd.DataFrame) -> list[dict[str, Any]]:
    """Per played organisation: staff hours and weeks of space given."""
    rows = timeline[timeline["role"] == "organisation"]
    if rows.empty:
        return []
    by_org = rows.groupby("agent")
    orgs = np.array(sorted(by_org.groups), dtype=np.int64)
    staff = by_org["staff_hours_given"].sum().reindex(orgs).to_numpy(float)
    space = by_org["space_given"].sum().reindex(orgs).to_numpy(float)
    return [
        compare("organisation", "staff hours given", staff, twin.staff_given[orgs]),
        compare("organisation", "weeks of space given", space, twin.space_given[orgs]),
    ]


def comparisons(model, twin: Twin, timeline: pd.DataFrame) -> pd.DataFrame:
    """Every role's comparison rows (residents, leaders, committee, organisations), for the debrief."""
    slots = sorted(timeline.loc[timeline["role"] == "resident", "agent"].astype(int).unique())
    rows = resident_rows(model, twin, slots)
    rows += leader_rows(model, twin, timeline)
    rows += committee_rows(model, twin, timeline)
    rows += organisation_rows(twin, timeline)
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))
