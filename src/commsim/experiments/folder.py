"""An experiment folder's files, what commsim may touch in it, and its lock.

The folder is commsim's only if its manifest says so. Every file commsim writes has a
name it knows (:data:`TOP_FILES`, :data:`FOLDERS`), so ``--fresh`` deletes exactly those
and never a file someone else put there, and a folder holding anything else but no
manifest is refused untouched. One command at a time writes a folder: it holds the
folder's lock (:meth:`ExperimentFolder.lock`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from commsim.config.yaml_files import ConfigError
from commsim.runs.provenance import MAX_FOLDER_NAME_BYTES

LOCK_FILE = ".commsim.lock"
# A command that finds the lock held waits this long before refusing: enough for a
# `commsim status` that takes the lock for an instant to see whether it is free.
LOCK_WAIT_S = 1.0
MANIFEST = "manifest.json"
DESIGN = "design.csv"
PROGRESS = "progress.jsonl"
# Files commsim writes at the top of an experiment folder (data.csv and runs.csv by `export`).
TOP_FILES = (MANIFEST, DESIGN, PROGRESS, "data.parquet", "runs.parquet", "report.md", "data.csv", "runs.csv")
# Sub-folders commsim writes, with the names of the files it puts in each.
FOLDERS = {
    "runs": re.compile(r"[0-9a-f]{64}\.(parquet|json)"),
    "analysis": re.compile(r"outcomes\.parquet|(points|effects|sobol|sufficiency)\.csv"),
    "figures": re.compile(r"(timeseries|heatmap|effects|(response|sobol)_[A-Za-z0-9_.-]+)\.png"),
    "tables": re.compile(r"(points|effects|sobol|sufficiency)\.csv"),
}
# Derived from the runs: stale as soon as the spec changes.
DERIVED = ("data.parquet", "runs.parquet", "report.md", "data.csv", "runs.csv", DESIGN, "analysis", "figures", "tables")
# The temporary sibling of a file being written (see commsim.runs.provenance.write_file_atomically).
TEMPORARY = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{8}\.tmp")


class FolderError(ConfigError):
    """An experiment folder commsim cannot use as asked; the message names it and says why."""


class FolderBusyError(FolderError):
    """Another commsim command holds the folder's lock."""


class ExperimentFolder:
    """The paths of one experiment folder, what in it is commsim's, and its lock."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.parts = self.folder / "runs"

    # -------------------------------------------------------------- paths

    @property
    def manifest_path(self) -> Path:
        """``manifest.json``."""
        return self.folder / MANIFEST

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
        return self.folder / DESIGN

    @property
    def progress_path(self) -> Path:
        """``progress.jsonl``."""
        return self.folder / PROGRESS

    @property
    def lock_path(self) -> Path:
        """``.commsim.lock``."""
        return self.folder / LOCK_FILE

    def part_path(self, key: str) -> Path:
        """The Parquet part of a finished run."""
        return self.parts / f"{key}.parquet"

    def record_path(self, key: str) -> Path:
        """The JSON record of a run."""
        return self.parts / f"{key}.json"

    # -------------------------------------------------------------- what is in the folder

    def exists(self) -> bool:
        """Whether the folder holds a manifest (see :meth:`experiment_manifest` for whether it is an experiment's)."""
        return self.manifest_path.is_file()

    def check_usable(self) -> None:
        """Refuse a path that is not a folder (or lies under a file), or known entries that are links.

        Commsim writes only real files and folders of its own names, so a link named
        like one (``runs -> elsewhere``) could make it write or delete outside the folder.

        Raises:
            FolderError: Naming the path and the reason.
        """
        if len(self.folder.name.encode("utf-8")) > MAX_FOLDER_NAME_BYTES:
            raise FolderError(
                f"{self.folder}: the folder name is longer than {MAX_FOLDER_NAME_BYTES} bytes; choose a shorter --out"
            )
        for ancestor in (self.folder, *self.folder.parents):
            if ancestor.exists() or ancestor.is_symlink():
                if ancestor.is_symlink() and not ancestor.exists():
                    raise FolderError(f"{ancestor} is a symbolic link to nothing (or a loop of links); choose a folder")
                if not ancestor.is_dir():
                    what = "is" if ancestor == self.folder else f"lies under {ancestor}, which is"
                    raise FolderError(f"{self.folder} {what} a file, not a folder; choose a folder with --out")
                break
        if not self.folder.is_dir():
            return
        for name in (*TOP_FILES, *FOLDERS, LOCK_FILE):
            entry = self.folder / name
            if entry.is_symlink():
                raise FolderError(
                    f"{entry} is a symbolic link; commsim writes only real files and folders "
                    "inside an experiment folder, so remove the link or choose another folder"
                )
            wrong = entry.is_dir() if name not in FOLDERS else entry.exists() and not entry.is_dir()
            if wrong:
                kind = "file" if name not in FOLDERS else "folder"
                raise FolderError(f"{entry} should be a {kind} that commsim writes; remove it or choose another folder")
        self._check_run_files()

    def _check_run_files(self) -> None:
        """Refuse an entry of ``runs/`` named like a run's result that is not a regular file.

        Commsim writes a run's files as regular files only; a folder, link or device of
        the same name would stop its result from being stored (and commsim never deletes
        what it did not write), so the folder is refused before anything runs.

        Raises:
            FolderError: Naming the entry and what to do.
        """
        runs = self.folder / "runs"
        if not runs.is_dir() or runs.is_symlink():
            return
        for entry in runs.iterdir():
            if FOLDERS["runs"].fullmatch(entry.name) and (entry.is_symlink() or not entry.is_file()):
                what = "a symbolic link" if entry.is_symlink() else "a folder" if entry.is_dir() else "not a file"
                raise FolderError(
                    f"{entry} is {what}, not a run's result that commsim wrote; remove it (a resumed sweep "
                    "runs that run again) or choose another folder with --out"
                )

    def commsim_files(self) -> list[Path]:
        """Files in the folder that commsim writes (by name), without the lock and without following links.

        Returns:
            Top-level files and files inside commsim's sub-folders, including leftover
            temporary files of either.
        """
        found: list[Path] = []
        if not self.folder.is_dir():
            return found
        for entry in self.folder.iterdir():
            if entry.name in FOLDERS and entry.is_dir() and not entry.is_symlink():
                pattern = FOLDERS[entry.name]
                found += [item for item in entry.iterdir() if _named(item.name, pattern) and not item.is_dir()]
            elif (entry.name in TOP_FILES or _temporary_of(entry.name, TOP_FILES)) and not entry.is_dir():
                found.append(entry)
        return found

    def foreign_entries(self) -> list[Path]:
        """Entries commsim did not write: anything but its own names (top level and inside its sub-folders)."""
        if not self.folder.is_dir():
            return []
        ours = set(self.commsim_files())
        foreign = []
        for entry in sorted(self.folder.iterdir()):
            if entry.name == LOCK_FILE or entry in ours:
                continue
            if entry.name in FOLDERS and entry.is_dir() and not entry.is_symlink():
                foreign += [item for item in sorted(entry.iterdir()) if item not in ours]
                continue
            foreign.append(entry)
        return foreign

    def holds_only_setup_leftovers(self) -> bool:
        """Whether a folder without manifest holds nothing but what a killed sweep's set-up leaves.

        That is the lock, temporary files, ``progress.jsonl``, a ``runs/`` folder of run
        files, and ``design.csv`` beside it (written before the manifest by earlier versions).
        """
        if self.foreign_entries():
            return False
        names = {path.name for path in self.commsim_files() if path.parent == self.folder}
        names = {name for name in names if not TEMPORARY.fullmatch(name)}
        allowed = {PROGRESS} | ({DESIGN} if self.parts.is_dir() else set())
        others = [entry.name for entry in self.folder.iterdir() if entry.is_dir() and entry.name != "runs"]
        return names <= allowed and not others

    # -------------------------------------------------------------- locking

    @contextmanager
    def lock(self, *, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
        """Hold the folder's lock: at most one command writes an experiment folder at a time.

        The lock is an ``flock`` on ``.commsim.lock`` (the ``filelock`` library): the
        operating system releases it when its process ends, however it ends, so a
        killed sweep never leaves the folder locked.

        Args:
            wait_s: How long to wait for another holder before refusing.

        Yields:
            Nothing; the lock is held inside the ``with`` block.

        Raises:
            FolderBusyError: If another commsim command holds the lock.
            FolderError: If the folder is unusable or the lock file cannot be created.
        """
        self.check_usable()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            lock = FileLock(self.lock_path, timeout=wait_s)
            lock.acquire()
        except Timeout:
            raise FolderBusyError(
                f"{self.folder} is in use by another commsim command{self._holder()}; "
                "wait for it to finish (see `commsim status`), or choose another folder with --out"
            ) from None
        except OSError as error:
            raise FolderError(f"{self.folder}: cannot lock the folder ({error.strerror or error})") from error
        try:
            yield
        finally:
            lock.release()

    def in_use(self) -> bool | None:
        """Whether another process holds the folder's lock now; None if that cannot be told.

        Takes the lock for an instant if it is free (commands waiting for it wait long
        enough not to notice). A folder without a lock file has never been locked.
        """
        if not self.lock_path.is_file():
            return False
        try:
            lock = FileLock(self.lock_path, timeout=0)
            lock.acquire()
        except Timeout:
            return True
        except OSError:
            return None
        lock.release()
        return False

    def _holder(self) -> str:
        """Who holds the lock, as a clause of the refusal ("" when it cannot be told)."""
        return ""


def _named(name: str, pattern: re.Pattern[str]) -> bool:
    """Whether a file name is one commsim writes in a folder, or a temporary file of one."""
    if pattern.fullmatch(name):
        return True
    temporary = TEMPORARY.fullmatch(name)
    return bool(temporary and pattern.fullmatch(temporary["name"]))


def _temporary_of(name: str, names: Iterable[str]) -> bool:
    temporary = TEMPORARY.fullmatch(name)
    return bool(temporary and temporary["name"] in names)


def top_name(folder: Path, path: Path) -> str:
    """The name of the top-level entry a path lies in (a temporary file counts as its target)."""
    top = path.relative_to(folder).parts[0]
    temporary = TEMPORARY.fullmatch(top)
    return temporary["name"] if temporary else top
