"""The commsim dashboard: a Solara app for policymakers, teachers and classes (seven pages, see ``app``).

Plumbing only: the pages build models, run experiments through
:mod:`commsim.experiments` and draw what the model reports; no behavioural rule lives here.
"""
