"""Organisations of the three colours and the resource library.

Red are party and government units, white are businesses, green are social
organisations and neighbourhood groups. Those enrolled in the resource library
contribute money (or its equivalent in staff hours and space) to projects and offer
sessions at the centres, in proportion to their engagement. Engagement rises with joint
success and with the monthly work meeting, and decays otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.config.declaration import Params
from commsim.state.timescale import WEEKS_PER_MONTH, WEEKS_PER_YEAR

COLOURS = ("red", "white", "green")
RED, WHITE, GREEN = range(3)
# Which colours offer sessions to residents (businesses mostly give money or space).
OFFERS_SESSIONS = np.array([True, False, True])
# Drawn at the start and read by the roles (processes/roles.py): the chance that an
# organisation has space to offer (a library member's space opens helper posts), by colour,
# and its staff hours (Gamma; a library member's staff take on support work).
HAS_SPACE_BY_COLOUR = np.array([0.8, 0.4, 0.3])
STAFF_HOURS_GAMMA = (2.0, 2.0)
# Spread of organisations' budgets around org_budget_yuan_year (sigma of a log-normal factor).
BUDGET_DISPERSION = 0.5


@dataclass(slots=True)
class Organisations:
    """State of all organisations, one array per variable.

    ``staff_given`` and ``space_given`` record what each gave in the last week: staff
    hours, and the share of the week its space hosted helpers (written by the roles process).
    """

    colour: np.ndarray
    budget_year: np.ndarray
    space: np.ndarray
    staff_hours: np.ndarray
    engagement: np.ndarray
    in_library: np.ndarray
    pot: np.ndarray
    last_contributors: np.ndarray
    staff_given: np.ndarray | None = None
    space_given: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.colour)
        self.staff_given = np.zeros(n) if self.staff_given is None else self.staff_given
        self.space_given = np.zeros(n) if self.space_given is None else self.space_given

    def __len__(self) -> int:
        return len(self.colour)

    @classmethod
    def create(cls, params: Params, rng: np.random.Generator) -> Organisations:
        """Draw the jurisdiction's organisations and enrol the library's share of each colour."""
        counts = [params["n_red_orgs"], params["n_white_orgs"], params["n_green_orgs"]]
        shares = [params["library_share_red"], params["library_share_white"], params["library_share_green"]]
        colour = np.repeat(np.arange(3), counts)
        in_library = np.zeros(len(colour), dtype=bool)
        for c, (count, share) in enumerate(zip(counts, shares, strict=True)):
            members = np.flatnonzero(colour == c)
            in_library[rng.permutation(members)[: int(round(share * count))]] = True
        n = len(colour)
        return cls(
            colour=colour,
            budget_year=params["org_budget_yuan_year"] * rng.lognormal(0, BUDGET_DISPERSION, n),
            space=rng.random(n) < HAS_SPACE_BY_COLOUR[colour] if n else np.zeros(0, bool),
            staff_hours=rng.gamma(*STAFF_HOURS_GAMMA, n),
            engagement=np.where(
                in_library, params["org_engagement_member_start"], params["org_engagement_other_start"]
            ),
            in_library=in_library,
            pot=np.zeros(n),
            last_contributors=np.zeros(0, dtype=np.int64),
        )

    def accrue(self) -> None:
        """Add a week of each library member's community budget, scaled by engagement."""
        self.pot += self.in_library * self.engagement * self.budget_year / WEEKS_PER_YEAR
        self.pot = np.minimum(self.pot, self.budget_year)

    def sessions_this_week(self, params: Params, rng: np.random.Generator) -> int:
        """Sessions offered at centres this week by engaged library members."""
        monthly = self.in_library * OFFERS_SESSIONS[self.colour] * self.engagement * params["org_sessions_per_month"]
        rate = monthly / WEEKS_PER_MONTH
        return int(rng.poisson(rate).sum()) if len(rate) else 0

    def contribute(self, amount: float, rng: np.random.Generator) -> float:
        """Draw up to ``amount`` yuan from members' pots for a project; return what was given."""
        if amount <= 0 or len(self.pot) == 0:
            self.last_contributors = np.zeros(0, dtype=np.int64)
            return 0.0
        order = rng.permutation(np.flatnonzero(self.in_library & (self.pot > 0)))
        cumulative = np.cumsum(self.pot[order])
        given = np.minimum(self.pot[order], np.maximum(amount - (cumulative - self.pot[order]), 0.0))
        self.pot[order] -= given
        self.last_contributors = order[given > 0]
        return float(given.sum())

    def joint_success(self, params: Params) -> None:
        """Raise engagement of the members that just contributed to a successful project."""
        who = self.last_contributors
        self.engagement[who] += params["engagement_gain"] * (1 - self.engagement[who])

    def update_engagement(self, params: Params, step: int) -> None:
        """Weekly decay of engagement; the monthly work meeting raises members' engagement."""
        self.engagement -= params["engagement_decay"] * self.engagement
        if params["library_work_meeting"] and step % WEEKS_PER_MONTH == 0:
            self.engagement += self.in_library * params["engagement_gain"] * (1 - self.engagement)

    def engaged_count(self, threshold: float) -> int:
        """Library members whose engagement is at least ``threshold`` (``org_engaged_threshold``)."""
        return int(np.sum(self.in_library & (self.engagement >= threshold)))
