"""Marts-gate suites: each mart's key, rates and orderings (from dbt), and cross-mart checks."""

from __future__ import annotations

from gridwatch.quality.suites.checks import (
    BLOCKING,
    MART_BUG,
    WARNING,
    Check,
    Severity,
    SuiteSpec,
    at_least,
    between,
    equal_pair,
    in_set,
    not_null,
    unique,
)
from gridwatch.warehouse.mart_facts import marts as dbt_marts

# --- marts: after dbt build ------------------------------------------------------------

# Keys, rates and orderings of the marts are dbt's (its tests block the build); the gate
# checks them again on the file about to be published. mart_quality_results is the
# gates' own record, refreshed after them, so it is not gated.
_GATED = {name: mart for name, mart in dbt_marts().items() if name != "mart_quality_results"}
MART_KEYS: dict[str, tuple[str, ...]] = {name: mart.key for name, mart in _GATED.items()}
# A rate whose dbt test only warns (staff_return_rate: the enterprises' own head counts,
# so a value above 1 is their typo, not our bug) only warns here too.
MART_RATES: dict[str, dict[str, Severity]] = {
    name: {col: WARNING if level == "warn" else BLOCKING for col, level in mart.rates.items()}
    for name, mart in _GATED.items()
    if mart.rates
}
# (larger, smaller): larger >= smaller on every row.
MART_ORDERINGS: dict[str, tuple[tuple[str, str], ...]] = {
    name: mart.orderings for name, mart in _GATED.items() if mart.orderings
}

# Non-negative measures.
MART_NON_NEGATIVE: dict[str, tuple[str, ...]] = {
    "fct_push_record": ("hours_to_verify",),
    "mart_backlog": ("age_hours",),
}


def mart_columns(mart: str) -> list[str]:
    cols = list(MART_KEYS[mart])
    for group in (
        list(MART_RATES.get(mart, {})),
        [c for pair in MART_ORDERINGS.get(mart, ()) for c in pair],
        list(MART_NON_NEGATIVE.get(mart, ())),
    ):
        cols += [c for c in group if c not in cols]
    if mart == "mart_load_status":
        cols += ["rows_read", "rows_accounted"]
    return cols


def mart_suite(mart: str) -> SuiteSpec:
    key = MART_KEYS[mart]
    checks: list[Check] = [
        not_null(c, BLOCKING, f"Key column {c} of {mart} is NULL. " + MART_BUG) for c in key
    ]
    checks.append(
        unique(key, BLOCKING, f"{mart} must hold one row per ({', '.join(key)}). " + MART_BUG)
    )
    for rate, severity in MART_RATES.get(mart, {}).items():
        notes = (
            "Staff return rate above 1: an enterprise reported more staff back than it employs. "
            "Ask the community to correct the filing."
            if rate == "staff_return_rate"
            else f"{rate} must be a share in [0, 1] (contract §9). " + MART_BUG
        )
        checks.append(between(rate, severity, notes, min_value=0, max_value=1))
    for larger, smaller in MART_ORDERINGS.get(mart, ()):
        checks.append(
            at_least(
                larger,
                smaller,
                BLOCKING,
                f"{smaller} counts a subset of {larger} and cannot exceed it. " + MART_BUG,
            )
        )
    for col in MART_NON_NEGATIVE.get(mart, ()):
        checks.append(between(col, BLOCKING, f"{col} cannot be negative. " + MART_BUG, min_value=0))
    if mart == "mart_load_status":
        checks.append(
            equal_pair(
                "rows_read",
                "rows_accounted",
                BLOCKING,
                "Conservation: rows_read = rows_loaded + rows_quarantined for every file. "
                + MART_BUG,
            )
        )
    return SuiteSpec(
        name=f"marts.{mart}",
        gate="marts",
        frame=f"one row per row of marts.{mart}",
        checks=tuple(checks),
        index_columns=key,
        subject=mart,
    )


def coverage_totals_suite() -> SuiteSpec:
    return SuiteSpec(
        name="marts.coverage_totals",
        gate="marts",
        frame=(
            "one row per (report_date, street_code): persons summed over the street's "
            "community rows of mart_coverage_daily, next to the street and city totals "
            "computed independently from fct_push_record"
        ),
        checks=(
            equal_pair(
                "community_persons",
                "street_persons",
                BLOCKING,
                "Person counts by community must add up exactly to the street total: each "
                "person counts in one community per day (contract §8). " + MART_BUG,
            ),
            equal_pair(
                "city_community_persons",
                "city_persons",
                BLOCKING,
                "Person counts by community must add up exactly to the city total of the day "
                "(persons with a record issued by its end). " + MART_BUG,
            ),
        ),
        index_columns=("report_date", "street_code"),
        subject="mart_coverage_daily",
    )


def push_records_suite() -> SuiteSpec:
    return SuiteSpec(
        name="marts.push_record_completeness",
        gate="marts",
        frame=(
            "one row per push-record key (batch_id, record_no) found in raw.push_list or "
            "fct_push_record, with its row count in fct_push_record"
        ),
        checks=(
            between(
                "fct_rows",
                BLOCKING,
                "Every push record must be in fct_push_record exactly once: a record is "
                "missing (0) or duplicated (> 1). " + MART_BUG,
                min_value=1,
                max_value=1,
            ),
            in_set(
                "in_raw",
                [True],
                BLOCKING,
                "fct_push_record holds a record that is not in raw.push_list. " + MART_BUG,
            ),
        ),
        index_columns=("batch_id", "record_no"),
        subject="fct_push_record",
    )


def enterprises_suite() -> SuiteSpec:
    return SuiteSpec(
        name="marts.enterprise_completeness",
        gate="marts",
        frame=(
            "one row per normalised USCC found in raw.enterprise_filing or "
            "mart_enterprise_status, with its row count in mart_enterprise_status"
        ),
        checks=(
            between(
                "status_rows",
                BLOCKING,
                "mart_enterprise_status must hold exactly one row per USCC filed: an "
                "enterprise is missing (0) or duplicated (> 1). " + MART_BUG,
                min_value=1,
                max_value=1,
            ),
            in_set(
                "in_raw",
                [True],
                BLOCKING,
                "mart_enterprise_status holds a USCC that was never filed. " + MART_BUG,
            ),
        ),
        index_columns=("uscc",),
        subject="mart_enterprise_status",
    )


def held_deliveries_suite() -> SuiteSpec:
    return SuiteSpec(
        name="marts.held_deliveries",
        gate="marts",
        frame=(
            "one row per delivery date whose rows the marts hold, with the blocking failures "
            "of its last batch gate, whether that gate ran after its last load, and its "
            "rejected files"
        ),
        checks=(
            between(
                "batch_gate_blocking_failures",
                BLOCKING,
                "This delivery date failed its batch gate, and its rows would reach the "
                "dashboards with this build (a failed day stays loaded). Fix its files and "
                "re-run that date (RUNBOOK.md §3); nothing is published until it passes.",
                max_value=0,
            ),
            in_set(
                "gated_since_last_load",
                [True],
                BLOCKING,
                "This delivery date was loaded but has not been through the batch gate since "
                "(a load by hand, or a run stopped before its gate): check it with "
                "`.venv/bin/gridwatch validate D` (`gridwatch validate D` where the package is "
                "installed), or re-run D.",
            ),
            between(
                "rejected_files",
                WARNING,
                "This delivery date has a REJECTED file: the marts hold the date's other "
                "files (contract §2), not that one. Fix or remove it and re-run the date.",
                max_value=0,
            ),
        ),
        index_columns=("delivery_date",),
    )
