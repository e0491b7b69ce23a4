"""The quality gates' expectation suites, as code.

Each suite validates one pandas DataFrame read from DuckDB (see
``gridwatch.quality.frames``): the rows of a (feed, date) partition, its files, its
delivery summary, one mart, a cross-table reconciliation, or a profile of the
serving file. Every expectation carries a severity — ``blocking`` (GX
``critical``) or ``warning`` — and ``notes`` telling the operator what a
failure means and what to do.

Thresholds are never written here: expectations refer to them by name
(``{"$PARAMETER": name}``) and ``frames.parameters`` fills them from
``expectations/thresholds.yml`` for the run date. ``python -m gridwatch.quality
--init`` writes these suites into the GX project in ``expectations/gx/``; the
files there are derived from this module and kept in the repository.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from gridwatch.ingest.feeds import FEEDS, ID_TYPES, Feed
from gridwatch.warehouse.mart_facts import marts as dbt_marts

Severity = Literal["blocking", "warning"]
Gate = Literal["batches", "marts", "serving"]

BLOCKING: Severity = "blocking"
WARNING: Severity = "warning"

GATES: tuple[Gate, ...] = ("batches", "marts", "serving")


def param(name: str) -> dict[str, str]:
    """A suite parameter: the value comes from thresholds.yml at validation time."""
    return {"$PARAMETER": name}


@dataclass(frozen=True)
class Check:
    """One expectation: a GX expectation type, its arguments, severity and operator notes."""

    type: str
    kwargs: dict[str, Any]
    severity: Severity
    notes: str

    @property
    def column_name(self) -> str | None:
        kw = self.kwargs
        if "column" in kw:
            return kw["column"]
        if "column_A" in kw:
            return f"{kw['column_A']}, {kw['column_B']}"
        if "column_list" in kw:
            return ", ".join(kw["column_list"])
        return None


@dataclass(frozen=True)
class SuiteSpec:
    name: str
    gate: Gate
    frame: str  # what the validated DataFrame holds, one row per ...
    checks: tuple[Check, ...]
    # columns identifying a row, reported with every unexpected value
    index_columns: tuple[str, ...] = ()
    subject: str | None = None  # the feed or mart the suite is about
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def parameters(self) -> set[str]:
        found: set[str] = set()
        for check in self.checks:
            for value in check.kwargs.values():
                if isinstance(value, dict) and "$PARAMETER" in value:
                    found.add(value["$PARAMETER"])
        return found


# --- helpers that build checks -------------------------------------------------------


def not_null(column: str, severity: Severity, notes: str) -> Check:
    return Check("expect_column_values_to_not_be_null", {"column": column}, severity, notes)


def in_set(column: str, values: Any, severity: Severity, notes: str) -> Check:
    return Check(
        "expect_column_values_to_be_in_set",
        {"column": column, "value_set": values},
        severity,
        notes,
    )


def between(
    column: str, severity: Severity, notes: str, min_value: Any = None, max_value: Any = None
) -> Check:
    kwargs: dict[str, Any] = {"column": column}
    if min_value is not None:
        kwargs["min_value"] = min_value
    if max_value is not None:
        kwargs["max_value"] = max_value
    return Check("expect_column_values_to_be_between", kwargs, severity, notes)


def equal_pair(a: str, b: str, severity: Severity, notes: str) -> Check:
    return Check(
        "expect_column_pair_values_to_be_equal",
        {"column_A": a, "column_B": b},
        severity,
        notes,
    )


def at_least(a: str, b: str, severity: Severity, notes: str) -> Check:
    """a >= b on every row (rows where either is NULL are not checked)."""
    return Check(
        "expect_column_pair_values_a_to_be_greater_than_b",
        {
            "column_A": a,
            "column_B": b,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        severity,
        notes,
    )


def unique(columns: tuple[str, ...], severity: Severity, notes: str) -> Check:
    if len(columns) == 1:
        return Check("expect_column_values_to_be_unique", {"column": columns[0]}, severity, notes)
    return Check(
        "expect_compound_columns_to_be_unique", {"column_list": list(columns)}, severity, notes
    )


# --- operator notes --------------------------------------------------------------------

RERUN = (
    "then re-run the date (`make rerun DATE=D` in a checkout, `gridwatch run D` where the "
    "package is installed, or clear the DAG run of D)."
)
RERUN_NOW = "Then" + RERUN[len("then") :]
LOADER_BUG = (
    "The loader should never let this through: the load of this date is broken. "
    "Keep the day unpublished, report it to the pipeline maintainers with this message, " + RERUN
)
MART_BUG = (
    "The marts contradict themselves or their sources: a modelling bug or a broken build. "
    "Nothing is published; report it to the pipeline maintainers with this message, "
    "then rebuild (`gridwatch build`) and re-run the date."
)
PII_LEAK = (
    "Personal data would leave the warehouse: publish was stopped and the serving file "
    "keeps the last good version. Find the model that exposes the column named here, "
    "mask or drop it, rebuild, " + RERUN
)


# --- batches: per feed and delivery date -----------------------------------------------

# Timestamp (and date) columns checked against the plausible window of thresholds.yml,
# with the severity of a value outside it. Blocking columns decide report dates.
TIMESTAMP_CHECKS: dict[str, dict[str, Severity]] = {
    "push_list": {"issued_at": BLOCKING, "arrived_at": WARNING},
    "verification": {"verified_at": BLOCKING, "measure_until": WARNING},
    "checkpoint": {"event_time": BLOCKING},
    "enterprise_filing": {"event_time": BLOCKING, "planned_resume_date": WARNING},
}

# Shares checked on the delivery summary, per feed, with the severities they are
# checked at (one expectation and one thresholds.yml value per severity).
BOTH: tuple[Severity, ...] = (WARNING, BLOCKING)
SHARE_CHECKS: dict[str, dict[str, tuple[Severity, ...]]] = {
    "push_list": {
        "quarantine_share": BOTH,
        "invalid_id_share": BOTH,  # identity decides one person, one file (§7)
        "excel_number_id_share": (WARNING,),
        "invalid_phone_share": (WARNING,),
    },
    "verification": {
        "quarantine_share": BOTH,
        "invalid_id_share": (WARNING,),  # a cross-check only: no number depends on it
        "excel_number_id_share": (WARNING,),
    },
    "checkpoint": {
        "quarantine_share": BOTH,
        "invalid_id_share": BOTH,  # sightings of pushed persons depend on it
        "excel_number_id_share": (WARNING,),
        "invalid_phone_share": (WARNING,),
        "unreadable_temperature_share": (WARNING,),
    },
    "enterprise_filing": {
        "quarantine_share": BOTH,
        "invalid_uscc_share": BOTH,  # one row per enterprise depends on it
    },
}
SHARE_NOTES = {
    "quarantine_share": (
        "Share of the date's rows that went to quarantine. A high share usually means a "
        "changed export format (dates, enumerations, headers): see `gridwatch quarantine "
        "--date D --feed F`, have the sender fix and re-deliver the file, " + RERUN
    ),
    "invalid_id_share": (
        "Share of identity numbers that fail the check-digit rules. A whole column going bad "
        "usually means a spreadsheet turned ID numbers into numbers (lost digits) or a column "
        "was mapped wrongly: ask the sender to re-export the IDs as text, " + RERUN
    ),
    "excel_number_id_share": (
        "Share of identity numbers that Excel turned into numbers (shown as 1.10101E+17, or "
        "18 digits whose last three became 000): the rows are kept, but these persons cannot "
        "be identified by ID. Ask the sender to format the ID column as text (or type a "
        "leading ') and re-send the file, " + RERUN
    ),
    "invalid_uscc_share": (
        "Share of credit codes (USCC) that fail the GB 32100 check. A high share means a "
        "broken export: ask the sender to re-export the codes as text, " + RERUN
    ),
    "invalid_phone_share": (
        "Share of phone numbers that are not 11-digit mobile numbers. Persons without a valid "
        "phone or ID cannot be matched across pushes; tell the sender."
    ),
    "unreadable_temperature_share": (
        "Share of person entries at checkpoints without a readable temperature. Tell the "
        "checkpoint teams; fever alerts undercount while this is high."
    ),
}


def enum_values(feed: Feed) -> dict[str, list[str]]:
    """Canonical values of the feed's enumerated columns (contract §3, §5)."""
    sets: dict[str, list[str]] = {}
    for col in feed.columns:
        if col.kind == "enum" and col.name != "inspection_passed":
            sets[col.name] = sorted(set(col.values.values()))
        elif col.kind == "id_type":
            sets[col.name] = sorted({*ID_TYPES.values(), "OTHER"})
    return sets


def offset_column(timestamp: str) -> str:
    """The frame column holding a timestamp's distance from the delivery date, in days.

    (GX compares datetimes row by row in Python; numbers it compares vectorised.)
    """
    return f"{timestamp}_days_from_delivery"


def row_columns(feed: Feed) -> list[str]:
    """The frame columns of the rows suite, from raw.<feed> (nothing personal)."""
    cols = [c.name for c in feed.required]
    cols += [c for c in enum_values(feed) if c not in cols]
    cols += [offset_column(c) for c in TIMESTAMP_CHECKS[feed.name]]
    cols += [c.name for c in feed.columns if c.minimum is not None and c.name not in cols]
    if feed.name == "checkpoint":
        cols.append("temperature")
    return cols


def batch_rows_suite(feed: Feed) -> SuiteSpec:
    checks: list[Check] = []
    for col in feed.required:
        checks.append(
            not_null(
                col.name,
                BLOCKING,
                f"Required column {col.name} is empty after normalisation. " + LOADER_BUG,
            )
        )
    for name, values in enum_values(feed).items():
        checks.append(
            in_set(
                name,
                values,
                BLOCKING,
                f"{name} must be one of its canonical values (contract §5). " + LOADER_BUG,
            )
        )
    for col in feed.columns:
        if col.minimum is None:
            continue
        if col.name == "deadline_hours":
            checks.append(
                between(
                    col.name,
                    WARNING,
                    "Feedback deadline outside the usual range: check the batch with the "
                    "command centre; deadlines and overdue counts depend on it.",
                    min_value=param("deadline_hours_min"),
                    max_value=param("deadline_hours_max"),
                )
            )
        else:
            checks.append(
                between(
                    col.name,
                    BLOCKING,
                    f"{col.name} must be ≥ {col.minimum} (contract §5). " + LOADER_BUG,
                    min_value=col.minimum,
                )
            )
    if feed.name == "checkpoint":
        checks.append(
            between(
                "temperature",
                BLOCKING,
                "A temperature outside the valid range must have been stored as NULL "
                "(contract §3). " + LOADER_BUG,
                min_value=param("temperature_min"),
                max_value=param("temperature_max"),
            )
        )
    for name, severity in TIMESTAMP_CHECKS[feed.name].items():
        checks.append(
            between(
                offset_column(name),
                severity,
                f"{name} is implausibly far from the delivery date (days from its 00:00; a "
                "wrong year, month or day/month order in the export). Report dates run from "
                "the earliest to the latest timestamp, so one such value stretches every mart: "
                "have the sender correct and re-deliver the file, " + RERUN,
                min_value=param(f"{name}_min_days"),
                max_value=param(f"{name}_max_days"),
            )
        )
    return SuiteSpec(
        name=f"batch.{feed.name}.rows",
        gate="batches",
        frame=f"one row per row of raw.{feed.name} delivered on the run date",
        checks=tuple(checks),
        index_columns=("file_name", "row_number"),
        subject=feed.name,
    )


def batch_files_suite(feed: Feed) -> SuiteSpec:
    return SuiteSpec(
        name=f"batch.{feed.name}.files",
        gate="batches",
        frame=(
            f"one row per {feed.name} file of the run date (raw.load_log) with the rows "
            "actually held for it in the raw table and in quarantine"
        ),
        checks=(
            in_set(
                "status",
                ["LOADED", "DUPLICATE", "IGNORED"],
                BLOCKING,
                "A file of the delivery was REJECTED, so the day is incomplete. Fix or remove "
                "the file named here (see its error in `gridwatch status --date D`), " + RERUN,
            ),
            equal_pair(
                "rows_read",
                "rows_accounted",
                BLOCKING,
                "Conservation: every row read must be loaded or quarantined "
                "(rows_read = rows_loaded + rows_quarantined, contract §4). " + LOADER_BUG,
            ),
            equal_pair(
                "rows_loaded",
                "rows_in_table",
                BLOCKING,
                "The load log and the raw table disagree on the rows loaded from this file "
                "(an interrupted or partial load). " + RERUN_NOW,
            ),
            equal_pair(
                "rows_quarantined",
                "rows_in_quarantine",
                BLOCKING,
                "The load log and raw.quarantine disagree on the rows quarantined from this "
                "file (an interrupted or partial load). " + RERUN_NOW,
            ),
        ),
        index_columns=("file_name",),
        subject=feed.name,
    )


def batch_delivery_suite(feed: Feed) -> SuiteSpec:
    checks: list[Check] = [
        between(
            "files_delivered_if_expected",
            BLOCKING,
            "No file of this feed arrived although it is expected (thresholds.yml `expected`): "
            "numbers built without it would be wrong. Check the landing folder and ask the "
            "sender for the day's file; if there truly was nothing, have them send a file with "
            "the header only. " + RERUN_NOW,
            min_value=1,
        ),
        between(
            "rows_loaded_if_expected",
            WARNING,
            "Files arrived but brought no new rows (header only, or re-sent files already "
            "loaded): check with the sender that nothing is missing.",
            min_value=1,
        ),
    ]
    for severity in BOTH:
        checks.append(
            between(
                "rows_read_share_of_median",
                severity,
                "Far fewer rows than this feed's usual delivery (thresholds.yml `volume`: rows "
                "read on the date against the median of its recent delivered dates): a partial "
                "export, or a community's or checkpoint's file missing. Check the files with the "
                "sender and have the missing ones delivered into the same folder; if the low "
                "volume is real (a quiet day), nothing to do. " + RERUN,
                min_value=param(f"rows_read_share_of_median_{severity}"),
            )
        )
    for share, severities in SHARE_CHECKS[feed.name].items():
        for severity in severities:
            checks.append(
                between(
                    share,
                    severity,
                    SHARE_NOTES[share],
                    min_value=0,
                    max_value=param(f"{share}_{severity}"),
                )
            )
    return SuiteSpec(
        name=f"batch.{feed.name}.delivery",
        gate="batches",
        frame=f"one row: the {feed.name} delivery of the run date as a whole",
        checks=tuple(checks),
        index_columns=("feed",),
        subject=feed.name,
    )


def batch_day_suite() -> SuiteSpec:
    return SuiteSpec(
        name="batch.day",
        gate="batches",
        frame=(
            "one row: the run date, whether it is a holiday (thresholds.yml `calendar`), and "
            "how many of its core feeds delivered any file"
        ),
        checks=(
            between(
                "core_feeds_delivered_unless_holiday",
                BLOCKING,
                "Nothing at all was delivered for this date by any of the core feeds "
                "(thresholds.yml `calendar.core_feeds`): no push list and no checkpoint log. "
                "Publishing would show an empty day. If the files are late, deliver them into "
                "<landing>/<feed>/D/ and re-run the date; if this date was triggered by mistake "
                "(a date nobody delivers for), leave it failed; if it is a day off, add it to "
                "`calendar.holidays` (reviewed change) and re-run it.",
                min_value=1,
            ),
        ),
        index_columns=("delivery_date",),
    )


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


def suite_specs() -> list[SuiteSpec]:
    """Every suite of the three gates, in the order they run."""
    specs: list[SuiteSpec] = []
    for feed in FEEDS.values():
        specs += [batch_rows_suite(feed), batch_files_suite(feed), batch_delivery_suite(feed)]
    specs.append(batch_day_suite())
    specs += [mart_suite(mart) for mart in MART_KEYS]
    specs += [coverage_totals_suite(), push_records_suite(), enterprises_suite()]
    specs += [held_deliveries_suite()]
    specs += [serving_tables_suite(), pii_scan_suite()]
    return specs


def specs_for(gate: Gate) -> list[SuiteSpec]:
    return [s for s in suite_specs() if s.gate == gate]


def catalogue() -> str:
    """The suites and their expectations as Markdown (expectations/SUITES.md)."""

    def kwargs_text(check: Check) -> str:
        parts = []
        for key, value in check.kwargs.items():
            if key in ("column", "column_A", "column_B", "column_list"):
                continue
            if isinstance(value, dict) and "$PARAMETER" in value:
                value = f"thresholds: {value['$PARAMETER']}"
            parts.append(f"{key}={value}")
        return ", ".join(parts)

    lines = [
        "# Quality-gate suites",
        "",
        "Generated from `src/gridwatch/quality/suites.py` by "
        "`python -m gridwatch.quality --catalogue`; do not edit. Thresholds named here are in "
        "`thresholds.yml`. **blocking**: the gate fails, the Airflow task fails without "
        "retries and nothing is published; **warning**: recorded and shown.",
    ]
    for gate in GATES:
        lines += ["", f"## Gate `{gate}`"]
        for spec in specs_for(gate):
            lines += ["", f"### `{spec.name}`", "", f"Frame: {spec.frame}.", ""]
            lines += ["| severity | expectation | column | arguments |", "|---|---|---|---|"]
            for check in spec.checks:
                lines.append(
                    f"| {check.severity} | `{check.type}` | `{check.column_name}` "
                    f"| {kwargs_text(check)} |"
                )
    return "\n".join(lines) + "\n"
