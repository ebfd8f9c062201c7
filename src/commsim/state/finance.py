"""Money: the autonomy fund and the running costs of centres.

Centres cost ``centre_session_cost_yuan`` per session. While public funding lasts
(``centre_public_funding_weeks``) it pays everything; afterwards centres are paid by
commercial cross-subsidy (``self_financing``, a share of the cost) and by the autonomy
fund (up to ``fund_centre_share`` of its income). Sessions beyond what is paid for are
not held — removing both makes the centres' offer, and the gains built on it, fade.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commsim.config.declaration import Params
from commsim.state.timescale import WEEKS_PER_YEAR


@dataclass(slots=True)
class Finance:
    """Money flows of one run (yuan).

    Attributes:
        params: Resolved parameters.
        households: Households in the neighbourhood.
        fund_balance: Autonomy fund available for projects.
        centre_pot: Fund income reserved for centre running costs.
        step: Current step (set by the model before each week).
        funded_share: Share of planned centre sessions paid for this week.
        centre_cost_paid: Cumulative centre costs paid.
        fund_spent: Cumulative autonomy fund spending (projects and centres).
        points_paid: Cumulative value of points redeemed.
        project_spent: Cumulative autonomy fund spending on projects.
    """

    params: Params
    households: float
    fund_balance: float = 0.0
    centre_pot: float = 0.0
    step: int = 0
    funded_share: float = 1.0
    centre_cost_paid: float = 0.0
    fund_spent: float = 0.0
    points_paid: float = 0.0
    project_spent: float = 0.0

    def weekly_fund_income(self) -> float:
        """Autonomy fund income per week."""
        return self.params["fund_per_household_year"] * self.households / WEEKS_PER_YEAR

    def start_week(self, step: int) -> None:
        """Credit the fund's weekly income, split between projects and centres."""
        self.step = step
        income = self.weekly_fund_income()
        share = self.params["fund_centre_share"] if self.public_funding_ended() else 0.0
        self.centre_pot += income * share
        self.fund_balance += income * (1 - share)

    def public_funding_ended(self) -> bool:
        """Whether the public funding window for centres has closed."""
        return self.step > self.params["centre_public_funding_weeks"]

    def centre_sessions_this_week(self, n_centres: int, rng: np.random.Generator) -> np.ndarray:
        """Sessions each centre can hold this week given the money available."""
        planned = self.params["centre_sessions_per_week"]
        cost = planned * n_centres * self.params["centre_session_cost_yuan"]
        if cost <= 0:
            self.funded_share = 1.0
            return np.full(n_centres, planned, dtype=np.int64)
        if not self.public_funding_ended():
            self.funded_share = 1.0
        else:
            cross_subsidy = self.params["self_financing"] * cost
            from_fund = min(self.centre_pot, cost - cross_subsidy)
            self.centre_pot -= from_fund
            self.fund_spent += from_fund
            self.funded_share = min(1.0, (cross_subsidy + from_fund) / cost)
        self.centre_cost_paid += self.funded_share * cost
        return rng.binomial(planned, self.funded_share, n_centres)

    def spend_on_project(self, amount: float) -> float:
        """Pay up to ``amount`` from the fund for a project; return what was paid."""
        paid = min(max(amount, 0.0), self.fund_balance)
        self.fund_balance -= paid
        self.fund_spent += paid
        self.project_spent += paid
        return paid

    def programme_cost(self) -> float:
        """Cumulative cost of the measures: centres, fund spending on projects, points."""
        return self.centre_cost_paid + self.project_spent + self.points_paid
