"""The Design page: the cheapest mixes of measures that reach a target under a budget, found by search.

A policymaker picks one or more communities, a budget in yuan per household per year
and a participation target; the page runs a small design search in the background
(:mod:`commsim.design`: pymoo through the experiment runner, every mix on the same
seeds, the front re-run on more seeds) and shows the front with its intervals. Choosing
a point shows its mix in plain words and can open it in Compare, against the status quo
on the same community, or in Explore.

Every value the browser sends is checked on the server (:func:`page_spec`) before
anything starts; the search is small enough for a laptop (``SEARCH``), and takes one of
the server's job slots like a comparison or a sweep.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import pandas as pd
import solara

from commsim.config.presets import preset_names
from commsim.dashboard import state
from commsim.dashboard.background import use_background_job
from commsim.dashboard.controls import BoundSlider, ResidentsSlider
from commsim.dashboard.jobs import Choice
from commsim.dashboard.markup import SafeMarkdown
from commsim.dashboard.settings import LIMITS, Bound, LimitError, Scenario, results_root
from commsim.dashboard.state import session_owner
from commsim.design.answer import cheapest_reaching
from commsim.design.report import mix_in_words, shown
from commsim.design.spec import Constraint, DesignSpec, Discovery, Lever, Objective, Search, check_spec
from commsim.runs.labels import preset_title

BUDGET = Bound("budget (yuan per household per year)", 100, 3000)
TARGET = Bound("target: residents taking part (%)", 5, 90)
WEEKS = Bound("weeks", 26, 104)
# At the page's default size the status quo (the baseline package) costs about 720 yuan
# per household per year on the old inner-city estate, mostly the service centre's
# operation and sessions (a fixed cost: smaller communities pay more per household); the
# default budget leaves room for measures on top of it.
DEFAULT_BUDGET = 900
DEFAULT_RESIDENTS = 600
SEARCH = Search(population=8, generations=3)
LEVERS = (
    Lever(name="leader_coverage", range=(0.0, 1.0)),
    Lever(name="fund_per_household_year", range=(0.0, 120.0)),
    Lever(name="points_per_act", range=(0.0, 20.0)),
    Lever(name="disclosure", values=["none", "semiannual", "monthly"]),
    Lever(name="time_bank", values=[False, True]),
    Lever(name="platform_reach", range=(0.0, 0.6)),
)


def page_spec(profiles: Any, budget: Any, target: Any, residents: Any, weeks: Any) -> DesignSpec:
    """The design the page runs, every value checked against the dashboard's limits.

    Args:
        profiles: Community profile names (from the browser).
        budget: Yuan per household per year.
        target: Share taking part to reach, in percent.
        residents: Residents of every run.
        weeks: Weeks per run.

    Returns:
        The checked spec.

    Raises:
        LimitError: If a value is outside what the page allows.
    """
    known = preset_names("profile")
    if not isinstance(profiles, list | tuple) or not profiles or any(name not in known for name in profiles):
        raise LimitError(f"communities: choose one or more of {', '.join(known)}")
    chosen = list(dict.fromkeys(profiles))
    weeks = WEEKS.check(weeks)
    spec = DesignSpec(
        name="design",
        description="The cheapest mixes that reach the target within the budget, in every community chosen.",
        base={"policy": "baseline", "n_residents": LIMITS.sweep_residents.check(residents)},
        profiles={name: {"profile": name} for name in chosen},
        levers=list(LEVERS),
        objectives=[
            Objective(metric="rate_any", sense="maximise"),
            Objective(metric="cost_per_household_year", sense="minimise"),
        ],
        constraints=[Constraint(metric="cost_per_household_year", max=BUDGET.check(budget))],
        robustness="worst",
        replicates=2,
        final_replicates=3,
        steps=weeks,
        window=min(26, weeks),
        search=SEARCH,
        discovery=Discovery(metric="rate_any", at_least=TARGET.check(target) / 100),
    )
    check_spec(spec)
    return spec


def design_folder(root: Path, owner: str) -> Path:
    """A fresh folder ``<root>/dashboard/design-<time>-<owner>-<random>`` for one session's search."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return root / "dashboard" / f"design-{stamp}-{owner}-{secrets.token_hex(3)}"


def open_in_explore(spec: DesignSpec, row: pd.Series, profile: str) -> Scenario:
    """A mix of the front as the Explore page's scenario: the community, the baseline package, the mix's levers."""
    overrides = {lever.name: _plain(row[lever.name]) for lever in spec.levers}
    return Scenario(profile=profile, policy="baseline", overrides=overrides, n_residents=spec.base["n_residents"])


def open_in_compare(spec: DesignSpec, row: pd.Series, profile: str, label: str) -> None:
    """Set the Compare page up for a mix of the front: the status quo against the mix, on ``profile``.

    The status quo is the baseline package; the mix is the baseline with the mix's levers,
    at the design's population and weeks, so the comparison is the one the search made.
    """
    mix = open_in_explore(spec, row, profile)
    state.kept("compare:profile").set(profile)
    state.kept("compare:residents").set(mix.n_residents)
    state.kept("compare:steps").set(spec.steps)
    state.kept("compare:choices").set([Choice("status quo", "baseline"), Choice(label, "baseline", mix.overrides)])


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    return value


def _run(spec: DesignSpec, folder: Path, progress: solara.Reactive) -> pd.DataFrame:
    from commsim.design.run import run_design

    def event(found: dict[str, Any]) -> None:
        if found["event"] == "generation":
            progress.set((found["generation"], found["of"], found["front"]))

    return run_design(spec, folder, executor="inline", progress=False, on_event=event).front


def no_mix_text(spec: DesignSpec, folder: Path) -> str:
    """Why no mix reached the target, from every mix the search tried (``evaluations.csv``)."""
    text = "No mix found reaches the target in every community within the budget."
    worst = [f"rate_any@{profile}" for profile in spec.profiles]
    try:
        tried = pd.read_csv(folder / "evaluations.csv")
    except (OSError, pd.errors.EmptyDataError):
        return text
    if tried.empty or not {"cost_per_household_year", *worst} <= set(tried.columns):
        return text
    budget, cost = spec.constraints[0].max, tried["cost_per_household_year"]
    if cost.min() > budget:
        return (
            f"{text} Every mix tried costs more than the budget: the cheapest about {cost.min():,.0f} yuan per "
            f"household per year, against {budget:,.0f}. The service centre's running cost is fixed, so in a "
            "small community it falls on few households: try more residents or a larger budget."
        )
    best = tried.loc[cost <= budget, worst].min(axis=1).max()
    return (
        f"{text} Within the budget the best mix tried had {best:.0%} of residents taking part in the community "
        f"where it did worst (target {spec.discovery.at_least:.0%}; the best mixes are then re-run on more seeds)."
    )


@solara.component
def FrontView(spec: DesignSpec, front: pd.DataFrame, folder: Path):
    """The front: the cheapest mix reaching the target, the points with intervals, a chosen point in words."""
    chosen = solara.use_reactive(0)
    router = solara.use_router()
    cheapest = cheapest_reaching(spec, front)
    if cheapest is not None:
        column = "cost_per_household_year"
        cost = shown(column, cheapest[column], cheapest[f"{column}_ci_low"], cheapest[f"{column}_ci_high"])
        SafeMarkdown(
            f"**Cheapest mix reaching the target in every community: {cost}** — {mix_in_words(spec, cheapest)}."
        )
    else:
        solara.Warning(no_mix_text(spec, folder))
    figure = folder / "figures" / "front.png"
    if figure.is_file():
        solara.Image(figure, width="100%")
    labels = [
        f"M{position + 1}: {shown('rate_any', row['rate_any'], row['rate_any_ci_low'], row['rate_any_ci_high'])}, "
        f"{shown('cost_per_household_year', row['cost_per_household_year'])}"
        for position, row in front.iterrows()
    ]
    if not labels:
        return
    solara.Select(
        "one of the best trade-offs",
        values=labels,
        value=labels[min(chosen.value, len(labels) - 1)],
        on_value=lambda text: chosen.set(labels.index(text) if text in labels else 0),
    )
    row = front.iloc[min(chosen.value, len(labels) - 1)]
    names = {candidate: f"M{position + 1}" for position, candidate in enumerate(front["candidate"])}
    ties = [names[other] for other in str(row["ties_with"] or "").split() if other in names]
    tied = f". On these seeds it cannot be told apart from {', '.join(ties)}." if ties else "."
    SafeMarkdown(mix_in_words(spec, row) + tied)
    label = f"mix M{min(chosen.value, len(labels) - 1) + 1}"
    for profile in spec.profiles:
        title = preset_title("profile", profile)
        with solara.Row():
            solara.Button(
                f"Compare with the status quo ({title})",
                on_click=lambda profile=profile: (open_in_compare(spec, row, profile, label), router.push("/compare")),
            )
            solara.Button(
                f"Open in Explore ({title})",
                on_click=lambda profile=profile: state.scenario.set(open_in_explore(spec, row, profile)),
            )


INTRO = (
    "### Design: the cheapest mixes of measures that reach a target\n"
    "An evolutionary search (NSGA-II, which keeps the mixes no other mix beats on both participation "
    "and cost: the best trade-offs) tries mixes of team leaders, autonomy fund, points, disclosure, time bank and "
    "platform, each on the same seeds in every community chosen, judges each by the community where it "
    "does worst, keeps only mixes within the budget, and re-runs the best on more seeds. "
    f"It tries at most {SEARCH.population * SEARCH.generations} mixes: minutes on a laptop. "
    "The method and its limits are described in the guide docs/design.md that comes with commsim."
)


@solara.component
def DesignSettings(profiles, budget, target, residents, weeks):
    """The sidebar's card: the communities, the budget, the target, residents and weeks (each a kept reactive)."""
    with solara.Card("What to look for"):
        titles = {preset_title("profile", name): name for name in preset_names("profile")}
        solara.SelectMultiple(
            "communities",
            values=[title for title, name in titles.items() if name in profiles.value],
            all_values=list(titles),
            on_value=lambda chosen: profiles.set([titles[title] for title in chosen if title in titles]),
        )
        BoundSlider(BUDGET, budget.value, budget.set, step=50)
        BoundSlider(TARGET, target.value, target.set)
        ResidentsSlider(residents.value, residents.set, bound=LIMITS.sweep_residents)
        BoundSlider(WEEKS, weeks.value, weeks.set, step=13)


@solara.component
def Design():
    """The Design page."""
    profiles = state.use_kept("design:profiles", ["old_inner_city"])
    budget = state.use_kept("design:budget", DEFAULT_BUDGET)
    target = state.use_kept("design:target", 30)
    residents = state.use_kept("design:residents", DEFAULT_RESIDENTS)
    weeks = state.use_kept("design:weeks", 52)

    def prepare() -> tuple[DesignSpec, Path]:
        spec = page_spec(profiles.value, budget.value, target.value, residents.value, weeks.value)
        return spec, design_folder(results_root(), session_owner())

    def work(spec: DesignSpec, folder: Path, progress: solara.Reactive) -> tuple[DesignSpec, pd.DataFrame, Path]:
        return spec, _run(spec, folder, progress), folder

    job = use_background_job("design", prepare, work, first_progress=(0, SEARCH.generations, 0), noun="search")
    with solara.Sidebar():
        DesignSettings(profiles, budget, target, residents, weeks)
    SafeMarkdown(INTRO)
    searching = bool(job.task.pending) or job.running.value
    solara.Button("Find the best mixes", color="primary", on_click=job.start, disabled=searching)
    if searching:
        generation, of, front = job.progress.value
        solara.ProgressLinear(100 * generation / of if of else True)
        solara.Text(f"Searching in the background: round {generation} of {of}, {front} best trade-offs so far")
    if job.problem.value:
        solara.Error(f"The search {job.problem.value}")
    if job.finished.value is not None and not searching:
        FrontView(*job.finished.value)
