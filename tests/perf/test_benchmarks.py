"""The benchmark suite runs end to end and writes its results (timings are not judged here)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from commsim.config.paths import project_root

SCRIPT = project_root() / "benchmarks" / "run_benchmarks.py"


def load_suite():
    spec = importlib.util.spec_from_file_location("run_benchmarks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_tiny_run_writes_json_plot_and_the_docs_table(tmp_path):
    suite = load_suite()
    page = tmp_path / "performance.md"
    page.write_text(f"# page\n\n{suite.TABLE_START}\nold\n{suite.TABLE_END}\n\nafter\n", encoding="utf-8")
    arguments = ["--repeats", "1", "--steps", "2", "--max-size", "1000", "--no-million"]
    arguments += ["--sweep-runs", "2", "--sweep-repeats", "1", "--out", str(tmp_path / "out"), "--docs", str(page)]
    arguments += ["--saltelli-base", "1", "--no-compile-times"]
    assert suite.main(arguments) == 0
    results = json.loads((tmp_path / "out" / "benchmarks.json").read_text(encoding="utf-8"))
    assert set(results["medians"]) == {"commsim_1000", "mesa_boltzmann_10000", "array_boltzmann_10000"}
    assert results["saltelli"]["runs"] == 20 and results["saltelli"]["full_runs"] == 512 * 20
    assert "saltelli_minutes" in results["verdicts"]
    assert results["medians"]["commsim_1000"]["us_per_agent_step"] > 0
    assert results["memory"]["commsim_1000"]["peak_mb"] >= results["memory"]["import_only"]["peak_mb"]
    assert set(results["sweep_medians"]) == {"1", "2"}
    assert "speedup_2_workers" in results["verdicts"]
    assert (tmp_path / "out" / "scaling.png").stat().st_size > 10_000
    text = page.read_text(encoding="utf-8")
    assert "old" not in text and "| commsim, all levers | 1,000 |" in text and text.endswith("after\n")
    assert "| peer: Boltzmann wealth as array operations (mesa-frames style) | 10,000 |" in text


# In a fresh process: warm the kernels, then name every compiled entry point with its number of
# signatures, of signatures loaded from numba's cache and of those compiled, and its cache folder.
CACHE_PROBE = """
import importlib, json
from commsim.model import warm_kernels
warm_kernels()
found = {}
for module_name in MODULES:
    module = importlib.import_module(module_name)
    for name in dir(module):
        kernel = getattr(module, name)
        if hasattr(kernel, "stats") and hasattr(kernel, "py_func") and kernel.__module__ == module_name:
            stats = kernel.stats
            loaded, compiled = sum(stats.cache_hits.values()), sum(stats.cache_misses.values())
            found[module_name + "." + name] = [len(kernel.signatures), loaded, compiled, str(stats.cache_path)]
print(json.dumps(found))
"""
KERNEL_MODULES = (
    "commsim.metrics_kernel",
    "commsim.processes.activities_kernel",
    "commsim.processes.attitudes_kernel",
    "commsim.processes.churn_kernel",
    "commsim.processes.deliberation_kernel",
    "commsim.processes.mutual_aid_kernel",
    "commsim.processes.numpy_kernel",
    "commsim.processes.roles_kernel",
    "commsim.processes.time_bank_kernel",
    "commsim.state.census_kernel",
    "commsim.state.ties_kernel",
)
# Kernels only other kernels call (compiled into their callers' cached code): a step never enters them from Python.
CALLED_FROM_KERNELS = {"commsim.processes.numpy_kernel", "commsim.state.census_kernel"}


def test_a_fresh_process_loads_every_kernel_from_the_cache_the_session_wrote():
    """The cache that makes warm-up take a second: written once (tests/conftest.py), then only read.

    The cold compile itself (tens of seconds) is timed by ``benchmarks/run_benchmarks.py``
    (``compile_times``, in docs/performance.md), not here: a test would pay it on every run.
    """
    probe = f"MODULES = {KERNEL_MODULES!r}\n" + CACHE_PROBE
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    kernels = json.loads(done.stdout.strip().splitlines()[-1])
    used = {name: row for name, row in kernels.items() if row[0] > 0}
    assert {name.rsplit(".", 1)[0] for name in used} >= set(KERNEL_MODULES) - CALLED_FROM_KERNELS
    for name, (signatures, loaded, compiled, folder) in used.items():
        assert (loaded, compiled) == (signatures, 0), name
        module, function = name.rsplit(".", 2)[-2:]
        assert list(Path(folder).glob(f"{module}.{function}-*.nbi")), name  # the cache's index file


def test_all_levers_switches_every_lever_on():
    from commsim.config.declaration import levers

    overrides = load_suite().all_levers(10_000)
    for lever, names in levers().items():
        assert any(name in overrides for name in names), lever
