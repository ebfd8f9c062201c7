"""Attitudes: open days, grievances, belonging and efficacy."""

from __future__ import annotations

from commsim.processes.attitudes import disclosure_due


def test_disclosure_cadence():
    """Open days: none never, semi-annual every 26 weeks, monthly every 4 weeks."""
    assert not any(disclosure_due("none", s) for s in range(60))
    assert [s for s in range(1, 60) if disclosure_due("semiannual", s)] == [26, 52]
    assert [s for s in range(1, 17) if disclosure_due("monthly", s)] == [4, 8, 12, 16]
