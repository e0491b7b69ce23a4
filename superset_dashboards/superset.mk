# Superset dashboards. Included by the main Makefile:
#     include superset_dashboards/superset.mk
# Superset runs from its own venv (it pins sqlalchemy 1.4 and pandas 2.1).
# Environment: GRIDWATCH_SERVING (the serving file), SUPERSET_PORT (8088),
# GRIDWATCH_SUPERSET_HOME (state: metadata DB, secret key, passwords; untracked).

SUPERSET_DIR ?= superset_dashboards
PY_SUPERSET ?= $(SUPERSET_DIR)/.venv/bin/python
SUPERSET_MANAGE ?= $(PY_SUPERSET) $(SUPERSET_DIR)/manage.py
SUPERSET_VENV_STAMP ?= $(SUPERSET_DIR)/.venv/.gridwatch-synced
# The main Makefile's $(UV) (bootstrapped into .tools/ when the machine has no uv).
SUPERSET_UV ?= $(or $(UV),uv)
SUPERSET_APT ?= $(shell [ "$$(id -u)" = 0 ] || echo sudo) apt-get
# The main Makefile's $(LOG_DIR); uv's package list goes there, not to the terminal.
SUPERSET_LOG_DIR ?= $(or $(LOG_DIR),$(abspath .local/log))

.PHONY: superset-setup dashboards superset-up superset-down superset-status bench-superset

superset-setup: $(SUPERSET_VENV_STAMP) ## Superset's own venv (uv, locked) and Debian Chromium + CJK fonts for the browser test
	@if [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
		echo "Installing Debian's chromium and fonts-noto-cjk with $(SUPERSET_APT) (once): the"; \
		echo "browser tests and the dashboard screenshots drive Chromium, and the charts' Chinese"; \
		echo "labels need the CJK fonts. apt's output: $(SUPERSET_LOG_DIR)/apt-chromium.log"; \
		mkdir -p $(SUPERSET_LOG_DIR); \
		{ $(SUPERSET_APT) update && $(SUPERSET_APT) install -y chromium fonts-noto-cjk; } \
		  > $(SUPERSET_LOG_DIR)/apt-chromium.log 2>&1 \
		  || { tail -20 $(SUPERSET_LOG_DIR)/apt-chromium.log; \
		       echo "apt-get failed: see $(SUPERSET_LOG_DIR)/apt-chromium.log"; exit 1; }; \
	fi

# Bytecode is compiled at install: with PYTHONDONTWRITEBYTECODE set, every Superset
# start would otherwise recompile thousands of modules (~10 s each time).
$(SUPERSET_VENV_STAMP): $(SUPERSET_DIR)/uv.lock $(SUPERSET_DIR)/pyproject.toml | $(UV)
	@mkdir -p $(SUPERSET_LOG_DIR)
	@echo "Superset environment: installing the locked packages into $(SUPERSET_DIR)/.venv (log: $(SUPERSET_LOG_DIR)/superset-uv-sync.log)"
	@$(SUPERSET_UV) sync --frozen --compile-bytecode --project $(SUPERSET_DIR) \
	  > $(SUPERSET_LOG_DIR)/superset-uv-sync.log 2>&1 \
	  || { tail -20 $(SUPERSET_LOG_DIR)/superset-uv-sync.log; \
	       echo "uv sync failed: see $(SUPERSET_LOG_DIR)/superset-uv-sync.log"; exit 1; }
	@touch $@

dashboards: $(SUPERSET_VENV_STAMP) ## Superset: init if needed, import the dashboards (overwrite, idempotent), roles and users
	$(SUPERSET_MANAGE) dashboards

superset-up: $(SUPERSET_VENV_STAMP) ## Start Superset on 127.0.0.1:SUPERSET_PORT (default 8088) and print its URL
	$(SUPERSET_MANAGE) start

superset-down: ## Stop Superset (if this checkout started it)
	@if [ -x $(PY_SUPERSET) ]; then $(SUPERSET_MANAGE) stop; fi

# manage.py status exits 3 for "not running": a state to show, not an error.
superset-status: ## Show whether Superset runs and its URL
	@if [ -x $(PY_SUPERSET) ]; then printf '%-14s ' superset; $(SUPERSET_MANAGE) status || [ $$? -eq 3 ]; \
	  else echo "superset       not set up (make setup)"; fi

bench-superset: $(SUPERSET_VENV_STAMP) ## Chart-data latency p50/p95 through the Superset API on ~a year of city-sized marts
	$(SUPERSET_MANAGE) bench
