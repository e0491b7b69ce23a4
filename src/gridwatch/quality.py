"""Quality gates: leaders never see a number built on a broken delivery.

Three gates run Great Expectations suites (``quality_suites``) on pandas
DataFrames read from DuckDB (``quality_frames``):

- ``validate_batches(settings, D)`` after the load of D: per feed, the rows of
  the (feed, D) partition, its files (conservation) and the delivery as a whole
  (not empty when expected, quarantine and invalid-ID shares);
- ``validate_marts(settings, D)`` after ``dbt build``: keys, rates, orderings,
  person counts adding up, every push record and every enterprise exactly once;
- ``serving_check(settings, D)`` on the temporary serving file before publish:
  no table outside ``marts`` and the PII scan.

Every expectation is ``blocking`` or ``warning``. Every result is stored in
``raw.quality_results`` (the rows of (suite, D) replaced on a re-run) and shown
in ``marts.mart_quality_results``; GX also stores it and renders Data Docs.
A blocking failure raises ``QualityGateError`` after storing everything; its
message names the suite, the failed expectations, what was observed and what
the operator should do. Thresholds: ``expectations/thresholds.yml``.

GX is imported on first use (it takes seconds), never at import of this module.

    python -m gridwatch.quality --init           # write the suites (idempotent)
    python -m gridwatch.quality --validate DATE  # every gate by hand
    python -m gridwatch.quality --docs           # (re)build Data Docs, print the path
    python -m gridwatch.quality --catalogue      # the suites as Markdown (SUITES.md)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import math
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from gridwatch import hints
from gridwatch.config import Settings
from gridwatch.feeds import FEEDS
from gridwatch.normalize import sql_literal
from gridwatch.quality_frames import (
    batch_day,
    batch_delivery,
    batch_files,
    batch_rows,
    coverage_totals,
    enterprise_completeness,
    held_deliveries,
    load_raw_names,
    mart_frame,
    parameters,
    pii_scan,
    push_record_completeness,
    serving_tables,
    thresholds,
)
from gridwatch.quality_suites import MART_KEYS, SuiteSpec, specs_for
from gridwatch.warehouse import connect

log = logging.getLogger(__name__)

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
    from gridwatch.quality_gx import GATE_SEVERITY

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


# --- running suites --------------------------------------------------------------------

Frames = Iterable[tuple[SuiteSpec, Callable[[], pd.DataFrame]]]


def run_suites(settings: Settings, gate: str, day: dt.date, frames: Frames) -> GateReport:
    """Validate each suite's frame; frames are built lazily, one at a time."""
    from gridwatch import quality_gx

    started = time.perf_counter()
    proj = quality_gx.project(settings)
    limits = thresholds()
    run_id = quality_gx.run_identifier(gate, day)
    report = GateReport(gate=gate, day=day)
    names = []
    for spec, build_frame in frames:
        frame = build_frame()
        result = quality_gx.validate(proj, spec, frame, parameters(spec, day, limits), run_id)
        validated_at = dt.datetime.now().replace(microsecond=0)
        report.rows += rows_from_result(spec, day, result, frame, validated_at)
        names.append(spec.name)
    report.docs = quality_gx.build_docs(proj, names, run_id)
    report.seconds = time.perf_counter() - started
    return report


def _finish(report: GateReport) -> GateReport:
    log.info(report.summary())
    for row in report.warnings:
        log.warning("quality warning: %s", row.line())
    if not report.ok:
        raise QualityGateError(report)
    return report


def _batch_frames(con: duckdb.DuckDBPyConnection, day: dt.date) -> Frames:
    limits = thresholds()
    by_name = {s.name: s for s in specs_for("batches")}
    for feed in FEEDS:
        yield by_name[f"batch.{feed}.rows"], lambda feed=feed: batch_rows(con, feed, day)
        yield by_name[f"batch.{feed}.files"], lambda feed=feed: batch_files(con, feed, day)
        yield (
            by_name[f"batch.{feed}.delivery"],
            lambda feed=feed: batch_delivery(con, feed, day, limits),
        )
    yield by_name["batch.day"], lambda: batch_day(con, day, limits)


def _mart_frames(con: duckdb.DuckDBPyConnection) -> Frames:
    by_name = {s.name: s for s in specs_for("marts")}
    for mart in MART_KEYS:
        yield by_name[f"marts.{mart}"], lambda mart=mart: mart_frame(con, mart)
    yield by_name["marts.coverage_totals"], lambda: coverage_totals(con)
    yield by_name["marts.push_record_completeness"], lambda: push_record_completeness(con)
    yield by_name["marts.enterprise_completeness"], lambda: enterprise_completeness(con)
    yield by_name["marts.held_deliveries"], lambda: held_deliveries(con)


def check_batches(settings: Settings, day: dt.date) -> GateReport:
    """The batch gate without raising: validate, store, return the report."""
    con = connect(settings.warehouse)
    try:
        report = run_suites(settings, "batches", day, _batch_frames(con, day))
        store_results(con, report.rows, [s.name for s in specs_for("batches")])
    finally:
        con.close()
    return report


def validate_batches(settings: Settings, day: dt.date) -> GateReport:
    """After loading ``day``: raise QualityGateError on a blocking failure (results stored)."""
    return _finish(check_batches(settings, day))


def check_marts(settings: Settings, day: dt.date, refresh_mart: bool = False) -> GateReport:
    """The marts gate without raising: validate, store, return the report.

    ``refresh_mart`` also rebuilds the warehouse's marts.mart_quality_results with
    dbt (about 6 s of dbt start-up). The daily run does not need it: the serving
    gate writes the day's results into the file it publishes, and every
    ``dbt build`` rebuilds the mart from raw.quality_results.
    """
    con = connect(settings.warehouse)
    try:
        report = run_suites(settings, "marts", day, _mart_frames(con))
        store_results(con, report.rows, [s.name for s in specs_for("marts")])
    finally:
        con.close()
    if refresh_mart:
        refresh_quality_mart(settings)
    return report


def refresh_quality_mart(settings: Settings) -> None:
    """Rebuild marts.mart_quality_results in the warehouse from raw.quality_results."""
    from gridwatch.build import run_dbt

    run_dbt(settings, "run", "--select", "mart_quality_results")


def validate_marts(settings: Settings, day: dt.date) -> GateReport:
    """After ``dbt build``: raise QualityGateError on a blocking failure (results stored)."""
    return _finish(check_marts(settings, day))


def check_serving_file(
    settings: Settings, day: dt.date, path: Path, update_file: bool = True
) -> GateReport:
    """Scan a serving file (no table outside marts, no personal data); store the results.

    With ``update_file`` (the publish veto), when the scan passes, the file's
    ``marts.mart_quality_results`` gets every result of ``day`` from
    raw.quality_results, so the file published carries the marts and serving gates
    that ran after the day's ``dbt build`` (the next build adds them to the
    warehouse's copy of the mart).
    """
    limits = thresholds()
    by_name = {s.name: s for s in specs_for("serving")}
    con = duckdb.connect(str(path), read_only=not update_file)
    try:
        has_names = settings.warehouse.exists()
        if has_names:
            con.execute(
                f"attach {sql_literal(str(settings.warehouse))} as gw_warehouse (read_only)"
            )
            load_raw_names(con, "gw_warehouse")
            con.execute("detach gw_warehouse")
        frames = [
            (by_name["serving.tables"], lambda: serving_tables(con)),
            (by_name["serving.pii_scan"], lambda: pii_scan(con, limits, has_names)),
        ]
        report = run_suites(settings, "serving", day, frames)
    finally:
        con.close()
    wh = connect(settings.warehouse)
    try:
        store_results(wh, report.rows, list(by_name))
    finally:
        wh.close()
    if update_file and report.ok:
        _copy_results_into(path, settings.warehouse, day)
    return report


def _copy_results_into(path: Path, warehouse: Path, day: dt.date) -> None:
    """Replace the rows of ``day`` in the file's marts.mart_quality_results with raw's."""
    con = duckdb.connect(str(path))
    try:
        exists = con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts' "
            "and table_name = 'mart_quality_results'"
        ).fetchone()[0]
        if not exists:
            return
        con.execute(f"attach {sql_literal(str(warehouse))} as gw_warehouse (read_only)")
        con.execute("delete from marts.mart_quality_results where run_date = ?", [day])
        # the columns of dbt's mart_quality_results (stg_raw__quality_results: as stored)
        con.execute(
            """
            insert into marts.mart_quality_results by name
            select suite, run_date, expectation, column_name, severity, success,
                   observed_value, validated_at
            from gw_warehouse.raw.quality_results
            where run_date = ?
            """,
            [day],
        )
        con.execute("detach gw_warehouse")
        con.execute("checkpoint")
    finally:
        con.close()


def serving_check(settings: Settings, day: dt.date) -> Callable[[Path], None]:
    """The publish veto: given the temporary serving file, raise QualityGateError to stop it."""

    def check(path: Path) -> None:
        _finish(check_serving_file(settings, day, path))

    return check


def validate_day(settings: Settings, day: dt.date) -> list[GateReport]:
    """Every gate by hand (``gridwatch validate D``): nothing raised, every result stored.

    The marts gate checks the marts as they are now; the serving gate scans the
    published serving file (read only) when there is one.
    """
    reports = [check_batches(settings, day), check_marts(settings, day)]
    if settings.serving.exists():
        reports.append(check_serving_file(settings, day, settings.serving, update_file=False))
    return reports


def render_reports(reports: list[GateReport]) -> str:
    lines = []
    for report in reports:
        lines.append(report.summary())
        for row in report.blocking_failures:
            lines.append(f"  BLOCKING {row.line()}")
            lines.append(f"           what to do: {row.notes}")
        for row in report.warnings:
            lines.append(f"  warning  {row.line()}")
    docs = next((r.docs for r in reports if r.docs), None)
    if docs:
        lines.append(f"Data Docs: {docs}")
    return "\n".join(lines)


def build_all_docs(settings: Settings) -> Path:
    """Render Data Docs for every suite and the latest results (for `make docs`)."""
    from gridwatch import quality_gx

    proj = quality_gx.project(settings)
    proj.context.build_data_docs()
    return proj.docs_dir / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gridwatch.quality", description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--init", action="store_true", help="create or update the GX suites")
    group.add_argument("--validate", type=dt.date.fromisoformat, metavar="DATE")
    group.add_argument("--docs", action="store_true", help="build GX Data Docs")
    group.add_argument(
        "--catalogue", action="store_true", help="print the suites as Markdown (SUITES.md)"
    )
    args = parser.parse_args(argv)
    if args.catalogue:
        from gridwatch.quality_suites import catalogue

        sys.stdout.write(catalogue())
        return 0
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.from_env()
    if args.init:
        from gridwatch import quality_gx

        proj = quality_gx.project(settings)
        print("GX suites up to date" if not proj.changed else "\n".join(proj.changed))
        return 0
    if args.docs:
        print(build_all_docs(settings))
        return 0
    reports = validate_day(settings, args.validate)
    print(render_reports(reports))
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
