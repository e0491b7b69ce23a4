"""Batch-gate suites: each feed's rows, files and delivery of a date, and the day as a whole."""

from __future__ import annotations

from gridwatch.ingest.feeds import ID_TYPES, Feed
from gridwatch.quality.suites.checks import (
    BLOCKING,
    LOADER_BUG,
    RERUN,
    RERUN_NOW,
    WARNING,
    Check,
    Severity,
    SuiteSpec,
    between,
    equal_pair,
    in_set,
    not_null,
    param,
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
