"""Run ``commsim`` in this process and SIGKILL it just before a chosen write into an experiment folder.

Used by the kill test: ``python kill_at.py FOLDER PHASE N LOG -- commsim arguments``. Every
change commsim makes to FOLDER (a file opened for writing, a rename, a removal, a new
folder) is counted, as the audit events of the Python runtime report it, in one of four
phases: ``setup`` (before the first run's file), ``runs`` (files under ``runs/``),
``consolidate`` (``data.parquet``, ``runs.parquet`` and what follows them) and ``report`` (``analysis/``,
``figures/``, ``tables/``, ``report.md``). The process kills itself before the N-th change
of the chosen phase (PHASE ``none`` never kills). LOG receives one line per change:
phase and path, so a test can count the changes of an uninterrupted sweep.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

EVENTS = {"open", "os.rename", "os.remove", "os.rmdir", "os.mkdir"}
WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def main() -> None:
    folder, phase, nth, log_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    arguments = sys.argv[sys.argv.index("--") + 1 :]
    root = os.path.abspath(folder) + os.sep
    seen = {"setup": 0, "runs": 0, "consolidate": 0, "report": 0}
    started_runs = consolidating = False
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - open for the whole process

    def phase_of(relative: str) -> str:
        nonlocal started_runs, consolidating
        name = relative.split(os.sep)[0]
        if name in ("analysis", "figures", "tables") or "report.md" in relative:
            return "report"
        if "data.parquet" in relative or "runs.parquet" in relative:
            consolidating = True
        if consolidating:  # the consolidated tables, then the manifest that marks them whole
            return "consolidate"
        if name == "runs" and relative != "runs":
            started_runs = True
        return "runs" if started_runs else "setup"

    def hook(event: str, args: tuple) -> None:
        if event not in EVENTS or not args or isinstance(args[0], int):
            return
        if event == "open":
            mode, flags = (args[1] if len(args) > 1 else None), (args[2] if len(args) > 2 else 0)
            writing = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & WRITING)
            if not writing:
                return
        path = os.path.abspath(os.fsdecode(os.fspath(args[0])))
        if not path.startswith(root):
            return
        current = phase_of(path[len(root) :])
        seen[current] += 1
        log.write(f"{current} {path[len(root) :]}\n")
        log.flush()
        if current == phase and seen[current] == nth:
            os.kill(os.getpid(), signal.SIGKILL)

    sys.addaudithook(hook)
    from commsim.cli import main as commsim

    Path(folder).parent.mkdir(parents=True, exist_ok=True)
    sys.exit(commsim(arguments))


if __name__ == "__main__":
    main()
