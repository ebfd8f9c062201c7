"""``python -m commsim.cli``: the ``commsim`` command."""

from __future__ import annotations

import sys

from commsim.cli.app import main

sys.exit(main())
