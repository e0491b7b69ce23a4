"""Publishing the serving file dashboards read (contract §1, §9).

The ``marts`` schema, and nothing else, is copied from the warehouse into a
temporary file next to the serving file, checked, and moved over it with an
atomic rename: a dashboard never sees a half-written file and never waits on
the warehouse's write lock. It is written in the storage format of DuckDB
``SERVING_STORAGE_VERSION`` (what its tables need), so analysts' DuckDB 1.4 and
later open it, not only the 2.x the pipeline runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb

# The oldest storage format the marts' types allow; DuckDB 1.4.0 and later read it.
SERVING_STORAGE_VERSION = "v1.4.0"


class PublishError(Exception):
    """The serving file was not replaced; the previous publish stays in place."""


def mart_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    rows = con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = 'marts' "
        "order by table_name",
        [catalog],
    ).fetchall()
    return [r[0] for r in rows]


def publish(
    warehouse: Path,
    serving: Path,
    check: Callable[[Path], None] | None = None,
) -> list[str]:
    """Copy the marts into ``serving`` atomically; ``check`` may veto the new file."""
    if not warehouse.exists():
        raise PublishError(f"warehouse {warehouse} does not exist; load and build a date first")
    serving.parent.mkdir(parents=True, exist_ok=True)
    tmp = serving.with_name(f".{serving.name}.publishing")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect()  # in memory: the file is attached with its storage version
    try:
        con.execute(f"attach '{tmp}' as serving (storage_version '{SERVING_STORAGE_VERSION}')")
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        tables = mart_tables(con, "warehouse")
        if not tables:
            raise PublishError(f"warehouse {warehouse} has no marts; run `gridwatch build` first")
        con.execute("create schema serving.marts")
        for table in tables:
            con.execute(
                f"create table serving.marts.{table} as select * from warehouse.marts.{table}"
            )
        con.execute("detach warehouse")
        con.execute("checkpoint serving")
        con.execute("detach serving")
    except Exception:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    try:
        if check is not None:
            check(tmp)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, serving)
    finally:
        tmp.unlink(missing_ok=True)
    return tables
