# The two set-up commands of the README:
#   make run   - create the environment and run the baseline experiment
#   make test  - create the environment with test dependencies and run every test
#                (including the dashboard's tests in headless Chromium)
# Both also fetch Solara's front-end files from the npm registry once, so that
# `commsim dashboard` (or `make dashboard`) works with no internet afterwards.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: run test lint clean dashboard chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

$(VENV)/.assets: | $(BIN)/python
	$(MAKE) --no-print-directory $(VENV)/.installed
	$(BIN)/python -m commsim.dashboard.assets
	touch $@

# Debian's Chromium for the real-browser tests (Playwright drives it; `playwright install` cannot download here).
chromium:
	@command -v chromium >/dev/null 2>&1 || apt-get install -y -qq chromium >/dev/null \
		|| (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| (echo "error: the dashboard tests need Chromium: install Debian's chromium package" >&2; exit 1)

run: $(VENV)/.installed $(VENV)/.assets
	$(BIN)/commsim run configs/baseline.yaml

test: $(VENV)/.installed-test $(VENV)/.assets chromium
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n auto --dist worksteal

dashboard: $(VENV)/.installed $(VENV)/.assets
	$(BIN)/commsim dashboard

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV)
