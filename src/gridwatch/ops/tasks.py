"""The Airflow tasks' bodies: thin wrappers that turn gridwatch errors into
Airflow's retry semantics. Bad data (a rejected file, a blocking gate, a
failing dbt test) raises AirflowFailException, which is not retried; anything
else (a held DuckDB lock, a full disk) is raised as is and retried.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from gridwatch.config import Settings
from gridwatch.warehouse.writer_lock import writer_lock

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def _one_writer(task: Callable[P, R]) -> Callable[P, R]:
    """Run the task holding the warehouse's writer lock: a CLI run beside it waits, or it does."""

    @functools.wraps(task)
    def locked(*args: P.args, **kwargs: P.kwargs) -> R:
        warehouse = Settings.from_env().warehouse
        with writer_lock(warehouse, f"airflow task {task.__name__}", say=log.warning):
            return task(*args, **kwargs)

    return locked


def _fail(message: str, already_alerted: bool = False) -> None:
    """Fail the task without retries; ``already_alerted``: the alert would repeat another's."""
    from airflow.sdk.exceptions import AirflowFailException

    error = AirflowFailException(message)
    error.already_alerted = already_alerted  # read by gridwatch.ops.alerts
    raise error


@_one_writer
def load_feed(feed: str, day: dt.date) -> list[dict]:
    from gridwatch.ingest.load import LandingMissingError, RejectedFilesError
    from gridwatch.ingest.reference import ReferenceError
    from gridwatch.ops.pipeline import load_feeds

    try:
        results = load_feeds(Settings.from_env(), day, (feed,))
    except RejectedFilesError as exc:
        for partition in exc.results:
            for f in partition.files:
                log.info("%s %s %s: %s", f.feed, f.file_name, f.status, f.error or "")
        _fail(str(exc))
    except (ReferenceError, LandingMissingError) as exc:
        _fail(f"{exc}\nThen clear this task to re-run the date.")
    summary = [
        {
            "file": f.file_name,
            "status": f.status,
            "read": f.rows_read,
            "loaded": f.rows_loaded,
            "quarantined": f.rows_quarantined,
        }
        for r in results
        for f in r.files
    ]
    for entry in summary:
        log.info("%s/%s: %s", feed, day, entry)
    if not summary:
        log.warning("%s/%s: no files delivered", feed, day)
    return summary


@_one_writer
def gate_batches(day: dt.date, failed_loads: list[str] | tuple[str, ...] = ()) -> dict:
    """The batch gate of ``day``; it also runs when loads failed, then fails the run."""
    from gridwatch.quality import QualityGateError, validate_batches

    failed = (
        f"\nThe load of {', '.join(failed_loads)} also failed: see those tasks' logs."
        if failed_loads
        else ""
    )
    try:
        report = validate_batches(Settings.from_env(), day)
    except QualityGateError as exc:
        _fail(f"{exc}{failed}", already_alerted=_only_rejected_files(exc, failed_loads))
    if failed_loads:
        _fail(
            f"The load of {', '.join(failed_loads)} for {day} failed (see those tasks' logs); "
            "the batch gate checked what was loaded. Nothing is built or published: fix "
            "what the load names, then re-run the date.",
            already_alerted=True,  # each failed load task sent its own alert
        )
    return _report(report)


def _only_rejected_files(exc: Exception, failed_loads: list[str] | tuple[str, ...]) -> bool:
    """The gate found nothing but the REJECTED files whose load tasks alerted already."""
    report = getattr(exc, "report", None)
    if report is None or not failed_loads:
        return False
    rejected = {(f"batch.{feed}.files", "status") for feed in failed_loads}
    return all((r.suite, r.column_name) in rejected for r in report.blocking_failures)


@_one_writer
def build_marts() -> str:
    from gridwatch.warehouse.build import BuildError, build

    try:
        output = build(Settings.from_env())
    except BuildError as exc:
        if exc.transient:  # a lock held by an analyst's session, a full disk: retried
            raise
        _fail(str(exc))
    return next((ln for ln in reversed(output.splitlines()) if "Done." in ln), "done")


@_one_writer
def gate_marts(day: dt.date) -> dict:
    from gridwatch.quality import QualityGateError, validate_marts

    try:
        report = validate_marts(Settings.from_env(), day)
    except QualityGateError as exc:
        _fail(str(exc))
    return _report(report)


@_one_writer
def publish_serving(day: dt.date) -> list[str]:
    from gridwatch.quality import QualityGateError, serving_check
    from gridwatch.warehouse.publish import PublishError, publish
    from gridwatch.warehouse.purge import apply_retention

    settings = Settings.from_env()
    try:
        tables = publish(settings.warehouse, settings.serving, check=serving_check(settings, day))
    except (QualityGateError, PublishError) as exc:  # retrying would not change them
        _fail(f"{exc}\nThe serving file was not replaced.")
        return []
    purged = apply_retention(settings, day)  # GRIDWATCH_RETENTION_DAYS, off by default
    if purged is not None and purged.total:
        log.info("%s", purged.summary())
    return tables


def _report(report: object) -> dict:
    """A JSON-able summary of a quality GateReport for XCom and the task log."""
    if hasattr(report, "as_dict"):
        return report.as_dict()
    return {"report": str(report)}


def write_daily_report(day: dt.date) -> dict:
    """The daily report of ``day`` from the file just published, sent to the group robot.

    Not under the writer lock: it only reads the serving file. A report that cannot be
    written fails the task (and alerts) without retries; the publish stays as it is. A
    webhook that refuses it is logged: the report is written, the run is good."""
    from gridwatch.config import report_dir
    from gridwatch.ops.daily_report import ReportError, write_report
    from gridwatch.ops.report_webhook import send_report

    settings = Settings.from_env()
    out = report_dir(settings)
    try:
        written = write_report(settings.serving, day, out)
    except ReportError as exc:
        _fail(f"{exc}\nThe marts are published; only the daily report is missing.")
    log.info("daily report of %s: %s, %s", day, written.workbook, written.png)
    try:
        sent = send_report(written)
    except Exception:  # the report is written; announcing it is best effort
        log.exception("the daily report of %s was written but the webhook refused it", day)
        sent = []
    return {"workbook": str(written.workbook), "png": str(written.png), "sent": sent}
