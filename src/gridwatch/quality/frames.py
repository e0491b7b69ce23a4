"""The DataFrames the quality suites validate, read from DuckDB, and their parameters.

GX's SQL datasource does not work on DuckDB (STACK.md), so every suite
validates a pandas DataFrame built here with one query. Row-level suites read
only the columns they check (never a name, ID number or phone); reconciliations
(sums adding up, every record once) are computed by a query whose result GX then
checks column by column. The PII scan counts suspicious values inside DuckDB so
that no personal value ever reaches GX, its results or Data Docs.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from gridwatch.config import REPO_ROOT
from gridwatch.ingest.feeds import FEEDS
from gridwatch.ingest.normalize import sql_literal
from gridwatch.quality.suites import (
    SHARE_CHECKS,
    TIMESTAMP_CHECKS,
    SuiteSpec,
    mart_columns,
    offset_column,
    row_columns,
)
from gridwatch.warehouse.mart_facts import marts as dbt_marts

THRESHOLDS_FILE = REPO_ROOT / "expectations" / "thresholds.yml"

# Personal-data shapes (RE2 syntax, as DuckDB's regexp_matches uses). A value counts
# when the shape stands alone or between non-alphanumeric characters, so the digits
# inside a 32-character hex pseudonym never match, nor the decimals of a number.
_RIC18 = r"[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
_RIC15 = r"[1-9][0-9]{5}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}"
RIC_PATTERN = rf"(^|[^0-9A-Za-z.])({_RIC18}|{_RIC15})($|[^0-9A-Za-z])"
# Columns of registration numbers (serving.registration_number_columns): an old
# 15-digit business registration number has the shape of a 15-digit RIC there.
RIC18_PATTERN = rf"(^|[^0-9A-Za-z.])({_RIC18})($|[^0-9A-Za-z])"
MOBILE_PATTERN = r"(^|[^0-9A-Za-z.])(\+?86)?1[3-9][0-9]{9}($|[^0-9A-Za-z])"
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
# Raw columns with personal data: a frame may test them for NULL, never carry them.
PERSONAL_COLUMNS = ("name", "id_number", "phone", "verifier", "address", "plate")
NAME_PATTERN = r"^\p{Han}{2,4}$|^\p{Han}{1,8}([·•．.]\p{Han}{1,8})+$"
# Columns of these types cannot hold an identity number, a phone or a name.
UNSCANNED_TYPES = ("DATE", "TIME", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "BOOLEAN", "INTERVAL")


@cache
def _load_thresholds(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def thresholds(path: Path | None = None) -> dict[str, Any]:
    return _load_thresholds(path or THRESHOLDS_FILE)


@cache
def declared_marts() -> list[str]:
    return sorted(dbt_marts())


def parameters(spec: SuiteSpec, day: dt.date, limits: dict[str, Any]) -> dict[str, Any]:
    """Values of the suite's $PARAMETERs for run date ``day`` from thresholds.yml."""
    values: dict[str, Any] = {}
    if spec.gate == "batches" and spec.subject in limits["feeds"]:
        feed = limits["feeds"][spec.subject]
        for severity in ("warning", "blocking"):
            values[f"rows_read_share_of_median_{severity}"] = float(feed["volume"][severity])
        for name in TIMESTAMP_CHECKS[spec.subject]:
            window = feed["timestamps"][name]
            values[f"{name}_min_days"] = -float(window["days_before"])
            values[f"{name}_max_days"] = 1.0 + float(window["days_after"])
        for share, severities in SHARE_CHECKS[spec.subject].items():
            for severity in severities:
                values[f"{share}_{severity}"] = float(feed[share][severity])
        if "temperature" in feed:
            values["temperature_min"] = float(feed["temperature"]["min"])
            values["temperature_max"] = float(feed["temperature"]["max"])
        if "deadline_hours" in feed:
            values["deadline_hours_min"] = feed["deadline_hours"]["min"]
            values["deadline_hours_max"] = feed["deadline_hours"]["max"]
    if spec.name == "serving.tables":
        values["declared_marts"] = declared_marts()
    missing = spec.parameters - values.keys()
    if missing:
        raise KeyError(
            f"suite {spec.name} needs {sorted(missing)} from {THRESHOLDS_FILE.name}; add them there"
        )
    return {k: v for k, v in values.items() if k in spec.parameters}


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


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
    return _df(
        con,
        f"select {', '.join(cols)} from {table} where {where}",
        params,  # type: ignore[arg-type]
    )


def batch_files(con: duckdb.DuckDBPyConnection, feed: str, day: dt.date) -> pd.DataFrame:
    return _df(
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
    return _df(
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
    return _df(
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


# --- marts -----------------------------------------------------------------------------


def mart_frame(con: duckdb.DuckDBPyConnection, mart: str) -> pd.DataFrame:
    cols = [c for c in mart_columns(mart) if c != "rows_accounted"]
    select = ", ".join(cols)
    if mart == "mart_load_status":
        select += ", rows_loaded + rows_quarantined as rows_accounted"
    return _df(con, f"select {select} from marts.{mart}")


def coverage_totals(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Community sums of mart_coverage_daily next to street and city totals from fct_push_record.

    The independent totals: a person belongs on day D to the street of their latest
    record issued by the end of D, i.e. record r holds the person on the days
    [issue date of r, issue date of the person's next record); persons per street
    and day are the running sum of +1/-1 at those bounds. The city total is the
    running count of persons by the date of their first record.
    """
    return _df(
        con,
        """
        with records as (
            select
                person_key,
                street_code,
                cast(issued_at as date) as issue_date,
                lead(cast(issued_at as date)) over (
                    partition by person_key order by issued_at, batch_id, record_no
                ) as next_issue_date
            from marts.fct_push_record
        ),
        spans as (
            select * from records
            where next_issue_date is null or next_issue_date > issue_date
        ),
        street_deltas as (
            select street_code, issue_date as report_date, 1 as delta from spans
            union all
            select street_code, next_issue_date, -1 from spans where next_issue_date is not null
        ),
        street_daily_deltas as (
            select street_code, report_date, sum(delta) as delta
            from street_deltas group by all
        ),
        first_issues as (
            select min(cast(issued_at as date)) as first_date
            from marts.fct_push_record group by person_key
        ),
        bounds as (
            select
                (select min(first_date) from first_issues) as first_date,
                greatest(
                    (select max(report_date) from marts.mart_coverage_daily),
                    (select max(cast(issued_at as date)) from marts.fct_push_record)
                ) as last_date
        ),
        calendar as (
            select cast(generated.report_date as date) as report_date
            from bounds, generate_series(
                bounds.first_date, bounds.last_date, interval 1 day
            ) as generated (report_date)
        ),
        street_calendar as (
            select calendar.report_date, streets.street_code
            from calendar cross join (select distinct street_code from spans) as streets
        ),
        street_totals as (
            select
                street_calendar.report_date,
                street_calendar.street_code,
                sum(coalesce(street_daily_deltas.delta, 0)) over (
                    partition by street_calendar.street_code
                    order by street_calendar.report_date
                ) as street_persons
            from street_calendar
            left join street_daily_deltas
                on street_calendar.report_date = street_daily_deltas.report_date
                and street_calendar.street_code = street_daily_deltas.street_code
        ),
        city_totals as (
            select
                calendar.report_date,
                (select count(*) from first_issues
                 where first_issues.first_date <= calendar.report_date) as city_persons
            from calendar
        ),
        community_sums as (
            select report_date, street_code, sum(pushed_persons) as community_persons
            from marts.mart_coverage_daily group by all
        ),
        city_community_sums as (
            select report_date, sum(pushed_persons) as city_community_persons
            from marts.mart_coverage_daily group by all
        ),
        street_rows as (
            select
                coalesce(community_sums.report_date, street_totals.report_date) as report_date,
                coalesce(community_sums.street_code, street_totals.street_code) as street_code,
                community_sums.community_persons,
                street_totals.street_persons
            from community_sums
            full outer join (select * from street_totals where street_persons > 0) as street_totals
                on community_sums.report_date = street_totals.report_date
                and community_sums.street_code = street_totals.street_code
        )
        select
            street_rows.report_date,
            street_rows.street_code,
            street_rows.community_persons,
            street_rows.street_persons,
            coalesce(city_community_sums.city_community_persons, 0) as city_community_persons,
            coalesce(city_totals.city_persons, 0) as city_persons
        from street_rows
        left join city_community_sums on street_rows.report_date = city_community_sums.report_date
        left join city_totals on street_rows.report_date = city_totals.report_date
        order by street_rows.report_date, street_rows.street_code
        """,
    )


def push_record_completeness(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _df(
        con,
        """
        with raw_keys as (
            select distinct batch_id, record_no from raw.push_list
        ),
        fct_keys as (
            select batch_id, record_no, count(*) as fct_rows
            from marts.fct_push_record group by all
        )
        select
            coalesce(raw_keys.batch_id, fct_keys.batch_id) as batch_id,
            coalesce(raw_keys.record_no, fct_keys.record_no) as record_no,
            raw_keys.batch_id is not null as in_raw,
            coalesce(fct_keys.fct_rows, 0) as fct_rows
        from raw_keys
        full outer join fct_keys
            on raw_keys.batch_id = fct_keys.batch_id and raw_keys.record_no = fct_keys.record_no
        """,
    )


def enterprise_completeness(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _df(
        con,
        """
        with raw_codes as (
            select distinct uscc from raw.enterprise_filing where uscc is not null
        ),
        status_codes as (
            select uscc, count(*) as status_rows from marts.mart_enterprise_status group by all
        )
        select
            coalesce(raw_codes.uscc, status_codes.uscc) as uscc,
            raw_codes.uscc is not null as in_raw,
            coalesce(status_codes.status_rows, 0) as status_rows
        from raw_codes
        full outer join status_codes on raw_codes.uscc = status_codes.uscc
        """,
    )


def held_deliveries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per delivery date the marts hold rows of, with what its batch gate found.

    A day whose run failed is not published by that run, but its loaded rows stay in
    the warehouse, and the next build puts them into the marts: the marts gate must
    know, per date and over every feed, whether its last batch gate (stored in
    raw.quality_results) ran after its last load and what blocked there. A REJECTED
    file is counted apart: the date's other files are meant to be used (contract §2).
    """
    return _df(
        con,
        """
        with loads as (
            select
                delivery_date,
                count(*) filter (where status = 'REJECTED') as rejected_files,
                count(*) filter (where status = 'LOADED' and rows_loaded > 0) as files_with_rows,
                max(loaded_at) as last_loaded_at
            from raw.load_log
            group by delivery_date
        ),
        batch_gate as (
            select
                run_date,
                count(*) filter (
                    where severity = 'blocking' and not success
                    and not (suite like 'batch.%.files' and column_name = 'status')
                ) as blocking_failures,
                max(validated_at) as last_validated_at
            from raw.quality_results
            where gate = 'batches'
            group by run_date
        )
        select
            strftime(loads.delivery_date, '%Y-%m-%d') as delivery_date,  -- shown as a date
            loads.rejected_files,
            coalesce(batch_gate.blocking_failures, 0) as batch_gate_blocking_failures,
            coalesce(batch_gate.last_validated_at >= loads.last_loaded_at, false)
                as gated_since_last_load
        from loads
        left join batch_gate on batch_gate.run_date = loads.delivery_date
        where loads.files_with_rows > 0
        order by loads.delivery_date
        """,
    )


# --- serving ---------------------------------------------------------------------------


def serving_tables(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _df(
        con,
        """
        select schema_name, table_name, 'BASE TABLE' as table_type
        from duckdb_tables() where database_name = current_database() and not internal
        union all
        select schema_name, view_name, 'VIEW'
        from duckdb_views() where database_name = current_database() and not internal
        order by schema_name, table_name
        """,
    )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _as_text(column: str, data_type: str) -> str:
    """A column's values as text; fractional numbers cannot be an ID or a phone."""
    if data_type in FLOAT_TYPES or data_type.startswith("DECIMAL"):
        return (
            f"case when {column} = floor({column}) and abs({column}) < 1e19 "
            f"then cast(cast({column} as hugeint) as varchar) end"
        )
    return f"cast({column} as varchar)"


def _weighted(condition: str) -> str:
    """How many rows hold a value meeting ``condition``, over (distinct value v, count n)."""
    return f"cast(coalesce(sum(n) filter (where {condition}), 0) as bigint)"


def pii_scan(
    con: duckdb.DuckDBPyConnection, limits: dict[str, Any], has_raw_names: bool
) -> pd.DataFrame:
    """Per column of every table of ``con``'s database: counts of personal-looking values.

    ``has_raw_names``: a temp table ``pii_raw_names(name)`` holds every name of the raw
    layer (the caller fills it from the warehouse).
    """
    labels = set(limits["serving"]["label_columns"])
    free_text = set(limits["serving"]["free_text_columns"])
    registration = set(limits["serving"]["registration_number_columns"])
    columns = con.execute(
        f"""
        select schema_name, table_name, column_name, data_type
        from duckdb_columns()
        where database_name = current_database() and not internal
          and data_type not in ({", ".join(sql_literal(t) for t in UNSCANNED_TYPES)})
        order by schema_name, table_name, column_index
        """
    ).fetchall()
    parts = []
    for schema, table, column, data_type in columns:
        is_text = data_type == "VARCHAR"
        masked = is_text and column.endswith("_masked")
        # each pattern runs once per distinct value, weighted by how often it occurs
        name_like = (
            _weighted(f"regexp_matches(v, {sql_literal(NAME_PATTERN)})")
            if is_text and not masked and column not in labels
            else "0"
        )
        unmasked = _weighted("length(v) > 1 and not contains(v, '*')") if masked else "0"
        raw_names = (
            _weighted("pii_raw_names.name is not null") if is_text and has_raw_names else "0"
        )
        ric_pattern = sql_literal(RIC18_PATTERN if column in registration else RIC_PATTERN)
        ric_like = f"regexp_matches(v, {ric_pattern})"
        mobile_pattern = sql_literal(MOBILE_PATTERN)
        mobile_like = f"regexp_matches(v, {mobile_pattern})"
        if is_text and column in free_text:  # typed by senders: '138-0000-0002' counts too
            joined = r"regexp_replace(v, '[\s\-]', '', 'g')"
            ric_like += f" or regexp_matches({joined}, {ric_pattern})"
            mobile_like += f" or regexp_matches({joined}, {mobile_pattern})"
        join = (
            "left join pii_raw_names on values_.v = pii_raw_names.name"
            if is_text and has_raw_names
            else ""
        )
        parts.append(
            f"""
            select
                {sql_literal(schema)} as schema_name,
                {sql_literal(table)} as table_name,
                {sql_literal(column)} as column_name,
                {_weighted("v is not null")} as values_scanned,
                {_weighted(ric_like)} as ric_like_values,
                {_weighted(mobile_like)} as mobile_like_values,
                {name_like} as name_like_values,
                {raw_names} as raw_name_values,
                {unmasked} as unmasked_values
            from (
                select {_as_text(_quote(column), data_type)} as v, count(*) as n
                from {_quote(schema)}.{_quote(table)}
                where {_quote(column)} is not null
                group by all
            ) as values_
            {join}
            """
        )
    if not parts:
        return pd.DataFrame(
            columns=[
                "schema_name",
                "table_name",
                "column_name",
                "values_scanned",
                "ric_like_values",
                "mobile_like_values",
                "name_like_values",
                "raw_name_values",
                "unmasked_values",
            ]
        )
    return _df(con, "\nunion all\n".join(parts))


def load_raw_names(con: duckdb.DuckDBPyConnection, warehouse_alias: str) -> None:
    """Fill temp table pii_raw_names with the raw layer's person and verifier names."""
    con.execute(
        f"""
        create or replace temp table pii_raw_names as
        select distinct name from (
            select trim(name) as name from {warehouse_alias}.raw.push_list
            union all
            select trim(verifier) from {warehouse_alias}.raw.verification
        )
        where length(name) >= 2
        """
    )
