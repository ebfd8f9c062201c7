"""Start-up time of the commands a researcher types first: ``--help``, ``validate`` and ``status``.

Each command runs in a fresh process (as a user runs it), interleaved, ``--repeats`` times;
the medians go to ``docs/reports/benchmarks/startup.json`` and a markdown table on stdout.
Targets on a quiet 2-core machine: ``--help`` within 0.5 s, ``validate`` within 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = {
    "commsim --help": ["--help"],
    "commsim validate configs/baseline.yaml": ["validate", "configs/baseline.yaml"],
    "commsim status docs/reports/smoke": ["status", "docs/reports/smoke"],
}
TARGETS_S = {"commsim --help": 0.5, "commsim validate configs/baseline.yaml": 1.5}


def time_command(arguments: list[str]) -> float:
    """Seconds from starting ``commsim ARGUMENTS`` in a new process to its exit."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "commsim.cli", *arguments], cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Measure, print the table and write the JSON record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs of each command (default 7)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reports" / "benchmarks" / "startup.json")
    args = parser.parse_args(argv)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeats):
        for name, arguments in COMMANDS.items():
            times[name].append(time_command(arguments))
    load = os.getloadavg()[0]
    record = {
        "load_average_1min": round(load, 2),
        "cores": os.cpu_count(),
        "repeats": args.repeats,
        "median_s": {name: round(statistics.median(values), 3) for name, values in times.items()},
        "min_s": {name: round(min(values), 3) for name, values in times.items()},
        "target_s": TARGETS_S,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"| command | median (s) | fastest (s) | target on a quiet machine (s) |  (load {load:.1f})")
    print("|---|---:|---:|---:|")
    for name in COMMANDS:
        target = TARGETS_S.get(name)
        shown = f"≤ {target}" if target else "–"
        print(f"| `{name}` | {record['median_s'][name]:.2f} | {record['min_s'][name]:.2f} | {shown} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
