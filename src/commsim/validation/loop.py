"""The feedback loop of MODEL_SPEC section 1, measured from the agents: cut each link, see participation fall.

participation -> belonging -> investment -> visible success -> more participation. Each
link has one declared parameter (:data:`LOOP_LINKS`); setting it to 0 cuts the link.
:func:`loop_run` runs one seed with a link cut (or none) and returns what the loop test
and the lag regression read: acts over the run, and each resident's acts before and
after a midpoint with their belonging and efficacy at it. :func:`transparency_run`
sizes transparency's effect on trust in standardised units (the meta-analysis finds a
small effect).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from commsim.model import CommunityModel
from commsim.runs.provenance import seed_integer

# The loop's links, each with the one parameter whose 0 cuts it. Investment is residents'
# hours on agreed projects: without them a project has no hands, whatever its money.
LOOP_LINKS: dict[str, str] = {
    "participation -> belonging": "belonging_gain",
    "belonging -> taking part": "w_belonging",
    "investment -> visible success": "max_contribution_hours",
    "visible success -> efficacy": "visible_success_efficacy_gain",
    "efficacy -> taking part": "w_efficacy",
}
# The package the loop is cut under: the consultation package, whose monthly council with a
# six-issue agenda holds several times the status quo's meetings, so that residents' own
# projects are a real part of what their neighbours see solved. Under the status quo residents complete about two
# projects in two years per 1,000 residents, and even making every one fail moved acts by
# -0.4% [-1.3%, +0.5%] at the earlier defaults (docs/validation.md, Limits).
LOOP_POLICY = "consultation"


@dataclass(frozen=True, slots=True)
class LoopRun:
    """What one run of the loop experiment measured.

    Attributes:
        acts_per_resident: Acts of participation per resident slot over the whole run.
        acts_before: Each slot's acts before the midpoint.
        acts_after: Each slot's acts after the midpoint.
        belonging: Each slot's belonging at the midpoint.
        efficacy: Each slot's efficacy at the midpoint.
        stayed: Slots whose resident lived there for the whole run.
    """

    acts_per_resident: float
    acts_before: np.ndarray
    acts_after: np.ndarray
    belonging: np.ndarray
    efficacy: np.ndarray
    stayed: np.ndarray


def loop_seeds(root: int, count: int) -> list[int]:
    """``count`` independent seeds spawned from ``root``."""
    return [seed_integer(child) for child in np.random.SeedSequence(root).spawn(count)]


def loop_run(*, seed: int, cut: str | None = None, steps: int = 104, **overrides: Any) -> LoopRun:
    """Run one seed with the parameter ``cut`` set to 0 (None: the whole loop).

    Args:
        seed: Model seed (the same for every cut: paired seeds).
        cut: A parameter to set to 0, or None.
        steps: Weeks to run; the midpoint is half of them.
        **overrides: Other model keywords (``n_residents``, ``profile``, ...); the package
            is :data:`LOOP_POLICY` unless ``policy`` names another.

    Returns:
        The run's measurements.
    """
    overrides.setdefault("policy", LOOP_POLICY)
    if cut is not None:
        overrides[cut] = 0.0
    model = CommunityModel(rng=seed, **overrides)
    n = len(model.residents)
    acts_before, acts_after = np.zeros(n), np.zeros(n)
    midpoint = steps // 2
    belonging = efficacy = np.zeros(n)
    for week in range(steps):
        model.step()
        (acts_before if week < midpoint else acts_after)[:] += model.week.acts
        if week == midpoint - 1:
            belonging, efficacy = model.residents.belonging.copy(), model.residents.efficacy.copy()
    # Slots whose resident arrived before the run's start lived there throughout.
    stayed = model.residents.arrival_step <= 0
    total = acts_before + acts_after
    return LoopRun(float(total.mean()), acts_before, acts_after, belonging, efficacy, stayed)


def lag_coefficients(run: LoopRun) -> np.ndarray:
    """Standardised regression of later acts on earlier acts, belonging and efficacy (residents who stayed).

    Returns:
        Coefficients of earlier acts, belonging and efficacy.
    """
    keep = run.stayed

    def standard(values: np.ndarray) -> np.ndarray:
        values = values[keep]
        return (values - values.mean()) / values.std()

    design = np.column_stack(
        [np.ones(keep.sum()), standard(run.acts_before), standard(run.belonging), standard(run.efficacy)]
    )
    return np.linalg.lstsq(design, standard(run.acts_after), rcond=None)[0][1:]


def transparency_run(*, seed: int, steps: int = 104, **overrides: Any) -> tuple[float, float]:
    """Monthly open days against none on one seed: the rise of mean trust and the reference arm's spread.

    Args:
        seed: Model seed of both arms.
        steps: Weeks to run.
        **overrides: Other model keywords.

    Returns:
        ``(effect, sd)``: mean trust under monthly disclosure minus without at the end,
        and the standard deviation of residents' trust at the start (the population
        before any open day, as drawn from the profile; both arms start alike).
    """
    trust, spread = {}, 0.0
    for disclosure in ("none", "monthly"):
        model = CommunityModel(rng=seed, disclosure=disclosure, **overrides)
        spread = float(model.residents.trust.std())
        for _ in range(steps):
            model.step()
        trust[disclosure] = model.residents.trust.mean()
    return float(trust["monthly"] - trust["none"]), spread
