"""Resource ceilings: the largest work a command starts without being asked to on purpose.

A run, a sweep or a dashboard job is sized before anything is simulated or written:
its total resident-weeks (residents x weeks, summed over runs), its number of runs and
its peak memory (residents of the largest model x bytes per resident x models held at
once). Work over a ceiling is refused at once with the planned size, the ceiling and how
to raise it (``--allow-large`` on the command line); memory beyond what the machine has
is refused whatever the flag says.

The constants are declared here once; docs/boundaries.md explains them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from commsim.config.yaml_files import ConfigError

# Peak resident memory measured by the benchmark suite: 1,000,000 residents x 104 weeks
# peaked at 1.95 GB (docs/reports/benchmarks), about 2 KB per resident with the network.
BYTES_PER_RESIDENT = 2_000
# About two to four hours on one core at today's cost per resident-week.
MAX_RESIDENT_WEEKS = 10_000_000_000
# Planning and the runs table cost about 2 KB per run.
BYTES_PER_PLANNED_RUN = 2_000
MAX_RUNS = 200_000
MAX_WORKERS = 64
# Share of the machine's physical memory a command may plan to use.
MEMORY_SHARE = 0.8


class ResourceError(ConfigError):
    """Planned work over a ceiling; the message gives the size, the ceiling and the remedy."""


class MemoryCeilingError(ResourceError):
    """Planned memory beyond what the machine has: no flag lifts it."""


@dataclass(frozen=True, slots=True)
class Work:
    """The size of a planned command.

    Attributes:
        resident_weeks: Residents x weeks, summed over every run.
        runs: Number of model runs.
        largest_residents: Residents of the largest single model.
        concurrent: Models held in memory at once (workers).
    """

    resident_weeks: float
    runs: int
    largest_residents: int
    concurrent: int = 1

    @property
    def peak_bytes(self) -> float:
        """Planned peak memory of the models held at once."""
        return float(self.largest_residents) * BYTES_PER_RESIDENT * max(1, self.concurrent)


def machine_memory_bytes() -> float:
    """Physical memory of this machine (bytes); infinity where it cannot be read."""
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return float("inf")


def check_work(work: Work, *, where: str, allow_large: bool = False) -> None:
    """Refuse work over a ceiling before it starts.

    Args:
        work: The planned size.
        where: What is being checked, for the message (a file or a command).
        allow_large: Lift the resident-week and run ceilings (never the memory limit).

    Raises:
        ResourceError: Naming the planned size, the ceiling and how to raise it
            (:class:`MemoryCeilingError` for memory, which no flag lifts).
    """
    memory = MEMORY_SHARE * machine_memory_bytes()
    if work.peak_bytes > memory:
        raise MemoryCeilingError(
            f"{where}: needs about {work.peak_bytes / 1e9:,.1f} GB ({work.largest_residents:,} residents x "
            f"{BYTES_PER_RESIDENT:,} bytes x {max(1, work.concurrent)} at once), more than the "
            f"{memory / 1e9:,.1f} GB this machine can give; use fewer residents or fewer workers"
        )
    if allow_large:
        return
    if work.resident_weeks > MAX_RESIDENT_WEEKS:
        raise ResourceError(
            f"{where}: plans {work.resident_weeks:,.0f} resident-weeks, over the ceiling of "
            f"{MAX_RESIDENT_WEEKS:,}; pass --allow-large to run it anyway"
        )
    if work.runs > MAX_RUNS:
        raise ResourceError(
            f"{where}: plans {work.runs:,} runs, over the ceiling of {MAX_RUNS:,}; pass --allow-large to run it anyway"
        )


def check_plan_memory(runs: int, *, where: str) -> None:
    """Refuse a plan whose list of runs alone would not fit in memory, whatever ``--allow-large`` says.

    Args:
        runs: Planned runs.
        where: What is being checked, for the message.

    Raises:
        MemoryCeilingError: Naming the runs, the memory they need and what the machine has.
    """
    memory = MEMORY_SHARE * machine_memory_bytes()
    needed = float(runs) * BYTES_PER_PLANNED_RUN
    if needed > memory:
        raise MemoryCeilingError(
            f"{where}: plans {runs:,} runs, whose plan alone needs about {needed / 1e9:,.1f} GB "
            f"({BYTES_PER_PLANNED_RUN:,} bytes per run), more than the {memory / 1e9:,.1f} GB this machine can give"
        )


def check_workers(workers: int, *, where: str) -> int:
    """Refuse a worker count over :data:`MAX_WORKERS`.

    Args:
        workers: Requested worker processes.
        where: What is being checked, for the message.

    Returns:
        The worker count.

    Raises:
        ResourceError: If it is below 1 or over the ceiling.
    """
    if not 1 <= workers <= MAX_WORKERS:
        raise ResourceError(f"{where}: workers must lie between 1 and {MAX_WORKERS}, got {workers}")
    return workers
