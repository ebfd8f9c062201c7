"""Executors: the inline one runs each task at once; unknown kinds and worker counts are refused."""

from __future__ import annotations

import pytest

from commsim.experiments.executors import InlineExecutor, default_workers, open_executor


def test_the_inline_executor_runs_at_submission_and_keeps_errors_in_the_future():
    executor = InlineExecutor()
    assert executor.submit(pow, 2, 5).result() == 32
    failed = executor.submit(int, "not a number")
    with pytest.raises(ValueError):
        failed.result()
    executor.shutdown()
    with pytest.raises(RuntimeError, match="closed"):
        executor.submit(pow, 2, 2)


def test_opening_the_inline_executor_describes_one_worker():
    with open_executor("inline", target="commsim.model:CommunityModel") as (executor, info):
        assert (info.kind, info.workers, info.in_flight) == ("inline", 1, 1)
        assert executor.submit(len, "abc").result() == 3


@pytest.mark.parametrize(
    ("kind", "options", "reason"),
    [
        ("threads", {}, "unknown executor"),
        ("processes", {"workers": 0}, "workers"),
        ("inline", {"scheduler": "tcp://x:1"}, "needs --executor dask"),
    ],
)
def test_bad_executor_settings_are_refused_before_starting(kind, options, reason):
    with pytest.raises(ValueError, match=reason), open_executor(kind, target="commsim.model:CommunityModel", **options):
        pass


def test_there_is_at_least_one_worker():
    assert default_workers() >= 1
