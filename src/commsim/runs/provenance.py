"""Where results come from: seeds, hashes, versions, the git commit, and atomic writes.

Plumbing shared by the scenario runner and the experiment runner, with the rules of a
run's results folder: what makes a folder one commsim wrote (its manifest says
``"kind": "commsim run"`` and lists every file), when it may be replaced, and how the
leftovers of a killed run are recognised and tidied.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from commsim.config.paths import project_root
from commsim.version import __version__

RUN_KIND = "commsim run"
MANIFEST = "manifest.json"
# What a run folder written before manifests listed their files holds.
LEGACY_FILES = frozenset({MANIFEST, "timeseries.parquet", "summary.csv", "paired_differences.csv"})
LEGACY_MANIFEST_KEYS = frozenset({"config_hash", "seeds", "resolved_parameters", "replicate_timings"})
# File systems allow 255 bytes per name; staging adds ".", ".XXXXXXXX" and ".partial".
MAX_FOLDER_NAME_BYTES = 200
# A run's manifest is some kilobytes per replicate; anything much larger is not one.
MAX_MANIFEST_BYTES = 100_000_000
VERSIONED_PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "matplotlib")


def seed_integer(sequence: np.random.SeedSequence) -> int:
    """The integer seed a spawned ``SeedSequence`` stands for.

    63 bits: a non-negative int that every numpy and Mesa seeding path accepts.

    Args:
        sequence: A (spawned) seed sequence.

    Returns:
        The seed to pass as ``rng=``.
    """
    return int(sequence.generate_state(1, dtype=np.uint64)[0] >> 1)


def canonical_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces) of a JSON-compatible value.

    Args:
        value: Dicts, lists, strings, numbers, booleans and None.

    Returns:
        The hex digest.
    """
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def git_commit() -> str | None:
    """The commit checked out in the project folder, or None outside a git checkout."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=project_root(), capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def package_versions(extra: tuple[str, ...] = ()) -> dict[str, str]:
    """Versions of Python, commsim and the packages results depend on.

    Args:
        extra: More distribution names to report.

    Returns:
        Name to version (``not installed`` if absent).
    """
    found = {"python": platform.python_version(), "commsim": __version__}
    for package in (*VERSIONED_PACKAGES, *extra):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def now() -> str:
    """The current UTC time in ISO 8601 with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def host() -> str:
    """This machine's network name."""
    return platform.node()


def machine() -> dict[str, Any]:
    """This machine: host name, processor model, cores, operating system and Python.

    Returns:
        ``host``, ``processor``, ``cores``, ``system`` and ``python``.
    """
    return {
        "host": platform.node(),
        "processor": _processor(),
        "cores": os.cpu_count() or 1,
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
    }


def describe_machine(found: dict[str, Any] | None) -> str:
    """A machine in words, for reports and estimates: ``vm (2 cores, AMD EPYC, Linux x86_64)``.

    Args:
        found: A :func:`machine` record, or None (an older folder that did not record it).

    Returns:
        The description, or "an unrecorded machine".
    """
    if not found:
        return "an unrecorded machine"
    cores = found.get("cores")
    count = f"{cores} core{'' if cores == 1 else 's'}" if cores else None
    details = [count, found.get("processor"), found.get("system")]
    return f"{found.get('host') or 'unnamed host'} ({', '.join(str(item) for item in details if item)})"


def _processor() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown processor"


def write_file_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file through a temporary sibling that replaces it only once complete.

    A process killed at any moment leaves either the old file (or none) or the new one,
    never half of it; a leftover temporary file starts with ``.`` and ends with ``.tmp``.

    Args:
        path: The file to write.
        write: Writes the content to the path it is given.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_json_atomically(path: Path, value: Any) -> None:
    """Write JSON (indented, trailing newline) atomically; see :func:`write_file_atomically`."""
    text = json.dumps(value, indent=2, default=str) + "\n"
    write_file_atomically(path, lambda target: target.write_text(text, encoding="utf-8"))


class OutputError(ValueError):
    """An output path commsim refuses to write to; the message says why and what to do."""


PARTIAL_MARKER = ".commsim-partial.json"


def _staging_glob(target: Path, suffix: str) -> list[Path]:
    # The name is used as a literal prefix: glob patterns in it would match other folders.
    prefix = f".{target.name}."
    return sorted(path for path in target.parent.glob(f".*{suffix}") if path.name.startswith(prefix) and path.is_dir())


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a reused id counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def stale_staging(target: Path) -> list[Path]:
    """Staging folders of ``target`` left by a killed process of this machine.

    A staging folder is recognised by its name (``.NAME.*.partial``) and by the marker
    file commsim writes into it first; it is stale when the process that made it is gone.

    Args:
        target: The folder whose staging siblings are sought.

    Returns:
        The stale staging folders (never one of a process still running).
    """
    stale = []
    for folder in _staging_glob(target, ".partial"):
        try:
            marker = json.loads((folder / PARTIAL_MARKER).read_text(encoding="utf-8"))
            pid, machine = int(marker["pid"]), str(marker["host"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not made by commsim: leave it alone
        if machine == host() and not process_alive(pid):
            stale.append(folder)
    return stale


def replaced_leftovers(target: Path) -> list[Path]:
    """Folders ``.NAME.*.old`` beside ``target``: a replaced folder a kill kept from deletion.

    Args:
        target: The folder that was being replaced.

    Returns:
        The leftovers, oldest name first; the caller decides whether they are its own.
    """
    return _staging_glob(target, ".old")


def replace_folder_atomically(
    target: Path,
    fill: Callable[[Path], None],
    *,
    check_replaceable: Callable[[Path], None] | None = None,
    remove_replaced: Callable[[Path], None] | None = None,
) -> None:
    """Build a folder in a staging sibling and move it into place only when complete.

    The staging folder (``.NAME.XXXX.partial`` beside the target) holds a marker naming
    this process first, so a kill leaves a folder that :func:`stale_staging` recognises
    and the next run cleans. An existing target is replaced only after ``fill``
    succeeded and ``check_replaceable`` accepted it once more; on failure nothing
    changes and the staging folder is removed.

    Args:
        target: The folder to create or replace.
        fill: Writes the folder's content into the staging folder it is given.
        check_replaceable: Raises if an existing target may not be replaced.
        remove_replaced: Deletes the replaced folder (moved aside as ``.NAME.XXXX.old``);
            the default deletes the whole tree.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; results are meant to be shared
        marker = {"pid": os.getpid(), "host": host(), "started": now(), "target": str(target)}
        (staging / PARTIAL_MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
        fill(staging)
        if not target.exists() and not target.is_symlink():
            staging.rename(target)
        else:
            if check_replaceable is not None:
                check_replaceable(target)
            old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.old")
            target.rename(old)
            try:
                staging.rename(target)
            except BaseException:
                old.rename(target)
                raise
            (remove_replaced or (lambda folder: shutil.rmtree(folder, ignore_errors=True)))(old)
        (target / PARTIAL_MARKER).unlink(missing_ok=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# ------------------------------------------------------------------ run folders


def iter_files_below(folder: Path) -> Iterator[str]:
    """Every file and link below a folder, as POSIX paths relative to it (folders excluded)."""
    for root, folders, files in os.walk(folder):
        base = Path(root)
        for name in files + [name for name in folders if (base / name).is_symlink()]:
            yield (base / name).relative_to(folder).as_posix()


def iter_folders_below(folder: Path) -> Iterator[str]:
    """Every folder below a folder (links excluded), as POSIX paths relative to it."""
    for root, folders, _ in os.walk(folder):
        base = Path(root)
        for name in folders:
            if not (base / name).is_symlink():
                yield (base / name).relative_to(folder).as_posix()


def files_below(folder: Path) -> list[str]:
    """:func:`iter_files_below`, sorted."""
    return sorted(iter_files_below(folder))


def run_folder_files(folder: Path) -> frozenset[str] | None:
    """The files commsim wrote in a run folder, from its manifest.

    Args:
        folder: A folder that may be a run folder.

    Returns:
        Relative paths of the files its manifest accounts for (the manifest, and the
        staging marker a kill may leave, included); None if the folder is no run folder.
    """
    path = folder / MANIFEST
    try:
        # A regular file of sensible size: never a link to a device or a pipe that blocks.
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(manifest, dict):
        return None
    if manifest.get("kind") == RUN_KIND and isinstance(manifest.get("files"), list):
        listed = frozenset(name for name in manifest["files"] if isinstance(name, str))
    elif set(manifest) >= LEGACY_MANIFEST_KEYS:
        listed = LEGACY_FILES | {name for name in files_below(folder) if name.startswith("figures/")}
        listed = frozenset(name for name in listed if name in LEGACY_FILES or name.endswith(".png"))
    else:
        return None
    return listed | {MANIFEST, PARTIAL_MARKER}


def check_out_dir(out_dir: Path) -> None:
    """Refuse a results folder that commsim may not write, before anything runs.

    A folder may be written if it does not exist, is empty, or is a run folder commsim
    wrote holding only the files its manifest lists.

    Args:
        out_dir: The results folder of a run.

    Raises:
        OutputError: Saying why the folder is refused (a file, a link, another
            program's or person's files) and what to do.
    """
    remedy = "choose another --out (or config name), or move it away"
    if len(out_dir.name.encode("utf-8")) > MAX_FOLDER_NAME_BYTES:  # its staging sibling's name must fit too
        raise OutputError(f"{out_dir}: the folder name is longer than {MAX_FOLDER_NAME_BYTES} bytes; {remedy}")
    if out_dir.is_symlink():
        raise OutputError(f"{out_dir}: is a symbolic link; give the folder it points to as --out, or {remedy}")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir}: exists and is not a folder; commsim run writes a folder: {remedy}")
    existing = next((folder for folder in out_dir.parents if folder.exists()), None)
    if existing is not None and not existing.is_dir():
        raise OutputError(f"{existing}: is not a folder, so {out_dir} cannot be written")
    if not out_dir.is_dir():
        return
    try:
        if not any(out_dir.iterdir()):
            return
        known = run_folder_files(out_dir)  # before walking: never walk a folder that is no run folder
        if known is None:
            raise OutputError(
                f"{out_dir}: holds files but is not a commsim run folder (no run manifest.json); "
                f"commsim never replaces what it did not write: {remedy}"
            )
        folders = {parent.as_posix() for name in known for parent in Path(name).parents} - {"."}
        foreign = next((name for name in iter_files_below(out_dir) if name not in known), None)
        foreign = foreign or next((name for name in iter_folders_below(out_dir) if name not in folders), None)
    except OSError as error:
        raise OutputError(f"{out_dir}: cannot be read ({error.strerror or error}): {remedy}") from None
    if foreign is not None:
        raise OutputError(
            f"{out_dir}: is a run folder but also holds {foreign} that commsim did not write, so it is not "
            f"replaced: {remedy}"
        )


def remove_run_folder(folder: Path) -> None:
    """Delete a run folder file by file: only what its manifest lists, then empty folders.

    Anything else (nothing, if :func:`check_out_dir` accepted the folder) stays, with
    the folder that holds it.

    Args:
        folder: A run folder commsim wrote.
    """
    known = run_folder_files(folder) or frozenset()
    # Only files present below the folder and listed: a manifest cannot point elsewhere.
    present = [name for name in files_below(folder) if name in known]
    for name in sorted(present, key=lambda name: name == MANIFEST):  # the manifest last
        (folder / name).unlink(missing_ok=True)
    for root, _, _ in sorted(os.walk(folder, topdown=False), key=lambda entry: -len(entry[0])):
        with contextlib.suppress(OSError):  # a folder that holds something commsim did not write stays
            Path(root).rmdir()


def prepare_out_dir(out_dir: Path) -> list[Path]:
    """Check a results folder and tidy what killed runs of it left behind.

    Stale staging folders (their process is gone) are removed; a run folder a kill left
    moved aside (``.NAME.XXXX.old``) is put back if the folder itself is missing, and
    deleted otherwise.

    Args:
        out_dir: The results folder of a run.

    Returns:
        The leftovers removed or put back.

    Raises:
        OutputError: If the folder may not be written (see :func:`check_out_dir`).
    """
    check_out_dir(out_dir)
    if not out_dir.parent.is_dir():
        return []
    tidied = []
    for folder in stale_staging(out_dir):
        shutil.rmtree(folder, ignore_errors=True)
        tidied.append(folder)
    for folder in reversed(replaced_leftovers(out_dir)):
        if run_folder_files(folder) is None:
            continue  # not a run folder commsim moved aside: leave it alone
        if not out_dir.exists():
            folder.rename(out_dir)
        else:
            remove_run_folder(folder)
        tidied.append(folder)
    return tidied
