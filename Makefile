# gridwatch — every target is documented: `make` (or `make help`) lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
# uv is bootstrapped into .tools/ when the machine has none (superset.mk calls it too).
export PATH := $(ROOT)/.tools/bin:$(PATH)
UV := $(shell command -v uv 2>/dev/null || echo $(ROOT)/.tools/bin/uv)
# Set-up logs (package lists, migrations): printed on failure, kept for reading.
LOG_DIR := $(ROOT)/.local/log

# Contract §1 defaults; override any of them on the command line or in the environment.
export GRIDWATCH_LANDING_DIR ?= $(ROOT)/data/generated/landing
export GRIDWATCH_REFERENCE_DIR ?= $(ROOT)/data/generated/reference
export GRIDWATCH_WAREHOUSE ?= $(ROOT)/data/warehouse/gridwatch.duckdb
export GRIDWATCH_SERVING ?= $(ROOT)/data/serving/gridwatch.duckdb
export AIRFLOW_HOME ?= $(ROOT)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(ROOT)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

DEMO_PRESET ?= street
DEMO_DAYS ?= 14
DEMO_START ?= 2021-08-02
DEMO_END ?= $(shell date -d "$(DEMO_START) + $$(( $(DEMO_DAYS) - 1 )) days" +%F)

.PHONY: help setup pipeline-setup demo test test-fast lint bench bench-city backfill rerun generate docs down status clean airflow-up

help: ## Show this help
	@echo "gridwatch — community epidemic-prevention data pipeline"
	@echo
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | sort \
	  | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'
	@echo
	@echo "Variables: GRIDWATCH_LANDING_DIR GRIDWATCH_REFERENCE_DIR GRIDWATCH_WAREHOUSE GRIDWATCH_SERVING"
	@echo "Ports (127.0.0.1): AIRFLOW_PORT (8080) SUPERSET_PORT (8088) GRIDWATCH_POSTGRES_PORT (5433)"

$(UV):
	python3 -m venv $(ROOT)/.tools
	$(ROOT)/.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	@touch $@

# Airflow's metadata database: a PostgreSQL server of the project's own (gridwatch.ops.postgres),
# created and migrated once. Tests and benchmarks never use it: they run Airflow in SQLite homes of their own.
AIRFLOW_DB_STAMP := $(AIRFLOW_HOME)/.metadata-postgres
$(AIRFLOW_DB_STAMP): $(VENV)/.synced
	@mkdir -p $(AIRFLOW_HOME)
	@echo "Airflow metadata: creating the PostgreSQL database under $(AIRFLOW_HOME)/postgres and migrating it"
	$(PY) -m gridwatch.ops.services init
	@touch $@

setup: pipeline-setup superset-setup ## Create the pinned environments (idempotent, fast when present)

pipeline-setup: $(VENV)/.synced $(AIRFLOW_DB_STAMP) ## Only the pipeline's environment and Airflow home (no Superset, no Chromium)

generate: $(VENV)/.synced ## Generate a synthetic delivery (DEMO_PRESET, DEMO_DAYS) into data/generated
	$(PY) -m gridwatch.cli generate --preset $(DEMO_PRESET) --days $(DEMO_DAYS) \
	  --start $(DEMO_START) --seed 7 --out $(ROOT)/data/generated
	$(PY) -m gridwatch_generator.corrections write $(ROOT)/data/generated

backfill: pipeline-setup ## Run each date START..END in order through Airflow, one line per date; a failed date does not stop it; lists failed dates
	@test -n "$(START)" -a -n "$(END)" || (echo "usage: make backfill START=YYYY-MM-DD END=YYYY-MM-DD"; exit 2)
	$(PY) -m gridwatch.ops.orchestrate backfill $(START) $(END)

rerun: pipeline-setup ## Clear and re-run one date through Airflow (DATE=YYYY-MM-DD); idempotent
	@test -n "$(DATE)" || (echo "usage: make rerun DATE=YYYY-MM-DD"; exit 2)
	$(PY) -m gridwatch.ops.orchestrate rerun $(DATE)

airflow-up: pipeline-setup ## Start PostgreSQL and the Airflow components (scheduler, dag-processor, triggerer, api-server on 127.0.0.1)
	$(PY) -m gridwatch.ops.services up

# A date that fails unexpectedly stops the demo with its message; the dates the generator
# built to fail (a rejected file, see README) are named as such and do not.
# The scheduler replays the generated fortnight: its schedule ends there, so unpausing the
# DAG starts no empty run of today (make's target variables reach airflow-up too).
demo: export GRIDWATCH_SCHEDULE_END := $(DEMO_END)
demo: setup generate airflow-up ## Set up, generate a street for two weeks, run it through the scheduler, start Superset, print where to look
	@echo "Running $(DEMO_START)..$(DEMO_END) through the Airflow scheduler, one date after the other (1–2 min a date on 2 cores; the two dates built to fail are named as such):"
	$(PY) -m gridwatch.ops.orchestrate backfill $(DEMO_START) $(DEMO_END)
	@echo "A sender corrects a file of an earlier date: re-delivering it and re-running that date (what changed: make status, mart_delivery_changes):"
	date=$$($(PY) -m gridwatch_generator.corrections apply $(ROOT)/data/generated) && \
	  $(PY) -m gridwatch.ops.orchestrate rerun $$date && \
	  { $(PY) -m gridwatch.cli status --date $$date | grep "reloaded at" || true; }
	$(MAKE) --no-print-directory dashboards superset-up
	@echo
	@echo "Airflow:   http://127.0.0.1:$${AIRFLOW_PORT:-8080}/   user admin, password in $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated"
	@echo "Superset:  http://127.0.0.1:$${SUPERSET_PORT:-8088}/   users and generated passwords: see the lines above"
	@echo "Warehouse (read-write, full detail): $(GRIDWATCH_WAREHOUSE)"
	@echo "Serving file (marts only, masked):   $(GRIDWATCH_SERVING)"
	@echo "What runs: make status.   Stop everything: make down"

# Tests start their own Airflow homes, servers and ports: never the demo's, so both can run at once.
test: $(VENV)/.synced superset-setup ## Set up and run every test (tests/unit, tests/integration, tests/e2e)
	$(PY) -m pytest -q

test-fast: $(VENV)/.synced ## Unit tests only (under a minute, no services)
	$(PY) -m pytest -q tests/unit

lint: $(VENV)/.synced ## ruff (Python) and sqlfluff (dbt SQL)
	$(VENV)/bin/ruff check src dags tests benchmarks
	$(VENV)/bin/ruff format --check src dags tests benchmarks
	cd dbt_project && $(VENV)/bin/sqlfluff lint models tests  # macros are SQL fragments, linted where models render them

bench: $(VENV)/.synced ## Benchmarks (ratios measured in one run): ingest, a re-delivery's diff, orchestration, dbt growth, the daily report, a person look-up
	$(PY) -m benchmarks.ingest
	$(PY) -m benchmarks.changes
	$(PY) -m benchmarks.pipeline
	BENCH_PRESET=district BENCH_DAYS=3 $(PY) -m benchmarks.report
	@if [ -f "$(GRIDWATCH_WAREHOUSE)" ]; then $(PY) -m benchmarks.person; \
	  else echo "person look-up: no warehouse at $(GRIDWATCH_WAREHOUSE) (make demo builds one)"; fi

bench-city: $(VENV)/.synced ## Daily-run and dbt build growth on the city preset, day 2 / 30 / 60, then a person look-up and the daily report on day 60 (~65 min, ~40 GB free disk; BENCH_DIR keeps the files)
	BENCH_PRESET=city BENCH_DAYS=60 $(PY) -m benchmarks.pipeline

docs: $(VENV)/.synced ## dbt docs (lineage, exposures) and Great Expectations Data Docs
	GRIDWATCH_WAREHOUSE=$(GRIDWATCH_WAREHOUSE) $(VENV)/bin/dbt docs generate \
	  --project-dir dbt_project --profiles-dir dbt_project
	$(PY) -m gridwatch.quality --docs
	@echo "dbt docs:       dbt_project/target/index.html (or: $(VENV)/bin/dbt docs serve --project-dir dbt_project --profiles-dir dbt_project --host 127.0.0.1)"
	@echo "GX Data Docs:   data/gx_docs/index.html"

# gridwatch status exits 1 when it lists a rejected file: a finding it prints, not a failure here.
status: ## Show what runs (PostgreSQL, Airflow components, Superset) and the load status of landed files
	@$(PY) -m gridwatch.ops.services status
	@$(MAKE) --no-print-directory superset-status
	@if [ -f "$(GRIDWATCH_WAREHOUSE)" ]; then $(PY) -m gridwatch.cli status || [ $$? -eq 1 ]; \
	  else echo "load status: no warehouse at $(GRIDWATCH_WAREHOUSE) yet (make demo loads one)"; fi

down: superset-down ## Stop every service the demo started (Superset, Airflow, PostgreSQL)
	@if [ -x $(PY) ]; then $(PY) -m gridwatch.ops.services down; fi

clean: down ## Stop the services, remove generated data and local state (keeps the environments)
	rm -rf data .airflow dbt_project/target dbt_project/logs

-include superset_dashboards/superset.mk
