from __future__ import annotations

import pytest

from commsim.config.limits import (
    BYTES_PER_RESIDENT,
    MAX_RESIDENT_WEEKS,
    MAX_RUNS,
    MAX_WORKERS,
    ResourceError,
    Work,
    check_work,
    check_workers,
    machine_memory_bytes,
)
from commsim.config.yaml_files import ConfigError


def test_work_within_every_ceiling_passes():
    check_work(Work(resident_weeks=2000 * 104 * 280, runs=280, largest_residents=2000, concurrent=2), where="x")


def test_resident_weeks_over_the_ceiling_are_refused_with_size_and_remedy():
    with pytest.raises(ResourceError, match=r"x\.yaml: plans .* resident-weeks.*--allow-large"):
        check_work(Work(resident_weeks=MAX_RESIDENT_WEEKS + 1, runs=1, largest_residents=1000), where="x.yaml")


def test_runs_over_the_ceiling_are_refused():
    with pytest.raises(ResourceError, match="runs, over the ceiling"):
        check_work(Work(resident_weeks=1, runs=MAX_RUNS + 1, largest_residents=20), where="x")


def test_allow_large_lifts_work_ceilings_but_not_memory():
    check_work(
        Work(resident_weeks=MAX_RESIDENT_WEEKS * 10, runs=MAX_RUNS * 2, largest_residents=20),
        where="x",
        allow_large=True,
    )
    too_many = int(machine_memory_bytes() / BYTES_PER_RESIDENT) + 1
    with pytest.raises(ResourceError, match="GB"):
        check_work(Work(resident_weeks=1, runs=1, largest_residents=too_many), where="x", allow_large=True)


def test_memory_counts_models_held_at_once():
    residents = int(0.5 * machine_memory_bytes() / BYTES_PER_RESIDENT)
    check_work(Work(resident_weeks=1, runs=2, largest_residents=residents, concurrent=1), where="x")
    with pytest.raises(ResourceError):
        check_work(Work(resident_weeks=1, runs=2, largest_residents=residents, concurrent=2), where="x")


def test_a_resource_error_is_a_config_error_so_commands_exit_2():
    assert issubclass(ResourceError, ConfigError)


@pytest.mark.parametrize("workers", [0, -1, MAX_WORKERS + 1])
def test_worker_counts_outside_the_bounds_are_refused(workers):
    with pytest.raises(ResourceError, match="workers"):
        check_workers(workers, where="commsim sweep")


def test_worker_count_inside_the_bounds_is_returned():
    assert check_workers(MAX_WORKERS, where="x") == MAX_WORKERS
