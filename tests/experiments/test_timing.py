"""Dry-run estimates rest on a cost measured on this machine, cached per machine and model version."""

from __future__ import annotations

import json

import pytest

from commsim.experiments import timing
from commsim.experiments.plan import make_plan
from commsim.experiments.spec import ExperimentSpec
from commsim.experiments.sweep import dry_run, run_sweep
from commsim.experiments.targets import model_version


def _spec(**fields) -> ExperimentSpec:
    values = {
        "name": "timed",
        "base": {"profile": "old_inner_city", "n_residents": 120},
        "scenarios": {"baseline": {"policy": "baseline"}, "centres": {"policy": "centres"}},
        "replicates": 2,
        "steps": 6,
    }
    return ExperimentSpec(**(values | fields))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COMMSIM_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / timing.CACHE_FILE


def test_a_cost_from_samples_has_its_mean_and_spread():
    cost = timing.cost_from_samples([1.0, 2.0, 3.0], [100.0, 100.0, 100.0], source="three runs")
    assert cost.per_resident_week_s == pytest.approx(0.02) and cost.spread == pytest.approx(0.5)
    assert timing.cost_from_samples([0.0], [10.0], source="none") is None


def test_an_estimate_schedules_runs_on_workers_and_gives_a_range():
    cost = timing.Cost(0.01, 0.1, 10, "test", "2026-01-01T00:00:00", workers=2)
    found = timing.estimate(cost, [100.0] * 5, workers=2)  # 1 s each: 3 waves on 2 workers
    assert found.seconds == pytest.approx(3.0)
    assert found.low_s == pytest.approx(2.4) and found.high_s == pytest.approx(3.6)


def test_a_cost_measured_on_fewer_workers_gives_the_runs_one_after_another_as_the_upper_end():
    cost = timing.Cost(0.01, 0.1, 3, "calibration", "2026-01-01T00:00:00", workers=1)
    found = timing.estimate(cost, [100.0] * 4, workers=2)
    assert found.seconds == pytest.approx(2.0) and found.high_s == pytest.approx(4 * 1.2)


def test_the_first_dry_run_calibrates_and_caches_the_next_reuses_it(cache, tmp_path):
    plan = make_plan(_spec())
    first = dry_run(plan, tmp_path / "none", workers=1)
    assert first.to_run == 4 and first.seconds_per_run > 0
    assert first.low_s <= first.estimated_s <= first.high_s
    assert "calibration here: 3 runs of the plan" in first.basis and "cores" in first.basis
    stored = json.loads(cache.read_text(encoding="utf-8"))
    assert list(stored) == [timing.machine_key(model_version(plan.spec.target))]
    second = dry_run(plan, tmp_path / "none", workers=1)
    assert second.basis == first.basis and second.estimated_s == pytest.approx(first.estimated_s)
    assert not (tmp_path / "none").exists()


def test_a_finished_sweep_replaces_the_calibration_with_its_measured_runs(cache, tmp_path):
    plan = make_plan(_spec())
    run_sweep(plan, tmp_path / "timed", executor="inline", progress=False)
    cost = timing.cached_cost(model_version(plan.spec.target))
    assert cost is not None and cost.samples == 4 and "4 runs of the sweep timed here" in cost.source
    bigger = make_plan(_spec(name="bigger", base={"profile": "old_inner_city", "n_residents": 240}))
    found = dry_run(bigger, tmp_path / "bigger", workers=1)
    per_run = cost.per_resident_week_s * 240 * 6
    assert found.seconds_per_run == pytest.approx(per_run) and found.estimated_s == pytest.approx(4 * per_run)


def test_an_unreadable_cache_is_measured_again(cache):
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json", encoding="utf-8")
    assert timing.cached_cost("0.1.0+abc") is None
    timing.remember("0.1.0+abc", timing.Cost(1e-6, 0.1, 3, "test", "2026-01-01T00:00:00"))
    assert timing.cached_cost("0.1.0+abc").per_resident_week_s == pytest.approx(1e-6)


def test_the_machine_is_described_with_its_cores():
    from commsim.runs.provenance import describe_machine, machine

    text = describe_machine(machine())
    assert "core" in text and machine()["host"] in text
    assert describe_machine(None) == "an unrecorded machine"
