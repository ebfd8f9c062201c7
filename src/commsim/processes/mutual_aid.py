"""Process 5 — mutual aid: requests for help met through ties, neighbours or the time bank.

Residents with needs ("old, young, poor, disabled") ask for help. A helper is sought
first among the requester's ties (drawn in proportion to tie strength), then among
neighbours in the same building, then — when the time bank is on — among time-bank
members within the matching radius. Willingness to help rises with tie strength,
belonging and the share of requests others met recently (conditional cooperation).
A time-bank match moves time credits from the requester (or, when the requester has
none, from the time bank's pool) to the helper: credits are conserved. Every match
creates or strengthens a tie.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from commsim.config.declaration import Params
from commsim.mechanisms import logistic
from commsim.state.layout import Layout
from commsim.state.residents import Residents
from commsim.state.ties import Ties
from commsim.state.week import Acts, Week

if TYPE_CHECKING:
    from commsim.processes.time_bank import TimeBank


@dataclass(slots=True)
class AidMemory:
    """Requests posted and met over the last weeks, which helpers see (conditional cooperation).

    Attributes:
        weeks: Weeks remembered (``aid_memory_weeks``).
        prior: Share met assumed before any request (``aid_met_share_prior``).
        history: ``(requests, met)`` of each remembered week, oldest first.
    """

    weeks: int
    prior: float
    history: list[tuple[int, int]] = field(default_factory=list)

    def met_share(self) -> float:
        """Share of the remembered requests that were met (the prior before any request)."""
        requests = sum(r for r, _ in self.history)
        return sum(m for _, m in self.history) / requests if requests else self.prior

    def remember(self, requests: int, met: int) -> None:
        """Add this week's requests and matches, forgetting the oldest beyond the memory."""
        self.history = [*self.history, (requests, met)][-self.weeks :]


@dataclass(frozen=True, slots=True)
class MutualAidContext:
    """What mutual aid reads and writes.

    Attributes:
        params: Resolved parameters.
        residents: Resident state (reads needs, belonging, fatigue; writes belonging,
            time-bank membership and credits).
        layout: Buildings (a neighbour is sought in the requester's building).
        ties: The network (helpers sought among ties; each match strengthens a tie).
        time_bank: The time bank (third search and credits).
        memory: Requests met in recent weeks (read by helpers; this week is added).
        week: This week's record (requests, matches, hours used).
        acts: Books the acts of helper and helped.
        rng: The model's stream (requests, helpers asked, willingness).
        step: This week's step (the acts' date; time-bank helpers' last volunteering).
    """

    params: Params
    residents: Residents
    layout: Layout
    ties: Ties
    time_bank: TimeBank
    memory: AidMemory
    week: Week
    acts: Acts
    rng: np.random.Generator
    step: int


def help_log_odds(
    *, tie_strength: np.ndarray | float, belonging: np.ndarray, fatigue: np.ndarray, met_share: float, params: Params
) -> np.ndarray:
    """Log-odds that an asked resident helps."""
    return (
        params["help_intercept"]
        + params["w_help_tie"] * tie_strength
        + params["w_help_others"] * met_share
        + params["w_belonging"] * params["help_belonging_share"] * belonging
        - params["w_fatigue"] * fatigue
    )


def first_come(helpers: np.ndarray, accepted: np.ndarray, busy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Keep acceptances so that each helper helps at most once this week.

    A helper wanted by several requesters helps one of them, chosen at random.
    """
    ok = accepted & (helpers >= 0) & ~busy[np.maximum(helpers, 0)]
    index = rng.permutation(np.flatnonzero(ok))
    _, first = np.unique(helpers[index], return_index=True)
    keep = np.zeros(len(helpers), dtype=bool)
    keep[index[first]] = True
    return keep


def accepts(ctx: MutualAidContext, candidate: np.ndarray, tie_strength: np.ndarray | float, shift: float) -> np.ndarray:
    """Draw whether each asked candidate helps (``shift`` adds to the log-odds; -1 = nobody)."""
    residents = ctx.residents
    safe = np.maximum(candidate, 0)
    log_odds = help_log_odds(
        tie_strength=tie_strength,
        belonging=residents.belonging[safe],
        fatigue=residents.fatigue[safe],
        met_share=ctx.memory.met_share(),
        params=ctx.params,
    )
    return (candidate >= 0) & (ctx.rng.random(len(candidate)) < logistic(log_odds + shift))


def run_mutual_aid(ctx: MutualAidContext) -> None:
    """Post requests, find helpers, transfer credits and record acts and ties."""
    params, residents, rng, week, ties = ctx.params, ctx.residents, ctx.rng, ctx.week, ctx.ties
    n = len(residents)
    requesters = np.flatnonzero(residents.needs & (rng.random(n) < params["aid_request_rate"]))
    week.aid_requests = len(requesters)
    if len(requesters) == 0:
        ctx.memory.remember(week.aid_requests, week.aid_met)
        return
    busy = np.zeros(n, dtype=bool)
    busy[requesters] = True
    matched_helper = np.full(len(requesters), -1, dtype=np.int64)
    via_time_bank = np.zeros(len(requesters), dtype=bool)

    def match(asked: np.ndarray, candidate: np.ndarray, willing: np.ndarray) -> np.ndarray:
        keep = first_come(candidate, willing, busy, rng)
        matched_helper[asked[keep]] = candidate[keep]
        busy[candidate[keep]] = True
        return asked[keep]

    everyone = np.arange(len(requesters))
    # 1. Through ties, drawn in proportion to tie strength.
    helper = ties.random_neighbour(requesters, rng)
    strength = np.zeros(len(requesters))
    has = helper >= 0
    if has.any():
        strength[has] = np.asarray(ties.adjacency()[requesters[has], helper[has]]).ravel()
    match(everyone, helper, accepts(ctx, helper, strength, 0.0))

    # 2. A neighbour in the same building, with whom one has no tie.
    layout = ctx.layout
    open_ = np.flatnonzero(matched_helper < 0)
    building = residents.building[requesters]
    start, stop = layout.building_start[building[open_]], layout.building_start[building[open_] + 1]
    helper = start + (rng.random(len(open_)) * (stop - start)).astype(np.int64)
    match(open_, helper, accepts(ctx, helper, 0.0, -params["neighbour_help_penalty"]))

    # 3. The time bank within the matching radius.
    if params["time_bank"]:
        members = ctx.time_bank.members_within_reach(residents, layout, params)
        for _ in range(params["time_bank_tries"]):
            open_ = np.flatnonzero(matched_helper < 0)
            if len(open_) == 0:
                break
            candidate = members.draw(building[open_], rng)
            willing = accepts(ctx, candidate, 0.0, params["time_bank_help_bonus"])
            via_time_bank[match(open_, candidate, willing)] = True
        ctx.time_bank.enrol(residents, requesters)

    met = matched_helper >= 0
    helped, helpers = requesters[met], matched_helper[met]
    week.aid_met = int(met.sum())
    ctx.memory.remember(week.aid_requests, week.aid_met)
    hours = params["aid_hours"]
    if via_time_bank.any():
        ctx.time_bank.pay(
            residents,
            requesters[via_time_bank],
            matched_helper[via_time_bank],
            hours=hours,
            overdraft=params["time_bank_overdraft_h"],
            step=ctx.step,
        )
    week.hours_used[helpers] += hours
    both = np.concatenate([helped, helpers])
    ctx.acts.record(both, "mutual_aid")
    residents.belonging[both] += params["aid_belonging_gain"] * (1 - residents.belonging[both])
    ties.strengthen(helped, helpers, params["tie_contact_gain"])
