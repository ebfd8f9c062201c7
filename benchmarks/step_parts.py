"""CPU time of each part of a step: per-process milliseconds of a busy run (all twelve levers on).

Each process function the model's ``step`` calls is wrapped with a timer; the step's
median over the weeks after a warm-up is taken per run, and the median over seeds is
printed. Use it before and after a change to the step, in the same conditions::

    .venv/bin/python -m benchmarks.step_parts --residents 2000 10000 --weeks 52 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from typing import Any

from benchmarks.run_benchmarks import PACKAGE, PROFILE, all_levers

import commsim.model as model_module
from commsim.model import CommunityModel, warm_kernels

# The model module's names of the parts of a step, in the schedule's order.
PARTS = (
    "run_churn",
    "run_issues",
    "run_activities",
    "run_deliberation",
    "run_mutual_aid",
    "update_attitudes",
    "weaken_ties",
    "update_roles",
    "join_time_bank",
    "compute_metrics",
)


def _timed(name: str, function: Any, spent: dict[str, float]) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        result = function(*args, **kwargs)
        spent[name] += time.process_time() - started
        return result

    return wrapper


def one_run(residents: int, weeks: int, seed: int, *, warm_up: int = 4) -> dict[str, float]:
    """Median milliseconds per week of each part (and the whole step) over ``weeks`` weeks after ``warm_up``."""
    spent: dict[str, float] = defaultdict(float)
    originals = {name: getattr(model_module, name) for name in PARTS}
    for name, function in originals.items():
        setattr(model_module, name, _timed(name, function, spent))
    try:
        model = CommunityModel(
            rng=seed, n_residents=residents, profile=PROFILE, policy=PACKAGE, **all_levers(residents)
        )
        for _ in range(warm_up):
            model.step()
        samples: dict[str, list[float]] = defaultdict(list)
        for _ in range(weeks):
            spent.clear()
            started = time.process_time()
            model.step()
            whole = time.process_time() - started
            samples["step"].append(1e3 * whole)
            for name in PARTS:
                samples[name].append(1e3 * spent[name])
            # Start and end of the week, the contexts, the organisations and the DataCollector.
            samples["rest"].append(1e3 * (whole - sum(spent[name] for name in PARTS)))
    finally:
        for name, function in originals.items():
            setattr(model_module, name, function)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    """Print the per-part medians for each population."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, nargs="+", default=[2_000, 10_000])
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warm_kernels()
    for residents in args.residents:
        runs = [one_run(residents, args.weeks, seed) for seed in range(args.repeats)]
        print(f"{residents:,} residents, {args.weeks} weeks, median of {args.repeats} runs (ms per week)")
        for name in ("step", *PARTS, "rest"):
            values = [run[name] for run in runs]
            print(f"  {name:18s} {statistics.median(values):7.3f}   ({min(values):.3f}-{max(values):.3f})")


if __name__ == "__main__":
    main()
