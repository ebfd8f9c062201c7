"""Test-wide settings: hypothesis draws the same examples on every run (reproducible CI)."""

from hypothesis import settings

settings.register_profile("commsim", derandomize=True, database=None)
settings.load_profile("commsim")
