"""The Design page: its spec checked on the server, a small search in the background, the front, Explore."""

import ipyvuetify as v
import pandas as pd
import pytest
import solara
from solara.autorouting import RenderPage
from test_pages import alerts, button, in_layout, shows, slider, wait_until

from commsim.dashboard import app, state
from commsim.dashboard.design import Design, page_spec
from commsim.dashboard.jobs import Choice
from commsim.dashboard.settings import LimitError, Scenario
from commsim.runs.labels import preset_title


@pytest.fixture
def results(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMSIM_RESULTS_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_design_page():
    """Every test finds the Design page as a new session would (it keeps its settings and search)."""

    def reset():
        for key in [key for key in state._KEPT if key.startswith("design:")]:
            state._KEPT.pop(key).set(None)

    reset()
    yield
    reset()


def test_the_page_s_spec_is_checked_on_the_server():
    spec = page_spec(["old_inner_city", "migrant_heavy"], 700, 30, 300, 52)
    assert spec.constraints[0].max == 700 and spec.discovery.at_least == pytest.approx(0.30)
    assert list(spec.profiles) == ["old_inner_city", "migrant_heavy"]
    for bad in (
        ([], 700, 30, 300, 52),
        (["atlantis"], 700, 30, 300, 52),
        ("old_inner_city", 700, 30, 300, 52),
        (["old_inner_city"], 10**9, 30, 300, 52),
        (["old_inner_city"], 700, float("nan"), 300, 52),
        (["old_inner_city"], 700, 30, 10**7, 52),
        (["old_inner_city"], 700, 30, 300, 5200),
    ):
        with pytest.raises(LimitError):
            page_spec(*bad)


def test_the_design_page_is_a_tab():
    assert [route.label for route in app.routes][-1] == "Design"
    assert app.page_index("/design") == len(app.routes) - 1


def test_a_search_runs_in_the_background_shows_the_front_and_opens_a_mix_in_compare_and_explore(results):
    kept = ("compare:choices", "compare:profile", "compare:residents", "compare:steps")
    before = {key: state.kept(key).peek() for key in kept}

    @solara.component
    def whole_app():
        solara.RoutingProvider(children=[RenderPage()], routes=app.routes, pathname="/design")

    box, rc = solara.render(whole_app(), handle_error=False)
    try:
        slider(rc, "residents (at most 2,000 here)").v_model = 400  # 200 households: a centre costs ~1,100 each
        slider(rc, "weeks").v_model = 26
        slider(rc, "budget (yuan per household per year)").v_model = 3000
        slider(rc, "target: residents taking part (%)").v_model = 5
        button(box, "Find the best mixes").click()
        wait_until(lambda: shows(box, "Cheapest mix") or bool(alerts(box)), "the search's front")
        assert alerts(box) == [], alerts(box)
        assert shows(box, "Cheapest mix reaching the target in every community")
        assert rc.find(v.Select, label="one of the best trade-offs").widget.items
        folders = list((results / "dashboard").iterdir())
        assert len(folders) == 1 and folders[0].name.startswith("design-")
        assert (folders[0] / "front.csv").is_file()
        title = preset_title("profile", "old_inner_city")
        button(box, f"Open in Explore ({title})").click()
        opened = state.scenario.value
        assert isinstance(opened, Scenario) and opened.profile == "old_inner_city" and opened.n_residents == 400
        assert set(opened.overrides) >= {"leader_coverage", "time_bank", "disclosure"}
        button(box, f"Compare with the status quo ({title})").click()
        status_quo, mix = state.kept("compare:choices").value
        assert status_quo == Choice("status quo", "baseline")
        assert mix.policy == "baseline" and mix.overrides == opened.overrides and mix.label == "mix M1"
        assert state.kept("compare:profile").value == "old_inner_city"
        assert state.kept("compare:residents").value == 400
        assert state.kept("compare:steps").value == 26  # the weeks the search ran, not Compare's default
        wait_until(lambda: shows(box, "Choice 1 (reference)"), "the Compare page")
        labels = [field.v_model for field in rc.find(v.TextField, label="label").widgets]
        assert labels == ["status quo", "mix M1"]
        assert slider(rc, "weeks").v_model == 26
    finally:
        rc.close()
        state.scenario.set(Scenario())
        for key, value in before.items():  # later tests see the Compare page as a new session would
            state.kept(key).set(value)


def test_a_value_the_page_does_not_allow_is_refused_before_anything_runs(results):
    box, rc = solara.render(in_layout(Design), handle_error=False)
    try:
        slider(rc, "budget (yuan per household per year)").v_model = 10**9
        button(box, "Find the best mixes").click()
        (message,) = alerts(box)
        assert message.startswith("The search was refused: budget") and "outside the range" in message
        assert not (results / "dashboard").exists()
    finally:
        rc.close()


def test_a_search_waits_its_turn_when_the_server_runs_its_most_jobs(results):
    """A search takes one of the server's job slots, as comparisons and sweeps do (shared hook)."""
    from commsim.dashboard import background
    from commsim.dashboard.settings import LIMITS

    box, rc = solara.render(in_layout(Design), handle_error=False)
    for _ in range(LIMITS.concurrent_jobs):  # other sessions' jobs hold every slot
        assert background.JOB_SLOTS.acquire(blocking=False)
    try:
        button(box, "Find the best mixes").click()
        wait_until(lambda: bool(alerts(box)), "the refusal")
        assert alerts(box) == [
            f"The search was refused: the server is already running {LIMITS.concurrent_jobs} comparisons, sweeps "
            "or searches, the most it runs at once; try again when one has finished"
        ]
        assert not list(results.rglob("evaluations.csv"))  # nothing ran
    finally:
        for _ in range(LIMITS.concurrent_jobs):
            background.JOB_SLOTS.release()
        rc.close()


def test_communities_are_chosen_by_their_plain_names_and_the_default_budget_admits_the_status_quo(results):
    from commsim.config.presets import preset_names
    from commsim.dashboard.design import DEFAULT_BUDGET, DEFAULT_RESIDENTS, LEVERS
    from commsim.model import CommunityModel
    from commsim.runs.costs import price_run

    box, rc = solara.render(in_layout(Design), handle_error=False)
    try:
        select = rc.find(v.Select, label="communities").widget
        names = preset_names("profile")
        assert select.items == [preset_title("profile", name) for name in names]
        assert not set(select.items) & set(names)  # no identifier reaches the page
        select.v_model = [preset_title("profile", "migrant_heavy")]
        slider(rc, "budget (yuan per household per year)").v_model = 10**9
        button(box, "Find the best mixes").click()
        (message,) = alerts(box)
        assert message.startswith("The search was refused: budget")  # refused on the budget, not the community
    finally:
        rc.close()
    # The status quo of the default community and size, priced over a year: the default budget leaves room above it.
    model = CommunityModel(rng=1, n_residents=DEFAULT_RESIDENTS, profile="old_inner_city", policy="baseline")
    for _ in range(52):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True).assign(step=lambda f: f.index)
    status_quo = price_run(frame, model.p).per_household_year
    assert status_quo < DEFAULT_BUDGET
    assert {lever.name for lever in LEVERS} >= {"fund_per_household_year", "leader_coverage"}


def test_a_search_left_while_it_runs_is_found_on_return_with_its_settings(results):
    """Leaving the page (it unmounts) does not lose the search: back on it, its progress, then its front."""
    box, rc = solara.render(in_layout(Design), handle_error=False)
    slider(rc, "residents (at most 2,000 here)").v_model = 400
    slider(rc, "weeks").v_model = 26
    slider(rc, "budget (yuan per household per year)").v_model = 3000
    slider(rc, "target: residents taking part (%)").v_model = 5
    button(box, "Find the best mixes").click()
    wait_until(lambda: state.kept("design:running").peek(), "the search to start")
    rc.close()  # the user opens another page
    again, rc2 = solara.render(in_layout(Design), handle_error=False)
    try:
        assert slider(rc2, "residents (at most 2,000 here)").v_model == 400
        assert slider(rc2, "budget (yuan per household per year)").v_model == 3000
        if state.kept("design:running").peek():
            assert shows(again, "Searching in the background")
            assert button(again, "Find the best mixes").disabled
        wait_until(lambda: shows(again, "Cheapest mix") or bool(alerts(again)), "the search's front on return")
        assert alerts(again) == [], alerts(again)
        assert len(list((results / "dashboard").iterdir())) == 1
    finally:
        rc2.close()


def test_no_mix_is_explained_from_what_the_search_tried(tmp_path):
    """Every mix over the budget: the page says so with the cheapest cost; else the best share reached."""
    from commsim.dashboard.design import no_mix_text

    spec = page_spec(["old_inner_city", "migrant_heavy"], 900, 30, 300, 52)
    assert no_mix_text(spec, tmp_path) == "No mix found reaches the target in every community within the budget."
    (tmp_path / "evaluations.csv").write_text("")  # an interrupted search leaves an empty table
    assert no_mix_text(spec, tmp_path).startswith("No mix found")
    tried = {"cost_per_household_year": [4900.0, 5200.0], "rate_any@old_inner_city": [0.5, 0.6]}
    pd.DataFrame({**tried, "rate_any@migrant_heavy": [0.2, 0.3]}).to_csv(tmp_path / "evaluations.csv", index=False)
    text = no_mix_text(spec, tmp_path)
    assert "the cheapest about 4,900 yuan per household per year, against 900" in text
    pd.DataFrame({**tried, "rate_any@migrant_heavy": [0.2, 0.25], "cost_per_household_year": [800.0, 850.0]}).to_csv(
        tmp_path / "evaluations.csv", index=False
    )
    assert "the best mix tried had 25% of residents taking part in the community where it did worst" in (
        no_mix_text(spec, tmp_path)
    )
