"""The hostile corpus (cases.yaml): every case refused cleanly, or accepted on purpose, and nothing else touched.

Each case runs in a scratch folder (the working folder, ``COMMSIM_CONFIG_DIR`` and
``COMMSIM_RESULTS_DIR`` all point there) that holds sentinel files: a committed report
in ``results/smoke``, notes, a folder reached through a link, a hand-written doc. The
commands run in-process through ``commsim.cli.main`` so the corpus stays fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml

import commsim.config.declaration
import commsim.config.presets
from commsim.cli import main
from commsim.config.paths import config_dir
from commsim.config.yaml_files import ConfigError

HERE = Path(__file__).resolve().parent
TABLE = yaml.safe_load((HERE / "cases.yaml").read_text(encoding="utf-8"))
FOLDERS = {
    "run": "run",
    "profile": "profiles",
    "policy": "policies",
    "lessons": "lessons",
    "experiment": "experiments",
    "manifest": "manifests",
}
TIMEOUT_S = 60  # generous: every case answers in well under a second in-process
MEMORY_HEADROOM = 4 * 2**30  # what one case may add to the test process
OK = "description: small and valid\nname: ok\nsteps: 1\nreplicates: 1\noverrides:\n  n_residents: 20\n"
SPEC = "name: spec\nbase: {n_residents: 20}\nreplicates: 1\nsteps: 1\n"
HUGE = "name: huge\nsteps: 5200\nreplicates: 10000\noverrides:\n  n_residents: 2000000\n"
CACHED = (
    commsim.config.presets.load_preset,
    commsim.config.presets._preset_location,
    commsim.config.presets._declaration_location,
    commsim.config.declaration._declaration,
    commsim.config.declaration.parameters,
    commsim.config.declaration.lever_declarations,
    commsim.config.declaration.rules,
)


def _never_exec(*arguments: Any) -> None:
    raise AssertionError(f"a case started a program: {arguments[:2]}")


def _clear_caches() -> None:
    for function in CACHED:
        function.cache_clear()


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A scratch project folder with sentinel files; the working folder while a case runs."""
    root = tmp_path / "scratch"
    shutil.copytree(config_dir(), root / "configs")
    files = {
        "results/.gitkeep": "",
        "results/smoke/report.md": "# A committed report\n",
        "results/smoke/manifest.json": json.dumps({"name": "smoke", "spec": {}}),
        "notes.txt": "my notes\n",
        "victim.txt": "precious\n",
        "elsewhere/keep.txt": "keep\n",
        "docs_foreign/parameters.md": "# My own parameters\n\nWritten by hand.\n",
        "inputs/ok.yaml": OK,
        "inputs/huge.yaml": HUGE,
        "inputs/spec.yaml": SPEC,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "link").symlink_to(root / "elsewhere")
    (root / "null_link").symlink_to("/dev/null")
    (root / "loop_a").symlink_to("loop_b")  # a loop of links
    (root / "loop_b").symlink_to("loop_a")
    (root / "dangling").symlink_to(root / "nowhere")
    monkeypatch.setattr(os, "execve", _never_exec)  # should a dashboard case ever get through its checks
    (root / "out").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.setenv("COMMSIM_CONFIG_DIR", str(root / "configs"))
    monkeypatch.setenv("COMMSIM_RESULTS_DIR", str(root / "results"))
    _clear_caches()
    yield root
    _clear_caches()


def _tree(root: Path, *, skip: str | None = None) -> dict[str, Any]:
    """Every entry below a folder: file digests, link targets, kinds; pipes are never opened."""
    found: dict[str, Any] = {}
    for folder, folders, names in os.walk(root):
        for name in folders + names:
            path = Path(folder) / name
            relative = path.relative_to(root).as_posix()
            if skip and (relative == skip or relative.startswith(f"{skip}/")):
                continue
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[relative] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                found[relative] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
            else:
                found[relative] = ("other", stat.S_IFMT(info.st_mode))
    return found


class _TimedOutError(Exception):
    """A command that did not return in time."""


def _virtual_memory_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _call(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run ``commsim ARGV`` in-process under a timeout; return its exit code, stdout and stderr.

    The process may grow by at most MEMORY_HEADROOM while the command runs, so a
    regression that reads a device without end fails the case instead of the machine.
    """

    def expire(signum, frame):
        raise _TimedOutError(f"commsim {' '.join(argv)} did not return within {TIMEOUT_S} s")

    limits = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (_virtual_memory_bytes() + MEMORY_HEADROOM, limits[1]))
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, TIMEOUT_S)
    try:
        code = main(argv)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, limits)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _make(kind: str, path: Path) -> None:
    """Make a special input: something git cannot hold."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "folder":
        path.mkdir()
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev_zero":
        path.symlink_to("/dev/zero")
    elif kind == "dev_null":
        path.symlink_to("/dev/null")
    elif kind == "dangling_link":
        path.symlink_to(path.parent / "nowhere.yaml")
    elif kind == "big":
        path.write_text("name: big\n" + "# padding\n" * 110_000, encoding="utf-8")
    elif kind == "deep_flow":
        path.write_text("name: deep\noverrides: " + "[" * 50_000 + "\n", encoding="utf-8")
    elif kind != "missing":
        raise ValueError(f"cases.yaml: unknown make {kind!r}")


def _commands(case: dict[str, Any], root: Path) -> tuple[str, list[list[str]]]:
    """Place a file case in the scratch folder; return the path it goes by and its commands."""
    kind, out = case.get("kind", "run"), f"out/{case['id']}"
    if kind == "manifest":
        folder = root / out
        folder.mkdir(parents=True)
        (folder / "timeseries.parquet").write_bytes(b"written by someone")
        target = folder / "manifest.json"
        if "make" in case:
            _make(case["make"], target)
        else:
            shutil.copyfile(HERE / "files" / "manifests" / f"{case['id']}.json", target)
        return out, [["run", "inputs/ok.yaml", "--out", out, "--quiet"]]
    if kind in ("profile", "policy"):
        path = f"configs/{FOLDERS[kind]}/{case['id']}.yaml"
    elif kind == "experiment":
        path = f"inputs/experiments/{case['id']}.yaml"
    else:
        path = f"inputs/{case['id']}.yaml"
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    if "make" in case:
        _make(case["make"], root / path)
    else:
        shutil.copyfile(HERE / "files" / FOLDERS[kind] / f"{case['id']}.yaml", root / path)
    consumer = {
        "run": ["run", path, "--out", out, "--quiet"],
        "experiment": ["sweep", path, "--dry-run", "--out", out],
        "lessons": None,
    }
    if kind in ("profile", "policy"):
        chooser = root / "inputs" / f"uses_{case['id']}.yaml"
        chooser.write_text(f"name: chooser\n{kind}: {case['id']}\nsteps: 1\nreplicates: 1\n", encoding="utf-8")
        consumer[kind] = ["run", f"inputs/{chooser.name}", "--out", out, "--quiet"]
    return path, [["validate", path], *([consumer[kind]] if consumer[kind] else [])]


def _check(case: dict[str, Any], code: int, out: str, err: str, *, names: str | None) -> None:
    text = out + err
    assert "Traceback" not in text, text
    assert code == case["exit"], f"exit {code}, expected {case['exit']}:\n{text}"
    if case.get("message"):
        assert case["message"] in text, text
    if code == 0:
        return
    assert err.startswith("error: "), err
    if names:
        assert names in err, err
        if "line" in case:
            assert f"{names}:{case['line']}" in err, err
    if "field" in case:
        assert f": {case['field']}: " in err, err


def _case_ids(section: str) -> list[Any]:
    return [pytest.param(case, id=case["id"]) for case in TABLE[section]]


def _run_case(case: dict[str, Any], commands: list[list[str]], root: Path, capsys, *, names: str | None) -> None:
    for argv in commands:
        refused = case["exit"] != 0
        before = _tree(root, skip=None if refused else "out")
        code, out, err = _call(argv, capsys)
        _check(case, code, out, err, names=names)
        assert _tree(root, skip=None if refused else "out") == before, f"commsim {' '.join(argv)} touched files"
    assert not (root / "pwned").exists()


@pytest.mark.parametrize("case", _case_ids("files") + _case_ids("special"))
def test_a_hostile_file_is_answered_cleanly_by_every_command_that_reads_it(case, scratch, capsys):
    path, commands = _commands(case, scratch)
    _run_case(case, commands, scratch, capsys, names=path)
    if case.get("kind") == "lessons":  # the dashboard's own loader says the same
        from commsim.dashboard.learn import lessons

        with pytest.raises(ConfigError) as caught:
            lessons(scratch / path)
        assert case["message"] in str(caught.value)
    if case["id"] == "manifest_escape":
        assert (scratch / "victim.txt").read_text() == "precious\n"
        assert (scratch / "out" / case["id"] / "manifest.json").is_file()


@pytest.mark.parametrize("case", _case_ids("commands"))
def test_a_hostile_command_line_is_answered_cleanly(case, scratch, capsys):
    names = {"ok": "inputs/ok.yaml", "huge": "inputs/huge.yaml", "spec": "inputs/spec.yaml", "out": f"out/{case['id']}"}
    argv = [part.format(**names) for part in case["argv"]]
    _run_case(case, [argv], scratch, capsys, names=case.get("names"))


def test_the_corpus_is_large_and_every_file_has_its_entry():
    files = {(case.get("kind", "run"), case["id"]) for case in TABLE["files"]}
    on_disk = {(kind, path.stem) for kind, folder in FOLDERS.items() for path in (HERE / "files" / folder).glob("*.*")}
    assert files == on_disk
    assert len(TABLE["files"]) + len(TABLE["special"]) >= 80 and len(TABLE["commands"]) >= 30
    ids = [case["id"] for section in TABLE.values() for case in section]
    assert len(ids) == len(set(ids))
