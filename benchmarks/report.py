"""`make bench`: the daily report's cost, measured in one run (never asserted).

The report (``gridwatch report DATE``: workbook and PNG) of the last generated day is
written from a serving file, against a baseline measured in the same run on the same
file: reading the mart rows the report shows with DuckDB (a read-only connection,
``fetchall`` of the same four marts for the date), which is the least any report could
cost. The report's own work is then formatting, the workbook and the PNG.

BENCH_PRESET (default ``street``) and BENCH_DAYS (default 3) size the serving file;
BENCH_DIR keeps its files (a later run with the same size reuses the generated days, the
warehouse and the serving file). BENCH_TRIALS (default 5): medians are reported.
BENCH_STREET_COPIES=N measures on a copy of the serving file with each street N times
(renamed): the district's 10 streets x7 stand for the city's 74, whose generation and
load take hours; the report's cost grows with the streets, communities and checkpoints
of the date, not with the days behind it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from gridwatch.config import Settings

START = dt.date(2021, 8, 2)


def prepare(work: Path, preset: str, days: int) -> Settings:
    """Generated days loaded, built once and published (no gates: not what is measured)."""
    from gridwatch.ingest.load import RejectedFilesError
    from gridwatch.ops.pipeline import load_feeds
    from gridwatch.warehouse.build import build
    from gridwatch.warehouse.publish import publish

    settings = Settings(
        work / "gen" / "landing",
        work / "gen" / "reference",
        work / "warehouse.duckdb",
        work / "serving.duckdb",
    )
    manifest = work / "gen" / "manifest.json"
    wanted = {"preset": preset, "days": days, "seed": 7, "start": START.isoformat(), "dirty": False}
    if manifest.exists() and all(
        json.loads(manifest.read_text())[k] == v for k, v in wanted.items()
    ):
        if settings.serving.exists():
            print(f"reusing the {days} {preset} days published in {work}", flush=True)
            return settings
    else:
        from gridwatch_generator import generate

        print(f"generating {days} {preset} days into {work} …", flush=True)
        generate(preset, days, 7, work / "gen", start=START, dirty=False)
    settings.warehouse.unlink(missing_ok=True)
    for offset in range(days):
        day = START + dt.timedelta(days=offset)
        started = time.perf_counter()
        with contextlib.suppress(RejectedFilesError):
            load_feeds(settings, day)
        print(f"  loaded {day} in {time.perf_counter() - started:.0f}s", flush=True)
    started = time.perf_counter()
    build(settings)
    publish(settings.warehouse, settings.serving)
    print(f"  built and published in {time.perf_counter() - started:.0f}s", flush=True)
    return settings


SCALED = {  # the columns a copy of a street renames, per mart the report reads
    "mart_coverage_daily": ("street_code", "street_name", "community_code", "community_name"),
    "mart_checkpoint_daily": ("street_code", "community_code", "checkpoint_code"),
    "mart_enterprise_resumption_daily": ("street_code", "community_code"),
}


def scaled_serving(serving: Path, copies: int) -> Path:
    """A serving file with every street ``copies`` times (renamed copies): a city's number
    of streets (74) from a district's (10) without generating a city."""
    import duckdb

    path = serving.with_name(f"serving-x{copies}.duckdb")
    if path.exists():
        return path
    con = duckdb.connect(str(path))
    try:
        con.execute(f"attach '{serving}' as src (read_only)")
        con.execute("create schema marts")
        con.execute(
            "create table marts.mart_coverage_by_topic_daily as "
            "select * from src.marts.mart_coverage_by_topic_daily"
        )
        for mart, columns in SCALED.items():
            renamed = ", ".join(
                f"{c} || case when k = 0 then '' else '-' || k end as {c}" for c in columns
            )
            con.execute(
                f"create table marts.{mart} as select * replace ({renamed}) "
                f"from src.marts.{mart}, range({copies}) as copies(k)"
            )
    finally:
        con.close()
    return path


def read_rows(serving: Path, day: dt.date) -> int:
    """The baseline: the report's mart rows of ``day`` fetched with DuckDB."""
    import duckdb

    con = duckdb.connect(str(serving), read_only=True)
    try:
        return sum(
            len(con.execute(f"select * from marts.{mart} where report_date = ?", [day]).fetchall())
            for mart in (
                "mart_coverage_daily",
                "mart_coverage_by_topic_daily",
                "mart_checkpoint_daily",
                "mart_enterprise_resumption_daily",
            )
        )
    finally:
        con.close()


def main() -> None:
    preset = os.environ.get("BENCH_PRESET", "street")
    days = int(os.environ.get("BENCH_DAYS", "3"))
    trials = int(os.environ.get("BENCH_TRIALS", "5"))
    work = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="gridwatch-bench-report-"))
    settings = prepare(work, preset, days)
    serving = settings.serving
    copies = int(os.environ.get("BENCH_STREET_COPIES", "1"))
    if copies > 1:
        serving = scaled_serving(serving, copies)
    measure(
        serving,
        START + dt.timedelta(days=days - 1),
        work / "reports",
        trials,
        f"{preset}, {days} days" + (f", its streets x{copies}" if copies > 1 else ""),
    )


def measure(serving: Path, day: dt.date, out: Path, trials: int, label: str) -> None:
    """Time the report of ``day`` from ``serving`` against reading its mart rows; print both."""
    from gridwatch.ops.daily_report import write_report

    baseline, report = [], []
    for _ in range(trials):  # taking turns, so a drift in the machine's speed falls on both
        started = time.perf_counter()
        rows = read_rows(serving, day)
        baseline.append(time.perf_counter() - started)
        started = time.perf_counter()
        written = write_report(serving, day, out)
        report.append(time.perf_counter() - started)
    base, rep = statistics.median(baseline), statistics.median(report)
    size = serving.stat().st_size / 1e6
    print(
        f"\ndaily report of {day} ({label}, serving file {size:.0f} MB, "
        f"{len(written.streets)} street sheet(s), {rows} mart rows; medians of {trials}):\n"
        f"  read the mart rows with DuckDB: {base:.3f}s\n"
        f"  write the report (xlsx + png):  {rep:.3f}s ({rep / base:.1f}x the read; "
        f"xlsx {written.workbook.stat().st_size / 1e3:.0f} kB, "
        f"png {written.png.stat().st_size / 1e3:.0f} kB)"
    )


if __name__ == "__main__":
    main()
