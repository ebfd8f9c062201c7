"""The model's state: what the neighbourhood is at the end of any week.

One module per entity of the ODD's section 2: resident slots (:mod:`~commsim.state.residents`),
the tie network (:mod:`~commsim.state.ties`), the layout of buildings, compounds and
centres (:mod:`~commsim.state.layout`), the issue table (:mod:`~commsim.state.issue_table`),
organisations (:mod:`~commsim.state.organisations`), money (:mod:`~commsim.state.finance`),
the record of the current week (:mod:`~commsim.state.week`) and the time scale
(:mod:`~commsim.state.timescale`). State modules hold arrays
and the bookkeeping that keeps them consistent; the behavioural rules that change them
live in :mod:`commsim.processes`.
"""
