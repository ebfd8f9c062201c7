"""Hostile input to reopening past experiments and to the Hegselmann-Krause mechanism.

A reopened folder is read only, whatever it holds: a refusal is one clear error and the
folder's bytes are the same afterwards.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commsim.dashboard.history import reopen
from commsim.experiments.folder import FolderError
from commsim.experiments.plan import make_plan
from commsim.experiments.reopen import finished_experiment
from commsim.experiments.spec import ExperimentSpec
from commsim.experiments.sweep import run_sweep
from commsim.mechanisms import hegselmann_krause


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished two-point sweep of a reference function, made once for the module."""
    folder = tmp_path_factory.mktemp("results") / "sweep"
    spec = ExperimentSpec(
        name="sweep",
        target="commsim.experiments.reference:linear",
        factors=[{"name": "x1", "values": [0.0, 1.0]}],
        replicates=2,
    )
    run_sweep(make_plan(spec), folder, executor="inline", progress=False)
    return folder


@pytest.fixture
def copy(finished, tmp_path) -> Path:
    root = tmp_path / "results"
    shutil.copytree(finished, root / "sweep", symlinks=True)
    return root / "sweep"


def digest(folder: Path) -> str:
    hashed = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        hashed.update(str(path).encode())
        if path.is_file():
            hashed.update(path.read_bytes())
    return hashed.hexdigest()


def without_run_column(data: pd.DataFrame) -> pd.DataFrame:
    return data.drop(columns="run")


def text_metric(data: pd.DataFrame) -> pd.DataFrame:
    return data.assign(y="<b>y</b>")


def no_rows(data: pd.DataFrame) -> pd.DataFrame:
    return data.iloc[:0]


@pytest.mark.parametrize(
    ("damage", "message"),
    [(without_run_column, "no column 'run'"), (text_metric, "metric 'y' is not a number"), (no_rows, "holds no rows")],
)
def test_data_an_analysis_cannot_read_is_refused_in_one_line_and_nothing_written(copy, damage, message):
    path = copy / "data.parquet"
    damage(pd.read_parquet(path)).to_parquet(path)
    before = digest(copy)
    with pytest.raises(FolderError, match=message):
        finished_experiment(copy)
    with pytest.raises(FolderError, match=message):
        reopen(copy, copy.parent)
    assert digest(copy) == before


def test_a_manifest_linked_out_of_the_results_is_not_read(copy, tmp_path):
    outside = tmp_path / "outside.json"
    shutil.move(copy / "manifest.json", outside)
    (copy / "manifest.json").symlink_to(outside)
    outside.write_text("{not json", encoding="utf-8")  # reading it would fail differently
    with pytest.raises(ValueError, match="has no manifest inside"):
        reopen(copy, copy.parent)


def test_an_intact_folder_of_another_target_is_read_but_not_drawn_and_not_a_byte_changed(copy):
    before = digest(copy)
    assert set(finished_experiment(copy)[0].design["point"]) == {0, 1}
    # The Sweep page's curve labels a lever of commsim's model; a reference function's x1 is none.
    with pytest.raises(ValueError, match="its report shows its results"):
        reopen(copy, copy.parent)
    assert digest(copy) == before


@pytest.mark.parametrize("far", [10**9, 10**12, 10**16, 2**62])
def test_large_group_ids_neither_blur_opinions_nor_reach_another_group(far):
    opinions = np.array([0.25, 0.5, 0.75 + 1e-9])
    alone = hegselmann_krause(opinions, epsilon=0.25, rounds=1)
    together = hegselmann_krause(
        np.concatenate([[0.5], opinions]), epsilon=0.25, rounds=1, group=np.array([0, far, far, far])
    )
    assert together[1:] == pytest.approx(alone, abs=1e-12)
    assert together[0] == 0.5
    spread = hegselmann_krause(
        np.array([0.1, 0.2, 0.9]), epsilon=0.3, rounds=1, group=np.array([-(2**62), -(2**62), 2**62])
    )
    assert spread == pytest.approx([0.15, 0.15, 0.9])


@pytest.mark.parametrize(
    ("opinions", "epsilon", "message"),
    [
        ([0.3, float("nan")], 0.2, "opinions"),
        ([2.9, 0.1], 0.5, "opinions"),
        ([0.3, 0.35], -0.1, "bounds"),
        ([0.3, 0.35], float("nan"), "bounds"),
        ([0.3, 0.35], 1.0, "bounds"),
    ],
)
def test_opinions_or_bounds_outside_their_ranges_are_refused(opinions, epsilon, message):
    with pytest.raises(ValueError, match=message):
        hegselmann_krause(np.array(opinions), epsilon=epsilon, rounds=3, group=np.array([0, 1]))


def test_hegselmann_krause_of_nothing_or_one_opinion_is_that_input():
    assert hegselmann_krause(np.array([]), epsilon=0.2, rounds=5).size == 0
    assert hegselmann_krause(np.array([0.3]), epsilon=0.2, rounds=5) == pytest.approx([0.3])
    assert hegselmann_krause(np.array([0.3, 0.3, 0.5]), epsilon=0.0, rounds=5) == pytest.approx([0.3, 0.3, 0.5])


@pytest.mark.parametrize("bounds", [(0.5, 0.5), (1.0, 0.0), (0.0, float("nan")), (float("-inf"), 1.0)])
def test_an_empty_reversed_or_unbounded_prior_is_refused_before_any_evaluation(bounds):
    from commsim.validation import abc_smc

    def model(_parameters):
        raise AssertionError("evaluated")

    with pytest.raises(ValueError, match="the prior of a needs a finite low below its high"):
        abc_smc.calibrate({"a": bounds}, model=model, population=4, generations=1, seed=1)


def test_a_figure_swapped_for_a_link_out_or_a_huge_file_after_listing_is_not_downloaded(copy, tmp_path, monkeypatch):
    from commsim.dashboard import history

    root = copy.parent
    (copy / "figures").mkdir(exist_ok=True)
    (copy / "figures" / "curve.png").write_bytes(b"\x89PNG\r\n\x1a\nimage")
    figure = history.report_figures(copy, root)[0]
    assert history.figure_bytes(figure, root).startswith(b"\x89PNG")
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nsecret")
    figure.unlink()
    figure.symlink_to(secret)
    with pytest.raises(OSError, match="not a file inside the results folder"):
        history.figure_bytes(figure, root)
    figure.unlink()
    figure.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    monkeypatch.setattr(history, "LIMITS", replace(history.LIMITS, figure_bytes=50))
    with pytest.raises(OSError, match="larger than 50 bytes"):
        history.figure_bytes(figure, root)
