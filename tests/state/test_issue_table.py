"""The issue table: issues are appended column by column and known or open by their steps."""

from __future__ import annotations

import numpy as np
import pytest

from commsim.state.issue_table import IssueTable


def _columns(n, *, known=-1, resolved=-1):
    return {
        "category": np.arange(n) % 5,
        "compound_scope": np.zeros(n, dtype=bool),
        "scope_id": np.arange(n),
        "urgency": np.full(n, 0.5),
        "cost": np.full(n, 100.0),
        "raised_step": np.full(n, 3),
        "known_step": np.full(n, known),
        "resolved_step": np.full(n, resolved),
        "next_meeting": np.full(n, -1),
        "attempts": np.zeros(n, dtype=np.int64),
    }


def test_issues_accumulate_and_their_state_follows_the_steps():
    table = IssueTable()
    assert len(table) == 0 and table.open.shape == (0,)
    table.append(**_columns(3))
    table.append(**_columns(2, known=4, resolved=6))
    assert len(table) == 5
    assert table.open.tolist() == [True, True, True, False, False]
    assert table.known.tolist() == [False, False, False, True, True]
    assert table.scope_id.tolist() == [0, 1, 2, 0, 1]


def test_appending_needs_every_column():
    table = IssueTable()
    columns = _columns(2)
    del columns["urgency"]
    with pytest.raises(KeyError):
        table.append(**columns)
