"""The generated parameter reference carries the structural mark of the declaration."""

from __future__ import annotations

from commsim.config.declaration import parameters
from commsim.runs.docgen import parameters_markdown


def _section(markdown: str, heading: str) -> str:
    start = markdown.index(heading)
    rest = markdown[start + len(heading) :]
    return rest[: rest.index("\n## ")] if "\n## " in rest else rest


def test_structural_constants_are_declared_and_listed_apart():
    declared = parameters()
    structural = {name for name, spec in declared.items() if spec.structural}
    assert {"booked_priority", "report_probability_cap", "org_engaged_threshold"} <= structural
    assert not declared["tie_contact_gain"].structural
    markdown = parameters_markdown()
    apart = _section(markdown, "### Behaviour: structural constants")
    assert all(f"`{name}`" in apart for name in structural)
    behaviour = _section(markdown, "## Behaviour")
    listed_before = behaviour[: behaviour.index("### Behaviour: structural constants")]
    assert not any(f"`{name}` |" in listed_before for name in structural)
    assert "`tie_contact_gain`" in listed_before
