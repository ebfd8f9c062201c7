"""What a played resident sees, and how a student's choices become forced decisions."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from commsim.classroom.choices import ResidentChoice, forced_by
from commsim.classroom.views import feeling, resident_view
from commsim.mechanisms import forced_log_odds, logistic
from commsim.model import CommunityModel
from commsim.state.forced import MODEL, NO, YES, Forced


@pytest.fixture(scope="module")
def model():
    built = CommunityModel(rng=2, n_residents=400)
    for _ in range(30):
        built.step()
    return built


def test_a_resident_sees_their_own_building_s_open_issues_and_ties(model):
    view = resident_view(model, 5)
    building = model.residents.building[5]
    compound = model.layout.building_compound[building]
    for seen in view.issues:
        scope = model.issues.scope_id[seen.issue]
        assert model.issues.resolved_step[seen.issue] < 0
        assert scope == (compound if seen.whole_compound else building)
    adjacency = model.ties.adjacency()
    assert view.ties == adjacency.indptr[6] - adjacency.indptr[5]
    assert 0 <= view.ties_active <= view.ties and view.week == 30
    assert view.age_group in ("youth", "adult", "elderly") and view.belonging in (
        "very low",
        "low",
        "middling",
        "high",
        "very high",
    )


def test_a_view_of_a_slot_that_does_not_exist_is_refused(model):
    for slot in (-1, 400, "3", 2.0):
        with pytest.raises(IndexError):
            resident_view(model, slot)


def test_feelings_cover_the_scale():
    assert [feeling(value) for value in (0.0, 0.3, 0.5, 0.7, 1.0)] == [
        "very low",
        "low",
        "middling",
        "high",
        "very high",
    ]


def test_choices_are_strict_booleans_and_nothing_else():
    assert ResidentChoice(activity=True).offer_help is False
    for bad in ({"activity": "yes"}, {"activity": 1}, {"vote": True}, {"activity": None}):
        with pytest.raises(ValidationError):
            ResidentChoice(**bad)


def test_forced_decisions_follow_the_students_and_leave_everyone_else_to_the_model():
    forced = forced_by(5, {1: ResidentChoice(activity=True), 3: ResidentChoice(ask_help=True)})
    assert forced.activity.tolist() == [MODEL, YES, MODEL, NO, MODEL]
    assert forced.ask_help.tolist() == [MODEL, NO, MODEL, YES, MODEL]
    assert forced.any and not Forced.none(5).any
    with pytest.raises(IndexError):
        forced_by(5, {5: ResidentChoice()})
    with pytest.raises(KeyError):
        Forced.from_decisions(5, {1: {"vote": True}})
    log_odds = np.array([0.3, -2.0, 1.0, 4.0, -0.5])
    shifted = forced_log_odds(log_odds, forced.activity)
    assert shifted[[0, 2, 4]].tolist() == log_odds[[0, 2, 4]].tolist()
    draws = np.random.default_rng(0).random(5)
    assert bool(draws[1] < logistic(shifted[1]))  # a yes is taken whatever the draw
    assert not bool(draws[3] < logistic(forced_log_odds(log_odds, forced.ask_help)[1]))  # a no, never
