"""Scientific validation of commsim: docking, calibration, the practice reports' claims, sensitivity.

One module per job:

* :mod:`commsim.validation.facts` — measures the stylized facts of MODEL_SPEC section 8
  on model runs (reading model state; no behavioural rule lives here);
* :mod:`commsim.validation.docking` — the model's mechanisms against independent
  implementations of their canonical models (MODEL_SPEC section 7);
* :mod:`commsim.validation.calibration` — approximate Bayesian rejection of the free
  behavioural parameters against the stylized facts;
* :mod:`commsim.validation.claims` — the practice reports' claims (MODEL_SPEC section 6)
  as paired-seed arms for the experiment runner;
* :mod:`commsim.validation.steps` — the steps that write its tables and figures;
* :mod:`commsim.validation.report` — ``docs/reports/validation/report.md`` from them.

``python -m commsim.validation`` regenerates the whole record.
"""
