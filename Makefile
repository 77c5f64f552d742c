# ISPGo portal. `make run` — the embedded default; `make test` — the whole suite;
# `make cluster` — the production shape on one machine.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_FLAGS := --disable-pip-version-check -q
# A failed install must fail the target, not vanish into the pipe that filters pip's noise.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
QUIET_PIP := { grep -v "^WARNING: Location" || true; }
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false

.PHONY: run cluster test lint typecheck bun mutation lock

# Installs come from the lock files (exact versions, `make lock` regenerates them from
# pyproject.toml); the portal itself is installed editable on top without resolving again.
# requirements.lock: what the portal runs on; requirements-dev.lock adds the `test` extra and
# the `dev` group (ruff, mypy, import-linter, vulture, uv) — everything `make test` runs.
$(VENV)/.installed-run: pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) -U pip 2>&1 | $(QUIET_PIP)
	$(PY) -m pip install $(PIP_FLAGS) -r requirements.lock 2>&1 | $(QUIET_PIP)
	$(PY) -m pip install $(PIP_FLAGS) --no-deps -e . 2>&1 | $(QUIET_PIP)
	$(PY) -c "import reflex, yookassa, celery, ispgo_portal"
	touch $@

$(VENV)/.installed: $(VENV)/.installed-run requirements-dev.lock
	$(PY) -m pip install $(PIP_FLAGS) -r requirements-dev.lock 2>&1 | $(QUIET_PIP)
	$(PY) -c "import playwright, pytest, mypy, importlinter"
	test -x $(VENV)/bin/ruff && test -x $(VENV)/bin/lint-imports
	touch $@

lock: $(VENV)/.installed
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --no-annotate --quiet \
		--custom-compile-command "make lock" -o requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 --no-annotate --quiet \
		--custom-compile-command "make lock" --extra test --group dev -o requirements-dev.lock

bun:
	@command -v bun >/dev/null 2>&1 || npm install -g bun

run: $(VENV)/.installed-run bun
	bash scripts/install_fonts.sh
	$(PY) scripts/run_embedded.py

# nginx in front of two portal processes, two Celery workers and a beat, on PostgreSQL and Redis.
cluster: $(VENV)/.installed bun
	bash scripts/test_services.sh
	$(PY) scripts/run_cluster.py

test: $(VENV)/.installed bun
	bash scripts/test_services.sh
	$(MAKE) --no-print-directory lint typecheck
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

# Style, and the layers' one direction (import-linter contracts in pyproject.toml).
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check ispgo_portal tests scripts bench
	$(VENV)/bin/lint-imports
	# Dead code (below 70 % vulture only guesses: routes, Reflex vars and hooks it cannot see used).
	$(VENV)/bin/vulture ispgo_portal --min-confidence 70

# mypy: strict on services, models, settings and money (configuration in pyproject.toml).
typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

# Mutation testing of the money services (not part of `make test`: it runs the covering tests
# once per mutant in a fresh process, ~10 s each). MUTATION_MODULES / MUTATION_BUDGET (seconds).
MUTATION_MODULES ?= billing pricing payments refunds renewals licenses
MUTATION_BUDGET ?= 3600
mutation: $(VENV)/.installed
	$(PY) scripts/mutation.py $(MUTATION_MODULES) --budget $(MUTATION_BUDGET)
