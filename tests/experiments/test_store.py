"""The experiment folder at its boundaries: set-up leftovers, other specs' and other people's files, links, locks."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from commsim.cli import main
from commsim.experiments.store import ExperimentStore

SPEC = (
    "name: cheap\ntarget: commsim.experiments.reference:linear\n"
    "factors:\n  - {name: x1, values: [0.1, 0.2]}\n"
    "scenarios:\n  quiet: {noise: 0.0}\n  noisy: {noise: 1.0}\nreplicates: 2\n"
)


@pytest.fixture
def spec(tmp_path) -> Path:
    path = tmp_path / "cheap.yaml"
    path.write_text(SPEC, encoding="utf-8")
    return path


def sweep(spec: Path, folder: Path, *extra: str) -> int:
    return main(["sweep", str(spec), "--executor", "inline", "--quiet", "--no-report", "--out", str(folder), *extra])


@pytest.fixture
def reference(spec, tmp_path) -> Path:
    folder = tmp_path / "reference"
    assert sweep(spec, folder) == 0
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder (links as their target text), for "nothing changed" checks."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            found[str(path.relative_to(folder))] = os.readlink(path).encode()
        elif path.is_file():
            found[str(path.relative_to(folder))] = path.read_bytes()
    return found


def one_line_error(capsys) -> str:
    error = capsys.readouterr().err
    assert error.startswith("error: ") and error.count("\n") == 1 and "Traceback" not in error, error
    return error


@pytest.mark.parametrize("leftovers", ["old_setup", "lock_only", "temporary_manifest"])
def test_a_folder_left_by_a_kill_during_set_up_resumes_to_the_same_result(spec, reference, tmp_path, leftovers):
    folder = tmp_path / "killed"
    (folder / "runs").mkdir(parents=True)
    if leftovers == "old_setup":  # what earlier versions left: the design and runs/, no manifest yet
        shutil.copy(reference / "design.csv", folder / "design.csv")
    elif leftovers == "lock_only":
        (folder / "runs").rmdir()
        (folder / ".commsim.lock").touch()
    else:
        (folder / ".manifest.json.0123abcd.tmp").write_text('{"half": ', encoding="utf-8")
    assert sweep(spec, folder) == 0
    assert (folder / "data.parquet").read_bytes() == (reference / "data.parquet").read_bytes()
    assert not list(folder.glob(".*.tmp"))


def test_a_folder_of_other_files_is_refused_untouched_even_with_fresh(spec, tmp_path, capsys):
    folder = tmp_path / "mine"
    (folder / "runs").mkdir(parents=True)
    (folder / "design.csv").write_text("my,own\n1,2\n", encoding="utf-8")
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    before = snapshot(folder)
    for extra in ((), ("--fresh",), ("--extend",)):
        assert sweep(spec, folder, *extra) == 2
        assert "holds files commsim did not write (notes.txt)" in one_line_error(capsys)
    assert snapshot(folder) == before


def test_another_specs_experiment_is_refused_untouched(spec, reference, capsys):
    other = spec.with_name("other.yaml")
    other.write_text(SPEC.replace("replicates: 2", "replicates: 3"), encoding="utf-8")
    before = snapshot(reference)
    assert sweep(other, reference) == 2
    error = one_line_error(capsys)
    assert "from a different spec" in error and "--extend" in error and "--fresh" in error
    assert snapshot(reference) == before


def test_extend_reuses_the_stored_runs_and_removes_the_stale_report(spec, reference, capsys):
    (reference / "report.md").write_text("# an old report", encoding="utf-8")
    other = spec.with_name("other.yaml")
    other.write_text(SPEC.replace("replicates: 2", "replicates: 3"), encoding="utf-8")
    assert sweep(other, reference, "--extend") == 0
    assert "8 already stored, 4 done" in capsys.readouterr().out
    assert not (reference / "report.md").exists()
    assert len(pd.read_parquet(reference / "runs.parquet")) == 12


def test_fresh_deletes_only_what_commsim_wrote(spec, reference, capsys):
    mine = {
        reference / "notes.txt": "my notes",
        reference / "runs" / "README": "about these runs",
        reference / "figures" / "my_sketch.svg": "<svg/>",
        reference / ".hidden.tmp": "not commsim's temporary file",
    }
    (reference / "figures").mkdir()
    (reference / "figures" / "effects.png").write_bytes(b"an old figure")
    for path, text in mine.items():
        path.write_text(text, encoding="utf-8")
    old_parts = set((reference / "runs").glob("*.parquet"))
    assert sweep(spec, reference, "--fresh") == 0
    assert "0 already stored, 8 done" in capsys.readouterr().out
    for path, text in mine.items():
        assert path.read_text(encoding="utf-8") == text
    assert not (reference / "figures" / "effects.png").exists()
    assert set((reference / "runs").glob("*.parquet")) == old_parts  # the same runs again, rewritten


@pytest.mark.parametrize("link", ["runs", "figures", "progress.jsonl"])
def test_a_link_named_like_commsims_files_is_refused_and_its_target_untouched(spec, reference, tmp_path, link, capsys):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "precious.txt").write_text("keep me", encoding="utf-8")
    target = elsewhere if link != "progress.jsonl" else elsewhere / "precious.txt"
    entry = reference / link
    if entry.is_dir():
        shutil.rmtree(entry)
    elif entry.exists():
        entry.unlink()
    entry.symlink_to(target)
    for extra in ((), ("--fresh",)):
        assert sweep(spec, reference, *extra) == 2
        assert "is a symbolic link" in one_line_error(capsys)
    assert main(["report", str(reference)]) == 2
    assert "is a symbolic link" in one_line_error(capsys)
    assert sorted(path.name for path in elsewhere.iterdir()) == ["precious.txt"]
    assert (elsewhere / "precious.txt").read_text(encoding="utf-8") == "keep me"


def test_a_truncated_part_counts_as_not_run_and_is_run_again(spec, reference, tmp_path, capsys):
    folder = tmp_path / "copy"
    shutil.copytree(reference, folder)
    victim = sorted((folder / "runs").glob("*.parquet"))[0]
    victim.write_bytes(victim.read_bytes()[:-20])
    assert len(ExperimentStore(folder).finished_keys()) == 7
    assert sweep(spec, folder) == 0
    assert "7 already stored, 1 done" in capsys.readouterr().out
    assert (folder / "data.parquet").read_bytes() == (reference / "data.parquet").read_bytes()


def _footer_start(data: bytes) -> int:
    """Offset of a Parquet file's footer (its length sits just before the closing magic bytes)."""
    return len(data) - 8 - int.from_bytes(data[-8:-4], "little")


@pytest.mark.parametrize(
    "damage",
    ["cut_in_half", "empty", "footer_zeroed", "magic_around_garbage", "another_runs_part"],
)
def test_a_damaged_or_misplaced_part_is_no_result_and_is_run_again(spec, reference, tmp_path, capsys, damage):
    """Whatever sits at runs/<key>.parquet, the consolidated tables end up those of an uninterrupted sweep."""
    folder = tmp_path / "copy"
    shutil.copytree(reference, folder)
    first, second = sorted((folder / "runs").glob("*.parquet"))[:2]
    data = first.read_bytes()
    damaged = {
        "cut_in_half": lambda: data[: len(data) // 2],
        "empty": lambda: b"",
        "footer_zeroed": lambda: data[: _footer_start(data)] + bytes(len(data) - _footer_start(data) - 4) + b"PAR1",
        "magic_around_garbage": lambda: b"PAR1" + b"x" * 100 + b"PAR1",
        "another_runs_part": second.read_bytes,
    }[damage]()
    first.write_bytes(damaged)
    assert first.stem not in ExperimentStore(folder).finished_keys()
    assert main(["status", str(folder)]) == 0
    assert "7 done, 0 failed, 0 timed out, 1 pending" in capsys.readouterr().out
    assert sweep(spec, folder) == 0
    assert "7 already stored, 1 done" in capsys.readouterr().out
    for table in ("data.parquet", "runs.parquet"):
        expected, found = pd.read_parquet(reference / table), pd.read_parquet(folder / table)
        pd.testing.assert_frame_equal(
            found.drop(columns=["duration_s", "worker", "finished", "session"], errors="ignore"),
            expected.drop(columns=["duration_s", "worker", "finished", "session"], errors="ignore"),
        )


@pytest.mark.parametrize("kind", ["folder", "folder_with_a_file", "link"])
@pytest.mark.parametrize("suffix", [".parquet", ".json"])
def test_a_folder_or_link_where_a_runs_file_belongs_is_refused_in_one_line_and_kept(
    spec, reference, tmp_path, capsys, kind, suffix
):
    folder = tmp_path / "copy"
    shutil.copytree(reference, folder)
    victim = sorted((folder / "runs").glob(f"*{suffix}"))[0]
    victim.unlink()
    if kind == "link":
        (tmp_path / "elsewhere").write_text("keep", encoding="utf-8")
        victim.symlink_to(tmp_path / "elsewhere")
    else:
        victim.mkdir()
        if kind == "folder_with_a_file":
            (victim / "mine.txt").write_text("mine", encoding="utf-8")
    before = snapshot(folder)
    for command in (
        ["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(folder)],
        ["report", str(folder)],
        ["analyze", str(folder)],
    ):
        assert main(command) == 2, command
        error = one_line_error(capsys)
        assert f"{victim} is a" in error and "not a run's result that commsim wrote" in error, error
    assert snapshot(folder) == before


def test_a_part_that_cannot_be_read_past_its_footer_is_a_one_line_error(spec, reference, tmp_path, capsys):
    """Damage inside the data pages, where the footer still reads: the sweep says which file to delete."""
    folder = tmp_path / "copy"
    shutil.copytree(reference, folder)
    victim = sorted((folder / "runs").glob("*.parquet"))[0]
    data = victim.read_bytes()
    victim.write_bytes(b"PAR1" + b"\xff" * (_footer_start(data) - 4) + data[_footer_start(data) :])
    assert sweep(spec, folder) == 2
    error = one_line_error(capsys)
    assert f"{victim}: cannot be read" in error and "delete it and resume the sweep" in error


@pytest.mark.parametrize("out", ["file", "under_a_file"])
def test_sweep_out_naming_a_file_is_a_one_line_error(spec, tmp_path, capsys, out):
    file = tmp_path / "a_file"
    file.write_text("mine", encoding="utf-8")
    assert sweep(spec, file if out == "file" else file / "deeper") == 2
    assert "a file, not a folder" in one_line_error(capsys)
    assert file.read_text(encoding="utf-8") == "mine"


def test_a_second_sweep_into_a_folder_in_use_is_refused_at_once(spec, reference, capsys):
    store = ExperimentStore(reference)
    before = snapshot(reference)
    with store.lock():
        assert sweep(spec, reference) == 2
        assert "is in use by another commsim command" in one_line_error(capsys)
        for command in (["report", str(reference)], ["analyze", str(reference)], ["export", str(reference), "--csv"]):
            assert main(command) == 2
            assert "in use by another commsim command" in one_line_error(capsys)
        assert snapshot(reference) == before
    assert main(["report", str(reference)]) == 0


def test_a_killed_sweeps_folder_is_not_reported_from_stale_tables(spec, reference, capsys):
    manifest = json.loads((reference / "manifest.json").read_text(encoding="utf-8"))
    manifest["sessions"].append({"id": "0123456789ab", "started": "2026-01-01T00:00:00", "pid": 1, "host": "x"})
    (reference / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for command in ("report", "analyze", "export"):
        assert main([command, str(reference), *(["--csv"] if command == "export" else [])]) == 2
        error = one_line_error(capsys)
        assert "no complete results yet (its last sweep was killed or interrupted)" in error and "resumes it" in error
    assert not (reference / "report.md").exists() and not (reference / "data.csv").exists()


def test_export_never_overwrites_a_file_outside_the_experiment(reference, tmp_path, capsys):
    out = tmp_path / "exports"
    out.mkdir()
    (out / "data.csv").write_text("someone else's data", encoding="utf-8")
    assert main(["export", str(reference), "--csv", "--out", str(out)]) == 2
    assert "data.csv exists" in one_line_error(capsys)
    assert (out / "data.csv").read_text(encoding="utf-8") == "someone else's data"
    assert main(["export", str(reference), "--csv"]) == 0  # inside the folder: commsim's own file
    assert main(["export", str(reference), "--csv"]) == 0


BAD_MANIFESTS = {
    "empty_object": ("{}", "not a commsim experiment manifest: name: field required"),
    "a_list": ("[1, 2]", "not a commsim experiment manifest (a JSON list)"),
    "not_json": ("garbage", "manifest.json:1: not valid JSON"),
    "cut_short": ('{"name": "x", "spec": {', "not valid JSON"),
    "wrong_types": ('{"name": "x", "spec": 1, "spec_hash": "h", "run_keys": []}', "spec: input should be a valid dict"),
    "deep": ("[" * 100_000, "manifest.json"),
    "binary": (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    "a_run_folder": ('{"name": "r", "config": {}}', "a scenario run's (`commsim run`), not an experiment's"),
    "bad_spec": (
        '{"name": "x", "spec": {"name": "../up"}, "spec_hash": "h", "run_keys": [], "sessions": [{"finished": "t"}]}',
        "manifest.json: spec.name",
    ),
}


@pytest.mark.parametrize(
    ("case", "command"),
    [
        (case, command)
        for case in sorted(BAD_MANIFESTS)
        for command in ("status", "report", "analyze", "export")
        if (case, command) != ("bad_spec", "status")  # status needs no spec: it counts runs
    ],
)
def test_a_broken_manifest_is_a_one_line_error_naming_it(tmp_path, capsys, case, command):
    content, fragment = BAD_MANIFESTS[case]
    folder = tmp_path / "broken"
    folder.mkdir()
    path = folder / "manifest.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert main([command, str(folder), *(["--csv"] if command == "export" else [])]) == 2
    error = one_line_error(capsys)
    assert str(folder) in error and fragment in error
    assert sorted(entry.name for entry in folder.iterdir()) == ["manifest.json"]


def test_status_report_and_export_of_a_folder_without_experiment_create_nothing(tmp_path, capsys):
    missing = tmp_path / "missing"
    for command in (["status", str(missing)], ["report", str(missing)], ["export", str(missing), "--csv"]):
        assert main(command) == 2
        assert "no experiment here" in one_line_error(capsys)
    assert not missing.exists()


@pytest.mark.parametrize(("name", "kind"), [("report.md", "folder"), ("figures", "file"), ("data.parquet", "folder")])
def test_an_entry_of_the_wrong_kind_under_a_name_commsim_writes_is_refused(spec, reference, capsys, name, kind):
    entry = reference / name
    if entry.is_dir():
        shutil.rmtree(entry)
    elif entry.exists():
        entry.unlink()
    entry.mkdir() if kind == "folder" else entry.write_text("mine", encoding="utf-8")
    for command in (
        ["sweep", str(spec), "--executor", "inline", "--quiet", "--out", str(reference)],
        ["report", str(reference)],
    ):
        assert main(command) == 2
        assert "should be a" in one_line_error(capsys)
    assert entry.is_dir() == (kind == "folder")


def test_a_report_of_a_folder_being_swept_says_it_is_in_use_not_killed(spec, reference, capsys):
    manifest = json.loads((reference / "manifest.json").read_text(encoding="utf-8"))
    manifest["sessions"].append({"id": "0123456789ab", "started": "2026-01-01T00:00:00", "pid": 1, "host": "x"})
    (reference / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with ExperimentStore(reference).lock():  # as the running sweep holds it
        assert main(["report", str(reference)]) == 2
    error = one_line_error(capsys)
    assert "is in use by another commsim command (a sweep started 2026-01-01T00:00:00 by process 1" in error
