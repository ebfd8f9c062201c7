"""Decisions taken by students reach the model: only the played residents' own choices change."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.model import CommunityModel
from commsim.state.forced import Forced

PLAYED = np.arange(0, 400, 8)  # 50 of 400 residents


def run(decisions: dict[str, bool] | None, weeks: int = 30, seed: int = 4) -> CommunityModel:
    model = CommunityModel(rng=seed, n_residents=400, policy="acquaintance")
    if decisions is not None:
        model.forced = Forced.from_decisions(len(model.residents), {int(slot): decisions for slot in PLAYED})
    for _ in range(weeks):
        model.step()
    return model


@pytest.fixture(scope="module")
def unplayed() -> CommunityModel:
    return run(None)


def test_nobody_forced_runs_exactly_as_without_a_class(unplayed):
    same = run({})
    for name in ("acts_activities", "acts_mutual_aid", "belonging", "credits"):
        assert np.array_equal(getattr(same.residents, name), getattr(unplayed.residents, name))


def test_residents_told_to_stay_home_never_attend_nor_ask(unplayed):
    home = run({"activity": False, "ask_help": False, "offer_help": False})
    acted = PLAYED[home.residents.acts_activities[PLAYED] > 0]
    # the only activity acts left are a recruited organiser's for running a session, never for attending one
    assert (home.residents.last_volunteered[acted] >= 0).all()
    assert home.residents.acts_activities[PLAYED].sum() < 0.1 * unplayed.residents.acts_activities[PLAYED].sum()
    assert unplayed.residents.acts_activities[PLAYED].sum() > 0
    assert home.residents.acts_mutual_aid[PLAYED].sum() == 0  # never asked, never helped


def test_residents_told_to_go_attend_more_than_the_model_would_send_them(unplayed):
    going = run({"activity": True})
    played = going.residents.acts_activities[PLAYED].sum()
    assert played > 1.25 * unplayed.residents.acts_activities[PLAYED].sum()  # whenever aware, with a place left
    others = np.setdiff1d(np.arange(400), PLAYED)
    # the others are still decided by the model (their totals move only through the played ones' effects)
    assert going.residents.acts_activities[others].sum() > 0


def test_residents_told_to_ask_ask_every_week():
    asking = run({"ask_help": True}, weeks=6)
    assert asking.week.aid_requests >= len(PLAYED)


def test_residents_told_to_stay_away_from_meetings_never_deliberate_and_told_to_come_do_more():
    settings = {"weeks": 52, "seed": 5}
    away = run({"deliberation": False}, **settings)
    come = run({"deliberation": True}, **settings)
    model = run(None, **settings)
    assert away.residents.acts_deliberation[PLAYED].sum() == 0
    assert come.residents.acts_deliberation[PLAYED].sum() > model.residents.acts_deliberation[PLAYED].sum() > 0
