# Needs BuildKit (the default builder since Docker Engine 23) for RUN --mount=type=cache.
#
# gridwatch pipeline image: Airflow 3.3.2 + dbt-duckdb + Great Expectations + our code.
# One image runs every Airflow component of docker-compose.yml (api-server, scheduler,
# dag-processor, triggerer, celery worker, the one-shot airflow-init).
#
# Why python:3.11-slim-bookworm and NOT apache/airflow:3.3.2:
#   the official image already contains Airflow plus ~70 providers installed with pip from
#   Airflow's constraints file. Installing our uv.lock on top would be a second, different
#   resolution of the same packages (sqlalchemy <2.1, duckdb 2.0, dbt 1.11, GX 1.24 ...), and
#   what runs in production would no longer be what we develop and test with. A plain Python
#   base lets `uv sync --frozen` install exactly uv.lock, nothing more and nothing less.
#   Python 3.11 is the interpreter the lock was resolved and tested with (requires-python
#   >=3.11,<3.13).
#
# Build (from the repository root): docker compose build   (or: docker build -t gridwatch .)

FROM python:3.11-slim-bookworm

# Same uv as development: the lock file format is uv's.
ARG UV_VERSION=0.13.9
# Fixed ids: the named volumes (landing, warehouse, serving, logs) are owned by this uid, and
# the Superset image creates its /data/serving mount point with the same uid (see there).
ARG GRIDWATCH_UID=50000
ARG GRIDWATCH_GID=50000

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=python3.11 \
    UV_PROJECT_ENVIRONMENT=/opt/gridwatch/.venv

# curl: the api-server health check; fonts-wqy-microhei: the Chinese glyphs of the daily
# report's PNG (gridwatch.ops.report_png). Nothing else from Debian is needed at run time
# (psycopg2-binary, psycopg-binary and duckdb bring their own native libraries).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir "uv==${UV_VERSION}"

RUN groupadd --gid "${GRIDWATCH_GID}" gridwatch \
    && useradd --uid "${GRIDWATCH_UID}" --gid "${GRIDWATCH_GID}" \
        --home-dir /opt/airflow --create-home --shell /bin/bash gridwatch

WORKDIR /opt/gridwatch

# 1. Dependencies only, from the lock file, before any source is copied: this layer is rebuilt
#    only when pyproject.toml or uv.lock change. --frozen: install uv.lock as it is, never
#    re-resolve (the build fails if the lock does not match pyproject.toml's groups).
#    --group deploy: the production-only extras (PostgreSQL drivers, the Celery provider, the
#    FAB auth manager) that development does not need; declared in pyproject.toml.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --group deploy --no-install-project

# 2. The code. README.md is needed because pyproject.toml names it as the readme.
COPY README.md ./
COPY src/ ./src/
COPY dags/ ./dags/
COPY dbt_project/ ./dbt_project/
COPY expectations/ ./expectations/

# 3. Install the gridwatch package itself (same lock, same flags). It stays an editable
#    install, as in development: gridwatch.config resolves relative GRIDWATCH_* paths and
#    the bundled reference against the repository root (parents of src/gridwatch), which
#    a copy in site-packages would break.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --group deploy

# Code and virtualenv stay root-owned (read-only to the runtime user). Writable:
#   /opt/airflow             AIRFLOW_HOME (airflow.cfg is written on first start, logs/)
#   dbt_project/             dbt writes target/ and logs/ inside the project
#   expectations/            Great Expectations writes gx/uncommitted/ inside the context
#   /data/*                  mount points of the named volumes (landing, warehouse, serving,
#                            quality = GX results and Data Docs); a new named volume copies
#                            the owner of its mount point, so the volumes start writable.
RUN mkdir -p /opt/airflow/logs /data/landing /data/warehouse /data/serving /data/quality \
        /data/reference \
    && chown -R gridwatch:gridwatch /opt/airflow /data/landing /data/warehouse /data/serving \
        /data/quality /opt/gridwatch/dbt_project /opt/gridwatch/expectations

ENV PATH=/opt/gridwatch/.venv/bin:${PATH} \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/gridwatch/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    GRIDWATCH_LANDING_DIR=/data/landing \
    GRIDWATCH_WAREHOUSE=/data/warehouse/gridwatch.duckdb \
    GRIDWATCH_SERVING=/data/serving/gridwatch.duckdb \
    GRIDWATCH_GX_RESULTS_DIR=/data/quality/gx_results \
    GRIDWATCH_GX_DOCS_DIR=/data/quality/gx_docs \
    GX_ANALYTICS_ENABLED=false \
    DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    DO_NOT_TRACK=1

USER gridwatch

EXPOSE 8080

# No ENTRYPOINT: docker-compose.yml states each component's full command
# (airflow api-server / scheduler / dag-processor / triggerer / celery worker).
CMD ["airflow", "version"]
