"""The students' pages of the officials' roles, and the debrief's per-role comparisons.

A **team leader** sees the residents of their building and its open issues, ticks the
residents they ask in person this week and picks an issue to report to the committee (or
none). The **residents' committee** sees the issues reported to it, the fund and the last
open day, and chooses a format per category, how the fund pays this week and whether to
hold an open day. An **organisation's representative** sees what the organisation has and
what the volunteers asked of it, and chooses whether to offer the space and how many
staff hours to give. Every choice is checked on the server (:mod:`commsim.classroom`).
"""

from __future__ import annotations

import pandas as pd
import solara

from commsim.classroom.official_views import CommitteeView, LeaderView, OrganisationView
from commsim.classroom.roster import ClassroomError
from commsim.classroom.run import ClassRun
from commsim.dashboard.markup import SafeMarkdown

ROLE_TITLES = {
    "resident": "Residents",
    "leader": "Building team leaders",
    "committee": "The residents' committee",
    "organisation": "Organisations' representatives",
}
COLOUR_WORDS = {"red": "a party or government unit", "white": "a business", "green": "a social organisation"}
NO_REPORT = "report nothing this week"
RULE = "the community's rule"


def words(name: str) -> str:
    """A model name in words (``public_services`` to ``public services``)."""
    return name.replace("_", " ")


def use_send(run: ClassRun, token: str, week: int):
    """Hook: a function that sends a choice, and the line to show after it (sent, or why it was refused)."""
    said = solara.use_reactive(None)

    def send(choice: dict) -> None:
        try:
            run.choose(token, choice)
        except ClassroomError as error:
            said.set(("refused", str(error)))
            return
        said.set(("sent", week))

    return send, said.value


def SentOrRefused(said, week: int) -> None:
    """The line under a role's choices."""
    if said is None:
        return
    if said[0] == "sent" and said[1] == week:
        solara.Info(f"Sent for week {week}. You can change it until the week runs.")
    elif said[0] == "refused":
        solara.Warning(said[1])


@solara.component
def LeaderPanel(run: ClassRun, token: str, view: LeaderView):
    """A team leader's building, and whom to ask and what to report."""
    asked = solara.use_reactive(frozenset())
    report = solara.use_reactive(NO_REPORT)
    send, said = use_send(run, token, view.week)
    if not view.leads:
        solara.Warning("You no longer lead the building (the role was too much): the model plays your resident.")
        return
    with solara.Card(f"Building {view.building}: what you know"), solara.Column(gap="4px"):
        if not view.issues:
            solara.Text("No open problem in your building or compound.")
        for seen in view.issues:
            known = "the committee knows of it" if seen.known_to_committee else "not reported yet"
            solara.Text(f"Issue {seen.issue}: {words(seen.category)}, open {seen.weeks_open} weeks; {known}.")
    with solara.Card(f"Whom you ask in person this week (at most {view.max_asks})"), solara.GridFixed(columns=3):
        for neighbour in view.neighbours:
            active = "took part recently" if neighbour.active_recently else "not seen lately"
            role = ", a volunteer" if neighbour.volunteer else ""

            def toggle(on: bool, slot: int = neighbour.slot) -> None:
                asked.set(asked.value | {slot} if on else asked.value - {slot})

            solara.Checkbox(
                label=f"resident {neighbour.slot} ({neighbour.age_group}, {active}{role})",
                value=neighbour.slot in asked.value,
                on_value=toggle,
            )
    reportable = [NO_REPORT, *(f"issue {issue}" for issue in view.reportable)]
    with solara.Card("What you report to the committee"), solara.Column():
        solara.ToggleButtonsSingle(value=report.value if report.value in reportable else NO_REPORT,
                                   values=reportable, on_value=report.set)  # fmt: skip
        issue = None if report.value == NO_REPORT else int(report.value.removeprefix("issue "))
        solara.Button(
            "Send my choices",
            color="primary",
            on_click=lambda: send({"ask": sorted(asked.value), "report": issue}),
        )
    SentOrRefused(said, view.week)


@solara.component
def CommitteePanel(run: ClassRun, token: str, view: CommitteeView):
    """The committee's issues and fund, and its three choices."""
    formats = solara.use_reactive({})
    fund = solara.use_reactive(RULE)
    fund_issue = solara.use_reactive(None)
    amount = solara.use_reactive(0.0)
    disclose = solara.use_reactive(RULE)
    send, said = use_send(run, token, view.week)
    last = f"week {view.last_open_day}" if view.last_open_day is not None else "none yet"
    with solara.Card("What the committee knows"), solara.Column(gap="4px"):
        solara.Text(f"Autonomy fund: {view.fund_balance:,.0f} yuan. Open days held: {view.open_days} (last: {last}).")
        if not view.issues:
            solara.Text("No open issue has been reported to the committee.")
        for seen in view.issues:
            when = f"meets in week {seen.next_meeting}" if seen.next_meeting >= 0 else "no meeting set"
            solara.Text(f"Issue {seen.issue}: {words(seen.category)}, open {seen.weeks_open} weeks, "
                        f"{words(seen.format)}, {when}, costs {seen.cost_yuan:,.0f} yuan.")  # fmt: skip
    with solara.Card("Formats by kind of issue (issues meeting or scheduled this week)"):
        for category, rule in view.rule_formats.items():
            options = [f"{RULE} ({words(rule)})", *map(words, view.formats)]

            def pick(shown: str, category: str = category) -> None:
                chosen = {k: v for k, v in formats.value.items() if k != category}
                if not shown.startswith(RULE):
                    chosen[category] = shown.replace(" ", "_")
                formats.set(chosen)

            current = formats.value.get(category)
            solara.Select(words(category), values=options, value=words(current) if current else options[0],
                          on_value=pick)  # fmt: skip
    with solara.Card("The fund and the open day this week"), solara.Column():
        solara.Text("How the autonomy fund pays for agreed projects this week:")
        solara.ToggleButtonsSingle(value=fund.value, values=[RULE, "withhold", "pay for one issue"], on_value=fund.set)
        if fund.value == "pay for one issue":
            with solara.Row():
                solara.Select("issue", values=[seen.issue for seen in view.issues], value=fund_issue)
                solara.InputFloat("yuan at most", value=amount, continuous_update=True)
        solara.Text("Hold an open day disclosing affairs and finances:")
        solara.ToggleButtonsSingle(value=disclose.value, values=[RULE, "yes", "no"], on_value=disclose.set)

        def choice() -> dict:
            paid = fund.value == "pay for one issue"
            return {
                "formats": dict(formats.value),
                "fund": "issue" if paid else "withhold" if fund.value == "withhold" else "rule",
                "fund_issue": fund_issue.value if paid else None,
                "fund_yuan": float(amount.value or 0.0) if paid else 0.0,
                "disclose": "rule" if disclose.value == RULE else disclose.value,
            }

        solara.Button("Send the committee's choices", color="primary", on_click=lambda: send(choice()))
    SentOrRefused(said, view.week)


@solara.component
def OrganisationPanel(run: ClassRun, token: str, view: OrganisationView):
    """What the organisation has and was asked for, and what it gives this week."""
    space = solara.use_reactive(False)
    hours = solara.use_reactive(0.0)
    send, said = use_send(run, token, view.week)
    member = "a member of the resource library" if view.in_library else "not in the resource library"
    with solara.Card("What your organisation has"), solara.Column(gap="4px"):
        solara.Text(f"You represent {COLOUR_WORDS[view.colour]} ({view.colour}), {member}; its engagement "
                    f"with the community is {view.engagement}.")  # fmt: skip
        solara.Text(f"Staff hours: up to {view.staff_hours:.1f} a week. Space to offer: "
                    f"{'yes' if view.has_space else 'none'}.")  # fmt: skip
        solara.Text(f"Last week it gave {view.gave_staff_hours:.1f} staff hours and its space for "
                    f"{view.gave_space:.0%} of the week.")  # fmt: skip
        solara.Text(f"The volunteers ask: last week's participation needed {view.support_hours_asked:.0f} hours "
                    f"of support work, carried by {view.volunteers} volunteers.")  # fmt: skip
    with solara.Card("What you give this week"), solara.Column():
        solara.Checkbox(label="offer our space for helpers", value=space, disabled=not view.has_space)
        solara.SliderFloat("staff hours", value=hours, min=0.0, max=max(view.staff_hours, 0.1), step=0.5)
        solara.Text(f"{min(float(hours.value), view.staff_hours):.1f} staff hours this week")
        solara.Button(
            "Send what we give",
            color="primary",
            on_click=lambda: send(
                {"space": bool(space.value), "staff_hours": min(float(hours.value), view.staff_hours)}
            ),
        )
    SentOrRefused(said, view.week)


PANELS = {"leader": LeaderPanel, "committee": CommitteePanel, "organisation": OrganisationPanel}


def interval_text(mean: float, low: float, high: float) -> str:
    """A paired difference with its 95% interval (the difference alone for a single pair; blank without one)."""
    if pd.isna(mean):
        return ""
    if pd.isna(low):
        return f"{mean:+.2f}"
    return f"{mean:+.2f} [{low:+.2f}, {high:+.2f}]"


def comparison_table(table: pd.DataFrame) -> pd.DataFrame:
    """The per-role comparison as shown: class, model and the paired difference with its interval."""
    table = table.reset_index(drop=True)
    return pd.DataFrame(
        {
            "measure": table["measure"],
            "class": table["class"].map(lambda value: f"{value:.2f}"),
            "the model's own": table["model"].map(lambda value: f"{value:.2f}"),
            "difference [95% interval]": [
                interval_text(*values)
                for values in zip(table["difference"], table["ci_low"], table["ci_high"], strict=True)
            ],
            "agents": table["agents"],
        }
    )


@solara.component
def RoleComparisons(table: pd.DataFrame):
    """One table per role played in the class (residents' is shown by the debrief itself)."""
    for role, title in ROLE_TITLES.items():
        rows = table[table["role"] == role]
        if role == "resident" or rows.empty:
            continue
        SafeMarkdown(f"#### {title}")
        shown = comparison_table(rows)
        solara.DataFrame(shown, items_per_page=len(shown))
