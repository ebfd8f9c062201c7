"""The shipped records in docs/reports/: a user's Quick start never touches them, and they work from a clone.

A user's runs go to ``results/`` (git ignores it); the shipped experiments' reports live
in ``docs/reports/<experiment>/``, and ``smoke`` and ``policy_packages`` carry their
compact consolidated data, so ``status``, ``report`` and ``export`` work on them before
any sweep, and ``status`` never contradicts itself.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from tests.file_digests import digests

from commsim.cli import main
from commsim.config.paths import project_root, shipped_reports
from commsim.experiments.sweep import status

EXPERIMENTS = project_root() / "experiments"
COMPACT = ("smoke", "policy_packages")  # shipped with data.parquet and runs.parquet
STATUS_LINE = re.compile(r"(\d+) runs — (\d+) done, (\d+) failed, (\d+) timed out, (\d+) pending")
SESSION_LINE = re.compile(
    r"^session \d+: .* — (\d+) done(?: \(stored here, of the \d+ it ran\))?, (\d+) failed(?:, (\d+) timed out)?",
    re.MULTILINE,
)


@pytest.fixture(scope="module")
def quick_start(tmp_path_factory) -> tuple[Path, dict[str, str], dict[str, str]]:
    """The Quick start's first sweep, typed as written (default folder), from a working folder."""
    before = digests(shipped_reports())
    working = tmp_path_factory.mktemp("user")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(working)
        assert main(["sweep", str(EXPERIMENTS / "smoke.yaml"), "--quiet"]) == 0
    return working / "results" / "smoke", before, digests(shipped_reports())


def _consistent(text: str) -> tuple[int, int]:
    """Check one `commsim status` output for contradictions; return (runs stored, runs pending)."""
    total, done, failed, timed_out, pending = (int(n) for n in STATUS_LINE.search(text).groups())
    assert done + failed + timed_out + pending == total
    sessions = [(int(d), int(f), int(t or 0)) for d, f, t in SESSION_LINE.findall(text)]
    earlier = re.search(r"(\d+) of the done runs were stored before", text)
    assert sum(d for d, _, _ in sessions) + (int(earlier.group(1)) if earlier else 0) == done
    assert sum(f for _, f, _ in sessions) == failed and sum(t for _, _, t in sessions) == timed_out
    return done + failed + timed_out, pending


def test_the_quick_start_sweep_writes_to_results_and_leaves_the_shipped_records_untouched(quick_start):
    folder, before, after = quick_start
    assert (folder / "report.md").is_file() and (folder / "data.parquet").is_file()
    assert after == before
    assert "docs/reports/smoke" not in (folder / "report.md").read_text(encoding="utf-8")


def test_git_ignores_a_users_results_and_what_commands_write_into_shipped_folders():
    if shutil.which("git") is None or not (project_root() / ".git").exists():
        pytest.skip("not a git checkout")
    paths = [
        "results/smoke/report.md",
        "results/policy_packages/data.parquet",
        "docs/reports/policy_packages/analysis/points.csv",
        "docs/reports/policy_packages/data.csv",
        "docs/reports/policy_packages/.commsim.lock",
        "docs/reports/centre_coverage/data.parquet",
    ]
    found = subprocess.run(
        ["git", "check-ignore", *paths], cwd=project_root(), capture_output=True, text=True, check=False
    )
    assert found.stdout.split() == paths
    shipped = subprocess.run(
        ["git", "check-ignore", "docs/reports/smoke/data.parquet", "docs/reports/smoke/report.md"],
        cwd=project_root(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert shipped.stdout == ""


@pytest.mark.parametrize("name", COMPACT)
def test_status_of_a_shipped_experiment_counts_its_runs_without_contradiction(name, capsys):
    assert main(["status", str(shipped_reports() / name)]) == 0
    out = capsys.readouterr().out
    stored, pending = _consistent(out)
    assert pending == 0 and stored == status(shipped_reports() / name)["total"]
    assert "counted from runs.parquet" in out and "not stored here" not in out


@pytest.mark.parametrize("name", COMPACT)
def test_report_on_a_shipped_experiment_recreates_it_unchanged(name, tmp_path, capsys):
    shipped = shipped_reports() / name
    copy = tmp_path / name
    shutil.copytree(shipped, copy, ignore=shutil.ignore_patterns("analysis", ".commsim.lock"))
    assert main(["report", str(copy)]) == 0
    shown = [f"{p.parent.name}/{p.name}" for d in ("tables", "figures") for p in sorted((shipped / d).iterdir())]
    for path in ["report.md", *shown]:  # byte for byte, so `commsim report` leaves a clone's git status clean
        assert (copy / path).read_bytes() == (shipped / path).read_bytes(), f"{name}/{path} differs"


def test_export_of_a_shipped_experiment_writes_every_run(tmp_path, capsys):
    shipped = shipped_reports() / "smoke"
    assert main(["export", str(shipped), "--csv", "--out", str(tmp_path)]) == 0
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert len(runs) == 12 and runs["status"].eq("done").all()
    assert len(pd.read_csv(tmp_path / "data.csv")) == len(pd.read_parquet(shipped / "data.parquet"))


def test_status_agrees_on_a_full_folder_its_compact_copy_and_a_copy_without_data(quick_start, tmp_path, capsys):
    full = quick_start[0]
    assert main(["status", str(full)]) == 0
    assert _consistent(capsys.readouterr().out) == (12, 0)

    compact = tmp_path / "compact"
    shutil.copytree(full, compact, ignore=shutil.ignore_patterns("runs", "progress.jsonl", "analysis"))
    assert main(["status", str(compact)]) == 0
    out = capsys.readouterr().out
    assert _consistent(out) == (12, 0) and "counted from runs.parquet" in out

    bare = tmp_path / "bare"  # a report shipped without any data: sessions ran runs the folder lacks
    shutil.copytree(compact, bare, ignore=shutil.ignore_patterns("*.parquet"))
    assert main(["status", str(bare)]) == 0
    out = capsys.readouterr().out
    assert _consistent(out) == (0, 12)
    assert "its sessions ran 12 runs that are not stored here" in out
    assert "0 done (stored here, of the 12 it ran)" in out
