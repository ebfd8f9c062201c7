"""The Classroom pages: a teacher runs a shared class run; students join with a code and play residents.

**Classroom** (``/classroom``, the teacher): start from a classroom lesson (its setup and
teacher notes, :mod:`commsim.classroom.lessons`) or choose the community, the package, its
size, length, seed and pace; open the class; read out the join code; watch who joins; start,
pause, step, run to a week or end; after the end, the debrief (each played resident
against the same resident in the model's own run) and the timeline as CSV.

**Join a class** (``/join``, a student): type the code and a name, then each week see what
your resident knows and choose: go to a session, go to a meeting, ask for help, offer help.
Choices not sent before the week runs are left to the model.

The teacher's token and each student's token live in their browser session only; every
request is checked on the server against the class (:mod:`commsim.classroom`), join
attempts are limited per session, and choices per student.
"""

from __future__ import annotations

import os
import statistics
import threading

import solara
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from commsim.classroom.clock import PACE_RANGE, ClockError
from commsim.classroom.registry import CLASSES
from commsim.classroom.roster import ROLE_LABELS, ROLES, ClassroomError
from commsim.classroom.run import ClassRun, ClassSetup
from commsim.dashboard import state
from commsim.dashboard.class_lessons import (
    CLASS_RESIDENTS,
    CLASS_WEEKS,
    NO_LESSON,
    TeacherNotesCard,
    classroom_lesson,
    classroom_lessons,
    lesson_edits_text,
)
from commsim.dashboard.classroom_roles import PANELS, RoleComparisons, comparison_table
from commsim.dashboard.controls import PresetSelect, range_text
from commsim.dashboard.markup import SafeMarkdown
from commsim.dashboard.server import CLASSROOM_LESSON_VARIABLE
from commsim.dashboard.settings import LimitError, check_preset, error_text
from commsim.dashboard.state import session_owner

JOIN_ATTEMPTS = "5/minute"  # per browser session: a join code cannot be guessed by trying
REFRESH_S = 0.5
# The four role buttons of Join a class wrap onto a second line in a narrow card (height auto: Vuetify fixes it).
WRAPPED_TOGGLE = {"flex-wrap": "wrap", "height": "auto"}
# The cards that take a teacher back to their class and a student back to their seat after
# a reload: title, hint, the code's and the key's labels, the button.
TEACHER_RETURN = (
    "Return to a class you opened",
    "After a reload, or from another browser: the join code and the teacher key the class page showed.",
    "join code",
    "teacher key",
    "Return to the class",
)
STUDENT_RETURN = (
    "Back to your seat",
    "After a reload: your class's code and the seat key your page showed.",
    "your class's code",
    "seat key",
    "Back to my seat",
)
_JOINS = MovingWindowRateLimiter(MemoryStorage())


def use_refresh() -> int:
    """Hook: a counter that moves every :data:`REFRESH_S` seconds while the page is shown."""
    counter = solara.use_reactive(0)

    def keep(cancel: threading.Event) -> None:
        while not cancel.wait(REFRESH_S):
            counter.set(counter.value + 1)

    solara.use_thread(keep, dependencies=[], intrusive_cancel=False)
    return counter.value


def _class_of(code: str | None) -> ClassRun | None:
    if not code:
        return None
    try:
        return CLASSES.find(code)
    except ClassroomError:
        return None


@solara.component
def Classroom():
    """The teacher's page."""
    code = state.use_kept("classroom:code", None)
    token = state.use_kept("classroom:token", None)
    lesson_id = state.use_kept("classroom:lesson", None)
    run = _class_of(code.value)
    if run is None or not run.roster.is_teacher(token.value or ""):
        NewClass(
            lambda opened, lesson: (
                code.set(opened.roster.code),
                token.set(opened.roster.teacher_token),
                lesson_id.set(lesson.id if lesson else None),
            )
        )
        ReturnWithKey(
            TEACHER_RETURN,
            lambda found, key: found.roster.is_teacher(key),
            "that is not the teacher key of this class",
            lambda found, key: (code.set(found.roster.code), token.set(key)),
        )
        return
    TeacherView(run, token.value, on_close=lambda: (code.set(None), token.set(None)))
    if lesson := classroom_lesson(lesson_id.value):
        TeacherNotesCard(lesson, week=run.clock.week)


@solara.component
def ReturnWithKey(texts: tuple[str, str, str, str, str], holds, refusal: str, on_return):
    """Back into an open class after a reload (a new browser session): its code and a key the page showed.

    Args:
        texts: The card's title, its hint, the code's and the key's labels, the button.
        holds: Whether a class run and a typed key go together (the teacher's key, a seat's key).
        refusal: Why a key that does not is refused.
        on_return: Called with the class run and the key.
    """
    title, hint, code_label, key_label, label = texts
    typed_code, key = solara.use_reactive(""), solara.use_reactive("")
    problem = solara.use_reactive(None)

    def take_back() -> None:
        if not _JOINS.hit(parse(JOIN_ATTEMPTS), title, session_owner()):
            problem.set("too many attempts: wait a minute")
            return
        try:
            run = CLASSES.find(typed_code.value)
        except ClassroomError as error:
            problem.set(str(error))
            return
        typed_key = str(key.value).strip()
        if not holds(run, typed_key):
            problem.set(refusal)
            return
        on_return(run, typed_key)

    with solara.Card(title, style={"max-width": "560px"}):
        solara.Text(hint)
        solara.InputText(code_label, value=typed_code, continuous_update=True)
        solara.InputText(key_label, value=key, password=True, continuous_update=True)
        solara.Button(label, on_click=take_back)
        if problem.value:
            solara.Warning(f"Refused: {problem.value}")


@solara.component
def NewClass(on_open):
    """The form that opens a class, from a classroom lesson or a setup of the teacher's own."""
    start = classroom_lesson(os.environ.get(CLASSROOM_LESSON_VARIABLE))  # `commsim classroom --lesson`
    lesson_id = solara.use_reactive(start.id if start else None)
    lesson = classroom_lesson(lesson_id.value)
    profile = solara.use_reactive(start.profile if start else "old_inner_city")
    policy = solara.use_reactive(start.policy if start else "acquaintance")
    residents = solara.use_reactive(start.n_residents if start else 1000)
    weeks = solara.use_reactive(start.weeks if start else 26)
    seed = solara.use_reactive(start.seed if start else 1)
    pace = solara.use_reactive(start.pace if start else 4.0)
    roles = solara.use_reactive(tuple(start.roles) if start else ("resident",))
    problem = solara.use_reactive(None)

    def start_from(chosen: str | None) -> None:
        found = classroom_lesson(chosen)
        lesson_id.set(found.id if found else None)
        if found:
            profile.set(found.profile)
            policy.set(found.policy)
            residents.set(found.n_residents)
            weeks.set(found.weeks)
            seed.set(found.seed)
            pace.set(found.pace)
            roles.set(tuple(role for role in ROLES if role in found.roles))

    def open_class() -> None:
        try:
            setup = ClassSetup(
                profile=check_preset("profile", profile.value),
                policy=check_preset("policy", policy.value),
                overrides=dict(lesson.overrides) if lesson else {},
                seed=int(seed.value),
                n_residents=CLASS_RESIDENTS.check(residents.value),
                weeks=CLASS_WEEKS.check(weeks.value),
            )
            on_open(CLASSES.open(setup, pace=float(pace.value), roles=roles.value), lesson)
        except (LimitError, ClassroomError, ClockError, ValueError, TypeError) as error:
            problem.set(error_text(error))

    SafeMarkdown(
        "### Open a class\nStudents play residents, team leaders, the committee or organisations of one shared "
        "run while the model plays everyone else. "
        "Choose the community, then read out the join code; students open **Join a class** on this server."
    )
    titles = {found.title: found.id for found in classroom_lessons()}
    solara.Select(
        label="Start from a lesson",
        values=[NO_LESSON, *titles],
        value=lesson.title if lesson else NO_LESSON,
        on_value=lambda title: start_from(titles.get(title)),
        style={"max-width": "640px"},
    )
    with solara.Card("The class's community", style={"max-width": "640px"}):
        if lesson:
            solara.Text(f"From the lesson: {lesson_edits_text(lesson)}")
        PresetSelect("community profile", "profile", profile.value, profile.set)
        PresetSelect("policy package", "policy", policy.value, policy.set)
        solara.SliderInt("residents", value=residents, min=CLASS_RESIDENTS.low, max=CLASS_RESIDENTS.high, step=100)
        solara.Text(f"{CLASS_RESIDENTS.shown(residents.value):,} residents ({range_text(CLASS_RESIDENTS)})")
        solara.SliderInt("weeks the class runs", value=weeks, min=CLASS_WEEKS.low, max=CLASS_WEEKS.high)
        solara.Text(f"{CLASS_WEEKS.shown(weeks.value):,} weeks ({range_text(CLASS_WEEKS)})")
        solara.SliderFloat("pace (weeks per minute)", value=pace, min=PACE_RANGE[0], max=PACE_RANGE[1], step=0.5)
        if isinstance(pace.value, int | float) and pace.value > 0:  # the server checks it when the class opens
            solara.Text(f"{pace.value:g} weeks a minute: {60 / pace.value:.0f} s to choose each week")
        solara.InputInt("seed", value=seed)
        RoleChoice(roles.value, roles.set)
        solara.Button("Open the class", color="primary", on_click=open_class)
    if problem.value:
        solara.Warning(f"The class cannot open: {problem.value}")
    if lesson:
        TeacherNotesCard(lesson, week=None)


@solara.component
def RoleChoice(chosen, on_chosen):
    """Checkboxes of the roles students may join as (kept in the order of :data:`ROLES`)."""
    solara.Text("Roles students may join as:")
    with solara.Row(style={"flex-wrap": "wrap"}):
        for role in ROLES:

            def toggle(on: bool, role: str = role) -> None:
                kept = set(chosen) | {role} if on else set(chosen) - {role}
                on_chosen(tuple(r for r in ROLES if r in kept))

            solara.Checkbox(label=f"{ROLE_LABELS[role]}", value=role in chosen, on_value=toggle)


def seat_text(role: str, agent: int) -> str:
    """Which agent a seat plays, in words."""
    what = {"resident": "resident", "leader": "leader, resident", "committee": "seat", "organisation": "organisation"}
    return f"{ROLE_LABELS[role]} ({what[role]} {agent})"


def week_typed(text: str) -> int:
    """The week typed into "run to week", or a refusal naming what was typed."""
    try:
        return int(str(text).strip())
    except ValueError:
        raise ValueError(f"run to week: {str(text)[:40]!r} is not a whole number of weeks") from None


@solara.component
def TeacherView(run: ClassRun, token: str, on_close):
    """The join code, who joined, the clock's controls and, at the end, the debrief."""
    use_refresh()  # the roster, the clock and the choices change in other sessions
    target = solara.use_reactive(str(run.setup.weeks))  # text: what the box shows is what is checked
    problem = solara.use_reactive(None)
    now = CLASSES.now()

    def command(action) -> None:
        try:
            with run.lock:
                action()
            problem.set(None)
        except (ClockError, ClassroomError, ValueError, TypeError) as error:
            problem.set(error_text(error))

    clock = run.clock
    left = clock.remaining_s(now)
    with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}, gap="24px"):
        solara.Text(f"Join code: {run.roster.code}", style={"font-size": "2rem", "font-weight": "bold"})
        solara.Text("students open the page Join a class on this server and type the code and their name")
    with solara.Details("Teacher key (to return to this class after a reload; do not show it to the class)"):
        solara.Text(token, style={"font-family": "monospace"})
    with solara.Card("Clock"):
        solara.Text(
            f"Week {clock.week} of {clock.last_week} · {clock.state}"
            + (f" · {left:.0f} s left to choose" if left is not None else "")
            + f" · {len(run.pending)} of {len(run.roster.students)} students have chosen this week"
        )
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button("Start", on_click=lambda: command(lambda: clock.start(CLASSES.now())),
                          disabled=clock.state in ("running", "ended"))  # fmt: skip
            solara.Button("Pause", on_click=lambda: command(clock.pause), disabled=clock.state != "running")
            solara.Button("Step", on_click=lambda: command(clock.step), disabled=clock.state in ("running", "ended"))
            solara.InputText("run to week", value=target, continuous_update=True, style={"max-width": "120px"})
            solara.Button("Run to week", on_click=lambda: command(lambda: clock.run_to(week_typed(target.value), now)),
                          disabled=clock.state == "ended")  # fmt: skip
            solara.Button(
                "End the class", color="error", on_click=lambda: command(clock.end), disabled=clock.state == "ended"
            )
        solara.Text(f"Pace: {clock.pace:g} weeks a minute ({clock.window_s:.0f} s to choose each week)")
        if clock.late_s:
            solara.Text(
                f"Keeping time: the weeks ran {statistics.median(clock.late_s):.2f} s after their time at the "
                f"median and {max(clock.late_s):.2f} s at most ({len(clock.late_s)} weeks)"
            )
        solara.SliderFloat(
            "pace (weeks per minute)",
            value=clock.pace,
            min=PACE_RANGE[0],
            max=PACE_RANGE[1],
            step=0.5,
            on_value=lambda pace: command(lambda: clock.set_pace(pace)),
        )
    if problem.value:
        solara.Warning(f"Refused: {problem.value}")
    if run.failure:
        solara.Error(run.failure)
    with solara.Card("Roles open"):
        RoleChoice(
            tuple(r for r in ROLES if r in run.roster.open_roles),
            lambda roles: command(lambda: run.roster.set_open_roles(token, roles)),
        )
        seats = {role: len(run.roster.agents.get(role, ())) for role in ROLES}
        solara.Text("Seats: " + ", ".join(f"{count} for {ROLE_LABELS[role]}" for role, count in seats.items()))
    with solara.Card(f"Students ({len(run.roster.students)})"), solara.Column(gap="2px"):
        for student in list(run.roster.students.values()):
            solara.Text(f"{student.name} — plays {seat_text(student.seat.role, student.seat.agent)}")
    if clock.state == "ended":
        Debrief(run)
        solara.Button("Close the class", on_click=lambda: (CLASSES.close(run, token), on_close()))


@solara.component
def Debrief(run: ClassRun):
    """Each role: the played agents in the class against the model's own run, and the timeline."""
    everything = solara.use_memo(run.comparisons, [run.roster.code, run.model.steps])
    residents = everything[everything["role"] == "resident"]
    table = residents.rename(columns={"measure": "channel", "agents": "residents"}).reset_index(drop=True)
    SafeMarkdown(
        "### Debrief\nActs per played resident over the class run: as the class played them, and as the model "
        "played the same residents in the same community on the same seed (the difference is paired by resident, "
        "with its 95% interval). The team leaders, the committee and the organisations played follow, each "
        "against the same agent in the model's own run (paired by agent where several were played)."
    )
    shown = comparison_table(table.rename(columns={"channel": "measure", "residents": "agents"})).rename(
        columns={"measure": "channel", "class": "acts per resident, class", "agents": "residents"}
    )
    solara.DataFrame(shown, items_per_page=len(shown) or 1)
    RoleComparisons(everything)
    solara.FileDownload(
        lambda: run.timeline_table().to_csv(index=False),
        filename="class_timeline.csv",
        label="Download the timeline (CSV)",
    )


@solara.component
def JoinClass():
    """A student's page."""
    code = state.use_kept("join:code", None)
    token = state.use_kept("join:token", None)
    run = _class_of(code.value)
    if run is None or token.value not in run.roster.students:
        JoinForm(lambda joined_code, joined: (code.set(joined_code), token.set(joined)))
        ReturnWithKey(
            STUDENT_RETURN,
            lambda found, key: key in found.roster.students,
            "that is not the key of a seat in this class",
            lambda found, key: (code.set(found.roster.code), token.set(key)),
        )
        return
    with solara.Details("Your seat key (to come back to your seat if the page reloads; keep it to yourself)"):
        solara.Text(token.value, style={"font-family": "monospace"})
    StudentView(run, token.value)


@solara.component
def JoinForm(on_join):
    """Code and name; a wrong code is refused, and so are more than a few attempts a minute."""
    typed_code = solara.use_reactive("")
    name = solara.use_reactive("")
    role = solara.use_reactive(ROLE_LABELS["resident"])
    problem = solara.use_reactive(None)

    def join() -> None:
        if not _JOINS.hit(parse(JOIN_ATTEMPTS), "join", session_owner()):
            problem.set("too many attempts: wait a minute")
            return
        try:
            run = CLASSES.find(typed_code.value)
            chosen = next((key for key, label in ROLE_LABELS.items() if label == role.value), "resident")
            student = run.roster.join(typed_code.value, name.value, chosen)
        except ClassroomError as error:
            problem.set(str(error))
            return
        on_join(run.roster.code, student.token)

    SafeMarkdown("### Join a class\nType the code your teacher gives you, and your name as the class will see it.")
    with solara.Card(style={"max-width": "480px"}):
        solara.InputText("join code", value=typed_code)
        solara.InputText("your name", value=name)
        solara.Text("You play (if your teacher opened that role):")
        solara.ToggleButtonsSingle(value=role, values=[ROLE_LABELS[key] for key in ROLES], style=WRAPPED_TOGGLE)
        solara.Button("Join", color="primary", on_click=join)
    if problem.value:
        solara.Warning(problem.value)


@solara.component
def StudentView(run: ClassRun, token: str):
    """What your resident knows this week, and your four choices."""
    activity, meeting = solara.use_reactive(False), solara.use_reactive(False)
    ask, offer = solara.use_reactive(False), solara.use_reactive(False)
    sent = solara.use_reactive(None)
    problem = solara.use_reactive(None)
    use_refresh()  # the week runs on the server's clock
    try:
        view = run.view(token)
        role = run.roster.student(token).seat.role
    except ClassroomError as error:
        solara.Warning(str(error))
        return
    clock = run.clock
    if clock.state == "ended":
        solara.Success(f"The class has ended at week {clock.week}. Your teacher will show the debrief.")
        return
    if role != "resident":
        left = clock.remaining_s(CLASSES.now())
        SafeMarkdown(f"### You are {ROLE_LABELS[role]} · week {clock.week} of {clock.last_week}")
        solara.Text(f"{left:.0f} s left to choose this week" if left is not None else f"The class is {clock.state}.")
        PANELS[role](run, token, view)
        return

    def send() -> None:
        try:
            choice = {"activity": activity.value, "deliberation": meeting.value}
            run.choose(token, {**choice, "ask_help": ask.value, "offer_help": offer.value})
        except ClassroomError as error:
            problem.set(str(error))
            return
        problem.set(None)
        sent.set(clock.week)

    left = clock.remaining_s(CLASSES.now())
    SafeMarkdown(f"### You are a resident ({view.age_group}) · week {clock.week} of {clock.last_week}")
    solara.Text(f"{left:.0f} s left to choose this week" if left is not None else f"The class is {clock.state}.")
    with solara.Card("What you know"), solara.Column(gap="4px"):
        solara.Text(f"Free time: {view.free_hours:.0f} hours a week. Points: {view.points:.0f}.")
        if view.credits is not None:
            solara.Text(f"Time-bank credits: {view.credits:+.1f} hours.")
        solara.Text(f"Your sense of belonging is {view.belonging}; your trust in the residents' committee is "
                    f"{view.trust}; your sense that you can change things is {view.efficacy}.")  # fmt: skip
        if view.ties == 1:
            went = "went" if view.ties_active else "did not go"
            solara.Text(f"The one person you know {went} to an activity recently.")
        elif view.ties:
            solara.Text(f"{view.ties_active} of the {view.ties} people you know went to an activity recently.")
        else:
            solara.Text("You do not know anyone in the neighbourhood yet.")
        if not view.issues:
            solara.Text("No open problem in your building or compound.")
        for seen in view.issues:
            where = "your compound" if seen.whole_compound else "your building"
            known = "the committee knows of it" if seen.known_to_committee else "nobody has reported it yet"
            solara.Text(
                f"A {seen.category.replace('_', ' ')} problem in {where}, open {seen.weeks_open} weeks; {known}."
            )
    with solara.Card("Your choices this week"):
        solara.Checkbox(label="go to an activity I heard of", value=activity)
        solara.Checkbox(label="go to a meeting on a problem here, if there is one", value=meeting)
        solara.Checkbox(label="ask someone for help", value=ask)
        solara.Checkbox(label="help someone who asks me", value=offer)
        solara.Button("Send my choices", color="primary", on_click=send)
    if sent.value == clock.week:
        solara.Info(f"Sent for week {clock.week}. You can change them until the week runs.")
    if problem.value:
        solara.Warning(problem.value)
