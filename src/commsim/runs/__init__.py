"""One run of the model from a config, and what every face uses to report runs.

* :mod:`commsim.runs.runner` runs a config's replicates and writes their tables, summary and figures;
* :mod:`commsim.runs.statistics` gives means with confidence intervals and replicate counts;
* :mod:`commsim.runs.provenance` records what produced a result and writes files atomically;
* :mod:`commsim.runs.figures` draws the run's figures;
* :mod:`commsim.runs.labels` holds the plain labels and the one number formatting;
* :mod:`commsim.runs.progress` draws the progress bar;
* :mod:`commsim.runs.docgen` writes the parameter and metric documentation from their declarations.
"""
