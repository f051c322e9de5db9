# Changsha Replay — `make run` opens the app, `make test` runs the whole suite (README.md).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check --constraint requirements-lock.txt

.PHONY: run test lint bench scenario screenshots clean

$(VENV)/.app: pyproject.toml requirements-lock.txt
	tools/system-deps.sh --app-only
	$(PYTHON) -m venv $(VENV)
	$(PIP) --editable .
	touch $@

$(VENV)/.test: $(VENV)/.app
	$(PIP) --editable '.[test]'
	touch $@

run: $(VENV)/.app
	@if [ "$$(uname)" = Linux ] && [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  echo "No display on this machine: rendering the replay window to changsha-replay.png instead."; \
	  $(PY) -m changsha_replay --screenshot changsha-replay.png $(ARGS) && echo "Wrote changsha-replay.png"; \
	else \
	  $(PY) -m changsha_replay $(ARGS); \
	fi

test: $(VENV)/.test
	tools/system-deps.sh --build-tools
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.test
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

bench: $(VENV)/.test
	$(PY) benchmarks/run.py
	$(PY) benchmarks/map_frame.py
	$(PY) benchmarks/window_frame.py
	$(PY) benchmarks/startup.py
	$(PY) benchmarks/editing.py
	$(PY) benchmarks/save.py

scenario: $(VENV)/.app
	$(PY) -m changsha_replay build scenarios/changsha-1942 scenarios/changsha-1942.sqlite

screenshots: $(VENV)/.app
	$(PY) -m changsha_replay --time 1941-12-25T12:00+08:00 --screenshot docs/images/1941-12-25-xinqiang.png
	$(PY) -m changsha_replay --time 1942-01-05T12:00+08:00 --screenshot docs/images/1942-01-05-liuyang.png
	$(PY) -m changsha_replay --time 1942-01-09T12:00+08:00 --screenshot docs/images/1942-01-09-encirclement.png
	$(PY) tools/annotated_screenshot.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis .ruff_cache

# The application as one folder, dist/changsha-replay/, and dist/changsha-replay-<version>-<platform>.tar.gz
# (PyInstaller, build.spec; what is in it and why: packaging/). Installs PyInstaller into .venv and,
# when missing, the X11 libraries the bundle must carry and binutils.
.PHONY: package
package: $(VENV)/.app
	tools/system-deps.sh --app-only --build-tools
	$(PIP) --requirement packaging/requirements.txt
	$(PY) packaging/make_package.py
