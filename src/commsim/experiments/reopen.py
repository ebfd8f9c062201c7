"""Reopening a finished experiment folder: its plan and store, from the spec its manifest holds.

What ``commsim report``, ``commsim export`` and the dashboard's past experiments share.
Reads only; nothing of the spec's target is imported.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from commsim.experiments.folder import FolderError
from commsim.experiments.plan import Plan, make_plan
from commsim.experiments.spec import ExperimentSpec
from commsim.experiments.store import RUN_COLUMNS, ExperimentStore
from commsim.experiments.sweep import consolidated


def finished_experiment(folder: Path, *, locked: bool = False) -> tuple[Plan, ExperimentStore]:
    """The plan and store of an experiment folder whose last sweep finished.

    Args:
        folder: The experiment folder.
        locked: Whether the caller holds the folder's lock (no sweep is writing then);
            without it, a folder another command is writing is refused saying who holds it.

    Returns:
        The plan, re-made from the manifest's spec, and the folder's store.

    Raises:
        FolderError: If the folder has no complete results, its manifest's spec does not
            validate, the spec no longer plans the runs the manifest records, or its
            ``data.parquet`` does not hold the columns an analysis reads (see :func:`check_data`).
    """
    store = ExperimentStore(folder)
    manifest = store.experiment_manifest()
    if not consolidated(manifest):
        if not locked and store.in_use():
            with store.lock():  # refuses, saying who holds it
                pass
        command = f"commsim sweep {manifest.get('spec_file') or 'SPEC'} --out {folder}"
        raise FolderError(
            f"{folder}: no complete results yet (its last sweep was killed or interrupted); `{command}` resumes it"
        )
    try:
        spec = ExperimentSpec.model_validate(manifest["spec"])
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in ("spec", *first["loc"]))
        raise FolderError(f"{store.manifest_path}: {field}: {first['msg']}") from None
    points = manifest.get("design_points") if spec.design.kind == "csv" else None
    plan = make_plan(spec, source=store.manifest_path, points=points, check_size=False)
    if plan.spec_hash != manifest["spec_hash"]:
        raise FolderError(f"{folder}: the manifest's spec does not plan the same runs any more")
    check_data(plan, store)
    return plan, store


def check_data(plan: Plan, store: ExperimentStore) -> None:
    """Check, from its schema alone, that a folder's consolidated data can be analysed.

    Args:
        plan: The experiment.
        store: Its folder.

    Raises:
        FolderError: If ``data.parquet`` cannot be read as Parquet, has no rows, lacks a run,
            factor or step column, or holds a metric that is not a number.
    """
    store.check_usable()  # entries of the wrong kind or links are named as every command names them
    path = store.data_path
    try:
        metadata = pq.read_metadata(path)
    except (OSError, pa.ArrowException) as error:
        raise FolderError(
            f"{path}: cannot be read ({type(error).__name__}); resume the sweep, which rebuilds it"
        ) from None
    schema = metadata.schema.to_arrow_schema()
    needed = (*RUN_COLUMNS, *plan.factor_names, "step")
    missing = [name for name in needed if name not in schema.names]
    if missing:
        raise FolderError(f"{path}: not this experiment's data (no column {missing[0]!r})")
    if metadata.num_rows == 0:
        raise FolderError(f"{path}: holds no rows")
    for field in schema:
        numeric = pa.types.is_integer(field.type) or pa.types.is_floating(field.type) or pa.types.is_boolean(field.type)
        if field.name not in needed and not numeric:
            raise FolderError(f"{path}: metric {field.name!r} is not a number ({field.type})")
