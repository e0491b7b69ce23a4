"""Shortcuts for defining datasets: columns, metrics and the SQL of virtual datasets."""

from __future__ import annotations

from marts_schema import LABELS, MARTS

from build_assets.model import Col, Metric, case_label


def mart_cols(table: str, *extra: Col) -> list[Col]:
    return [Col(n, t, LABELS.get(n)) for n, t in MARTS[table]] + list(extra)


def s(col: str, fmt: str = ",d") -> Metric:
    """SUM metric over a count column, labelled like the column."""
    return Metric(col, f"SUM({col})", LABELS[col], fmt)


def ratio(name: str, num: str, den: str, label: str, description: str) -> Metric:
    return Metric(name, f"CAST({num} AS DOUBLE) / NULLIF({den}, 0)", label, ".1%", description)


NAMES_CTE = """streets AS (
  SELECT street_code, any_value(street_name) AS street_name
  FROM marts.mart_coverage_daily GROUP BY street_code
), communities AS (
  SELECT community_code, any_value(community_name) AS community_name
  FROM marts.mart_coverage_daily GROUP BY community_code
)"""
UNRESOLVED = {"_UNRESOLVED": "未识别", "_UNDISPATCHED": "待分拨"}


def with_names(table: str, extra_select: str = "") -> str:
    """SQL of a mart with street and community names (names live in coverage only)."""
    street = f"coalesce(s.street_name, {case_label('t.street_code', UNRESOLVED)})"
    community = f"coalesce(c.community_name, {case_label('t.community_code', UNRESOLVED)})"
    return (
        f"WITH {NAMES_CTE}\n"
        f"SELECT t.*,\n  {street} AS street_name,\n  {community} AS community_name"
        f"{extra_select}\n"
        f"FROM marts.{table} t\n"
        "LEFT JOIN streets s ON s.street_code = t.street_code\n"
        "LEFT JOIN communities c ON c.community_code = t.community_code"
    )


def asof(inner_sql: str, source: str, date_col: str = "report_date") -> str:
    """Rows of the latest report date up to the end of the dashboard's date range.

    Cumulative marts (persons pushed, backlog...) must not be summed over days; the
    per-street/community/topic tables show the state at the end of the range.
    """
    return (
        f"SELECT * FROM (\n{inner_sql}\n) a\n"
        f"WHERE a.{date_col} = (\n"
        f"  SELECT max({date_col}) FROM marts.{source}\n"
        f"  {{% if to_dttm %}}WHERE {date_col} < CAST('{{{{ to_dttm }}}}' AS TIMESTAMP)"
        "{% endif %}\n)"
    )


# The columns ``with_names`` adds to a mart.
NAME_COLS = [Col("street_name", "VARCHAR", "街道"), Col("community_name", "VARCHAR", "社区")]
