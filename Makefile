# Changsha Replay — `make run` opens the app, `make test` runs the whole suite (README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check --constraint requirements-lock.txt

.PHONY: run test lint bench scenario clean

$(VENV)/.app: pyproject.toml requirements-lock.txt
	tools/system-deps.sh --app-only
	$(PYTHON) -m venv $(VENV)
	$(PIP) --editable .
	touch $@

$(VENV)/.test: $(VENV)/.app
	$(PIP) --editable '.[test]'
	touch $@

run: $(VENV)/.app
	$(PY) -m changsha_replay $(ARGS)

test: $(VENV)/.test
	tools/system-deps.sh
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

bench: $(VENV)/.test
	$(PY) benchmarks/run.py

scenario: $(VENV)/.app
	$(PY) -m changsha_replay build scenarios/changsha-1942 scenarios/changsha-1942.sqlite

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis .ruff_cache
