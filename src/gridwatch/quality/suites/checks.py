"""The building blocks of a suite: severities, checks, suite specs and the operator notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

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
