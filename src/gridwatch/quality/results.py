"""Gate results: GX validation results as rows, the gate report, and storing them.

Each expectation's result becomes a ``ResultRow`` (observed value shown for the
operator); a gate's rows make a ``GateReport``, whose failure message is what
``QualityGateError`` says. ``store_results`` replaces the rows of (suite, day) in
``raw.quality_results``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from gridwatch.ops import hints
from gridwatch.quality.suites import SuiteSpec

RESULT_COLUMNS = (
    "suite",
    "run_date",
    "gate",
    "expectation",
    "column_name",
    "severity",
    "success",
    "observed_value",
    "validated_at",
    "notes",
    "details",
)
OBSERVED_MAX = 600


class QualityGateError(Exception):
    """A blocking expectation failed; every result of the gate has been stored."""

    def __init__(self, report: GateReport | str):
        self.report = report if isinstance(report, GateReport) else None
        super().__init__(report if isinstance(report, str) else report.failure_message())


@dataclass(frozen=True)
class ResultRow:
    suite: str
    run_date: dt.date
    gate: str
    expectation: str
    column_name: str | None
    severity: str
    success: bool
    observed_value: str
    validated_at: dt.datetime
    notes: str
    details: dict[str, Any]

    def values(self) -> tuple:
        return (
            self.suite,
            self.run_date,
            self.gate,
            self.expectation,
            self.column_name,
            self.severity,
            self.success,
            self.observed_value,
            self.validated_at,
            self.notes,
            json.dumps(self.details, ensure_ascii=False, default=str),
        )

    def line(self) -> str:
        column = f" on {self.column_name}" if self.column_name else ""
        return (
            f"{self.suite}: {self.expectation}{column} [{self.severity}] -> {self.observed_value}"
        )


@dataclass
class GateReport:
    gate: str
    day: dt.date
    rows: list[ResultRow] = field(default_factory=list)
    docs: Path | None = None
    seconds: float = 0.0

    @property
    def blocking_failures(self) -> list[ResultRow]:
        return [r for r in self.rows if not r.success and r.severity == "blocking"]

    @property
    def warnings(self) -> list[ResultRow]:
        return [r for r in self.rows if not r.success and r.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.blocking_failures

    @property
    def suites(self) -> list[str]:
        return sorted({r.suite for r in self.rows})

    def summary(self) -> str:
        state = "passed" if self.ok else "FAILED"
        return (
            f"gate {self.gate} {state} for {self.day}: {len(self.rows)} expectations in "
            f"{len(self.suites)} suites, {len(self.blocking_failures)} blocking failure(s), "
            f"{len(self.warnings)} warning(s) ({self.seconds:.1f} s)"
        )

    def failure_message(self) -> str:
        lines = [
            f'Quality gate "{self.gate}" stopped {self.day}: '
            f"{len(self.blocking_failures)} blocking expectation(s) failed. "
            "Nothing is published: the serving file keeps its last good version.",
        ]
        by_suite: dict[str, list[ResultRow]] = {}
        for row in self.blocking_failures:
            by_suite.setdefault(row.suite, []).append(row)
        for suite, rows in by_suite.items():
            lines.append("")
            lines.append(f"suite {suite}:")
            previous_notes = None
            for row in rows:
                column = f" on {row.column_name}" if row.column_name else ""
                lines.append(f"  - {row.expectation}{column}")
                lines.append(f"    observed: {row.observed_value}")
                same = row.notes == previous_notes
                lines.append(f"    what to do: {'as above' if same else row.notes}")
                previous_notes = row.notes
        if self.warnings:
            lines.append("")
            lines.append(f"{len(self.warnings)} warning(s) recorded as well:")
            lines += [f"  - {row.line()}" for row in self.warnings[:10]]
        lines.append("")
        lines.append(
            f"All results: marts.mart_quality_results (run_date {self.day}), "
            f"`{hints.cli()} validate {self.day}`"
            + (f", Data Docs {self.docs}" if self.docs else "")
            + "."
        )
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "gate": self.gate,
            "day": self.day.isoformat(),
            "ok": self.ok,
            "expectations": len(self.rows),
            "suites": self.suites,
            "blocking_failures": [r.line() for r in self.blocking_failures],
            "warnings": [r.line() for r in self.warnings],
            "docs": str(self.docs) if self.docs else None,
            "seconds": round(self.seconds, 2),
        }


# --- turning GX results into rows ------------------------------------------------------


def _plain(value: Any) -> Any:
    """numpy/pandas scalars to plain Python for display and JSON."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    if value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _show(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return repr(value) if isinstance(value, str) else str(value)


def _unexpected_items(result: dict[str, Any], index_columns: tuple[str, ...]) -> list[str]:
    items = []
    indexed = result.get("partial_unexpected_index_list") or []
    if indexed and isinstance(indexed[0], dict):
        for entry in indexed:
            where = ", ".join(f"{c}={_show(entry.get(c))}" for c in index_columns if c in entry)
            values = ", ".join(
                f"{k}={_show(v)}" for k, v in entry.items() if k not in index_columns
            )
            items.append(f"{where}: {values}" if where and values else where or values)
    else:
        items = [_show(v) for v in result.get("partial_unexpected_list") or []]
    return items


def _expected(kwargs: dict[str, Any]) -> str:
    if "value_set" in kwargs:
        return "one of " + ", ".join(_show(v) for v in kwargs["value_set"])
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and high is not None:
        return f"between {_show(low)} and {_show(high)}" if low != high else f"= {_show(low)}"
    if low is not None:
        return f">= {_show(low)}"
    if high is not None:
        return f"<= {_show(high)}"
    return "otherwise"


def observed_value(
    result: dict[str, Any],
    spec: SuiteSpec,
    frame: pd.DataFrame,
    column: str | None,
    kwargs: dict[str, Any],
) -> str:
    if "observed_value" in result:
        return _show(result["observed_value"])[:OBSERVED_MAX]
    count = result.get("element_count")
    unexpected = result.get("unexpected_count") or 0
    if count is None:
        return ""
    if len(frame) == 1 and column in frame.columns:
        value = _show(frame[column].iloc[0])
        return value if unexpected == 0 else f"{value}, expected {_expected(kwargs)}"
    if unexpected == 0:
        return f"0 of {count} unexpected"
    pct = result.get("unexpected_percent")
    head = f"{unexpected} of {count} unexpected" + (f" ({pct:.1f}%)" if pct is not None else "")
    items = _unexpected_items(result, spec.index_columns)
    text = head + (": " + "; ".join(items) if items else "")
    return text if len(text) <= OBSERVED_MAX else text[: OBSERVED_MAX - 1] + "…"


def rows_from_result(
    spec: SuiteSpec,
    day: dt.date,
    suite_result: Any,
    frame: pd.DataFrame,
    validated_at: dt.datetime,
) -> list[ResultRow]:
    from gridwatch.quality.gx import GATE_SEVERITY

    rows = []
    for res in suite_result.results:
        config = res.expectation_config
        kwargs = {k: _plain(v) for k, v in config.kwargs.items() if k != "batch_id"}
        column = kwargs.get("column")
        if column is None and "column_A" in kwargs:
            column_name = f"{kwargs['column_A']}, {kwargs['column_B']}"
        elif column is None and "column_list" in kwargs:
            column_name = ", ".join(kwargs["column_list"])
        else:
            column_name = column
        result = res.result or {}
        exception = res.exception_info or {}
        if exception.get("raised_exception"):
            success = False
            observed = f"error: {exception.get('exception_message')}"[:OBSERVED_MAX]
        else:
            success = bool(res.success)
            observed = observed_value(result, spec, frame, column, kwargs)
        severity = GATE_SEVERITY[getattr(config.severity, "value", str(config.severity))]
        rows.append(
            ResultRow(
                suite=spec.name,
                run_date=day,
                gate=spec.gate,
                expectation=config.type,
                column_name=column_name,
                severity=severity,
                success=success,
                observed_value=observed,
                validated_at=validated_at,
                notes=config.notes or "",
                details={
                    "kwargs": kwargs,
                    "result": {
                        k: _plain(result.get(k))
                        for k in (
                            "element_count",
                            "unexpected_count",
                            "unexpected_percent",
                            "missing_count",
                        )
                        if k in result
                    },
                },
            )
        )
    order = {(c.type, c.column_name, c.severity): i for i, c in enumerate(spec.checks)}
    rows.sort(key=lambda r: order.get((r.expectation, r.column_name, r.severity), len(order)))
    return rows


# --- storing ---------------------------------------------------------------------------


def store_results(con: duckdb.DuckDBPyConnection, rows: list[ResultRow], suites: list[str]) -> None:
    """Replace the rows of (suite, run_date) for the suites run, in one transaction."""
    days = sorted({r.run_date for r in rows})
    con.execute("begin transaction")
    try:
        for day in days:
            con.execute(
                "delete from raw.quality_results where run_date = ? and suite in "
                "(select unnest(?::varchar[]))",
                [day, suites],
            )
        if rows:
            frame = pd.DataFrame([r.values() for r in rows], columns=list(RESULT_COLUMNS))
            con.register("quality_rows", frame)
            con.execute(
                f"insert into raw.quality_results ({', '.join(RESULT_COLUMNS)}) "
                f"select {', '.join(RESULT_COLUMNS[:-1])}, cast(details as json) "
                "from quality_rows"
            )
            con.unregister("quality_rows")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
