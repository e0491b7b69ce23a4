#!/usr/bin/env bash
# Creates the two metadata databases of gridwatch, each with its own login role:
#   airflow  / role airflow   (password AIRFLOW_DB_PASSWORD)
#   superset / role superset  (password SUPERSET_DB_PASSWORD)
#
# The postgres image runs this from /docker-entrypoint-initdb.d ONLY when the data volume is
# empty (first start). Changing a password in .env later does NOT change it here: use
#   docker compose exec postgres psql -U postgres -c "ALTER ROLE airflow PASSWORD '...'"
# Neither role is a superuser; each owns only its database, and PUBLIC may not connect to
# either, so the Airflow role cannot read Superset's metadata and vice versa.
set -euo pipefail

: "${AIRFLOW_DB_PASSWORD:?AIRFLOW_DB_PASSWORD must be set (see deploy/.env.example)}"
: "${SUPERSET_DB_PASSWORD:?SUPERSET_DB_PASSWORD must be set (see deploy/.env.example)}"

# Passwords travel as psql variables and are quoted by psql (:'var'), never pasted into SQL.
psql --no-psqlrc -v ON_ERROR_STOP=1 \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v airflow_password="${AIRFLOW_DB_PASSWORD}" \
    -v superset_password="${SUPERSET_DB_PASSWORD}" <<'SQL'
CREATE ROLE airflow LOGIN PASSWORD :'airflow_password';
CREATE ROLE superset LOGIN PASSWORD :'superset_password';

CREATE DATABASE airflow OWNER airflow ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE superset OWNER superset ENCODING 'UTF8' TEMPLATE template0;

REVOKE ALL ON DATABASE airflow FROM PUBLIC;
REVOKE ALL ON DATABASE superset FROM PUBLIC;
SQL
