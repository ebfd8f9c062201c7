import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from commsim.design.run import run_design
from commsim.design.spec import load_design_spec

TRADE_OFF = {
    "name": "trade_off",
    "target": "commsim.experiments.reference:trade_off",
    "profiles": {"one": {}},
    "levers": [
        {"name": "x", "range": [0, 1]},
        {"name": "y", "range": [0, 1]},
        {"name": "mode", "values": ["plain", "other"]},
    ],
    "objectives": [{"metric": "benefit", "sense": "maximise"}, {"metric": "cost", "sense": "minimise"}],
    "constraints": [{"metric": "cost", "max": 0.6}],
    "replicates": 1,
    "final_replicates": 2,
    "search": {"population": 16, "generations": 12},
    "discovery": {"metric": "benefit", "at_least": 0.5},
}


def _spec(tmp_path: Path, name: str = "spec.yaml", **changes):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(TRADE_OFF | changes))
    return path


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("search")
    spec = load_design_spec(_spec(tmp))
    result = run_design(spec, tmp / "out", executor="inline", progress=False)
    return spec, result, tmp


def test_a_cheap_function_s_known_front_is_recovered(searched):
    _, result, _ = searched
    front = result.front
    assert len(front) >= 8
    assert (front["mode"] == "plain").all()
    # On the known front, benefit = sqrt(cost) (y = 0); the search gets close to it.
    gap = np.sqrt(front["cost"]) - front["benefit"]
    assert gap.median() < 0.06 and gap.max() < 0.15  # random mixes: y ~ U(0, 1), a gap of 0.5 on average
    assert front["cost"].min() < 0.25 and front["cost"].max() > 0.45


def test_the_budget_is_never_violated_on_the_front(searched):
    _, result, tmp = searched
    assert (result.front["cost"] <= 0.6).all()
    assert (result.front["cost_ci_high"] <= 0.6).all()
    evaluations = pd.read_csv(tmp / "out" / "evaluations.csv")
    assert not evaluations[evaluations["cost"] > 0.6]["feasible"].any()
    assert (evaluations["cost"] > 0.6).any()  # the search did meet mixes over the budget


def test_the_front_is_written_with_intervals_mixes_and_a_report(searched):
    _, _, tmp = searched
    folder = tmp / "out"
    front = pd.read_csv(folder / "front.csv")
    assert {"x", "y", "mode", "benefit_ci_low", "benefit_ci_high", "ties_with"} <= set(front.columns)
    assert (folder / "front.parquet").is_file()
    assert {path.name for path in (folder / "figures").iterdir()} >= {"front.png", "mixes.png"}
    report = (folder / "report.md").read_text()
    assert "## The answer" in report and "95% intervals" in report
    discovery = pd.read_csv(folder / "discovery.csv")
    x_row = discovery[discovery["lever"] == "x"]
    assert len(x_row) == 1 and x_row["low"].iloc[0] > 0.2  # benefit >= 0.5 needs x >= 0.25
    assert 0 < discovery["coverage"].iloc[0] <= 1 and discovery["density"].iloc[0] >= 0.8


def test_the_same_seed_gives_the_same_front_and_a_resume_runs_nothing(searched):
    spec, result, tmp = searched
    again = run_design(spec, tmp / "again", executor="inline", progress=False)
    pd.testing.assert_frame_equal(again.front, result.front)
    resumed = run_design(spec, tmp / "out", executor="inline", progress=False, resume=True)
    assert resumed.runs_executed == 0
    pd.testing.assert_frame_equal(resumed.front, result.front)


def test_points_whose_intervals_overlap_on_every_objective_are_ties(tmp_path):
    from commsim.design.search import Scored, front_table

    spec = load_design_spec(_spec(tmp_path))

    def scored(x, benefits, costs):
        return Scored({"x": x, "y": 0.0, "mode": "plain"}, np.array([np.column_stack([benefits, costs])]), 0)

    close = scored(0.4, [0.60, 0.70, 0.65], [0.40, 0.45, 0.42])
    closer = scored(0.41, [0.62, 0.69, 0.66], [0.41, 0.44, 0.43])
    apart = scored(0.1, [0.30, 0.31, 0.30], [0.10, 0.10, 0.10])
    table = front_table(spec, [close, closer, apart], []).set_index("candidate")
    assert table.loc[close.name, "ties_with"] == closer.name
    assert table.loc[closer.name, "ties_with"] == close.name
    assert table.loc[apart.name, "ties_with"] == ""


def test_a_killed_search_resumes_to_the_same_front(tmp_path):
    changes = {"search": {"population": 8, "generations": 4}, "base": {"delay_s": 0.05}, "discovery": None}
    path = _spec(tmp_path, **changes)
    spec = load_design_spec(path)
    whole = run_design(spec, tmp_path / "whole", executor="inline", progress=False)
    folder = tmp_path / "killed"
    command = [sys.executable, "-m", "commsim.cli", "design", str(path), "--out", str(folder), "--executor", "inline"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((folder / "runs").glob("*.parquet"))) < 8:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stored = {path.stem for path in (folder / "runs").glob("*.parquet")}
    assert process.returncode == -signal.SIGKILL
    assert 8 <= len(stored) < len(list((tmp_path / "whole" / "runs").glob("*.parquet")))
    resumed = run_design(spec, folder, executor="inline", progress=False, resume=True)
    pd.testing.assert_frame_equal(resumed.front, whole.front)
    total = {path.stem for path in (folder / "runs").glob("*.parquet")}
    assert resumed.runs_executed == len(total - stored)  # no stored run ran again
    assert not math.isnan(resumed.front["benefit"].iloc[0])


def test_robustness_across_profiles_mean_worst_and_regret():
    from commsim.design.evaluate import aggregate

    values = np.array([[0.4, 0.5], [0.2, 0.1]])  # profiles x replicate seeds
    assert aggregate(values, "maximise", "mean") == pytest.approx([0.3, 0.3])
    assert aggregate(values, "maximise", "worst") == pytest.approx([0.2, 0.1])
    assert aggregate(values, "minimise", "worst") == pytest.approx([0.4, 0.5])
    best = np.array([0.6, 0.2])
    assert aggregate(values, "maximise", "regret", best) == pytest.approx([0.2, 0.1])
    assert aggregate(values, "minimise", "regret", np.array([0.4, 0.0])) == pytest.approx([0.2, 0.1])


def test_four_objectives_search_with_nsga3_and_regret(tmp_path):
    from pymoo.algorithms.moo.nsga3 import NSGA3

    from commsim.design.search import make_algorithm

    objectives = [
        {"metric": "benefit", "sense": "maximise"},
        {"metric": "cost", "sense": "minimise"},
        {"metric": "balance", "sense": "maximise"},
        {"metric": "spread", "sense": "minimise"},
    ]
    path = _spec(
        tmp_path,
        objectives=objectives,
        profiles={"plain": {"mode": "plain"}, "other": {"mode": "other"}},
        levers=[{"name": "x", "range": [0, 1]}, {"name": "y", "range": [0, 1]}],
        robustness="regret",
        search={"population": 8, "generations": 2},
        discovery=None,
    )
    spec = load_design_spec(path)
    assert isinstance(make_algorithm(spec), NSGA3)
    result = run_design(spec, tmp_path / "out", executor="inline", progress=False)
    assert len(result.front) >= 1
    assert {"regret_benefit", "regret_cost", "regret_balance", "regret_spread"} <= set(result.front.columns)
    assert (result.front["regret_benefit"] >= 0).all()


def test_the_front_does_not_depend_on_the_executor(tmp_path):
    path = _spec(tmp_path, search={"population": 8, "generations": 2}, discovery=None)
    spec = load_design_spec(path)
    inline = run_design(spec, tmp_path / "inline", executor="inline", progress=False)
    pool = run_design(spec, tmp_path / "processes", executor="processes", workers=2, progress=False)
    dask = run_design(spec, tmp_path / "dask", executor="dask", workers=2, progress=False)
    pd.testing.assert_frame_equal(pool.front, inline.front)
    pd.testing.assert_frame_equal(dask.front, inline.front)


def test_a_mix_is_told_in_plain_words_with_its_units():
    import pandas as pd

    from commsim.dashboard.design import page_spec
    from commsim.design.report import mix_in_words

    spec = page_spec(["old_inner_city"], 900, 30, 300, 52)
    row = pd.Series(
        {"leader_coverage": 0.00416, "fund_per_household_year": 6.8612, "points_per_act": 19.7,
         "disclosure": "semiannual", "time_bank": False, "platform_reach": 0.395}
    )  # fmt: skip
    words = mix_in_words(spec, row)
    assert "Share of buildings with a team leader: 0.4%" in words
    assert "Autonomy fund budget: 6.86 yuan per household per year" in words
    assert "19.7 points per act" in words and ": no" in words and "39.5%" in words
    assert "leader_coverage" not in words and "0.00416" not in words


def test_a_discovered_choice_is_told_in_words_not_as_python_values():
    import numpy as np
    import pandas as pd

    from commsim.dashboard.design import page_spec
    from commsim.design.discovery import discover

    spec = page_spec(["old_inner_city"], 900, 30, 300, 52)
    rng = np.random.default_rng(4)
    mixes = pd.DataFrame(
        {
            lever.name: rng.choice(lever.values, 80) if lever.values is not None else rng.uniform(*lever.range, 80)
            for lever in spec.levers
        }
    )
    reaches = mixes["time_bank"].astype(bool) & (mixes["disclosure"] != "none")
    metric = f"{spec.discovery.metric}@old_inner_city"
    mixes[metric] = np.where(reaches, spec.discovery.at_least + 0.1, spec.discovery.at_least - 0.1)
    boxes = discover(spec, mixes.assign(feasible=True))
    conditions = " ".join(boxes["condition"])
    assert "Mutual-aid time bank set to yes" in conditions, conditions
    assert "True" not in conditions and " is " not in conditions
