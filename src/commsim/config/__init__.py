"""The parameters' declaration and the loading of run configs and presets.

* :mod:`commsim.config.declaration` reads ``configs/parameters.yaml``: every parameter, rule and lever;
* :mod:`commsim.config.loading` reads and checks run configs and presets and resolves a run's parameters;
* :mod:`commsim.config.limits` holds commsim's ceilings on the work of a run, a sweep and its workers;
* :mod:`commsim.config.paths` says where the shipped data are and which folder names are safe.
"""
