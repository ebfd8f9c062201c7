"""The officials' pages rendered without a browser: each shows its agent's view and sends a checked choice."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara
from solara.components.datatable import DataTableWidget

from commsim.classroom.roster import ClassLimits
from commsim.classroom.run import ClassRun, ClassSetup
from commsim.dashboard.classroom_roles import (
    CommitteePanel,
    LeaderPanel,
    OrganisationPanel,
    RoleComparisons,
    interval_text,
)

SETUP = ClassSetup(n_residents=300, weeks=4, seed=3, policy="social_work_committee", overrides={"leader_coverage": 1.0})


@pytest.fixture
def run() -> ClassRun:
    opened = ClassRun.open(
        SETUP, limits=ClassLimits(actions="50/10 seconds"), roles=("leader", "committee", "organisation")
    )
    opened.clock.step()
    opened.tick(0.0)
    return opened


def rendered(element):
    _, rc = solara.render(element, handle_error=False)
    return rc


def test_a_leader_ticks_residents_and_sends(run):
    student = run.roster.join(run.roster.code, "Lead", "leader")
    view = run.view(student.token)
    rc = rendered(LeaderPanel(run, student.token, view))
    first = view.neighbours[0]
    boxes = rc.find(v.Checkbox).widgets
    assert len(boxes) == len(view.neighbours)
    boxes[0].v_model = True
    rc.find(v.Btn, children=["Send my choices"]).widget.click()
    assert run.pending[student.token].ask == [first.slot] and run.pending[student.token].report is None
    rc.find(v.Alert, children=[f"Sent for week {view.week}. You can change it until the week runs."]).assert_single()
    rc.close()


def test_the_committee_withholds_the_fund_and_holds_an_open_day(run):
    student = run.roster.join(run.roster.code, "Chair", "committee")
    rc = rendered(CommitteePanel(run, student.token, run.view(student.token)))
    fund, disclose = rc.find(v.BtnToggle).widgets
    fund.v_model, disclose.v_model = 1, 1  # withhold; yes
    rc.find(v.Btn, children=["Send the committee's choices"]).widget.click()
    sent = run.pending[student.token]
    assert sent.fund == "withhold" and sent.disclose == "yes" and sent.formats == {}
    rc.close()


def test_a_representative_gives_staff_hours(run):
    student = run.roster.join(run.roster.code, "Rep", "organisation")
    view = run.view(student.token)
    rc = rendered(OrganisationPanel(run, student.token, view))
    rc.find(v.Slider).widget.v_model = min(1.0, view.staff_hours)
    rc.find(v.Btn, children=["Send what we give"]).widget.click()
    assert run.pending[student.token].staff_hours == pytest.approx(min(1.0, view.staff_hours))
    rc.close()


def test_the_debrief_shows_a_table_per_official_role(run):
    student = run.roster.join(run.roster.code, "Chair", "committee")
    run.choose(student.token, {"disclose": "yes"})
    run.clock.step()
    run.tick(0.0)
    table = run.comparisons()
    assert set(table["role"]) == {"resident", "committee"}  # residents' rows exist, with nobody to compare
    rc = rendered(RoleComparisons(table))
    assert len(rc.find(DataTableWidget).widgets) == 1  # the committee's table only
    rc.close()


def test_the_committee_pays_for_one_issue_within_the_fund_and_is_told_when_it_asks_too_much():
    later = ClassRun.open(
        ClassSetup(n_residents=300, weeks=20, seed=3, policy="acquaintance"),
        limits=ClassLimits(actions="50/10 seconds"),
        roles=("committee",),
    )
    for _ in range(12):
        later.clock.step()
        later.tick(0.0)
    student = later.roster.join(later.roster.code, "Chair", "committee")
    view = later.view(student.token)
    assert view.issues and view.fund_balance > 0
    rc = rendered(CommitteePanel(later, student.token, view))
    rc.find(v.BtnToggle).widgets[0].v_model = 2  # pay for one issue
    issue = next(select for select in rc.find(v.Select).widgets if select.label == "issue")
    issue.v_model = view.issues[-1].issue
    amount = rc.find(v.TextField, label="yuan at most").widget
    amount.v_model = str(round(view.fund_balance) + 1000)
    rc.find(v.Btn, children=["Send the committee's choices"]).widget.click()
    assert later.pending == {}
    rc.find(v.Alert, children=[f"the fund holds {view.fund_balance:.0f} yuan"]).assert_single()
    amount.v_model = "100"
    rc.find(v.Btn, children=["Send the committee's choices"]).widget.click()
    sent = later.pending[student.token]
    assert (sent.fund, sent.fund_issue, sent.fund_yuan) == ("issue", view.issues[-1].issue, 100.0)
    rc.close()


def test_a_difference_shows_its_interval_only_when_there_is_one():
    assert interval_text(1.0, 0.5, 1.5) == "+1.00 [+0.50, +1.50]"
    assert interval_text(-2.0, float("nan"), float("nan")) == "-2.00"  # one agent: no interval
    assert interval_text(float("nan"), float("nan"), float("nan")) == ""  # nobody compared
