"""The progress bar: drawn on stderr when enabled, nothing at all when not."""

from __future__ import annotations

from commsim.runs.progress import ProgressBar


def test_a_disabled_bar_writes_nothing(capsys):
    with ProgressBar(10, unit="steps", description="x", enabled=False) as bar:
        for _ in range(10):
            bar.advance()
        bar.update(description="y")
    assert capsys.readouterr() == ("", "")


def test_an_enabled_bar_counts_on_stderr(capsys):
    with ProgressBar(4, unit="runs", description="sweeping", enabled=True, completed=1) as bar:
        for _ in range(3):
            bar.advance()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "sweeping" in captured.err and "4/4" in captured.err
