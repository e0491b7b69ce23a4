"""Marts-gate frames: one mart's checked columns, and cross-mart reconciliations."""

from __future__ import annotations

import duckdb
import pandas as pd

from gridwatch.quality.frames.sql import query_frame
from gridwatch.quality.suites import (
    mart_columns,
)

# --- marts -----------------------------------------------------------------------------


def mart_frame(con: duckdb.DuckDBPyConnection, mart: str) -> pd.DataFrame:
    cols = [c for c in mart_columns(mart) if c != "rows_accounted"]
    select = ", ".join(cols)
    if mart == "mart_load_status":
        select += ", rows_loaded + rows_quarantined as rows_accounted"
    return query_frame(con, f"select {select} from marts.{mart}")


def coverage_totals(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Community sums of mart_coverage_daily next to street and city totals from fct_push_record.

    The independent totals: a person belongs on day D to the street of their latest
    record issued by the end of D, i.e. record r holds the person on the days
    [issue date of r, issue date of the person's next record); persons per street
    and day are the running sum of +1/-1 at those bounds. The city total is the
    running count of persons by the date of their first record.
    """
    return query_frame(
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
    return query_frame(
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
    return query_frame(
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
    return query_frame(
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
