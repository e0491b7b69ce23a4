"""Serving-gate suites: the temporary serving file's tables and its personal-data scan."""

from __future__ import annotations

from gridwatch.quality.suites.checks import (
    BLOCKING,
    PII_LEAK,
    WARNING,
    SuiteSpec,
    between,
    in_set,
    param,
)

# --- serving: the temporary serving file, before the atomic rename ---------------------


def serving_tables_suite() -> SuiteSpec:
    return SuiteSpec(
        name="serving.tables",
        gate="serving",
        frame="one row per table or view in the serving file",
        checks=(
            in_set(
                "schema_name",
                ["marts"],
                BLOCKING,
                "The serving file may hold the marts schema only: a table outside it could "
                "carry raw data. " + PII_LEAK,
            ),
            in_set(
                "table_type",
                ["BASE TABLE"],
                BLOCKING,
                "The serving file holds tables only (a view could read the warehouse). " + PII_LEAK,
            ),
            in_set(
                "table_name",
                param("declared_marts"),
                WARNING,
                "A table that no dbt_project/models/marts/*/_*__models.yml declares "
                "(no contract, no description): declare it or drop it.",
            ),
        ),
        index_columns=("schema_name", "table_name"),
    )


PII_COUNTS: dict[str, str] = {
    "ric_like_values": "values shaped like a resident ID number (15 or 18 characters)",
    "mobile_like_values": "values shaped like an 11-digit mobile number",
    "name_like_values": "values shaped like an unmasked Chinese name (2-4 characters)",
    "raw_name_values": "values equal to a person's name (or a verifier's) in the raw layer",
    "unmasked_values": "values of a *_masked column without a mask character",
}


def pii_scan_suite() -> SuiteSpec:
    checks = tuple(
        between(
            column,
            BLOCKING,
            f"PII scan: {what} found in the column named here. " + PII_LEAK,
            max_value=0,
        )
        for column, what in PII_COUNTS.items()
    )
    return SuiteSpec(
        name="serving.pii_scan",
        gate="serving",
        frame=(
            "one row per column of every table in the serving file, with counts of values "
            "that look like personal data (the values themselves never leave DuckDB)"
        ),
        checks=checks,
        index_columns=("table_name", "column_name"),
    )
