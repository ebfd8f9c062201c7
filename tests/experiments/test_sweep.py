"""Sweeps: identical results on every executor, nothing lost when killed, failures recorded."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from commsim.experiments.folder import FolderError
from commsim.experiments.plan import load_plan, make_plan
from commsim.experiments.reopen import finished_experiment
from commsim.experiments.spec import ExperimentSpec
from commsim.experiments.store import ExperimentStore
from commsim.experiments.sweep import dry_run, run_sweep, status

HERE = Path(__file__).parent


def small_spec(**fields) -> ExperimentSpec:
    values = {
        "name": "small",
        "base": {"profile": "old_inner_city", "n_residents": 150},
        "factors": [{"name": "n_centres", "values": [1, 2]}],
        "scenarios": {"baseline": {"policy": "baseline"}, "centres": {"policy": "centres"}},
        "replicates": 2,
        "steps": 8,
    }
    return ExperimentSpec(**(values | fields))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("reference") / "small"
    run_sweep(make_plan(small_spec()), folder, executor="inline", progress=False)
    return folder


def data_bytes(folder: Path) -> bytes:
    return (folder / "data.parquet").read_bytes()


def test_a_sweep_stores_every_run_and_consolidates_them_in_plan_order(reference):
    store = ExperimentStore(reference)
    data, runs = store.read_data(), store.read_runs()
    assert len(runs) == 8 and set(runs["status"]) == {"done"}
    assert data["run"].is_monotonic_increasing
    assert len(data) == 8 * 9  # initial state and 8 steps per run
    assert list(data.columns[:7]) == ["run", "point", "scenario", "replicate", "seed", "n_centres", "step"]
    assert len(list((reference / "runs").glob("*.parquet"))) == 8


@pytest.mark.parametrize(("executor", "workers"), [("processes", 2), ("dask", 2)])
def test_results_are_bit_identical_whatever_the_executor(tmp_path, reference, executor, workers):
    folder = tmp_path / "small"
    run_sweep(make_plan(small_spec()), folder, executor=executor, workers=workers, progress=False)
    assert data_bytes(folder) == data_bytes(reference)
    runs = ExperimentStore(folder).read_runs()
    assert runs["worker"].nunique() >= 1 and set(runs["status"]) == {"done"}


def test_attaching_to_a_running_dask_scheduler(tmp_path, reference):
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        folder = tmp_path / "small"
        run_sweep(make_plan(small_spec()), folder, executor="dask", scheduler=cluster.scheduler_address, progress=False)
    assert data_bytes(folder) == data_bytes(reference)
    assert "Dask scheduler tcp://" in ExperimentStore(folder).read_manifest()["sessions"][0]["executor_description"]


def test_the_runs_table_and_manifest_record_parameters_and_design(reference):
    store = ExperimentStore(reference)
    runs, manifest = store.read_runs(), store.read_manifest()
    first = json.loads(runs["parameters"].iloc[0])
    assert first == {"profile": "old_inner_city", "n_residents": 150, "policy": "baseline", "n_centres": 1}
    assert manifest["design_points"] is None  # a grid is made again from the spec; design.csv lists it
    assert pd.read_csv(reference / "design.csv")["n_centres"].tolist() == [1, 2]
    assert manifest["spec"]["name"] == "small" and len(manifest["spec_hash"]) == 64
    assert {"mesa", "numpy", "dask"} <= set(manifest["versions"]) and manifest["sessions"][0]["wall_s"] > 0


def test_a_csv_design_is_kept_in_the_manifest_so_its_results_reopen_after_the_file_is_gone(tmp_path, write_spec):
    (tmp_path / "points.csv").write_text("n_centres\n1\n3\n", encoding="utf-8")
    spec = write_spec(
        "name: t\nbase: {n_residents: 100}\nfactors:\n  - {name: n_centres, range: [1, 5]}\n"
        "design: {kind: csv, file: points.csv}\nreplicates: 1\nsteps: 2\n"
    )
    folder = tmp_path / "out"
    run_sweep(load_plan(spec), folder, executor="inline", progress=False)
    assert ExperimentStore(folder).read_manifest()["design_points"] == [
        {"point": 0, "n_centres": 1},
        {"point": 1, "n_centres": 3},
    ]
    (tmp_path / "points.csv").unlink()
    plan, _ = finished_experiment(folder)
    assert plan.design["n_centres"].tolist() == [1, 3]


def test_a_resumed_sweep_skips_stored_runs_and_reuses_them_when_extended(tmp_path, reference):
    folder = tmp_path / "small"
    run_sweep(make_plan(small_spec(replicates=1)), folder, executor="inline", progress=False)
    again = run_sweep(make_plan(small_spec(replicates=1)), folder, executor="inline", progress=False)
    assert (again.skipped, again.done) == (4, 0)
    with pytest.raises(FolderError, match=r"from a different spec.*--extend"):
        run_sweep(make_plan(small_spec()), folder, executor="inline", progress=False)
    extended = run_sweep(make_plan(small_spec()), folder, executor="inline", extend=True, progress=False)
    assert (extended.skipped, extended.done) == (4, 4)
    assert data_bytes(folder) == data_bytes(reference)
    assert len(ExperimentStore(folder).read_manifest()["sessions"]) == 1  # a new spec starts a new history


def test_sigkill_during_a_sweep_then_resume_gives_the_uninterrupted_result(tmp_path):
    spec_path = tmp_path / "killed.yaml"
    spec_path.write_text(
        "name: killed\nbase: {profile: old_inner_city, n_residents: 300}\n"
        "factors:\n  - {name: n_centres, values: [1, 2, 3]}\n"
        "scenarios:\n  baseline: {policy: baseline}\n  centres: {policy: centres}\n"
        "replicates: 2\nsteps: 26\n",
        encoding="utf-8",
    )
    reference = tmp_path / "reference"
    command = [sys.executable, "-m", "commsim.cli", "sweep", str(spec_path), "--quiet", "--no-report"]
    subprocess.run([*command, "--out", str(reference), "--executor", "inline"], check=True, capture_output=True)

    folder = tmp_path / "killed"
    parts = folder / "runs"
    victim = subprocess.Popen([*command, "--out", str(folder), "--workers", "2"], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(parts.glob("*.parquet"))) < 4:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    stored = len(list(parts.glob("*.parquet")))
    assert 4 <= stored < 12, "the sweep was not killed half-way"
    assert not (folder / "data.parquet").exists()

    resumed = subprocess.run([*command, "--out", str(folder), "--workers", "2"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{stored} already stored" in resumed.stdout
    assert data_bytes(folder) == data_bytes(reference)
    runs = ExperimentStore(folder).read_runs()
    assert runs["key"].is_unique and len(runs) == 12 and set(runs["status"]) == {"done"}
    assert not list(folder.rglob(".*.tmp"))


def test_ctrl_c_stops_a_sweep_cleanly_and_it_resumes(tmp_path):
    spec_path = tmp_path / "interrupted.yaml"
    spec_path.write_text(
        "name: interrupted\nbase: {n_residents: 400}\nfactors:\n  - {name: n_centres, values: [1, 2, 3, 4]}\n"
        "replicates: 4\nsteps: 30\n",
        encoding="utf-8",
    )
    folder = tmp_path / "interrupted"
    command = [sys.executable, "-m", "commsim.cli", "sweep", str(spec_path), "--quiet", "--no-report"]
    command += ["--out", str(folder), "--workers", "2"]

    def default_sigint() -> None:  # a shell's background jobs ignore SIGINT; a terminal's do not
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    sweep = subprocess.Popen(
        command, start_new_session=True, preexec_fn=default_sigint, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((folder / "runs").glob("*.parquet"))) < 2:
        time.sleep(0.05)
    os.killpg(sweep.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
    _, error = sweep.communicate(timeout=60)
    assert sweep.returncode == 130, error
    assert b"run the same command to resume" in error
    session = ExperimentStore(folder).read_manifest()["sessions"][-1]
    assert session["interrupted"] and session["failed"] == 0
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "0 failed this session" in resumed.stdout
    runs = ExperimentStore(folder).read_runs()
    assert len(runs) == 16 and set(runs["status"]) == {"done"}


def test_a_failing_run_is_recorded_with_its_traceback_and_the_others_complete(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    spec = ExperimentSpec(
        name="failing",
        target="experiment_targets:fails_above",
        factors=[{"name": "x", "values": [0.1, 0.9, 0.3]}],
        replicates=2,
    )
    folder = tmp_path / "failing"
    result = run_sweep(make_plan(spec), folder, executor="processes", workers=2, progress=False)
    assert (result.done, result.failed) == (4, 2)
    runs = ExperimentStore(folder).read_runs()
    failed = runs[runs["status"] == "failed"]
    assert failed["x"].tolist() == [0.9, 0.9]
    assert failed["error"].str.contains("RuntimeError: injected failure at x=0.9").all()
    record = ExperimentStore(folder).record(failed["key"].iloc[0])
    assert "Traceback" in record["traceback"] and "fails_above" in record["traceback"]
    assert ExperimentStore(folder).read_data()["x"].tolist() == [0.1, 0.1, 0.3, 0.3]
    counts = status(folder)
    assert (counts["done"], counts["failed"], counts["pending"]) == (4, 2, 0)


@pytest.mark.parametrize(
    ("target", "base"),
    [("experiment_targets:sleeps", {"seconds": 5.0}), ("experiment_targets:SlowModel", {"pause": 0.2})],
)
def test_a_run_over_its_time_limit_is_stopped_and_recorded(tmp_path, monkeypatch, target, base):
    monkeypatch.syspath_prepend(str(HERE))
    spec = ExperimentSpec(name="slow", target=target, base=base, replicates=1, steps=50, timeout_s=0.5)
    started = time.perf_counter()
    result = run_sweep(make_plan(spec), tmp_path / "slow", executor="inline", progress=False)
    assert time.perf_counter() - started < 4.5  # stopped long before it would have finished
    assert result.failed == 1
    runs = ExperimentStore(tmp_path / "slow").read_runs()
    assert runs["status"].tolist() == ["timeout"]
    assert "time limit of 0.5 s" in runs["error"].iloc[0]


def test_a_target_returning_the_wrong_type_fails_its_run_with_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    spec = ExperimentSpec(name="wrong", target="experiment_targets:not_a_mapping", replicates=1)
    run_sweep(make_plan(spec), tmp_path / "wrong", executor="inline", progress=False)
    runs = ExperimentStore(tmp_path / "wrong").read_runs()
    assert "expected a mapping of metrics" in runs["error"].iloc[0]


def test_other_mesa_models_run_through_their_datacollector(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(HERE))
    spec = ExperimentSpec(
        name="walk",
        target="experiment_targets:RandomWalk",
        scenarios={"still": {"drift": 0.0}, "moving": {"drift": 1.0}},
        replicates=3,
        steps=20,
        output={"every": 5},
    )
    run_sweep(make_plan(spec), tmp_path / "walk", executor="inline", progress=False)
    data = ExperimentStore(tmp_path / "walk").read_data()
    assert sorted(data["step"].unique()) == [0, 5, 10, 15, 20]
    final = data[data["step"] == 20].set_index(["replicate", "scenario"])["position"].unstack()
    # Common random numbers: both scenarios draw the same noise, so only the drift differs.
    assert (final["moving"] - final["still"]).tolist() == pytest.approx([20.0] * 3, abs=1e-9)


def test_a_dry_run_counts_and_estimates_without_writing(tmp_path, reference):
    estimate = dry_run(make_plan(small_spec()), tmp_path / "nothing", workers=2)
    assert (estimate.total, estimate.stored, estimate.to_run) == (8, 0, 8)
    assert estimate.seconds_per_run > 0 and estimate.estimated_s == pytest.approx(4 * estimate.seconds_per_run)
    assert not (tmp_path / "nothing").exists()
    assert dry_run(make_plan(small_spec()), reference).to_run == 0


def test_the_progress_file_can_be_followed(reference):
    events = pd.read_json(reference / "progress.jsonl", lines=True)
    assert events["event"].iloc[0] == "start" and events["event"].iloc[-1] == "finish"
    runs = events[events["event"] == "run"]
    assert runs["done"].tolist() == list(range(1, 9)) and (runs["total"] == 8).all()


def test_workers_leave_with_a_killed_sweep(tmp_path):
    """No worker process outlives a sweep killed with SIGKILL."""
    spec_path = tmp_path / "orphans.yaml"
    spec_path.write_text(
        "name: orphans\nbase: {n_residents: 300}\nfactors:\n  - {name: n_centres, values: [1, 2, 3, 4]}\n"
        "replicates: 6\nsteps: 40\n",
        encoding="utf-8",
    )
    folder = tmp_path / "orphans"
    command = [sys.executable, "-m", "commsim.cli", "sweep", str(spec_path), "--quiet", "--out", str(folder)]
    victim = subprocess.Popen([*command, "--workers", "2"], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((folder / "runs").glob("*.parquet")):
        time.sleep(0.05)
    children = _children(victim.pid)
    assert children, "the sweep started no worker"
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in children):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in children)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture(autouse=True)
def _no_stray_alarm():
    yield
    if hasattr(signal, "setitimer"):
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_fresh_or_not_the_runner_refuses_a_folder_of_other_files(tmp_path):
    other = tmp_path / "results"
    (other / "another_experiment").mkdir(parents=True)
    (other / "another_experiment" / "report.md").write_text("keep me", encoding="utf-8")
    for fresh in (False, True):
        with pytest.raises(FolderError, match="holds files commsim did not write"):
            run_sweep(make_plan(small_spec(replicates=1)), other, executor="inline", fresh=fresh, progress=False)
    assert (other / "another_experiment" / "report.md").read_text(encoding="utf-8") == "keep me"
    assert sorted(path.name for path in other.iterdir()) == ["another_experiment"]


def test_a_run_recorded_done_without_its_data_counts_as_pending_and_is_rerun(tmp_path, reference):
    folder = tmp_path / "small"
    shutil.copytree(reference, folder)
    victim = sorted((folder / "runs").glob("*.parquet"))[0]
    victim.unlink()  # as if killed between writing the run's record and its data
    assert status(folder)["pending"] == 1
    result = run_sweep(make_plan(small_spec()), folder, executor="inline", progress=False)
    assert (result.skipped, result.done) == (7, 1)
    assert data_bytes(folder) == data_bytes(reference)


KILL_SPEC = (
    "name: killed\ntarget: experiment_targets:fails_above\nfactors:\n  - {name: x, values: [0.1, 0.2, 0.3]}\n"
    "scenarios:\n  low: {limit: 1.0}\n  high: {limit: 2.0}\nreplicates: 2\n"
)
PHASES = ("setup", "runs", "consolidate", "report")


def _killable(spec: Path, folder: Path, phase: str, nth: int, log: Path) -> int:
    """Sweep in a subprocess that SIGKILLs itself before the nth change of ``phase`` to the folder."""
    arguments = ["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(folder)]
    command = [sys.executable, str(HERE / "kill_at.py"), str(folder), phase, str(nth), str(log), "--", *arguments]
    return subprocess.run(command, capture_output=True, timeout=600).returncode


def _tables(folder: Path) -> dict[str, pd.DataFrame | bytes]:
    """The consolidated tables (without timings), the analysis and the report's tables."""
    tables: dict[str, pd.DataFrame | bytes] = {"data": pd.read_parquet(folder / "data.parquet")}
    tables["runs"] = pd.read_parquet(folder / "runs.parquet").drop(
        columns=["duration_s", "worker", "finished", "session"]
    )
    tables["outcomes"] = pd.read_parquet(folder / "analysis" / "outcomes.parquet")
    for path in sorted((folder / "analysis").glob("*.csv")) + sorted((folder / "tables").glob("*.csv")):
        tables[f"{path.parent.name}/{path.name}"] = path.read_bytes()
    return tables


def test_a_sweep_killed_at_five_seeded_moments_then_finished_gives_the_uninterrupted_tables(
    tmp_path, monkeypatch, capsys
):
    """SIGKILL during set-up, runs, consolidation and report (moments drawn from a seeded generator)."""
    import random

    from commsim.cli import main

    spec = tmp_path / "killed.yaml"
    spec.write_text(KILL_SPEC, encoding="utf-8")
    reference, log = tmp_path / "reference", tmp_path / "reference.log"
    assert _killable(spec, reference, "none", 0, log) == 0
    changes = {phase: 0 for phase in PHASES}
    for line in log.read_text(encoding="utf-8").splitlines():
        changes[line.split(" ", 1)[0]] += 1
    assert all(changes.values()), changes

    rng = random.Random(20261202)
    moments = [
        ("setup", rng.randint(1, changes["setup"])),
        ("runs", rng.randint(1, changes["runs"] // 2)),
        (phase := rng.choice(PHASES), rng.randint(1, changes[phase])),
        ("consolidate", rng.randint(1, changes["consolidate"])),
        ("report", rng.randint(1, changes["report"])),
    ]
    folder = tmp_path / "killed"
    codes = [_killable(spec, folder, phase, nth, tmp_path / f"kill{i}.log") for i, (phase, nth) in enumerate(moments)]
    assert codes[:2] == [-signal.SIGKILL] * 2 and codes[3:] == [-signal.SIGKILL] * 2, (moments, codes)
    assert not (folder / "data.parquet").exists() or codes[1] != 0

    monkeypatch.syspath_prepend(str(HERE))
    arguments = ["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(folder)]
    assert main(arguments) == 0
    expected, found = _tables(reference), _tables(folder)
    assert sorted(found) == sorted(expected)
    for name, table in expected.items():
        if isinstance(table, bytes):
            assert found[name] == table, name
        else:
            pd.testing.assert_frame_equal(found[name], table, obj=name)
    assert (folder / "data.parquet").read_bytes() == (reference / "data.parquet").read_bytes()
    assert not [path for path in folder.rglob("*") if path.name.endswith(".tmp")]
    states = [session["state"] for session in status(folder)["sessions"]]
    assert states[-1] == "finished" and "killed" in states and "running" not in states


def _as_if_killed(reference: Path, folder: Path) -> None:
    """A copy of a finished folder whose last session ended without a word, mid-run."""
    shutil.copytree(reference, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    session = manifest["sessions"][-1]
    for name in ("finished", "wall_s", "interrupted"):
        session.pop(name, None)
    session |= {"done": 0, "failed": 0, "id": "0123456789ab"}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for record in (folder / "runs").glob("*.json"):
        record.write_text(json.dumps(json.loads(record.read_text()) | {"session": "0123456789ab"}), encoding="utf-8")
    with (folder / "progress.jsonl").open("a", encoding="utf-8") as stream:
        stream.write(json.dumps({"event": "run", "done": 5, "failed": 0, "total": 8, "eta_s": 30.0}) + "\n")


def test_status_says_a_dead_sweep_was_killed_and_its_counts_agree(tmp_path, reference, capsys):
    from commsim.cli import main

    folder = tmp_path / "killed"
    _as_if_killed(reference, folder)
    assert main(["status", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "small: 8 runs — 8 done, 0 failed, 0 timed out, 0 pending" in out
    assert "session 1:" in out and "— 8 done, 0 failed, killed" in out
    assert "eta" not in out and "still running" not in out


def test_status_says_a_live_sweep_is_running_with_its_eta(tmp_path, reference, capsys):
    from commsim.cli import main

    folder = tmp_path / "running"
    _as_if_killed(reference, folder)
    with ExperimentStore(folder).lock():  # as a sweep holds it
        assert main(["status", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "eta 30.0 s" in out and "— 8 done, 0 failed, running now" in out


def test_a_progress_line_cut_short_by_a_kill_does_not_swallow_the_next_event(tmp_path, reference):
    folder = tmp_path / "cut"
    shutil.copytree(reference, folder)
    with (folder / "progress.jsonl").open("a", encoding="utf-8") as stream:
        stream.write('{"time": "2026-01-01", "event": "ru')
    run_sweep(make_plan(small_spec()), folder, executor="inline", progress=False)
    events = []
    for line in (folder / "progress.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line)["event"])
        except ValueError:
            continue
    assert events.count("start") == 2 and events[-1] == "finish"  # the resumed session's start is kept


def test_a_metric_named_like_a_results_column_fails_its_runs_instead_of_the_sweep(tmp_path, monkeypatch):
    module = tmp_path / "clashing_target.py"
    module.write_text("def f(*, seed, x):\n    return {'seed': 1.0, 'y': x}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    spec = ExperimentSpec(name="clash", target="clashing_target:f", factors=[{"name": "x", "values": [1, 2]}])
    result = run_sweep(make_plan(spec), tmp_path / "clash", executor="inline", progress=False)
    assert (result.done, result.failed) == (0, 10)
    runs = ExperimentStore(tmp_path / "clash").read_runs()
    assert runs["error"].str.contains("a metric named 'seed', a column the results tables use").all()


def test_what_follows_a_sweep_runs_under_its_lock(tmp_path):
    folder = tmp_path / "small"
    seen = []
    run_sweep(
        make_plan(small_spec(replicates=1)),
        folder,
        executor="inline",
        progress=False,
        then=lambda result: seen.append((result.done, ExperimentStore(folder).in_use())),
    )
    assert seen == [(4, True)]
    assert ExperimentStore(folder).in_use() is False
