"""The commsim command: end-to-end runs, reproducibility, and rejection of bad input."""

from __future__ import annotations

import errno
import json
import os
import platform
import re
import signal
import subprocess
import sys

import pandas as pd
import pytest
import yaml

import commsim.runs.figures
import commsim.runs.runner
from commsim.cli import main
from commsim.config.declaration import parameters
from commsim.config.paths import project_root
from commsim.metric_table import COST_PER_ADDITIONAL, METRIC_NAMES
from commsim.runs.runner import ID_COLUMNS, replicate_seeds

STEPS, REPLICATES = 10, 2
SMALL = "overrides:\n  n_residents: 300\n"  # lines 7-8 of the config
CONFIGS = project_root() / "configs"


def _config(tmp_path, *, body=SMALL, policy="baseline", seed=5, name="trial"):
    """Write a small run config; its header takes lines 1-6, ``body`` starts on line 7."""
    path = tmp_path / f"{name}.yaml"
    header = (
        f"name: {name}\nprofile: old_inner_city\npolicy: {policy}\n"
        f"steps: {STEPS}\nreplicates: {REPLICATES}\nseed: {seed}\n"
    )
    path.write_text(header + body, encoding="utf-8")
    return path


def _run(config, out, *extra):
    return main(["run", str(config), "--out", str(out), "--quiet", *extra])


# ------------------------------------------------------------------ run


def test_paired_run_writes_series_summary_manifest_and_figures(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(_config(tmp_path, policy="centres")), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"Results written to {out}" in printed
    assert "difference" in printed and "centres" in printed

    series = pd.read_parquet(out / "timeseries.parquet")
    assert list(series.columns) == [*ID_COLUMNS, *METRIC_NAMES]
    assert series.groupby("scenario").size().to_dict() == {
        "centres": REPLICATES * (STEPS + 1),
        "baseline": REPLICATES * (STEPS + 1),
    }
    # Paired: both scenarios ran on the same seeds, replicate by replicate.
    seeds = series.groupby(["scenario", "replicate"])["seed"].first().unstack("scenario")
    assert (seeds["centres"] == seeds["baseline"]).all()

    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["window"]) == {"final", "last_year"}
    assert {"scenario", "metric", "mean", "sd", "ci_low", "ci_high", "n", "weeks"} <= set(summary.columns)
    rate = summary[(summary["scenario"] == "centres") & (summary["metric"] == "rate_any")]
    assert (rate["n"] == REPLICATES).all() and (rate["ci_low"] <= rate["mean"]).all()
    paired = pd.read_csv(out / "paired_differences.csv")
    assert list(paired["metric"]) == [*METRIC_NAMES, COST_PER_ADDITIONAL]
    assert COST_PER_ADDITIONAL not in set(summary["metric"])  # a paired measure, not one scenario's

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["root_seed"] == 5
    assert [entry["seed"] for entry in manifest["seeds"]] == [s.seed for s in replicate_seeds(5, REPLICATES)]
    assert manifest["scenarios"] == ["centres", "baseline"]
    assert manifest["resolved_parameters"]["n_residents"] == 300
    assert manifest["baseline_parameters"]["n_residents"] == 300
    assert len(manifest["config_hash"]) == 64
    assert {"python", "commsim", "mesa", "numpy", "scipy", "pandas"} <= set(manifest["versions"])
    assert len(manifest["replicate_timings"]) == 2 * REPLICATES

    for name in ("participation_loop.png", "participation_by_group.png"):
        assert (out / "figures" / name).read_bytes().startswith(b"\x89PNG")


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    runs = []
    for index, seed in enumerate((5, 5, 6)):
        out = tmp_path / f"out{index}"
        assert _run(_config(tmp_path, seed=seed), out) == 0
        manifest = json.loads((out / "manifest.json").read_text())
        runs.append((pd.read_parquet(out / "timeseries.parquet"), manifest["seeds"], manifest["config_hash"]))
    (first, seeds, digest), (again, seeds_again, digest_again), (other, other_seeds, other_digest) = runs
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    for name in ("timeseries.parquet", "summary.csv"):  # same seed, same bytes
        assert (tmp_path / "out0" / name).read_bytes() == (tmp_path / "out1" / name).read_bytes()
    assert seeds == seeds_again and digest == digest_again
    assert seeds != other_seeds and digest != other_digest
    assert not first[list(METRIC_NAMES)].equals(other[list(METRIC_NAMES)])


def test_steps_and_replicates_options_override_the_config(tmp_path):
    out = tmp_path / "out"
    assert _run(_config(tmp_path), out, "--steps", "3", "--replicates", "1") == 0
    series = pd.read_parquet(out / "timeseries.parquet")
    assert len(series) == 4 and series["step"].max() == 3
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["steps"], manifest["replicates"]) == (3, 1)
    assert manifest["config"]["steps"] == STEPS  # the config as given


def test_default_out_dir_is_results_name_and_an_earlier_run_is_replaced(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    config = _config(tmp_path)
    assert main(["run", str(config), "--quiet", "--steps", "2", "--replicates", "1"]) == 0
    assert "Results written to results/trial" in capsys.readouterr().out
    first = json.loads((tmp_path / "results" / "trial" / "manifest.json").read_text())
    assert first["kind"] == "commsim run" and "timeseries.parquet" in first["files"]
    assert main(["run", str(config), "--quiet", "--steps", "3", "--replicates", "1"]) == 0
    assert json.loads((tmp_path / "results" / "trial" / "manifest.json").read_text())["steps"] == 3
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["trial"]  # no staging left over
    assert not (tmp_path / "results" / "trial" / ".commsim-partial.json").exists()


def _tree(root):
    """Every path below a folder with its content (files) or None (folders), to compare before and after."""
    return {
        path.relative_to(root).as_posix(): (path.read_bytes() if path.is_file() and not path.is_symlink() else None)
        for path in sorted(root.rglob("*"))
    }


@pytest.mark.parametrize(
    ("out", "needle"),
    [
        pytest.param("results", "is not a commsim run folder", id="the-whole-results-folder"),
        pytest.param("results/report", "is not a commsim run folder", id="a-folder-of-other-files"),
        pytest.param("notes.txt", "exists and is not a folder", id="a-file"),
        pytest.param(".", "is not a commsim run folder", id="the-working-folder"),
        pytest.param("link", "is a symbolic link", id="a-link-to-elsewhere"),
        pytest.param("notes.txt/sub", "is not a folder", id="below-a-file"),
    ],
)
def test_run_never_replaces_what_commsim_did_not_write(tmp_path, monkeypatch, capsys, out, needle):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results" / "report").mkdir(parents=True)
    (tmp_path / "results" / "report" / "report.md").write_text("a committed report")
    (tmp_path / "notes.txt").write_text("my notes")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep.txt").write_text("keep")
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    config = _config(tmp_path)
    before = _tree(tmp_path)
    assert main(["run", str(config), "--out", out, "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and needle in error, error
    assert _tree(tmp_path) == before


def test_a_run_folder_holding_other_files_is_not_replaced(tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(_config(tmp_path), out, "--steps", "1", "--replicates", "1") == 0
    (out / "my_analysis.R").write_text("keep me")
    before = _tree(tmp_path)
    assert _run(_config(tmp_path), out, "--steps", "1", "--replicates", "1") == 2
    assert "also holds my_analysis.R that commsim did not write" in capsys.readouterr().err
    assert _tree(tmp_path) == before


def test_a_run_folder_holding_a_folder_of_its_own_is_not_replaced(tmp_path, capsys):
    out = tmp_path / "out"
    assert _run(_config(tmp_path), out, "--steps", "1", "--replicates", "1") == 0
    (out / "drafts").mkdir()
    assert _run(_config(tmp_path), out, "--steps", "1", "--replicates", "1") == 2
    assert "also holds drafts that commsim did not write" in capsys.readouterr().err
    assert (out / "drafts").is_dir()


def test_a_manifest_cannot_make_commsim_delete_files_elsewhere(tmp_path):
    out = tmp_path / "out"
    assert _run(_config(tmp_path), out, "--steps", "1", "--replicates", "1") == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"].append("../victim.txt")
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert _run(_config(tmp_path), out, "--steps", "1", "--replicates", "1") == 0
    assert victim.read_text() == "precious"


def test_a_name_that_is_a_link_out_of_results_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "results" / "trial").symlink_to(tmp_path / "elsewhere")
    assert main(["run", str(_config(tmp_path)), "--quiet"]) == 2
    assert "resolves outside results/" in capsys.readouterr().err
    assert list((tmp_path / "elsewhere").iterdir()) == []


@pytest.mark.parametrize("name", ['""', '"."', "../escape", "/proc/commsim-escape", "a/b"])
def test_unsafe_names_are_refused_by_run_and_validate(tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results" / "smoke").mkdir(parents=True)
    (tmp_path / "results" / "smoke" / "report.md").write_text("committed")
    config = tmp_path / "bad.yaml"
    config.write_text(f"description: unsafe\nname: {name}\n")
    before = _tree(tmp_path)
    for argv in (["validate", str(config)], ["run", str(config), "--quiet"]):
        assert main(argv) == 2
        error = capsys.readouterr().err
        assert f"{config}:2: name: must be a folder name" in error, error
    assert _tree(tmp_path) == before


def test_the_staging_folder_of_a_killed_run_is_cleaned_by_the_next_run(tmp_path):
    out = tmp_path / "out"
    stale = tmp_path / ".out.deadbeef.partial"
    stale.mkdir()
    (stale / "timeseries.parquet").write_bytes(b"half")
    (stale / ".commsim-partial.json").write_text(json.dumps({"pid": _dead_pid(), "host": platform.node()}))
    foreign = tmp_path / ".out.cafe.partial"  # looks alike, but commsim did not make it
    foreign.mkdir()
    alive = tmp_path / ".out.feed.partial"  # a run still going
    alive.mkdir()
    (alive / ".commsim-partial.json").write_text(json.dumps({"pid": os.getpid(), "host": platform.node()}))
    assert _run(_config(tmp_path), out, "--steps", "1", "--replicates", "1") == 0
    assert not stale.exists() and foreign.exists() and alive.exists()


def _dead_pid():
    """The id of a process that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_run_folder_a_kill_left_moved_aside_is_put_back(tmp_path):
    out = tmp_path / "out"
    assert _run(_config(tmp_path), out, "--steps", "1", "--replicates", "1") == 0
    aside = tmp_path / ".out.0123abcd.old"
    out.rename(aside)  # killed between moving the old result aside and moving the new one in
    from commsim.runs.provenance import prepare_out_dir

    assert prepare_out_dir(out) == [aside]
    assert (out / "manifest.json").is_file() and not aside.exists()


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        pytest.param(SMALL + "replicatez: 2\n", ["trial.yaml:9", "replicatez", "unknown key"], id="unknown-key"),
        pytest.param(SMALL + "compare_with_baseline: maybe\n", ["trial.yaml:9", "compare_with_baseline"], id="type"),
        pytest.param("overrides:\n  n_residents: many\n", ["trial.yaml:8", "overrides.n_residents"], id="type2"),
        pytest.param(SMALL + "  leader_coverage: 3\n", ["trial.yaml:9", "overrides.leader_coverage"], id="range"),
        pytest.param(SMALL + "  n_resident: 300\n", ["trial.yaml:9", "overrides.n_resident", "unknown key"], id="name"),
        pytest.param("overrides: [\n", ["trial.yaml", "broken YAML"], id="broken-yaml"),
        pytest.param("overrides:\n  share_youth: 0.6\n  share_elderly: 0.6\n", ["trial.yaml", "exceeds 1"], id="sum"),
    ],
)
def test_bad_config_exits_2_names_file_line_field_and_writes_nothing(tmp_path, capsys, body, needles):
    out = tmp_path / "out"
    assert main(["run", str(_config(tmp_path, body=body)), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ")
    for needle in needles:
        assert needle in captured.err, captured.err
    assert "Results written" not in captured.out
    assert [p.name for p in tmp_path.iterdir()] == ["trial.yaml"]


@pytest.mark.parametrize(
    ("line", "needles"),
    [
        ("policy: utopia", ["x.yaml:2", "policy", "unknown policy package 'utopia'"]),
        ("profile: atlantis", ["x.yaml:2", "profile", "unknown community profile 'atlantis'"]),
    ],
)
def test_missing_preset_exits_2(tmp_path, capsys, line, needles):
    path = tmp_path / "x.yaml"
    path.write_text(f"name: x\n{line}\n", encoding="utf-8")
    assert main(["run", str(path), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ")
    for needle in needles:
        assert needle in error, error
    assert not (tmp_path / "out").exists()


def test_missing_config_file_exits_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nowhere.yaml"), "--out", str(tmp_path / "out")]) == 2
    assert "nowhere.yaml: cannot read file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "options", [["--replicates", "0"], ["--steps", "-3"], ["--replicates", "two"], ["--colour", "red"]]
)
def test_bad_command_line_value_exits_2_and_writes_nothing(tmp_path, capsys, options):
    config = _config(tmp_path)
    assert main(["run", str(config), "--out", str(tmp_path / "out"), *options]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: commsim")
    assert [p.name for p in tmp_path.iterdir()] == ["trial.yaml"]


def test_missing_command_exits_2(capsys):
    assert main([]) == 2
    assert capsys.readouterr().err.startswith("error: commsim: ")


# ------------------------------------------------------------------ other commands


def test_validate_accepts_run_configs_and_presets(capsys):
    assert main(["validate", str(CONFIGS / "baseline.yaml"), str(CONFIGS / "policies" / "centres.yaml")]) == 0
    assert capsys.readouterr().out.count("ok: ") == 2


def test_validate_rejects_bad_file_with_line_and_field(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsteps: 0\n", encoding="utf-8")
    assert main(["validate", str(CONFIGS / "baseline.yaml"), str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("ok: ")
    assert captured.err.startswith("error: ") and "bad.yaml:2: steps" in captured.err


def test_schema_is_json_naming_every_parameter(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert set(parameters()) <= set(schema["properties"]["overrides"]["properties"])
    assert {"name", "profile", "policy", "steps", "replicates", "seed"} <= set(schema["properties"])


def test_presets_lists_profiles_and_packages(capsys):
    assert main(["presets"]) == 0
    listing = capsys.readouterr().out
    assert "Community profiles:" in listing and "Policy packages:" in listing
    assert "old_inner_city" in listing and "baseline" in listing


def test_docs_are_current_and_check_detects_stale_docs(tmp_path, capsys):
    assert main(["docs", "--check"]) == 0, "docs/ are stale: run `commsim docs`"
    assert main(["docs", "--folder", str(tmp_path)]) == 0
    assert main(["docs", "--check", "--folder", str(tmp_path)]) == 0
    text = (tmp_path / "metrics.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in (*METRIC_NAMES, COST_PER_ADDITIONAL))
    assert all(f"`{name}`" in (tmp_path / "parameters.md").read_text(encoding="utf-8") for name in parameters())
    (tmp_path / "metrics.md").write_text(text + "hand edit\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["docs", "--check", "--folder", str(tmp_path)]) == 1
    assert "stale:" in capsys.readouterr().err


def test_validate_checks_dashboard_lessons(tmp_path, capsys):
    shipped = project_root() / "src/commsim/dashboard/content/lessons.yaml"
    assert main(["validate", str(shipped)]) == 0
    assert "valid lessons file (7 lessons" in capsys.readouterr().out
    bad = tmp_path / "lessons.yaml"
    bad.write_text(
        "- id: x\n  title: t\n  practice: p\n  profile: nowhere\n  policy: baseline\n  n_residents: 300\n"
        "  steps: 26\n  story: s\n  steps_to_try: [a]\n  look_for: [b]\n  question: q\n"
    )
    assert main(["validate", str(bad)]) == 2
    error = capsys.readouterr().err
    assert str(bad) in error
    assert "unknown community profile 'nowhere'" in error


def test_validate_checks_classroom_lessons_by_name_or_by_their_keys(tmp_path, capsys):
    shipped = project_root() / "src/commsim/dashboard/content/classroom_lessons.yaml"
    assert main(["validate", str(shipped)]) == 0
    assert "valid classroom lessons file (2 lessons: xidu_team_leaders, changning_council)" in capsys.readouterr().out
    entries = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    bad = tmp_path / "week_plan.yaml"  # not named for lessons: its keys make it a classroom lessons file
    bad.write_text(yaml.safe_dump([entries[0] | {"n_residents": 50_000}], sort_keys=False), encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"error: {bad}:") and "n_residents" in error and "2,000" in error


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("  story: <img src=x onerror=alert(1)>\n", "0.story", "holds HTML"),
        ("  steps: '26'\n", "0.steps", "Input should be a valid integer, got '26'"),
        ("  colour: red\n", "0.colour", "unknown key"),
    ],
)
def test_validate_refuses_a_bad_lesson_naming_line_and_field(tmp_path, capsys, text, field, message):
    """A lesson missing its steps, in a file not named for lessons: its other keys mark it a lesson file."""
    bad = tmp_path / "my_class.yaml"
    lesson = "- id: y\n  title: t\n  practice: p\n  profile: old_inner_city\n  policy: baseline\n  n_residents: 300\n"
    bad.write_text(lesson + "  look_for: [b]\n  question: q\n" + text, encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    error = capsys.readouterr().err
    assert f"{bad}:1: 0.steps_to_try: Field required" in error
    assert f"{bad}:9: {field}: {message}" in error


# ------------------------------------------------------------------ interruptions and failures while working


def _interrupt_while(monkeypatch, module, name, signum):
    """Make ``module.name`` deliver a signal to this process, as Ctrl-C or a scheduler's kill would."""
    original = getattr(module, name)

    def interrupted(*args, **kwargs):
        signal.raise_signal(signum)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, interrupted)


@pytest.mark.parametrize(
    ("module", "name", "signum", "code"),
    [
        pytest.param(commsim.runs.runner, "simulate", signal.SIGINT, 130, id="ctrl-c-while-simulating"),
        pytest.param(commsim.runs.figures, "write_figures", signal.SIGINT, 130, id="ctrl-c-while-writing"),
        pytest.param(commsim.runs.figures, "write_figures", signal.SIGTERM, 143, id="sigterm-while-writing"),
    ],
)
def test_an_interrupted_run_exits_without_a_traceback_and_leaves_the_earlier_result(
    tmp_path, monkeypatch, capsys, module, name, signum, code
):
    out = tmp_path / "out"
    assert _run(_config(tmp_path), out, "--steps", "1", "--replicates", "1") == 0
    before = _tree(tmp_path)
    _interrupt_while(monkeypatch, module, name, signum)
    assert _run(_config(tmp_path), out, "--steps", "2", "--replicates", "1") == code
    error = capsys.readouterr().err
    assert error.startswith("interrupted: nothing was written to") and "Traceback" not in error
    assert _tree(tmp_path) == before
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


def test_ctrl_c_of_a_real_process_exits_130_and_leaves_nothing(tmp_path):
    config = _config(tmp_path, body="overrides:\n  n_residents: 2000\n")
    out = tmp_path / "out"
    child = subprocess.Popen(
        [sys.executable, "-m", "commsim.cli", "run", str(config), "--out", str(out), "--steps", "2000"],
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"TTY_INTERACTIVE": "1", "TTY_COMPATIBLE": "1", "NO_COLOR": "1"},  # a live bar in a pipe
    )
    seen = ""
    while re.search(r"\s[1-9][0-9]*/4000 steps", seen) is None:  # some weeks simulated
        character = child.stderr.read(1)
        assert character, f"the run ended before it was interrupted: {seen}"
        seen += character
    child.send_signal(signal.SIGINT)
    _, rest = child.communicate(timeout=120)
    assert child.returncode == 130, seen + rest
    assert "Traceback" not in rest and "interrupted: nothing was written" in rest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trial.yaml"]


def test_a_failure_while_writing_exits_1_with_one_line_and_leaves_nothing(tmp_path, monkeypatch, capsys):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "figures"))

    monkeypatch.setattr(commsim.runs.figures, "write_figures", full)
    assert _run(_config(tmp_path), tmp_path / "out", "--steps", "1", "--replicates", "1") == 1
    error = capsys.readouterr().err
    assert error == f"error: {tmp_path / 'out' / 'figures'}: No space left on device\n"
    assert [p.name for p in tmp_path.iterdir()] == ["trial.yaml"]


@pytest.mark.parametrize(
    ("argv", "stdout", "code", "message"),
    [
        pytest.param(
            ["schema"], "/dev/full", 1, "error: cannot write to standard output (No space left on device)\n", id="full"
        ),
        pytest.param(["presets"], "closed-pipe", 1, "", id="closed-pipe"),
    ],
)
def test_output_that_cannot_be_written_exits_1_without_a_traceback(argv, stdout, code, message):
    command = [sys.executable, "-m", "commsim.cli", *argv]
    if stdout == "/dev/full":
        with open("/dev/full", "w") as full:
            result = subprocess.run(command, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
        returncode, error = result.returncode, result.stderr
    else:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        child.stdout.close()  # the reader went away before anything was printed
        error = child.stderr.read()
        returncode = child.wait(timeout=120)
    assert (returncode, error) == (code, message)


# ------------------------------------------------------------------ sizes, ceilings and addresses


def test_validate_reports_the_planned_size_of_a_run(tmp_path, capsys):
    assert main(["validate", str(_config(tmp_path, policy="centres"))]) == 0
    printed = capsys.readouterr().out
    assert f"{REPLICATES * 2} runs of 300 residents, {300 * STEPS * REPLICATES * 2:,} resident-weeks" in printed
    assert "ceiling 10,000,000,000" in printed and "MB at peak" in printed


def test_command_line_settings_share_the_config_fields_bounds():
    from commsim.config.schemas import RunConfig, setting_bounds

    for name in ("steps", "replicates"):
        low, high = setting_bounds(name)
        schema = RunConfig.model_json_schema()["properties"][name]
        assert (low, high) == (schema["minimum"], schema["maximum"])


def test_allow_large_lifts_the_work_ceiling_of_run(tmp_path, monkeypatch, capsys):
    import commsim.config.limits

    monkeypatch.setattr(commsim.config.limits, "MAX_RESIDENT_WEEKS", 100)  # so a tiny run is "large"
    config = _config(tmp_path)
    assert _run(config, tmp_path / "out") == 2
    assert "over the ceiling of 100; pass --allow-large" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert _run(config, tmp_path / "out", "--allow-large") == 0


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_good_hosts_are_accepted(host):
    from commsim.cli import build_parser

    assert build_parser().parse_args(["dashboard", "--host", host]).host == host


# ------------------------------------------------------------------ docs folder


def test_docs_never_replace_a_hand_written_file(tmp_path, capsys):
    (tmp_path / "parameters.md").write_text("# Mine\n\nWritten by hand.\n")
    assert main(["docs", "--folder", str(tmp_path)]) == 2
    assert "parameters.md: exists and was not generated by commsim docs" in capsys.readouterr().err
    assert (tmp_path / "parameters.md").read_text() == "# Mine\n\nWritten by hand.\n"
    assert not (tmp_path / "metrics.md").exists()


def test_docs_list_the_declared_rules():
    from commsim.config.declaration import rules
    from commsim.runs.docgen import parameters_markdown

    text = parameters_markdown()
    assert "## Rules" in text
    assert all(f"`{rule.name}`" in text and rule.help in text for rule in rules())


def test_ctrl_c_while_numba_loads_a_kernel_counts_as_ctrl_c(tmp_path, monkeypatch, capsys):
    """Ctrl-C inside numba's unpickling surfaces as a SystemError caused by it: still exit 130, nothing written."""

    def interrupted_while_loading(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise SystemError("<function _numba_unpickle> returned a result with an exception set") from interrupt

    monkeypatch.setattr(commsim.runs.runner.CommunityModel, "step", interrupted_while_loading)
    assert _run(_config(tmp_path), tmp_path / "out", "--steps", "3", "--replicates", "1") == 130
    assert "interrupted: nothing was written" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["trial.yaml"]
