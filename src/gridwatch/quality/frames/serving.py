"""Serving-gate frames: the serving file's tables and the personal-data scan, counted in DuckDB."""

from __future__ import annotations

from functools import cache
from typing import Any

import duckdb
import pandas as pd

from gridwatch.ingest.normalize import sql_literal
from gridwatch.quality.frames.sql import query_frame

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
NAME_PATTERN = r"^\p{Han}{2,4}$|^\p{Han}{1,8}([·•．.]\p{Han}{1,8})+$"
# Columns of these types cannot hold an identity number, a phone or a name.
UNSCANNED_TYPES = ("DATE", "TIME", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "BOOLEAN", "INTERVAL")


@cache

# --- serving ---------------------------------------------------------------------------


def serving_tables(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return query_frame(
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
    return query_frame(con, "\nunion all\n".join(parts))


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
