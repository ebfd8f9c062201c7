"""The model's time scale: one step is one week (MODEL_SPEC section 2).

Monthly events happen every four steps, semi-annual ones every 26; rates given per
year or per month are turned into weekly ones with these constants.
"""

from __future__ import annotations

WEEKS_PER_MONTH = 4
WEEKS_PER_YEAR = 52
