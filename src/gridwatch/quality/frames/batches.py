"""Batch-gate frames: a (feed, date) partition's rows, its files, its delivery and the day."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pandas as pd

from gridwatch.ingest.feeds import FEEDS
from gridwatch.ingest.normalize import sql_literal
from gridwatch.quality.frames.sql import PERSONAL_COLUMNS, query_frame
from gridwatch.quality.suites import (
    SHARE_CHECKS,
    TIMESTAMP_CHECKS,
    offset_column,
    row_columns,
)

# --- batches ---------------------------------------------------------------------------


def _categorical(
    con: duckdb.DuckDBPyConnection, table: str, column: str, where: str, params: dict[str, Any]
) -> str:
    """Select a text column as a DuckDB ENUM of its values, i.e. a pandas Categorical.

    Millions of rows of a few distinct codes then take megabytes, not gigabytes, and
    GX's set and null checks run on integer codes.
    """
    values = con.execute(
        f"select distinct {column} from {table} where {where} and {column} is not null limit 10001",
        params,
    ).fetchall()
    if not values or len(values) > 10000 or any(v == "" for (v,) in values):
        return column
    members = ", ".join(sql_literal(v) for (v,) in sorted(values))
    return f"cast({column} as enum({members})) as {column}"


def batch_rows(con: duckdb.DuckDBPyConnection, feed: str, day: dt.date) -> pd.DataFrame:
    table, where, params = f"raw.{feed}", "delivery_date = $day", {"day": day}
    types = dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = 'raw' and table_name = ?",
            [feed],
        ).fetchall()
    )
    offsets = {offset_column(t): t for t in TIMESTAMP_CHECKS[feed]}
    cols = [_categorical(con, table, "file_name", where, params), "row_number"]
    for name in row_columns(FEEDS[feed]):
        if name in offsets:
            cols.append(
                f"date_diff('second', cast($day as timestamp), cast({offsets[name]} as timestamp))"
                f" / 86400.0 as {name}"
            )
        elif name in PERSONAL_COLUMNS:  # only its presence is checked: keep the value out
            cols.append(f"case when {name} is not null then '*' end as {name}")
        elif types[name] == "VARCHAR":
            cols.append(_categorical(con, table, name, where, params))
        else:
            cols.append(name)
    return query_frame(
        con,
        f"select {', '.join(cols)} from {table} where {where}",
        params,  # type: ignore[arg-type]
    )


def batch_files(con: duckdb.DuckDBPyConnection, feed: str, day: dt.date) -> pd.DataFrame:
    return query_frame(
        con,
        f"""
        with load_log as (
            select file_name, status, rows_read, rows_loaded, rows_quarantined
            from raw.load_log where feed = $feed and delivery_date = $day
        ),
        table_rows as (
            select file_name, count(*) as rows_in_table
            from raw.{feed} where delivery_date = $day group by file_name
        ),
        quarantine_rows as (
            select file_name, count(*) as rows_in_quarantine
            from raw.quarantine where feed = $feed and delivery_date = $day group by file_name
        ),
        file_names as (
            select file_name from load_log
            union select file_name from table_rows
            union select file_name from quarantine_rows
        )
        select
            file_names.file_name,
            load_log.status,
            load_log.rows_read,
            load_log.rows_loaded + load_log.rows_quarantined as rows_accounted,
            load_log.rows_loaded,
            coalesce(table_rows.rows_in_table, 0) as rows_in_table,
            load_log.rows_quarantined,
            coalesce(quarantine_rows.rows_in_quarantine, 0) as rows_in_quarantine
        from file_names
        left join load_log on file_names.file_name = load_log.file_name
        left join table_rows on file_names.file_name = table_rows.file_name
        left join quarantine_rows on file_names.file_name = quarantine_rows.file_name
        order by file_names.file_name
        """,
        {"feed": feed, "day": day},  # type: ignore[arg-type]
    )


# An ID number Excel stored as a number: scientific notation, or 15 kept digits and 000.
EXCEL_NUMBER_ID = r"[0-9](\.[0-9]+)?E\+?[0-9]+|[0-9]{15}000"


def is_holiday(day: dt.date, limits: dict[str, Any]) -> bool:
    """Whether ``day`` is in thresholds.yml's calendar.holidays."""
    holidays = (limits.get("calendar") or {}).get("holidays") or []
    return day in {dt.date.fromisoformat(str(h)) for h in holidays}


def batch_day(con: duckdb.DuckDBPyConnection, day: dt.date, limits: dict[str, Any]) -> pd.DataFrame:
    """One row for the date: holiday or not, and how many core feeds delivered any file."""
    core = [str(f) for f in limits["calendar"]["core_feeds"]]
    return query_frame(
        con,
        """
        select
            strftime($day, '%Y-%m-%d') as delivery_date,
            $holiday as holiday,
            delivered.feeds as core_feeds_delivered,
            case when not $holiday then delivered.feeds end as core_feeds_delivered_unless_holiday
        from (
            select count(distinct feed) as feeds from raw.load_log
            where delivery_date = $day and status != 'IGNORED' and list_contains($core, feed)
        ) as delivered
        """,
        {"day": day, "holiday": is_holiday(day, limits), "core": core},  # type: ignore[arg-type]
    )


def _expected_sql(rule: str) -> str:
    if rule == "daily":
        return "true"
    if rule == "optional":
        return "false"
    if rule == "continuing":
        return """exists (
            select 1 from raw.load_log
            where feed = $feed and status = 'LOADED' and rows_loaded > 0
              and delivery_date >= $day - to_days(cast($lookback as integer))
              and delivery_date < $day
        )"""
    raise ValueError(
        f"thresholds.yml: expected must be daily, continuing or optional, not {rule!r}"
    )


def batch_delivery(
    con: duckdb.DuckDBPyConnection, feed: str, day: dt.date, limits: dict[str, Any]
) -> pd.DataFrame:
    conf = limits["feeds"][feed]
    shares = {
        "invalid_id_share": (
            "count(*) filter (where id_number is not null and not id_valid)",
            "count(*) filter (where id_number is not null)",
        ),
        "excel_number_id_share": (
            f"count(*) filter (where id_number is not null and not id_valid "
            f"and regexp_full_match(id_number, '{EXCEL_NUMBER_ID}'))",
            "count(*) filter (where id_number is not null)",
        ),
        "invalid_phone_share": (
            "count(*) filter (where phone is not null and not phone_valid)",
            "count(*) filter (where phone is not null)",
        ),
        "invalid_uscc_share": ("count(*) filter (where not uscc_valid)", "count(*)"),
        "unreadable_temperature_share": (
            "count(*) filter (where direction = 'IN' and subject != 'VEHICLE' "
            "and temperature is null)",
            "count(*) filter (where direction = 'IN' and subject != 'VEHICLE')",
        ),
    }
    share_sql = ",\n".join(
        f"{num} / nullif({den}, 0) as {name}"
        for name, (num, den) in shares.items()
        if name in SHARE_CHECKS[feed]
    )
    return query_frame(
        con,
        f"""
        with files as (
            select
                coalesce(sum(rows_read) filter (where status = 'LOADED'), 0) as rows_read,
                coalesce(sum(rows_loaded) filter (where status = 'LOADED'), 0) as rows_loaded,
                coalesce(sum(rows_quarantined) filter (where status = 'LOADED'), 0)
                    as rows_quarantined,
                count(*) filter (where status in ('LOADED', 'DUPLICATE')) as files_delivered
            from raw.load_log where feed = $feed and delivery_date = $day
        ),
        table_rows as (
            select {share_sql}
            from raw.{feed} where delivery_date = $day
        )
        , expectation as (
            select not $holiday and ({_expected_sql(conf["expected"])}) as expected
        ),
        history as (  -- rows read on the feed's delivered dates before D
            select delivery_date, sum(rows_read) as rows_read
            from raw.load_log
            where feed = $feed and status = 'LOADED'
              and delivery_date >= $day - to_days(cast($volume_days as integer))
              and delivery_date < $day
            group by delivery_date
            having sum(rows_read) > 0
        ),
        volume as (
            select case when count(*) >= $volume_min_days then median(rows_read) end
                as median_rows_read
            from history
        )
        select
            $feed as feed,
            expectation.expected,
            files.files_delivered,
            files.rows_read,
            files.rows_loaded,
            case when expectation.expected then files.files_delivered end
                as files_delivered_if_expected,
            case when expectation.expected then files.rows_loaded end
                as rows_loaded_if_expected,
            files.rows_quarantined / nullif(files.rows_read, 0) as quarantine_share,
            volume.median_rows_read,
            case when files.files_delivered > 0
                then files.rows_read / nullif(volume.median_rows_read, 0)
            end as rows_read_share_of_median,
            table_rows.*
        from files, table_rows, expectation, volume
        """,
        {
            "feed": feed,
            "day": day,
            "lookback": int(conf.get("lookback_days", 1)),
            "holiday": is_holiday(day, limits),
            "volume_days": int(conf["volume"]["days"]),
            "volume_min_days": int(conf["volume"]["min_days"]),
        },  # type: ignore[arg-type]
    )
