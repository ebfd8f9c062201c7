"""The experiment folder: one file per finished run, written so that nothing is ever lost.

Layout of ``results/<experiment>/``::

    manifest.json      spec, its hash, the design, versions, git commit, host, sessions
    design.csv         the resolved design, one row per point
    progress.jsonl     one JSON line per event (start, each run, finish) for front ends
    runs/<key>.parquet the kept steps and metrics of one finished run (the mark that it is done)
    runs/<key>.json    its status, duration, worker and session (a failed run has only this)
    data.parquet       consolidated tidy data: one row per run and kept step
    runs.parquet       the runs table: parameters, seed, status, error, duration, worker
    .commsim.lock      held by the one command writing the folder (a sweep, report or analysis)

Each file is written to a temporary sibling and renamed into place, so a process killed
at any moment leaves finished runs complete and unfinished ones absent. The run's JSON
is written before its Parquet part, so a part never lacks its record. The consolidated
files are rebuilt from the parts in plan order, so their content does not depend on
which worker finished first, how many there were, or how often the sweep was resumed.

What in the folder is commsim's, and its lock, are :mod:`commsim.experiments.folder`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, ValidationError

from commsim.experiments.folder import (
    DERIVED,
    FOLDERS,
    MANIFEST,
    TEMPORARY,
    ExperimentFolder,
    FolderError,
    top_name,
)
from commsim.experiments.plan import Plan, PlannedRun
from commsim.experiments.targets import RunOutput
from commsim.runs.provenance import now, write_file_atomically, write_json_atomically

RUN_COLUMNS = ("run", "point", "scenario", "replicate", "seed")
STATUSES = ("done", "failed", "timeout", "pending")
PARQUET_MAGIC = b"PAR1"


class _Manifest(BaseModel):
    """The fields of ``manifest.json`` that commands rely on (others are kept as they are)."""

    model_config = ConfigDict(extra="allow")

    name: str
    spec: dict[str, Any]
    spec_hash: str
    run_keys: list[str]
    sessions: list[dict[str, Any]] = []
    spec_file: str | None = None
    design_points: list[dict[str, Any]] | None = None


class ExperimentStore(ExperimentFolder):
    """Reads and writes one experiment folder: set-up, runs, consolidated tables and manifest."""

    def _holder(self) -> str:
        """The running sweep that holds the lock, from the manifest's sessions."""
        try:
            sessions = self.experiment_manifest().get("sessions", [])
        except FolderError:
            return ""
        running = [session for session in sessions if not session.get("finished")]
        if not running:
            return ""
        last = running[-1]
        return f" (a sweep started {last.get('started')} by process {last.get('pid')} on {last.get('host')})"

    # -------------------------------------------------------------- set-up

    def prepare(self, plan: Plan, *, fresh: bool = False, extend: bool = False) -> dict[str, Any] | None:
        """Check that the folder may take this plan's sweep; with the lock held, clear what must go.

        Read-only unless the caller holds the lock (:meth:`lock`): it is called once
        before the lock to refuse a wrong folder untouched, then again under the lock.

        Args:
            plan: The experiment.
            fresh: Delete every file commsim wrote (never other files) and start over.
            extend: Accept an experiment of a different spec, keeping its stored runs
                (their keys still name the same runs) and deleting what derives from them.

        Returns:
            The manifest already there if it is this experiment's (to keep its sessions),
            else None.

        Raises:
            FolderError: If the path is a file, the folder holds files but no experiment,
                its manifest is unreadable, or it holds another spec's experiment and
                neither ``fresh`` nor ``extend`` was given.
        """
        self.check_usable()
        if not self.folder.is_dir():
            return None
        if not self.exists():
            if not self.holds_only_setup_leftovers():
                shown = ", ".join(path.name for path in self.foreign_entries()[:3]) or "other files"
                raise FolderError(
                    f"{self.folder} holds files commsim did not write ({shown}) and no experiment "
                    "(no manifest.json); choose an empty or new folder with --out"
                )
            return None
        manifest = self.experiment_manifest()
        same = manifest["spec_hash"] == plan.spec_hash
        if not same and not (fresh or extend):
            raise FolderError(
                f"{self.folder} holds experiment {manifest['name']!r} from a different spec (its manifest.json has "
                f"spec {manifest['spec_hash'][:12]}, this spec is {plan.spec_hash[:12]}); pass --extend to reuse "
                "its stored runs, --fresh to replace its results, or choose another folder with --out"
            )
        return manifest if same and not fresh else None

    def clear(self, *, fresh: bool = False, derived: bool = False) -> list[Path]:
        """Delete files commsim wrote: all of them (``fresh``) or those derived from the runs; the lock holder only.

        The manifest goes last (a kill half-way leaves a folder that is still an
        experiment); sub-folders go only once empty, so a foreign file keeps its folder.

        Args:
            fresh: Every file commsim wrote.
            derived: The consolidated data, runs table, design, analysis, report and exports.

        Returns:
            The deleted paths.
        """
        targets = [
            path
            for path in self.commsim_files()
            if fresh or (derived and top_name(self.folder, path) in DERIVED and path.name != MANIFEST)
        ]
        targets.sort(key=lambda path: path.name == MANIFEST)
        for path in targets:
            path.unlink(missing_ok=True)
        for name in FOLDERS:
            folder = self.folder / name
            if folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir()):
                folder.rmdir()
        return targets

    def open(self, plan: Plan) -> None:
        """Create ``runs/``, remove half-written files commsim left, and record the design.

        Called with the lock held, after the manifest is written, so a kill at any point
        of the set-up leaves a folder that a sweep resumes.

        Args:
            plan: The experiment.
        """
        self.parts.mkdir(parents=True, exist_ok=True)
        for path in self.commsim_files():
            if TEMPORARY.fullmatch(path.name):
                path.unlink(missing_ok=True)
        write_file_atomically(self.design_path, lambda path: plan.design.to_csv(path, index=False))
        # An event cut short by a kill would otherwise swallow the next one.
        if self.progress_path.is_file() and self.progress_path.stat().st_size:
            with self.progress_path.open("rb+") as stream:
                stream.seek(-1, os.SEEK_END)
                if stream.read(1) != b"\n":
                    stream.write(b"\n")

    # -------------------------------------------------------------- writing runs

    def finished_keys(self) -> set[str]:
        """Keys of runs with a complete stored result (a whole Parquet file, not a link)."""
        if not self.parts.is_dir():
            return set()
        return {
            path.stem
            for path in self.parts.glob("*.parquet")
            if FOLDERS["runs"].fullmatch(path.name) and _whole_parquet(path)
        }

    def save(self, run: PlannedRun, output: RunOutput, *, session: str | None = None) -> None:
        """Store one run's output: its record, then (if it finished) its data part.

        Args:
            run: The run.
            output: What the worker returned.
            session: The sweep session that ran it.
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
            "session": session,
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
        """Append one event to ``progress.jsonl``."""
        line = json.dumps({"time": now(), **event}, default=str) + "\n"
        with self.progress_path.open("a", encoding="utf-8") as stream:
            stream.write(line)

    # -------------------------------------------------------------- reading

    def record(self, key: str) -> dict[str, Any] | None:
        """A run's JSON record, or None if it never ran (or its record is unreadable)."""
        try:
            found = json.loads(self.record_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        return found if isinstance(found, dict) else None

    def runs_table(self, plan: Plan) -> pd.DataFrame:
        """Every planned run: factor values, all parameters (JSON), key, status, error, duration, worker, session.

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
                    "session": record.get("session"),
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

        Raises:
            FolderError: If a part that looks whole cannot be read.
        """
        finished = self.finished_keys()
        frames = []
        for run in runs:
            if run.key not in finished:
                continue
            path = self.part_path(run.key)
            try:
                frame = pd.read_parquet(path)
            except (OSError, ValueError) as error:
                raise FolderError(
                    f"{path}: cannot be read ({type(error).__name__}: {error}); delete it and resume the sweep, "
                    "which runs it again"
                ) from error
            for position, (column, value) in enumerate(_identity(run).items()):
                frame.insert(position, column, value)
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=[*RUN_COLUMNS, "step"])
        return pd.concat(frames, ignore_index=True)

    def read_data(self) -> pd.DataFrame:
        """The consolidated data."""
        return _read_table(self.data_path)

    def read_runs(self) -> pd.DataFrame:
        """The runs table."""
        return _read_table(self.runs_path)

    def read_manifest(self) -> dict[str, Any]:
        """The manifest as a JSON object (any commsim manifest: an experiment's or a scenario run's).

        Returns:
            Its content.

        Raises:
            FolderError: Naming the file, if it is missing, unreadable, not JSON or not an object.
        """
        path = self.manifest_path
        try:
            content = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FolderError(f"{self.folder}: no experiment here ({MANIFEST} is missing)") from None
        except OSError as error:
            raise FolderError(f"{path}: cannot read the file ({error.strerror or error})") from error
        except UnicodeDecodeError:
            raise FolderError(f"{path}: not a commsim experiment manifest (not UTF-8 text)") from None
        except json.JSONDecodeError as error:
            raise FolderError(f"{path}:{error.lineno}: not valid JSON ({error.msg} at column {error.colno})") from None
        except RecursionError:
            raise FolderError(f"{path}: not a commsim experiment manifest (nested too deeply)") from None
        if not isinstance(content, dict):
            raise FolderError(f"{path}: not a commsim experiment manifest (a JSON {type(content).__name__})")
        return content

    def experiment_manifest(self) -> dict[str, Any]:
        """The manifest, checked to be an experiment's: what every experiment command relies on.

        Returns:
            Its content.

        Raises:
            FolderError: Naming the file, as :meth:`read_manifest` does, or if it lacks
                what an experiment manifest holds (a scenario run's, say).
        """
        content = self.read_manifest()
        if "spec" not in content and "config" in content:
            raise FolderError(f"{self.manifest_path}: a scenario run's (`commsim run`), not an experiment's")
        try:
            _Manifest.model_validate(content)
        except ValidationError as error:
            problems = error.errors()
            first = problems[0]
            field = ".".join(str(part) for part in first["loc"]) or "(top level)"
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise FolderError(
                f"{self.manifest_path}: not a commsim experiment manifest: {field}: {first['msg'].lower()}{more}"
            ) from None
        return content

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the manifest atomically."""
        write_json_atomically(self.manifest_path, manifest)

    def last_progress(self) -> dict[str, Any] | None:
        """The last complete event of ``progress.jsonl``, if any."""
        if not self.progress_path.is_file():
            return None
        last = None
        with self.progress_path.open(encoding="utf-8", errors="replace") as stream:
            for line in stream:
                try:
                    event = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if isinstance(event, dict):
                    last = event
        return last


def record_status(record: dict[str, Any] | None) -> str:
    """Status of a run without a stored part: its record's, except "done".

    A "done" record without its part means the process died between writing the two,
    so the run is pending (a resume runs it again).
    """
    status = (record or {}).get("status", "pending")
    return "pending" if status == "done" or status not in STATUSES else status


def _identity(run: PlannedRun) -> dict[str, Any]:
    return {
        "run": run.index,
        "point": run.point,
        "scenario": run.scenario,
        "replicate": run.replicate,
        "seed": run.seed,
    }


def _whole_parquet(path: Path) -> bool:
    """Whether a file is a regular file that starts and ends with Parquet's magic bytes (not cut short)."""
    if path.is_symlink():
        return False
    try:
        with path.open("rb") as stream:
            head = stream.read(4)
            stream.seek(-4, os.SEEK_END)
            return head == PARQUET_MAGIC and stream.read(4) == PARQUET_MAGIC
    except OSError:
        return False


def _read_table(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except FileNotFoundError:
        raise FolderError(f"{path}: missing; let `commsim sweep` finish (or resume it)") from None
    except (OSError, ValueError) as error:
        raise FolderError(
            f"{path}: cannot be read ({type(error).__name__}); resume the sweep, which rebuilds it"
        ) from error
