# ISPGo portal. `make run` — the embedded default; `make test` — the whole suite;
# `make cluster` — the production shape on one machine.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP_FLAGS := --disable-pip-version-check -q
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false

.PHONY: run cluster test lint bun mutation

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install $(PIP_FLAGS) -U pip 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -m pip install $(PIP_FLAGS) -e '.[test]' 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import reflex, yookassa, celery, playwright"
	touch $@

bun:
	@command -v bun >/dev/null 2>&1 || npm install -g bun

run: $(VENV)/.installed bun
	bash scripts/install_fonts.sh
	$(PY) scripts/run_embedded.py

# nginx in front of two portal processes, two Celery workers and a beat, on PostgreSQL and Redis.
cluster: $(VENV)/.installed bun
	bash scripts/test_services.sh
	$(PY) scripts/run_cluster.py

test: $(VENV)/.installed bun
	bash scripts/test_services.sh
	$(VENV)/bin/ruff check ispgo_portal tests scripts bench
	$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check ispgo_portal tests scripts bench

# Mutation testing of the money services (not part of `make test`: it runs the covering tests
# once per mutant in a fresh process, ~10 s each). MUTATION_MODULES / MUTATION_BUDGET (seconds).
MUTATION_MODULES ?= billing pricing payments refunds renewals licenses
MUTATION_BUDGET ?= 3600
mutation: $(VENV)/.installed
	$(PY) scripts/mutation.py $(MUTATION_MODULES) --budget $(MUTATION_BUDGET)
