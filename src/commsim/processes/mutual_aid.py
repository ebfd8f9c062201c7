"""Process 5 — mutual aid: requests for help met through ties, neighbours or the time bank.

Everyone asks for everyday help now and then (``everyday_request_rate``), residents with
needs ("old, young, poor, disabled") more often (``aid_request_rate``), and anyone who
is not asking this week may be asked to help, needs or not: residents both give and
receive. A helper is sought first among the requester's ties (drawn in proportion to
tie strength), then among neighbours in the same building — informal helping — then,
when the time bank is on, among time-bank members within the matching radius. A
member arranges help through the bank first and turns to ties and neighbours when the
bank finds nobody. Willingness to help rises with tie strength, belonging and the share
of requests others met recently (conditional cooperation).

A member's credit balance pulls on both sides of the exchange (:func:`balance_pull`):
members with credits ask more readily and those in debt hold back (reluctance to
receive, Seyfang 2003), while those in debt offer more readily and those with a large
balance less (the norm of reciprocity, Gouldner 1960). This negative feedback is what
makes credits circulate; a time-bank match moves credits from the requester (or, past
the overdraft, from the bank's pool) to the helper, and credits are conserved. Every
match creates or strengthens a tie.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

import commsim.processes.mutual_aid_kernel as kernel
from commsim.config.declaration import Params
from commsim.mechanisms import forced_log_odds, logistic
from commsim.state.forced import NO, YES, Forced
from commsim.state.layout import Layout
from commsim.state.residents import Residents
from commsim.state.ties import Ties
from commsim.state.week import Acts, Week

if TYPE_CHECKING:
    from commsim.processes.time_bank import MemberIndex, TimeBank


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
        residents: Resident state (reads needs, belonging, fatigue and credits; writes
            belonging, time-bank membership, credits, credits paid and the last informal help).
        layout: Buildings (a neighbour is sought in the requester's building).
        ties: The network (helpers sought among ties; each match strengthens a tie).
        time_bank: The time bank (third search and credits).
        memory: Requests met in recent weeks (read by helpers; this week is added).
        week: This week's record (requests, matches, hours used).
        acts: Books the acts of helper and helped.
        rng: The model's stream (requests, helpers asked, willingness).
        step: This week's step (the acts' date; time-bank helpers' last volunteering).
        forced: Decisions students playing residents took (whether to ask, whether to help when asked).
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
    forced: Forced


def balance_pull(credits: np.ndarray, scale_h: float) -> np.ndarray:
    """Pull of a credit balance on asking and offering, in (-1, 1): ``tanh(credits / scale_h)``.

    Saturating, so that a very large balance or debt weighs no more than a large one.

    Args:
        credits: Time-bank balances (hours; negative in debt).
        scale_h: Balance that counts as large (``time_bank_balance_scale_h``).

    Returns:
        The pull of each balance: positive with credits, negative in debt, 0 at zero.
    """
    return np.tanh(np.asarray(credits, dtype=float) / scale_h)


def request_chance(*, needs: np.ndarray, member: np.ndarray, credits: np.ndarray, params: Params) -> np.ndarray:
    """Weekly chance that each resident asks for help.

    Everyday requests (``everyday_request_rate``) and requests out of a need
    (``aid_request_rate``) are independent; a time-bank member's balance shifts the
    log-odds of asking by ``w_ask_balance`` times :func:`balance_pull` (the odds are
    multiplied, so chances of 0 and 1 stay put).

    Args:
        needs: Whether each resident has a need.
        member: Whether each resident is a time-bank member.
        credits: Each resident's balance.
        params: Resolved parameters.

    Returns:
        A probability per resident.
    """
    base = 1.0 - (1.0 - params["everyday_request_rate"]) * (1.0 - params["aid_request_rate"] * needs)
    odds_factor = np.exp(params["w_ask_balance"] * balance_pull(credits, params["time_bank_balance_scale_h"]) * member)
    return base * odds_factor / (1.0 - base + base * odds_factor)


def offer_shift(credits: np.ndarray, params: Params) -> np.ndarray:
    """Shift of a member's log-odds of helping through the time bank: bonus less the pull of the balance.

    Args:
        credits: Balances of the members asked.
        params: Resolved parameters (``time_bank_help_bonus``, ``w_offer_balance``).

    Returns:
        ``time_bank_help_bonus - w_offer_balance * balance_pull(credits)``: higher in debt,
        lower with a large balance.
    """
    pull = balance_pull(credits, params["time_bank_balance_scale_h"])
    return params["time_bank_help_bonus"] - params["w_offer_balance"] * pull


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

    A helper wanted by several requesters helps one of them, chosen at random (the first
    in a random order of the requests).
    """
    ok = accepted & (helpers >= 0) & ~busy[np.maximum(helpers, 0)]
    return kernel.first_of_each(helpers.astype(np.int64), rng.permutation(np.flatnonzero(ok)))


def accepts(
    ctx: MutualAidContext, candidate: np.ndarray, tie_strength: np.ndarray | float, shift: np.ndarray | float
) -> np.ndarray:
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
    played = ctx.forced.offer_help[safe]
    return (candidate >= 0) & (ctx.rng.random(len(candidate)) < logistic(forced_log_odds(log_odds + shift, played)))


@dataclass(slots=True)
class Search:
    """This week's search for helpers: who is busy and who helps whom, through which channel.

    Attributes:
        ctx: What mutual aid reads and writes.
        requesters: Slots of this week's requesters.
        out_of_need: Whether each request comes from a need (else an everyday favour).
        busy: Per resident: asking or already helping this week (cannot help).
        helper: Helper found for each request (-1 while unmet).
        via_time_bank: Whether each request was met through the time bank.
        members: This week's index of time-bank members (built on first use).
    """

    ctx: MutualAidContext
    requesters: np.ndarray
    out_of_need: np.ndarray
    busy: np.ndarray = field(init=False)
    helper: np.ndarray = field(init=False)
    via_time_bank: np.ndarray = field(init=False)
    members: MemberIndex | None = None

    def __post_init__(self) -> None:
        self.busy = np.zeros(len(self.ctx.residents), dtype=bool)
        self.busy[self.requesters] = True
        self.helper = np.full(len(self.requesters), -1, dtype=np.int64)
        self.via_time_bank = np.zeros(len(self.requesters), dtype=bool)

    def open(self, among: np.ndarray | None = None) -> np.ndarray:
        """Requests still unmet (positions into ``requesters``), optionally only ``among`` them."""
        unmet = self.helper < 0
        return np.flatnonzero(unmet if among is None else unmet & among)

    def match(self, asked: np.ndarray, candidate: np.ndarray, willing: np.ndarray) -> np.ndarray:
        """Match the willing, free candidates (one request each); return the requests met."""
        keep = first_come(candidate, willing, self.busy, self.ctx.rng)
        self.helper[asked[keep]] = candidate[keep]
        self.busy[candidate[keep]] = True
        return asked[keep]

    def through_ties(self, asked: np.ndarray) -> None:
        """Ask one tie of each requester, drawn in proportion to tie strength."""
        ctx = self.ctx
        who = self.requesters[asked]
        helper = ctx.ties.random_neighbour(who, ctx.rng)
        strength = np.zeros(len(asked))
        has = helper >= 0
        if has.any():
            strength[has] = ctx.ties.strength_between(who[has], helper[has])
        self.match(asked, helper, accepts(ctx, helper, strength, 0.0))

    def through_neighbours(self, asked: np.ndarray) -> None:
        """Ask a resident of the requester's building drawn at random (no tie)."""
        ctx, layout = self.ctx, self.ctx.layout
        building = ctx.residents.building[self.requesters[asked]]
        start, stop = layout.building_start[building], layout.building_start[building + 1]
        helper = start + (ctx.rng.random(len(asked)) * (stop - start)).astype(np.int64)
        self.match(asked, helper, accepts(ctx, helper, 0.0, -ctx.params["neighbour_help_penalty"]))

    def through_time_bank(self, asked: np.ndarray) -> None:
        """Ask time-bank members within reach, up to ``time_bank_tries`` in turn; offers follow balances."""
        ctx = self.ctx
        if self.members is None:
            self.members = ctx.time_bank.members_within_reach(ctx.residents, ctx.layout, ctx.params)
        building = ctx.residents.building[self.requesters]
        for _ in range(ctx.params["time_bank_tries"]):
            open_ = asked[self.helper[asked] < 0]
            if len(open_) == 0:
                break
            candidate = self.members.draw(building[open_], ctx.rng)
            shift = offer_shift(ctx.residents.credits[np.maximum(candidate, 0)], ctx.params)
            self.via_time_bank[self.match(open_, candidate, accepts(ctx, candidate, 0.0, shift))] = True


def post_requests(ctx: MutualAidContext) -> tuple[np.ndarray, np.ndarray]:
    """The residents who ask for help this week (:func:`request_chance`), and which ask out of a need.

    One uniform per resident decides both: below the chance of asking, the request comes
    from a need with probability ``aid_request_rate`` over the chance without the balance
    feedback (the need's share of the two independent reasons to ask).

    Returns:
        Slots of the requesters, and per requester whether the request comes from a need.
    """
    residents, params = ctx.residents, ctx.params
    member = residents.time_bank_member & bool(params["time_bank"])
    needs = residents.needs
    chance = request_chance(needs=needs, member=member, credits=residents.credits, params=params)
    chance = np.where(ctx.forced.ask_help == YES, 1.0, np.where(ctx.forced.ask_help == NO, 0.0, chance))
    uniform = ctx.rng.random(len(residents))
    requesters = np.flatnonzero(uniform < chance)
    base = 1.0 - (1.0 - params["everyday_request_rate"]) * (1.0 - params["aid_request_rate"] * needs[requesters])
    need_share = params["aid_request_rate"] * needs[requesters] / base
    return requesters, uniform[requesters] < chance[requesters] * need_share


def run_mutual_aid(ctx: MutualAidContext) -> None:
    """Post requests, find helpers, transfer credits and record acts and ties."""
    params, residents, week = ctx.params, ctx.residents, ctx.week
    requesters, out_of_need = post_requests(ctx)
    week.aid_requests = len(requesters)
    if len(requesters) == 0:
        ctx.memory.remember(week.aid_requests, week.aid_met)
        return
    search = Search(ctx, requesters, out_of_need)
    bank_first = residents.time_bank_member[requesters] & bool(params["time_bank"])
    if bank_first.any():
        search.through_time_bank(np.flatnonzero(bank_first))
    search.through_ties(search.open())
    search.through_neighbours(search.open())
    if params["time_bank"]:
        turned_to_bank = search.open(~bank_first)
        search.through_time_bank(turned_to_bank)
        ctx.time_bank.enrol(residents, requesters[turned_to_bank])
    settle(ctx, search)


def settle(ctx: MutualAidContext, search: Search) -> None:
    """Pay time-bank matches and record every match: hours, belonging, ties, informal helping, acts.

    Help out of a need and help through the time bank are acts of mutual aid (for both
    sides); an everyday favour between ties or neighbours is informal helping, not an act
    of community participation, though it builds the tie and belonging all the same.
    """
    params, residents, week = ctx.params, ctx.residents, ctx.week
    requesters, helper, via_time_bank = search.requesters, search.helper, search.via_time_bank
    met = helper >= 0
    helped, helpers = requesters[met], helper[met]
    week.aid_met = int(met.sum())
    ctx.memory.remember(week.aid_requests, week.aid_met)
    hours = params["aid_hours"]
    if via_time_bank.any():
        ctx.time_bank.pay(
            residents,
            requesters[via_time_bank],
            helper[via_time_bank],
            hours=hours,
            overdraft=params["time_bank_overdraft_h"],
            step=ctx.step,
        )
    residents.last_helped_informally[helper[met & ~via_time_bank]] = ctx.step
    week.hours_used[helpers] += hours
    acts = met & (search.out_of_need | via_time_bank)
    ctx.acts.record(np.concatenate([requesters[acts], helper[acts]]), "mutual_aid")
    both = np.concatenate([helped, helpers])
    residents.belonging[both] += params["aid_belonging_gain"] * (1 - residents.belonging[both])
    ctx.ties.strengthen(helped, helpers, params["tie_contact_gain"])
