"""The validation record's report.md is rebuilt from the tables alone, and says which steps have not run."""

from __future__ import annotations

import shutil

from commsim.validation.report import write_report
from commsim.validation.steps import default_folder

RECORD = default_folder()


def test_the_committed_report_is_what_the_committed_tables_give(tmp_path):
    shutil.copytree(RECORD / "tables", tmp_path / "tables")
    path = write_report(tmp_path)
    assert path == tmp_path / "report.md"
    assert path.read_text(encoding="utf-8") == (RECORD / "report.md").read_text(encoding="utf-8")


def test_a_folder_without_tables_names_the_step_to_run(tmp_path):
    text = write_report(tmp_path / "empty").read_text(encoding="utf-8")
    for step in ("docking", "calibrate", "claims report", "sensitivity report"):
        assert f"Not run yet: `python -m commsim.validation {step}`" in text
