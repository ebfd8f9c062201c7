"""``python -m commsim.validation``: regenerate the validation record, step by step or all at once.

Steps (each writes its tables into ``docs/reports/validation/tables`` and its figures into
``docs/reports/validation/figures``; ``report`` assembles ``docs/reports/validation/report.md`` from them):

* ``docking`` — mechanisms against their canonical models (seconds);
* ``calibrate`` — rejection ABC over the stored calibration design (runs the design with
  ``experiments/validation_calibration.yaml`` first if its results are missing), then
  refinement of the nearest points on fresh seeds;
* ``abc`` — Bayesian calibration by ABC-SMC (pyabc) over the same priors, with a posterior
  predictive check of every fact (``--abc-residents``, ``--abc-population``, ... set its size);
* ``facts`` — the stylized facts at the shipped defaults, with intervals over replicates;
* ``claims`` — the practice reports' claims (``experiments/validation.yaml``);
* ``profiles`` — the same claims on each of the five community profiles
  (``experiments/validation_profiles.yaml``);
* ``sensitivity`` — Sobol indices (``experiments/validation_sensitivity.yaml``), the model noise over
  the design and the indices with it taken out;
* ``report`` — ``report.md`` from the tables;
* ``all`` — every step in this order.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from commsim.validation import report
from commsim.validation import steps as validation_steps

STEPS = ("docking", "calibrate", "abc", "facts", "claims", "profiles", "sensitivity", "report")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the requested validation steps.

    Args:
        argv: Command-line arguments (default: ``sys.argv[1:]``).

    Returns:
        Exit status: 0 on success, 1 if a sweep had failed runs.
    """
    parser = argparse.ArgumentParser(prog="python -m commsim.validation", description=__doc__.splitlines()[0])
    parser.add_argument("steps", nargs="*", choices=[*STEPS, "all"], default=["all"], help="steps to run")
    parser.add_argument("--workers", type=int, default=1, help="worker processes for the sweeps (default 1)")
    parser.add_argument("--out", type=Path, default=None, help="validation folder (default docs/reports/validation)")
    parser.add_argument(
        "--replicates", type=int, default=validation_steps.FACT_REPLICATES, help="replicates of the facts step"
    )
    size = validation_steps.AbcSize()
    parser.add_argument("--abc-residents", type=int, default=size.residents, help="residents of the ABC runs")
    parser.add_argument("--abc-weeks", type=int, default=size.weeks, help="weeks of the ABC runs")
    parser.add_argument("--abc-population", type=int, default=size.population, help="ABC particles per generation")
    parser.add_argument("--abc-generations", type=int, default=size.generations, help="most ABC generations")
    args = parser.parse_args(argv)
    steps = STEPS if "all" in args.steps else tuple(step for step in STEPS if step in args.steps)
    folder = args.out or validation_steps.default_folder()
    status = 0
    for step in steps:
        print(f"validation: {step}", file=sys.stderr)
        if step == "docking":
            validation_steps.docking_step(folder)
        elif step == "calibrate":
            status |= validation_steps.calibration_step(folder, workers=args.workers)
        elif step == "abc":
            abc_size = validation_steps.AbcSize(
                args.abc_residents, args.abc_weeks, args.abc_population, args.abc_generations
            )
            validation_steps.abc_step(folder, workers=args.workers, size=abc_size)
        elif step == "facts":
            validation_steps.facts_step(folder, replicates=args.replicates)
        elif step == "claims":
            status |= validation_steps.sweep_step("validation.yaml", workers=args.workers)
            validation_steps.claims_table(folder)
        elif step == "profiles":
            status |= validation_steps.sweep_step("validation_profiles.yaml", workers=args.workers)
            validation_steps.claims_by_profile(folder)
        elif step == "sensitivity":
            status |= validation_steps.sweep_step("validation_sensitivity.yaml", workers=args.workers)
            validation_steps.sobol_ranking(folder)
            validation_steps.sobol_noise(folder)
            validation_steps.sobol_corrected(folder)
        else:
            path = report.write_report(folder)
            print(f"wrote {path}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
