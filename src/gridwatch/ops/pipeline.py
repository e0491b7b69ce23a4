"""The daily run as plain functions: load a date, build, publish.

The CLI and the Airflow DAG both call these, so ``gridwatch run D`` and the
DAG run for logical date D do the same work in the same order.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gridwatch.config import FEEDS_DIRS, Settings
from gridwatch.ingest.landing import date_folder_hint, odd_date_folders
from gridwatch.ingest.load import (
    LandingMissingError,
    PartitionResult,
    RejectedFilesError,
    load_partition,
)
from gridwatch.ingest.reference import load_reference
from gridwatch.warehouse.build import build
from gridwatch.warehouse.publish import publish
from gridwatch.warehouse.purge import apply_retention
from gridwatch.warehouse.schema import connect

if TYPE_CHECKING:  # the quality gates import GX and pandas: loaded when a day runs
    from gridwatch.quality import GateReport


def require_landing(settings: Settings) -> None:
    """Raise LandingMissingError unless the landing root exists (before anything is opened)."""
    if not settings.landing_dir.is_dir():
        raise LandingMissingError(
            f"landing folder {settings.landing_dir} does not exist: set GRIDWATCH_LANDING_DIR "
            "to the folder holding <feed>/<YYYY-MM-DD>/ deliveries. Nothing was loaded or replaced."
        )


log = logging.getLogger(__name__)


def warn_odd_folders(settings: Settings, feeds: tuple[str, ...] = FEEDS_DIRS) -> list[str]:
    """Log every entry under a feed folder that no date's load will ever read."""
    odd = odd_date_folders(settings.landing_dir, feeds)
    for entry in odd:
        hint = date_folder_hint(entry.split("/", 1)[1])
        log.warning(
            "landing folder %s is not a delivery date (YYYY-MM-DD) and is never loaded; %s",
            settings.landing_dir / entry,
            f"rename it to {hint} and run that date"
            if hint
            else "move its files into the folder of their delivery date, or remove it",
        )
    return odd


def load_feeds(
    settings: Settings, day: dt.date, feeds: tuple[str, ...] = FEEDS_DIRS
) -> list[PartitionResult]:
    """Load (feed, day) for every feed given; raise RejectedFilesError after loading them all."""
    require_landing(settings)
    warn_odd_folders(settings, feeds)
    con = connect(settings.warehouse)
    try:
        load_reference(con, settings.reference_dir)
        results = [load_partition(con, settings.landing_dir, feed, day) for feed in feeds]
    finally:
        con.close()
    if any(r.rejected for r in results):
        raise RejectedFilesError(results)
    return results


@dataclass
class DayOutcome:
    """What ``run_day`` did: ``message`` says it in one line, the rest is for the report."""

    day: dt.date
    ok: bool
    message: str
    loads: list[PartitionResult] = field(default_factory=list)
    gates: list[GateReport] = field(default_factory=list)
    usage_error: bool = False  # a setting to fix (exit code 2), not the day's data

    @property
    def nothing_delivered(self) -> bool:
        """No feed has a folder for the day (a date with no deliveries, or a mistyped one)."""
        return bool(self.loads) and all(not p.folder_exists for p in self.loads)


def run_day(settings: Settings, day: dt.date, publish_marts: bool = True) -> DayOutcome:
    """Load every feed of ``day``, build the marts and publish them.

    A day with a rejected file still loads its good files and puts them through the
    batch gate, but is not built or published: the serving file stays at the last
    good publish.
    """
    from gridwatch.quality import (
        check_batches,
        serving_check,
        validate_batches,
        validate_marts,
    )

    outcome = DayOutcome(day, False, "")
    try:
        try:
            outcome.loads = load_feeds(settings, day)
        except RejectedFilesError as exc:
            outcome.loads = exc.results
            # the date's other files are loaded: gate them (results stored) before stopping
            outcome.gates.append(check_batches(settings, day))
            raise
        outcome.gates.append(validate_batches(settings, day))
        build(settings)
        outcome.gates.append(validate_marts(settings, day))
        if publish_marts:
            publish(settings.warehouse, settings.serving, check=serving_check(settings, day))
        purged = apply_retention(settings, day)  # GRIDWATCH_RETENTION_DAYS, off by default
    except Exception as exc:  # reported to the operator, and the next day still runs
        outcome.message = f"{exc.__class__.__name__}: {exc}"
        outcome.usage_error = isinstance(exc, LandingMissingError)
        return outcome
    outcome.ok = True
    outcome.message = "loaded, built" + (", published" if publish_marts else "")
    if purged is not None and purged.total:
        outcome.message += f"; {purged.summary()}"
    return outcome


def dates_between(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        raise ValueError(f"END {end} is before START {start}")
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
