"""The model's processes, one module per mechanism, in the order of the weekly schedule.

Churn, issues, activities, deliberation, mutual aid (with the time bank), attitudes,
the tie network and volunteer roles. Each process receives a small typed context naming
exactly the state it reads and writes, never the model itself; :mod:`commsim.model`
wires them together in the order of the ODD's section 3.
"""
