"""Quality gates: leaders never see a number built on a broken delivery.

Three gates run Great Expectations suites (``suites``) on pandas
DataFrames read from DuckDB (``frames``):

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

By hand: ``python -m gridwatch.quality`` (``__main__``).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pandas as pd

from gridwatch.config import Settings
from gridwatch.ingest.feeds import FEEDS
from gridwatch.ingest.normalize import sql_literal
from gridwatch.quality.frames import (
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
from gridwatch.quality.results import GateReport, QualityGateError, rows_from_result, store_results
from gridwatch.quality.suites import MART_KEYS, SuiteSpec, specs_for
from gridwatch.warehouse.schema import connect

log = logging.getLogger(__name__)


# --- running suites --------------------------------------------------------------------

Frames = Iterable[tuple[SuiteSpec, Callable[[], pd.DataFrame]]]


def run_suites(settings: Settings, gate: str, day: dt.date, frames: Frames) -> GateReport:
    """Validate each suite's frame; frames are built lazily, one at a time."""
    from gridwatch.quality import gx as quality_gx

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
    from gridwatch.warehouse.build import run_dbt

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


def marts_built(settings: Settings) -> bool:
    """Whether the warehouse holds every mart the marts gate checks (not before a first build)."""
    con = connect(settings.warehouse, read_only=True)
    try:
        built = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    finally:
        con.close()
    return set(MART_KEYS) <= built


def validate_day(settings: Settings, day: dt.date) -> list[GateReport]:
    """Every gate by hand (``gridwatch validate D``): nothing raised, every result stored.

    The marts gate checks the marts as they are now (once they are built); the serving gate scans the
    published serving file (read only) when there is one.
    """
    reports = [check_batches(settings, day)]
    if marts_built(settings):
        reports.append(check_marts(settings, day))
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
    from gridwatch.quality import gx as quality_gx

    proj = quality_gx.project(settings)
    proj.context.build_data_docs()
    return proj.docs_dir / "index.html"
