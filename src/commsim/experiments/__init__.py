"""Experiments from spec files: designs, replicates, executors, storage, analysis, reports.

Plumbing only; no behavioural rule lives here. The modules follow a sweep's life:
:mod:`spec` (the YAML file), :mod:`designs` (how factor values combine), :mod:`plan`
(runs, seeds and keys), :mod:`targets` (what a run executes), :mod:`executors` (where),
:mod:`store` (the folder that loses nothing), :mod:`sweep` (the loop), :mod:`analysis`
(estimates, effects, Sobol indices, replicate sufficiency) and :mod:`report` (figures and
``report.md``). :mod:`reference` holds functions with known answers to check them.
"""
