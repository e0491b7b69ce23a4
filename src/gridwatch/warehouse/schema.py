"""The DuckDB warehouse: connection and the raw layer's tables.

The raw layer (schema ``raw``) holds every loaded row, typed and normalised,
with the personal data in clear; it never leaves the warehouse. dbt reads it
as sources and builds the ``marts`` schema, which is what gets published.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from gridwatch.config import duckdb_memory_limit
from gridwatch.ingest.feeds import FEEDS, Column, Feed
from gridwatch.ingest.identifiers import CACHE_DDL
from gridwatch.ingest.normalize import macros_sql

SQL_TYPES = {
    "text": "varchar",
    "timestamp": "timestamp",
    "date": "date",
    "integer": "bigint",
    "enum": "varchar",
    "id_type": "varchar",
    "temperature": "double",
}

# Columns the loader adds next to a feed's own, in table order.
VALIDITY_COLUMNS = {
    "push_list": {"id_number": ["id_valid boolean"], "phone": ["phone_valid boolean"]},
    "verification": {"id_number": ["id_valid boolean"]},
    "checkpoint": {
        "id_number": ["id_valid boolean"],
        "phone": ["phone_valid boolean"],
        "temperature": ["temperature_valid boolean", "temperature_text varchar"],
    },
    "enterprise_filing": {"uscc": ["uscc_valid boolean"]},
}


def column_type(col: Column) -> str:
    if col.name == "inspection_passed":
        return "boolean"
    return SQL_TYPES[col.kind]


def raw_columns(feed: Feed) -> list[str]:
    """Column definitions of ``raw.<feed>``: lineage, the feed's columns, flags, extras."""
    cols = [
        "delivery_date date not null",
        "file_name varchar not null",
        "row_number bigint not null",
    ]
    for col in feed.columns:
        cols.append(f"{col.name} {column_type(col)}")
        cols.extend(VALIDITY_COLUMNS[feed.name].get(col.name, []))
    cols.append("extras json")
    return cols


RAW_DDL = [
    "create schema if not exists raw",
    """create table if not exists raw.load_log (
        feed varchar not null,
        delivery_date date not null,
        file_name varchar not null,
        status varchar not null,
        rows_read bigint not null,
        rows_loaded bigint not null,
        rows_quarantined bigint not null,
        sha256 varchar,
        loaded_at timestamp not null,
        error varchar,
        encoding varchar,
        note varchar,
        primary key (feed, delivery_date, file_name)
    )""",
    # warehouses created before the load log had a note (what a loaded file left aside)
    "alter table raw.load_log add column if not exists note varchar",
    """create table if not exists raw.quarantine (
        feed varchar not null,
        delivery_date date not null,
        file_name varchar not null,
        row_number bigint not null,
        reason varchar not null,
        raw_values json
    )""",
    # What each re-load of a (feed, date) partition changed against the load before it
    # (gridwatch.ingest.changes): keys and column names only, never a personal value.
    """create table if not exists raw.delivery_changes (
        feed varchar not null,
        delivery_date date not null,
        loaded_at timestamp not null,
        file_name varchar not null,
        change varchar not null,
        key varchar not null,
        changed_columns varchar
    )""",
    CACHE_DDL,
    # gridwatch purge: the tokenised identity of a purged push record -> its person_key
    # (warehouse.purge; dbt's int_push_records__identified keeps the key through it)
    """create table if not exists raw.purged_identities (
        identity varchar primary key,
        person_key varchar not null
    )""",
    "create table if not exists raw.quality_results (suite varchar not null, run_date date not null, gate varchar not null, expectation varchar not null, column_name varchar, severity varchar not null, success boolean not null, observed_value varchar, validated_at timestamp not null, notes varchar, details json)",
]


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, creating the raw layer and the SQL macros the loader uses."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    # the loader's temporary tables spill beside the warehouse instead of growing the process
    con.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
    if not read_only:
        for ddl in RAW_DDL:
            con.execute(ddl)
        for feed in FEEDS.values():
            con.execute(
                f"create table if not exists raw.{feed.name} ({', '.join(raw_columns(feed))})"
            )
    for macro in macros_sql():
        con.execute(macro)
    return con
