"""commsim's benchmark suite: cost per resident-step at four sizes, Mesa's reference, sweep throughput.

Run from the project root (about ten minutes on a 2-core machine)::

    .venv/bin/python benchmarks/run_benchmarks.py

What it measures, all on this machine, with medians over ``--repeats``:

* the full model — a busy community with all twelve levers on and data collection on —
  at 1,000, 10,000 and 100,000 residents for 104 weekly steps: construction time and
  microseconds per resident-step, timed in this process with the cases interleaved
  (each repeat runs every case once), so that drifts of a noisy machine hit all cases alike;
* Mesa's own Boltzmann wealth example (``mesa.examples``), 10,000 agents on a 100 x 100
  grid with its DataCollector, interleaved with the above: the reference, and the ratio
  commsim / reference per agent-step;
* a peer: the Boltzmann wealth model written the way mesa-frames users write it, as
  whole-population array operations (numpy; mesa-frames itself pins numpy 1.x and cannot
  share this environment), with a data collection (the Gini) every step, at 10,000 and
  100,000 agents, interleaved too;
* 1,000,000 residents for 104 steps, once, in a child process (so its memory is its own);
* the first call's compile time of the compiled kernels (``commsim.model.warm_kernels``)
  in a fresh child with an empty numba cache, then in a second child that finds the cache;
* a Saltelli design over the 18 factors of ``experiments/validation_sensitivity.yaml`` at
  2,000 residents: a measured fraction (base samples N = 2, 40 runs) through the
  experiment runner on 2 workers, extrapolated to N = 512 (10,240 runs);
* peak memory (maximum resident set size) of each size, each in a fresh child process,
  next to that of a child that only imports commsim;
* sweep throughput: a 40-run sweep of 2,000-resident models through the experiment
  runner on 1 and on 2 persistent worker processes, alternated.

Writes ``docs/reports/benchmarks/benchmarks.json`` and ``docs/reports/benchmarks/scaling.png``, and
the measured table in ``docs/performance.md`` (between its benchmark markers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STEPS = 104
SIZES = (1_000, 10_000, 100_000)
MILLION = 1_000_000
REFERENCE_AGENTS = 10_000
SWEEP_RUNS, SWEEP_RESIDENTS = 40, 2_000
PROFILE, PACKAGE = "old_inner_city", "complete_community"
TABLE_START, TABLE_END = "<!-- benchmark table: start -->", "<!-- benchmark table: end -->"
SALTELLI_SPEC = ROOT / "experiments" / "validation_sensitivity.yaml"  # 18 factors
SALTELLI_BASE, SALTELLI_RESIDENTS = 512, 2_000
TARGETS = {
    "ratio_at_10k": 0.05,
    "ratio_at_100k": 0.03,
    "seconds_100k": 60.0,
    "construct_100k_s": 5.0,
    "seconds_1m": 120.0,
    "peak_gb_1m": 3.0,
    "saltelli_minutes": 30.0,
    "speedup_2_workers": 1.7,
}


def all_levers(residents: int) -> dict[str, Any]:
    """Overrides that switch every one of the twelve levers on (one centre per 2,500 residents)."""
    return {
        "n_centres": max(4, residents // 2_500),
        "centre_placement": "spread",
        "targeted_share_elderly": 0.3,
        "targeted_share_children": 0.15,
        "platform_reach": 0.5,
        "platform_booking": True,
        "platform_reporting": True,
        "disclosure": "monthly",
        "tiered_formats": True,
        "inclusiveness": 0.3,
        "leader_coverage": 1.0,
        "leader_training": 0.5,
        "points_per_act": 10.0,
        "point_value_yuan": 0.1,
        "fund_per_household_year": 60.0,
        "library_share_red": 0.5,
        "library_share_white": 0.5,
        "library_share_green": 0.5,
        "library_work_meeting": True,
        "expert_pool_share": 0.1,
        "time_bank": True,
        "self_financing": 0.3,
    }


# ------------------------------------------------------------------ single measurements


def time_commsim(residents: int, steps: int, seed: int) -> dict[str, float]:
    """Construct and run commsim's model; wall times of both."""
    from commsim import CommunityModel

    def build():
        return CommunityModel(rng=seed, n_residents=residents, profile=PROFILE, policy=PACKAGE, **all_levers(residents))

    return _timed(build, residents, steps)


def time_boltzmann(agents: int, steps: int, seed: int) -> dict[str, float]:
    """Mesa's Boltzmann wealth example on a square grid of one cell per agent."""
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    side = int(round(agents**0.5))
    return _timed(
        lambda: BoltzmannWealth(BoltzmannScenario(n=agents, width=side, height=side, rng=seed)), agents, steps
    )


class ArrayBoltzmann:
    """The Boltzmann wealth model as whole-population array operations (the mesa-frames style).

    Every agent with wealth gives one unit to an agent drawn at random; the Gini
    coefficient of wealth is collected every step.
    """

    def __init__(self, agents: int, seed: int) -> None:
        import numpy as np

        self.rng = np.random.default_rng(seed)
        self.wealth = np.ones(agents, dtype=np.int64)
        self.gini: list[float] = []

    def step(self) -> None:
        """One exchange round, then the data collection."""
        import numpy as np

        from commsim.mechanisms import gini

        givers = np.flatnonzero(self.wealth > 0)
        receivers = self.rng.integers(0, len(self.wealth), len(givers))
        self.wealth[givers] -= 1
        self.wealth += np.bincount(receivers, minlength=len(self.wealth))
        self.gini.append(gini(self.wealth))


def time_array_boltzmann(agents: int, steps: int, seed: int) -> dict[str, float]:
    """The peer: Boltzmann wealth as array operations, data collected every step."""
    return _timed(lambda: ArrayBoltzmann(agents, seed), agents, steps)


def _timed(build: Callable[[], Any], agents: int, steps: int) -> dict[str, float]:
    """Wall times of building a model and of stepping it, and the cost per agent-step."""
    started = time.perf_counter()
    model = build()
    constructed = time.perf_counter()
    for _ in range(steps):
        model.step()
    run_s = time.perf_counter() - constructed
    return {
        "construct_s": constructed - started,
        "run_s": run_s,
        "us_per_agent_step": run_s / (agents * steps) * 1e6,
    }


def child(residents: int, steps: int) -> dict[str, float]:
    """In a fresh process: peak memory of importing commsim, then of one run (0 residents: import only)."""
    command = [sys.executable, __file__, "--child", str(residents), str(steps)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _child_main(residents: int, steps: int) -> None:
    import commsim.model  # noqa: F401 - the import is what the baseline measures (``commsim`` alone is lazy)

    result: dict[str, float] = {"import_peak_mb": _peak_mb()}
    if residents:
        result |= time_commsim(residents, steps, seed=1)
    result["peak_mb"] = _peak_mb()
    print(json.dumps(result))


def compile_times() -> dict[str, float]:
    """Seconds of ``warm_kernels`` in a fresh process: with an empty numba cache, then with the cache it left."""
    with tempfile.TemporaryDirectory() as cache:
        environment = os.environ | {"NUMBA_CACHE_DIR": cache}
        seconds = []
        for _ in range(2):
            command = [sys.executable, __file__, "--warm-child"]
            done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT, env=environment)
            seconds.append(float(done.stdout.strip().splitlines()[-1]))
    return {"cold_s": seconds[0], "cached_s": seconds[1]}


def saltelli_fraction(base: int, workers: int, steps: int) -> dict[str, float]:
    """A Saltelli design of ``SALTELLI_SPEC`` with ``base`` samples through the runner; extrapolated to N = 512."""
    import yaml

    from commsim.experiments.plan import make_plan
    from commsim.experiments.spec import ExperimentSpec
    from commsim.experiments.sweep import run_sweep

    document = yaml.safe_load(SALTELLI_SPEC.read_text(encoding="utf-8"))
    document["base"]["n_residents"] = SALTELLI_RESIDENTS
    document["design"]["points"] = base
    document["steps"] = steps
    spec = ExperimentSpec(**document)
    plan = make_plan(spec)
    runs = len(plan.runs)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = run_sweep(plan, Path(folder) / "saltelli", workers=workers, progress=False)
        wall = time.perf_counter() - started
    assert result.done == runs, "every benchmark run must finish"
    factors = len(spec.factors)
    full_runs = SALTELLI_BASE * (factors + 2)
    return {
        "runs": runs,
        "factors": factors,
        "wall_s": wall,
        "full_runs": full_runs,
        "full_minutes": wall / runs * full_runs / 60,
    }


def _peak_mb() -> float:
    """Peak resident memory of this process image.

    ``VmHWM`` is reset by ``exec``; ``ru_maxrss`` is not (a child would report the
    benchmark process's own peak), so it is only the fallback off Linux.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sweep_throughput(workers: int, steps: int, runs: int) -> dict[str, float]:
    """Wall time of a sweep of ``runs`` 2,000-resident runs on persistent worker processes."""
    from commsim.experiments.plan import make_plan
    from commsim.experiments.spec import ExperimentSpec
    from commsim.experiments.store import ExperimentStore
    from commsim.experiments.sweep import run_sweep

    spec = ExperimentSpec(
        name="throughput",
        base={"profile": PROFILE, "policy": PACKAGE, "n_residents": SWEEP_RESIDENTS},
        replicates=runs,
        steps=steps,
    )
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = run_sweep(make_plan(spec), Path(folder) / "sweep", workers=workers, progress=False)
        wall = time.perf_counter() - started
        durations = ExperimentStore(Path(folder) / "sweep").read_runs()["duration_s"]
    assert result.done == runs, "every benchmark run must finish"
    return {"wall_s": wall, "runs_per_s": runs / wall, "mean_run_s": float(durations.mean())}


# ------------------------------------------------------------------ the suite


def run_suite(args: argparse.Namespace) -> dict[str, Any]:
    """Run every benchmark and return the measurements with their medians."""
    sizes = [size for size in SIZES if size <= args.max_size]
    samples: dict[str, list[dict[str, float]]] = {f"commsim_{n}": [] for n in sizes}
    samples["mesa_boltzmann_10000"] = []
    peers = [n for n in (REFERENCE_AGENTS, 100_000) if n <= max(args.max_size, REFERENCE_AGENTS)]
    samples |= {f"array_boltzmann_{n}": [] for n in peers}
    _say("warming the compiled kernels")
    from commsim.model import warm_kernels

    warm_kernels()
    for repeat in range(args.repeats):
        for n in sizes:
            _say(f"repeat {repeat + 1}/{args.repeats}: commsim, {n:,} residents")
            samples[f"commsim_{n}"].append(time_commsim(n, args.steps, seed=repeat + 1))
            if n == REFERENCE_AGENTS or (REFERENCE_AGENTS not in sizes and n == sizes[-1]):
                _say(f"repeat {repeat + 1}/{args.repeats}: Mesa Boltzmann wealth, {REFERENCE_AGENTS:,} agents")
                samples["mesa_boltzmann_10000"].append(time_boltzmann(REFERENCE_AGENTS, args.steps, seed=repeat + 1))
        for n in peers:
            _say(f"repeat {repeat + 1}/{args.repeats}: array Boltzmann (peer), {n:,} agents")
            samples[f"array_boltzmann_{n}"].append(time_array_boltzmann(n, args.steps, seed=repeat + 1))

    memory = {"import_only": child(0, 0)}
    for n in sizes:
        _say(f"peak memory: {n:,} residents (child process)")
        memory[f"commsim_{n}"] = child(n, args.steps)
    if args.million:
        _say("1,000,000 residents x 104 steps (child process; a few minutes)")
        memory[f"commsim_{MILLION}"] = child(MILLION, args.steps)

    compiled = {}
    if args.compile_times:
        _say("compile time of the kernels: empty cache, then cached (child processes)")
        compiled = compile_times()
    saltelli = {}
    if args.saltelli_base:
        _say(f"Saltelli fraction: N = {args.saltelli_base} on 2 workers, extrapolated to N = {SALTELLI_BASE}")
        saltelli = saltelli_fraction(args.saltelli_base, 2, args.steps)

    sweeps: dict[str, list[dict[str, float]]] = {"1": [], "2": []}
    if args.sweep:
        for repeat in range(args.sweep_repeats):
            for workers in (1, 2):
                _say(f"sweep repeat {repeat + 1}/{args.sweep_repeats}: {args.sweep_runs} runs on {workers} worker(s)")
                sweeps[str(workers)].append(sweep_throughput(workers, args.steps, args.sweep_runs))

    return {
        "machine": _machine(),
        "settings": {
            "steps": args.steps,
            "repeats": args.repeats,
            "profile": PROFILE,
            "package": PACKAGE,
            "levers": "all twelve on (see all_levers)",
            "sweep_runs": args.sweep_runs,
            "sweep_residents": SWEEP_RESIDENTS,
        },
        "samples": samples,
        "medians": {name: _medians(values) for name, values in samples.items() if values},
        "memory": memory,
        "compile": compiled,
        "saltelli": saltelli,
        "sweeps": {workers: values for workers, values in sweeps.items() if values},
        "sweep_medians": {workers: _medians(values) for workers, values in sweeps.items() if values},
    }


def _medians(values: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(value[key] for value in values) for key in values[0]}


def _machine() -> dict[str, Any]:
    from commsim.runs.provenance import git_commit, package_versions

    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": package_versions(),
        "git_commit": git_commit(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def _say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ verdicts, table, plot


def verdicts(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target of docs/performance.md with the measured value and whether it is met."""
    medians, memory, found = results["medians"], results["memory"], {}
    steps = results["settings"]["steps"]
    if "commsim_10000" in medians and "mesa_boltzmann_10000" in medians:
        ratio = medians["commsim_10000"]["us_per_agent_step"] / medians["mesa_boltzmann_10000"]["us_per_agent_step"]
        found["ratio_at_10k"] = {"value": ratio, "met": ratio <= TARGETS["ratio_at_10k"]}
    if "commsim_100000" in medians and "mesa_boltzmann_10000" in medians:
        ratio = medians["commsim_100000"]["us_per_agent_step"] / medians["mesa_boltzmann_10000"]["us_per_agent_step"]
        found["ratio_at_100k"] = {"value": ratio, "met": ratio <= TARGETS["ratio_at_100k"]}
    if "commsim_100000" in medians:
        run = medians["commsim_100000"]
        found["seconds_100k"] = {"value": run["run_s"], "met": run["run_s"] <= TARGETS["seconds_100k"]}
        found["construct_100k_s"] = {
            "value": run["construct_s"],
            "met": run["construct_s"] <= TARGETS["construct_100k_s"],
        }
    million = memory.get(f"commsim_{MILLION}")
    if million:
        total = million["construct_s"] + million["run_s"]
        found["seconds_1m"] = {"value": total, "met": total <= TARGETS["seconds_1m"] and steps == STEPS}
        peak = million["peak_mb"] / 1024
        found["peak_gb_1m"] = {"value": peak, "met": peak <= TARGETS["peak_gb_1m"]}
    saltelli = results.get("saltelli")
    if saltelli:
        minutes = saltelli["full_minutes"]
        found["saltelli_minutes"] = {"value": minutes, "met": minutes <= TARGETS["saltelli_minutes"]}
    sweeps = results["sweep_medians"]
    if "1" in sweeps and "2" in sweeps:
        speedup = sweeps["1"]["wall_s"] / sweeps["2"]["wall_s"]
        found["speedup_2_workers"] = {"value": speedup, "met": speedup >= TARGETS["speedup_2_workers"]}
    per_step = [
        (int(name.split("_")[1]), value["us_per_agent_step"])
        for name, value in medians.items()
        if name.startswith("commsim_")
    ]
    if million:
        per_step.append((MILLION, million["us_per_agent_step"]))
    per_step.sort()
    if len(per_step) >= 2:
        at_10k = dict(per_step).get(10_000, per_step[0][1])
        largest = per_step[-1][1]
        found["flat_cost"] = {"value": largest / at_10k, "met": largest / at_10k <= 1.5}
    return found


def table(results: dict[str, Any]) -> str:
    """The markdown table of docs/performance.md."""
    medians, memory, settings = results["medians"], results["memory"], results["settings"]
    lines = [
        f"| case | agents | construction (s) | {settings['steps']} steps (s) | µs per agent-step | peak memory (MB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in sorted((n for n in medians if n.startswith("commsim_")), key=lambda n: int(n.split("_")[1])):
        size = int(name.split("_")[1])
        value, peak = medians[name], memory.get(name, {}).get("peak_mb")
        lines.append(
            f"| commsim, all levers | {size:,} | {value['construct_s']:.2f} | {value['run_s']:.2f} | "
            f"{value['us_per_agent_step']:.3f} | {peak:,.0f} |"
            if peak
            else f"| commsim, all levers | {size:,} | {value['construct_s']:.2f} | {value['run_s']:.2f} | "
            f"{value['us_per_agent_step']:.3f} | – |"
        )
    million = memory.get(f"commsim_{MILLION}")
    if million:
        lines.append(
            f"| commsim, all levers (once) | {MILLION:,} | {million['construct_s']:.2f} | {million['run_s']:.1f} | "
            f"{million['us_per_agent_step']:.3f} | {million['peak_mb']:,.0f} |"
        )
    if "mesa_boltzmann_10000" in medians:
        value = medians["mesa_boltzmann_10000"]
        lines.append(
            f"| Mesa Boltzmann wealth (reference) | {REFERENCE_AGENTS:,} | {value['construct_s']:.2f} | "
            f"{value['run_s']:.2f} | {value['us_per_agent_step']:.3f} | – |"
        )
    for name in sorted((n for n in medians if n.startswith("array_boltzmann_")), key=lambda n: int(n.split("_")[2])):
        value = medians[name]
        lines.append(
            f"| peer: Boltzmann wealth as array operations (mesa-frames style) | {int(name.split('_')[2]):,} | "
            f"{value['construct_s']:.2f} | {value['run_s']:.2f} | {value['us_per_agent_step']:.3f} | – |"
        )
    lines.append(f"| Python with commsim's model imported | – | – | – | – | {memory['import_only']['peak_mb']:,.0f} |")
    if "mesa_boltzmann_10000" in medians:
        reference = medians["mesa_boltzmann_10000"]["us_per_agent_step"]
        ratios = [
            f"{name.replace('_', ' ')}: {value['us_per_agent_step'] / reference:.3f}"
            for name, value in sorted(medians.items())
            if name != "mesa_boltzmann_10000"
        ]
        lines += ["", "Per agent-step, as a share of the Mesa reference (same run): " + "; ".join(ratios) + "."]
    compiled = results.get("compile")
    if compiled:
        lines += [
            "",
            f"First call of the compiled kernels (`warm_kernels`, a fresh process): {compiled['cold_s']:.1f} s "
            f"with an empty numba cache, {compiled['cached_s']:.2f} s with the cache.",
        ]
    saltelli = results.get("saltelli")
    if saltelli:
        lines += [
            "",
            f"Saltelli design, {saltelli['factors']} factors, {SALTELLI_RESIDENTS:,} residents × {settings['steps']} "
            f"steps, 2 workers through the experiment runner: {saltelli['runs']} runs measured in "
            f"{saltelli['wall_s']:.1f} s; N = {SALTELLI_BASE} is {saltelli['full_runs']:,} runs, so about "
            f"{saltelli['full_minutes']:.0f} minutes (linear extrapolation from the measured runs).",
        ]
    sweeps = results["sweep_medians"]
    if sweeps:
        lines += [
            "",
            f"| sweep of {settings['sweep_runs']} runs × {SWEEP_RESIDENTS:,} residents × {settings['steps']} steps "
            "| wall (s) | runs per second | mean run (s) |",
            "|---|---:|---:|---:|",
        ]
        for workers, value in sweeps.items():
            lines.append(
                f"| {workers} worker process{'es' if workers != '1' else ''} | {value['wall_s']:.1f} | "
                f"{value['runs_per_s']:.2f} | {value['mean_run_s']:.2f} |"
            )
    labels = {
        "ratio_at_10k": ("commsim / Mesa reference per agent-step at 10,000", "≤ 0.05", "{:.3f}"),
        "ratio_at_100k": ("commsim at 100,000 / Mesa reference per agent-step", "≤ 0.03", "{:.3f}"),
        "seconds_100k": ("100,000 residents × 104 steps", "≤ 60 s", "{:.1f} s"),
        "construct_100k_s": ("construction at 100,000", "≤ 5 s", "{:.2f} s"),
        "seconds_1m": ("1,000,000 residents × 104 steps (with construction)", "≤ 120 s", "{:.0f} s"),
        "peak_gb_1m": ("peak memory at 1,000,000", "≤ 3 GB", "{:.2f} GB"),
        "saltelli_minutes": ("Saltelli N = 512 × 18 factors at 2,000 residents, 2 workers", "≤ 30 min", "{:.0f} min"),
        "flat_cost": ("cost per resident-step, largest size ÷ 10,000", "≈ 1 (≤ 1.5)", "{:.2f}"),
        "speedup_2_workers": ("sweep speed-up on 2 workers", "≥ 1.7", "{:.3f}×"),
    }
    lines += ["", "| target | wanted | measured | met |", "|---|---|---:|---|"]
    for key, verdict in verdicts(results).items():
        name, wanted, form = labels[key]
        met = "yes" if verdict["met"] else "**no**"
        lines.append(f"| {name} | {wanted} | {form.format(verdict['value'])} | {met} |")
    machine = results["machine"]
    lines += [
        "",
        f"Measured {machine['date']} on {machine['usable_cpus']} usable cores ({machine['platform']}), Python "
        f"{machine['python']}, Mesa {machine['versions'].get('mesa')}, NumPy {machine['versions'].get('numpy')}, "
        f"commit `{(machine['git_commit'] or 'unknown')[:12]}`; medians of {results['settings']['repeats']} "
        "interleaved repeats (the million-resident run once).",
    ]
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    """Cost per resident-step against residents, log-log, with the Mesa reference."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    samples, memory = results["samples"], results["memory"]
    sizes, medians, lows, highs = [], [], [], []
    for name, values in samples.items():
        if name.startswith("commsim_") and values:
            costs = [value["us_per_agent_step"] for value in values]
            sizes.append(int(name.split("_")[1]))
            medians.append(statistics.median(costs))
            lows.append(min(costs))
            highs.append(max(costs))
    million = memory.get(f"commsim_{MILLION}")
    if million:
        sizes.append(MILLION)
        medians.append(million["us_per_agent_step"])
        lows.append(million["us_per_agent_step"])
        highs.append(million["us_per_agent_step"])
    order = sorted(range(len(sizes)), key=sizes.__getitem__)
    sizes, medians = [sizes[i] for i in order], [medians[i] for i in order]
    lows, highs = [lows[i] for i in order], [highs[i] for i in order]
    figure, axis = plt.subplots(figsize=(6.4, 6.0), layout="constrained")
    axis.errorbar(
        sizes,
        medians,
        yerr=[
            [middle - low for middle, low in zip(medians, lows, strict=True)],
            [high - middle for middle, high in zip(medians, highs, strict=True)],
        ],
        marker="o",
        capsize=3,
        label="commsim, all levers, data collection on (median, range)",
    )
    reference = results["medians"].get("mesa_boltzmann_10000")
    if reference:
        axis.plot(
            [REFERENCE_AGENTS],
            [reference["us_per_agent_step"]],
            "s",
            color="tab:red",
            label="Mesa Boltzmann wealth example, 10,000 agents",
        )
        axis.axhline(
            reference["us_per_agent_step"] * TARGETS["ratio_at_10k"],
            color="tab:red",
            linestyle=":",
            label="target at 10,000: 5% of the reference",
        )
        axis.axhline(
            reference["us_per_agent_step"] * TARGETS["ratio_at_100k"],
            color="tab:red",
            linestyle="-.",
            linewidth=0.8,
            label="target at 100,000: 3% of the reference",
        )
        highs.append(reference["us_per_agent_step"])
    peers = sorted(
        (int(name.split("_")[2]), value["us_per_agent_step"])
        for name, value in results["medians"].items()
        if name.startswith("array_boltzmann_")
    )
    if peers:
        axis.plot(
            [size for size, _ in peers],
            [cost for _, cost in peers],
            "^--",
            color="tab:green",
            label="peer: Boltzmann wealth as array operations",
        )
        lows.extend(cost for _, cost in peers)
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("agents (residents)")
    axis.set_ylabel("µs per agent-step (wall)")
    axis.set_title("Cost per agent-step against size")
    axis.grid(alpha=0.3, which="both")
    axis.set_yticks([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20])
    axis.set_ylim(min([*lows, 0.25]) * 0.8, max([*highs, 1.0]) * 1.5)
    axis.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    axis.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axis.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_table(markdown: str, path: Path) -> None:
    """Replace the table between the benchmark markers of docs/performance.md."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    path.write_text(text[:start] + "\n" + markdown + "\n" + text[end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Run the suite and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=3, help="interleaved repeats (default 3)")
    parser.add_argument("--steps", type=int, default=STEPS, help="steps per run (default 104)")
    parser.add_argument("--max-size", type=int, default=SIZES[-1], help="largest in-process size (default 100,000)")
    parser.add_argument("--no-million", dest="million", action="store_false", help="skip the 1,000,000 run")
    parser.add_argument("--no-sweep", dest="sweep", action="store_false", help="skip the sweep throughput")
    parser.add_argument("--sweep-repeats", type=int, default=2, help="alternated sweep repeats (default 2)")
    parser.add_argument("--sweep-runs", type=int, default=SWEEP_RUNS, help="runs per sweep (default 40)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reports" / "benchmarks", help="results folder")
    parser.add_argument("--docs", type=Path, default=ROOT / "docs" / "performance.md", help="page to update")
    parser.add_argument("--no-docs", dest="update_docs", action="store_false", help="do not update the docs page")
    parser.add_argument("--no-compile-times", dest="compile_times", action="store_false", help="skip compile times")
    parser.add_argument(
        "--saltelli-base", type=int, default=2, help="base samples of the measured Saltelli fraction (0: skip)"
    )
    parser.add_argument("--warm-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=2, type=int, metavar=("RESIDENTS", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child_main(*args.child)
        return 0
    if args.warm_child:
        from commsim.model import warm_kernels

        print(warm_kernels())
        return 0
    results = run_suite(args)
    results["verdicts"] = verdicts(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "benchmarks.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    plot(results, args.out / "scaling.png")
    markdown = table(results)
    (args.out / "table.md").write_text(markdown + "\n", encoding="utf-8")
    if args.update_docs:
        write_table(markdown, args.docs)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
