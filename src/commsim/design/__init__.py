"""Policy design: search for the best mixes of measures, robust across communities, and where targets are reachable.

:mod:`commsim.design.spec` reads design specs, :mod:`commsim.design.evaluate` runs
candidates through the experiment runner, :mod:`commsim.design.search` searches with
pymoo, :mod:`commsim.design.discovery` finds PRIM boxes, :mod:`commsim.design.report`
and :mod:`commsim.design.answer` write figures and report.md, and
:mod:`commsim.design.run` ties them into ``commsim design``.
"""
