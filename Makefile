# Two commands for a fresh machine: `make demo` and `make test`.
# Both bootstrap .venv from requirements-dev.lock (reproducible, hash-checked) on first use.
PYTHON ?= python3
VENV ?= .venv
UV_VERSION := 0.13.9
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

export DO_NOT_TRACK := 1
export RUNTIME__DLTHUB_TELEMETRY := false
# uv trusts the system CA store (corporate proxies, mirrors) like pip does.
export UV_SYSTEM_CERTS := 1

.PHONY: demo test test-slow test-all bench lint format lock dev clean

$(STAMP): requirements-dev.lock pyproject.toml emulators/pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "crm-kpi needs Python 3.11, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	# Bytecode now: where PYTHONDONTWRITEBYTECODE is set, every process (each dbt run among
	# them) would otherwise compile Dagster, dbt and pandas again, ~4 s per start-up (issue #11).
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode --require-hashes -r requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode --no-deps -e . -e ./emulators
	$(BIN)/crm-kpi prepare   # dbt's manifest now, not in the first run (as the Docker image does)
	@touch $@

demo: $(STAMP)
	$(BIN)/crm-kpi demo

# The default tier: everything but the whole-pipeline, browser and server tests (`slow`).
test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# The other tier: whole pipeline runs, Chromium, PostgreSQL, the Dagster webserver.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

test-all: $(STAMP)
	$(BIN)/python -m pytest

# Benchmark at real-account sizes; prints figures, asserts nothing. Sizes by flag, e.g.
# make bench BENCH_ARGS="--shape one-account --deals 1000000 --activities 10000000"
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint crm_kpi/transform/dbt_project/models crm_kpi/transform/dbt_project/macros

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

DAGSTER_HOME ?= $(CURDIR)/.dagster_home
dev: $(STAMP)
	mkdir -p $(DAGSTER_HOME) && cp -n dagster.yaml $(DAGSTER_HOME)/dagster.yaml || true
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/dagster dev -w workspace.yaml

# Re-resolve the lock files after changing dependencies in pyproject.toml: requirements.lock is
# what the product needs at run time (the Docker image installs it); requirements-dev.lock adds
# the test and lint tools on top of exactly those pins (the dev venv installs it).
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes \
		--no-header -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev -c requirements.lock --python-version 3.11 \
		--generate-hashes --no-header -o requirements-dev.lock

clean:
	rm -rf $(VENV) crm_kpi/transform/dbt_project/target crm_kpi/transform/dbt_project/logs .pytest_cache
