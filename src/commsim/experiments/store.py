"""The experiment folder: one file per finished run, written so that nothing is ever lost.

Layout of ``results/<experiment>/``::

    manifest.json      spec, its hash, the design, versions, git commit, host, sessions
    design.csv         the resolved design, one row per point
    progress.jsonl     one JSON line per event (start, each run, finish) for front ends
    runs/<key>.parquet the kept steps and metrics of one finished run (the mark that it is done)
    runs/<key>.json    its status, duration and worker (a failed run has only this)
    data.parquet       consolidated tidy data: one row per run and kept step
    runs.parquet       the runs table: parameters, seed, status, error, duration, worker

Each file is written to a temporary sibling and renamed into place, so a process killed
at any moment leaves finished runs complete and unfinished ones absent. The run's JSON
is written before its Parquet part, so a part never lacks its record. The consolidated
files are rebuilt from the parts in plan order, so their content does not depend on
which worker finished first, how many there were, or how often the sweep was resumed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from commsim.experiments.plan import Plan, PlannedRun
from commsim.experiments.targets import RunOutput
from commsim.provenance import now, write_file_atomically, write_json_atomically

RUN_COLUMNS = ("run", "point", "scenario", "replicate", "seed")
STATUSES = ("done", "failed", "timeout", "pending")


class ExperimentStore:
    """Reads and writes one experiment folder."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.parts = self.folder / "runs"

    # -------------------------------------------------------------- paths

    @property
    def manifest_path(self) -> Path:
        """``manifest.json``."""
        return self.folder / "manifest.json"

    @property
    def data_path(self) -> Path:
        """``data.parquet``: the consolidated tidy data."""
        return self.folder / "data.parquet"

    @property
    def runs_path(self) -> Path:
        """``runs.parquet``: the runs table."""
        return self.folder / "runs.parquet"

    @property
    def design_path(self) -> Path:
        """``design.csv``."""
        return self.folder / "design.csv"

    @property
    def progress_path(self) -> Path:
        """``progress.jsonl``."""
        return self.folder / "progress.jsonl"

    def part_path(self, key: str) -> Path:
        """The Parquet part of a finished run."""
        return self.parts / f"{key}.parquet"

    def record_path(self, key: str) -> Path:
        """The JSON record of a run."""
        return self.parts / f"{key}.json"

    # -------------------------------------------------------------- lifecycle

    def exists(self) -> bool:
        """Whether the folder holds an experiment."""
        return self.manifest_path.is_file()

    def open(self, plan: Plan, *, fresh: bool = False) -> None:
        """Create the folder (or reuse it), remove half-written files, record the plan.

        Args:
            plan: The experiment.
            fresh: Delete earlier results first instead of resuming.

        Raises:
            ValueError: If the folder holds files but is not an experiment folder (so
                that ``--fresh`` never deletes anything else).
        """
        if self.folder.is_dir() and any(self.folder.iterdir()) and not self.exists():
            raise ValueError(
                f"{self.folder} holds files but no experiment (no manifest.json); "
                "choose an empty or new folder with --out"
            )
        if fresh and self.folder.exists():
            shutil.rmtree(self.folder)
        self.parts.mkdir(parents=True, exist_ok=True)
        for leftover in self.folder.rglob(".*.tmp"):
            leftover.unlink(missing_ok=True)
        write_file_atomically(self.design_path, lambda path: plan.design.to_csv(path, index=False))

    def finished_keys(self) -> set[str]:
        """Keys of runs with a stored result."""
        return {path.stem for path in self.parts.glob("*.parquet")}

    def save(self, run: PlannedRun, output: RunOutput) -> None:
        """Store one run's output: its record, then (if it finished) its data part.

        Args:
            run: The run.
            output: What the worker returned.
        """
        record = {
            "key": run.key,
            "status": output.status,
            "error": output.error,
            "traceback": output.trace,
            "duration_s": output.duration_s,
            "worker": output.worker,
            "started": output.started,
            "finished": output.finished,
        }
        write_json_atomically(self.record_path(run.key), record)
        if output.status != "done" or output.frame is None:
            self.part_path(run.key).unlink(missing_ok=True)
            return
        frame = output.frame
        write_file_atomically(
            self.part_path(run.key), lambda path: frame.to_parquet(path, engine="pyarrow", index=False)
        )

    def log(self, event: dict[str, Any]) -> None:
        """Append one event to ``progress.jsonl`` (a line is written whole or not at all)."""
        line = json.dumps({"time": now(), **event}, default=str) + "\n"
        with self.progress_path.open("a", encoding="utf-8") as stream:
            stream.write(line)

    # -------------------------------------------------------------- reading

    def record(self, key: str) -> dict[str, Any] | None:
        """A run's JSON record, or None if it never ran (or its record is unreadable)."""
        try:
            return json.loads(self.record_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def runs_table(self, plan: Plan) -> pd.DataFrame:
        """Every planned run: factor values, all parameters (JSON), key, status, error, duration, worker.

        Args:
            plan: The experiment.

        Returns:
            One row per run in plan order.
        """
        finished = self.finished_keys()
        factors = plan.design.set_index("point")[plan.factor_names]
        rows = []
        for run in plan.runs:
            record = self.record(run.key) or {}
            status = "done" if run.key in finished else record_status(record)
            rows.append(
                _identity(run)
                | factors.loc[run.point].to_dict()
                | {
                    "parameters": json.dumps(run.parameters, sort_keys=True, default=str),
                    "key": run.key,
                    "status": status,
                    "error": record.get("error") if status != "done" else None,
                    "duration_s": record.get("duration_s"),
                    "worker": record.get("worker"),
                    "finished": record.get("finished"),
                }
            )
        return pd.DataFrame(rows)

    def consolidate(self, plan: Plan) -> pd.DataFrame:
        """Rebuild ``data.parquet`` and ``runs.parquet`` from the parts, in plan order.

        Args:
            plan: The experiment.

        Returns:
            The consolidated data: run identity, factor values, ``step``, metrics.
        """
        data = self.load_parts(plan.runs)
        if not data.empty:
            # A metric named like a factor (a function returning an input) keeps its value under a suffix.
            clashes = {name: f"{name}_output" for name in plan.factor_names if name in data.columns}
            data = data.rename(columns=clashes)
            factors = plan.design[["point", *plan.factor_names]]
            data = data.merge(factors, on="point", how="left", sort=False)
            metrics = [column for column in data.columns if column not in (*RUN_COLUMNS, "step", *plan.factor_names)]
            data = data[[*RUN_COLUMNS, *plan.factor_names, "step", *metrics]]
        write_file_atomically(self.data_path, lambda path: data.to_parquet(path, engine="pyarrow", index=False))
        runs = self.runs_table(plan)
        write_file_atomically(self.runs_path, lambda path: runs.to_parquet(path, engine="pyarrow", index=False))
        return data

    def load_parts(self, runs: Iterable[PlannedRun]) -> pd.DataFrame:
        """Concatenate the stored parts of the given runs that finished, in the given order.

        A part holds only steps and metrics (it may serve several specs); the run's
        identity in this plan is added here.
        """
        frames = []
        for run in runs:
            path = self.part_path(run.key)
            if path.is_file():
                frame = pd.read_parquet(path)
                for position, (column, value) in enumerate(_identity(run).items()):
                    frame.insert(position, column, value)
                frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=[*RUN_COLUMNS, "step"])
        return pd.concat(frames, ignore_index=True)

    def read_data(self) -> pd.DataFrame:
        """The consolidated data."""
        return pd.read_parquet(self.data_path)

    def read_runs(self) -> pd.DataFrame:
        """The runs table."""
        return pd.read_parquet(self.runs_path)

    def read_manifest(self) -> dict[str, Any]:
        """The manifest."""
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the manifest atomically."""
        write_json_atomically(self.manifest_path, manifest)

    def last_progress(self) -> dict[str, Any] | None:
        """The last complete event of ``progress.jsonl``, if any."""
        if not self.progress_path.is_file():
            return None
        last = None
        with self.progress_path.open(encoding="utf-8") as stream:
            for line in stream:
                try:
                    last = json.loads(line)
                except ValueError:
                    continue
        return last


def record_status(record: dict[str, Any] | None) -> str:
    """Status of a run without a stored part: its record's, except "done".

    A "done" record without its part means the process died between writing the two,
    so the run is pending (a resume runs it again).
    """
    status = (record or {}).get("status", "pending")
    return "pending" if status == "done" else status


def _identity(run: PlannedRun) -> dict[str, Any]:
    return {
        "run": run.index,
        "point": run.point,
        "scenario": run.scenario,
        "replicate": run.replicate,
        "seed": run.seed,
    }
