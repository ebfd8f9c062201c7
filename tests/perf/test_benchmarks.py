"""The benchmark suite runs end to end and writes its results (timings are not judged here)."""

from __future__ import annotations

import importlib.util
import json

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
    assert suite.main(arguments) == 0
    results = json.loads((tmp_path / "out" / "benchmarks.json").read_text(encoding="utf-8"))
    assert set(results["medians"]) == {"commsim_1000", "mesa_boltzmann_10000"}
    assert results["medians"]["commsim_1000"]["us_per_agent_step"] > 0
    assert results["memory"]["commsim_1000"]["peak_mb"] >= results["memory"]["import_only"]["peak_mb"]
    assert set(results["sweep_medians"]) == {"1", "2"}
    assert "speedup_2_workers" in results["verdicts"]
    assert (tmp_path / "out" / "scaling.png").stat().st_size > 10_000
    text = page.read_text(encoding="utf-8")
    assert "old" not in text and "| commsim, all levers | 1,000 |" in text and text.endswith("after\n")


def test_all_levers_switches_every_lever_on():
    from commsim.config.declaration import levers

    overrides = load_suite().all_levers(10_000)
    for lever, names in levers().items():
        assert any(name in overrides for name in names), lever
