"""The parameters' declaration and the loading of run configs and presets.

* :mod:`commsim.config.declaration` reads ``configs/parameters.yaml``: every parameter, rule and lever;
* :mod:`commsim.config.yaml_files` reads every YAML file with its ceilings, line numbers and error messages;
* :mod:`commsim.config.schemas` builds the pydantic models of presets and run configs from the declaration;
* :mod:`commsim.config.presets` loads presets and resolves a run's parameters through their layers;
* :mod:`commsim.config.loading` loads run configs, sizes them, and validates any file by its kind;
* :mod:`commsim.config.limits` holds commsim's ceilings on the work of a run, a sweep and its workers;
* :mod:`commsim.config.paths` says where the shipped data are and which folder names are safe.
"""
