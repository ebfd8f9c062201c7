"""The mutual-aid time bank: its pool, its members, matching within a radius, and time credits.

With the time bank on, mutual aid looks for a helper among members living within the
matching radius of the requester (:meth:`TimeBank.members_within_reach`) — first for
members' own requests, after ties and neighbours for everyone else's —
and a match moves time credits to the helper (:meth:`TimeBank.pay`): the requester pays
from his or her balance down to an overdraft (mutual credit), the pool pays the rest
while it lasts. Credits are conserved: residents' balances plus the pool never change,
including when a leaver's balance returns to the pool (:meth:`TimeBank.take_back`).
Residents join when the platform, a team leader or a centre session reaches them
(:func:`join_time_bank`), and a requester whom ties and neighbours left unhelped becomes one
by asking the bank (:meth:`TimeBank.enrol`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

import commsim.processes.time_bank_kernel as kernel
from commsim.config.declaration import Params
from commsim.state.layout import Layout
from commsim.state.residents import Residents


@dataclass(frozen=True, slots=True)
class MemberIndex:
    """Time-bank members grouped by building, and the buildings within reach of each building.

    Attributes:
        near_indptr: CSR row pointers of the buildings within reach of each building.
        near_indices: CSR column indices (the buildings within reach).
        members: Member slots sorted by building.
        member_start: Start of each building's members in ``members`` (length buildings + 1).
    """

    near_indptr: np.ndarray
    near_indices: np.ndarray
    members: np.ndarray
    member_start: np.ndarray

    def draw(self, buildings: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """For each requester's building, a random member living within reach (-1 if none).

        Every member within the matching radius is equally likely to be drawn: one uniform
        per requester picks the member at that rank among those within reach
        (:func:`commsim.processes.time_bank_kernel.draw_members`).

        Args:
            buildings: Building of each requester.
            rng: Random generator.

        Returns:
            A member's slot per requester, or -1 where no member lives within reach.
        """
        uniform = rng.random(len(buildings))
        return kernel.draw_members(
            uniform, buildings.astype(np.int64), self.near_indptr, self.near_indices, self.member_start, self.members
        )


@dataclass(slots=True)
class TimeBank:
    """The time bank's own state (members and balances are resident arrays).

    Attributes:
        pool: Credits held by the bank: seed credits and leavers' balances, less what it paid.
        credits_earned: Credits earned by helpers since the start.
        credits_spent: Credits paid by requesters from their own balances since the start.
        credits_taken_back: Net balances of leavers returned to the pool since the start.
        near: Buildings within the matching radius of each building (CSR), built on first use.
    """

    pool: float = 0.0
    credits_earned: float = 0.0
    credits_spent: float = 0.0
    credits_taken_back: float = 0.0
    near: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def open(cls, params: Params, residents: Residents) -> TimeBank:
        """A time bank seeded with ``time_bank_start_credits`` per resident with a need (empty when off)."""
        pool = params["time_bank_start_credits"] * float(residents.needs.sum()) if params["time_bank"] else 0.0
        return cls(pool=pool)

    def total(self, residents: Residents) -> float:
        """Credits held by residents plus the pool (constant: credits are conserved)."""
        return float(residents.credits.sum()) + self.pool

    def take_back(self, balances: np.ndarray) -> None:
        """Return the balances of residents who moved out (positive or negative) to the pool."""
        self.pool += float(balances.sum())
        self.credits_taken_back += float(balances.sum())

    def enrol(self, residents: Residents, slots: np.ndarray) -> None:
        """Make ``slots`` members (every resident who asked for help through the bank)."""
        residents.time_bank_member[slots] = True

    def members_within_reach(self, residents: Residents, layout: Layout, params: Params) -> MemberIndex:
        """Index this week's members by building for drawing helpers within the matching radius."""
        if self.near is None:
            self.near = buildings_within(layout.building_xy, params["matching_radius_m"], params["route_detour"])
        return member_index(self.near, residents.building, residents.time_bank_member)

    def pay(
        self, residents: Residents, payer: np.ndarray, payee: np.ndarray, *, hours: float, overdraft: float, step: int
    ) -> None:
        """Pay time-bank matches: ``hours`` credits per match from payer (or pool) to payee.

        Helpers through the time bank count as formal volunteers this week; what each
        payer paid from its own balance adds to its ``credits_paid``.
        """
        before = residents.credits[payer]
        self.pool, spent, donated = transfer_credits(
            residents.credits, self.pool, payer, payee, hours, overdraft=overdraft
        )
        residents.credits_paid[payer] += before - residents.credits[payer]
        self.credits_spent += spent
        self.credits_earned += spent + donated
        residents.last_volunteered[payee] = step


def transfer_credits(
    credits: np.ndarray,
    pool: float,
    payer: np.ndarray,
    payee: np.ndarray,
    hours: float,
    *,
    overdraft: float = 0.0,
) -> tuple[float, float, float]:
    """Move ``hours`` credits per match from payer (or from the pool) to payee, in place.

    A payer pays up to ``hours`` from its balance, which may go down to ``-overdraft``
    (mutual credit); the rest comes from the pool while it lasts. Each payer appears at
    most once (a resident posts at most one request a week).

    Returns:
        New pool balance, hours paid by residents (spent), hours paid by the pool.
    """
    own = np.minimum(np.maximum(credits[payer] + overdraft, 0.0), hours)
    from_pool_wanted = hours - own
    cumulative = np.cumsum(from_pool_wanted)
    from_pool = np.clip(pool - (cumulative - from_pool_wanted), 0.0, from_pool_wanted)
    np.subtract.at(credits, payer, own)
    np.add.at(credits, payee, own + from_pool)
    return pool - float(from_pool.sum()), float(own.sum()), float(from_pool.sum())


def buildings_within(building_xy: np.ndarray, radius_m: float, detour: float) -> tuple[np.ndarray, np.ndarray]:
    """For each building, the buildings within a walking radius (straight line × detour).

    Returns:
        CSR-style ``(indptr, indices)``: building ``b``'s neighbours are
        ``indices[indptr[b]:indptr[b + 1]]`` (always including ``b`` itself).
    """
    tree = cKDTree(building_xy)
    pairs = tree.query_pairs(radius_m / detour, output_type="ndarray")
    n = len(building_xy)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    order = np.lexsort((cols, rows))
    indptr = np.searchsorted(rows[order], np.arange(n + 1))
    return indptr, cols[order]


def member_index(near: tuple[np.ndarray, np.ndarray], resident_building: np.ndarray, member: np.ndarray) -> MemberIndex:
    """Index the time bank's members for :meth:`MemberIndex.draw` (built once per week).

    Args:
        near: CSR ``(indptr, indices)`` of buildings within reach of each building.
        resident_building: Building of every resident slot.
        member: Whether each slot is a time-bank member.

    Returns:
        The index.
    """
    indptr, indices = near
    members = np.flatnonzero(member)
    member_building = resident_building[members]
    order = np.argsort(member_building, kind="stable")
    members, member_building = members[order], member_building[order]
    member_start = np.searchsorted(member_building, np.arange(len(indptr)))
    return MemberIndex(indptr, indices, members, member_start)


@dataclass(frozen=True, slots=True)
class JoiningContext:
    """What joining the time bank reads and writes.

    Attributes:
        params: Resolved parameters (``time_bank``, ``time_bank_join_rate``, ``time_bank_join_base``).
        residents: Resident state (reads followers and belonging; writes membership).
        leader_reach: Weekly chance that each resident is reached by a team leader.
        centre_attendees: Slots of this week's centre attendees (None without sessions).
        rng: The model's stream (being reached by a leader, joining).
    """

    params: Params
    residents: Residents
    leader_reach: np.ndarray
    centre_attendees: np.ndarray | None
    rng: np.random.Generator


def join_time_bank(ctx: JoiningContext) -> None:
    """Residents reached by the platform, a team leader or a centre session join the time bank."""
    params, residents, rng = ctx.params, ctx.residents, ctx.rng
    if not params["time_bank"]:
        return
    n = len(residents)
    reached = residents.platform_follower | (rng.random(n) < ctx.leader_reach)
    if ctx.centre_attendees is not None:
        reached[ctx.centre_attendees] = True
    chance = params["time_bank_join_rate"] * (params["time_bank_join_base"] + residents.belonging)
    joins = reached & (rng.random(n) < chance)
    residents.time_bank_member |= joins
