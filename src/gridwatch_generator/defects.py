"""Defects a dirty run writes: one §4 reason code per broken row, and how to break a row.

A dirty kind is a reason code with its column ("BAD_ENUM:method"), plus
"<kind>~out_of_range" for integers below their minimum (still BAD_NUMBER).
"""

from __future__ import annotations

import random

from .feeds import BAD_ENUM_VALUES

# Variant of a BAD_NUMBER kind: an integer below the column's minimum (§5), not a non-number.
OUT_OF_RANGE = "~out_of_range"
OUT_OF_RANGE_VALUES: dict[str, tuple[str, ...]] = {
    "deadline_hours": ("0", "-24", "-6", "0.0"),  # integer > 0
    "employees_total": ("-1", "-12", "-3"),  # integers >= 0
    "employees_returned": ("-1", "-5"),
    "employees_from_risk_areas": ("-1", "-2"),
}

# Defects the dirty knobs write, per feed: a contract §4 reason code each (all that
# apply), plus "<reason code>~out_of_range" for integers below their minimum.
DIRTY_KINDS: dict[str, tuple[str, ...]] = {
    "push_list": (
        "MISSING_REQUIRED:batch_id",
        "MISSING_REQUIRED:topic",
        "MISSING_REQUIRED:issued_at",
        "MISSING_REQUIRED:record_no",
        "MISSING_REQUIRED:name",
        "MISSING_REQUIRED:street",
        "BAD_TIMESTAMP:issued_at",
        "BAD_TIMESTAMP:arrived_at",
        "BAD_NUMBER:deadline_hours",
        "BAD_NUMBER:deadline_hours" + OUT_OF_RANGE,
        "BAD_NUMBER:record_no",
        "DUPLICATE_KEY",
    ),
    "verification": (
        "MISSING_REQUIRED:batch_id",
        "MISSING_REQUIRED:record_no",
        "MISSING_REQUIRED:verified_at",
        "MISSING_REQUIRED:community",
        "MISSING_REQUIRED:method",
        "MISSING_REQUIRED:outcome",
        "BAD_TIMESTAMP:verified_at",
        "BAD_TIMESTAMP:measure_until",
        "BAD_ENUM:method",
        "BAD_ENUM:outcome",
        "BAD_ENUM:measure",
        "BAD_ENUM:health_code",
        "BAD_ENUM:nat_result",
        "BAD_NUMBER:record_no",
    ),
    "checkpoint": (
        "MISSING_REQUIRED:checkpoint_code",
        "MISSING_REQUIRED:event_time",
        "MISSING_REQUIRED:direction",
        "MISSING_REQUIRED:subject",
        "BAD_TIMESTAMP:event_time",
        "BAD_ENUM:direction",
        "BAD_ENUM:subject",
        "BAD_ENUM:health_code",
        "BAD_ENUM:action",
        "UNKNOWN_CHECKPOINT",
    ),
    "enterprise_filing": (
        "MISSING_REQUIRED:filing_id",
        "MISSING_REQUIRED:uscc",
        "MISSING_REQUIRED:enterprise_name",
        "MISSING_REQUIRED:community",
        "MISSING_REQUIRED:category",
        "MISSING_REQUIRED:event",
        "MISSING_REQUIRED:event_time",
        "BAD_TIMESTAMP:event_time",
        "BAD_TIMESTAMP:planned_resume_date",
        "BAD_ENUM:category",
        "BAD_ENUM:event",
        "BAD_ENUM:inspection_passed",
        "BAD_NUMBER:employees_total",
        "BAD_NUMBER:employees_total" + OUT_OF_RANGE,
        "BAD_NUMBER:employees_returned",
        "BAD_NUMBER:employees_returned" + OUT_OF_RANGE,
        "BAD_NUMBER:employees_from_risk_areas",
        "BAD_NUMBER:employees_from_risk_areas" + OUT_OF_RANGE,
    ),
}


def reason_of(kind: str) -> str:
    """The §4 reason code a dirty kind makes the loader give its row."""
    return kind.removesuffix(OUT_OF_RANGE)


def column_of(kind: str) -> str:
    """The column a dirty kind spoils ('' for DUPLICATE_KEY and UNKNOWN_CHECKPOINT)."""
    return reason_of(kind).partition(":")[2]


ALL_REASON_CODES = tuple(sorted({reason_of(k) for kinds in DIRTY_KINDS.values() for k in kinds}))

DIRTY_ROW_RATE = 0.002  # share of rows with a defect, after the first file of a feed


def bad_timestamp(rng: random.Random, year: int) -> str:
    """A timestamp no parser accepts: impossible dates and free text."""
    return rng.choice(
        (f"{year}-13-45 09:00", f"{year}-02-30 10:00", "下午3点", "待定", "yesterday", "--")
    )


# Non-integers written where an integer belongs (push lists, filings).
BAD_NUMBERS = ("12.5", "二十四", "约50", "若干", "3/4", "N/A")


def with_defect(
    values: dict[str, str],
    defect: str,
    rng: random.Random,
    year: int,
    bad_numbers: tuple[str, ...],
) -> dict[str, str]:
    """A copy of a row's cells with the one defect a dirty kind names."""
    bad = dict(values)
    code, _, col = reason_of(defect).partition(":")
    if defect.endswith(OUT_OF_RANGE):
        bad[col] = rng.choice(OUT_OF_RANGE_VALUES[col])
    elif code == "MISSING_REQUIRED":
        bad[col] = ""
    elif code == "BAD_TIMESTAMP":
        bad[col] = bad_timestamp(rng, year)
    elif code == "BAD_ENUM":
        bad[col] = rng.choice(BAD_ENUM_VALUES[col])
    else:
        bad[col] = rng.choice(bad_numbers)
    return bad
