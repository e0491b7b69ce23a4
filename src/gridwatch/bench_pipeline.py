"""`make bench-pipeline`: the daily run's cost, measured in one run (never asserted).

1. Orchestration overhead: one generated day through ``airflow dags test``
   against the same day run directly (``gridwatch.pipeline.run_day``: the sum of
   the work inside the tasks).
2. Growth: ``dbt build`` time after day 2, day N/2 and day N of a generated
   wave, and the share of the daily run it takes.

BENCH_PRESET (default ``street``) and BENCH_DAYS (default 30) size the run;
BENCH_DIR keeps its files (a later run with the same size reuses the generated days).
BENCH_TRIALS (default 3) times each measured build that many times, each on a
fresh copy of the warehouse as it was before the build, and reports the median:
one timing on a shared two-core machine varies by ±15%.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from gridwatch.build import build
from gridwatch.config import Settings
from gridwatch.load import RejectedFilesError
from gridwatch.pipeline import load_feeds, run_day

START = dt.date(2021, 8, 2)


def main() -> None:
    from gridwatch.generator import generate
    from gridwatch.services import AIRFLOW

    preset = os.environ.get("BENCH_PRESET", "street")
    days = int(os.environ.get("BENCH_DAYS", "30"))
    trials = int(os.environ.get("BENCH_TRIALS", "3"))
    work = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="gridwatch-bench-pipeline-"))
    manifest = work / "gen" / "manifest.json"
    wanted = {"preset": preset, "days": days, "seed": 7, "start": START.isoformat(), "dirty": False}
    if manifest.exists() and all(
        json.loads(manifest.read_text())[k] == v for k, v in wanted.items()
    ):
        print(f"reusing the {days} {preset} days generated in {work}", flush=True)
    else:
        print(f"generating {days} {preset} days into {work} …", flush=True)
        generate(preset, days, 7, work / "gen", start=START, dirty=False)

    def settings(name: str) -> Settings:
        return Settings(
            work / "gen" / "landing",
            work / "gen" / "reference",
            work / name / "warehouse.duckdb",
            work / name / "serving.duckdb",
        )

    # 1. orchestration overhead on day 1
    direct = settings("direct")
    started = time.perf_counter()
    outcome = run_day(direct, START)
    direct_seconds = time.perf_counter() - started
    airflow = settings("airflow")
    started = time.perf_counter()
    result = subprocess.run(
        [AIRFLOW, "dags", "test", "gridwatch_daily", START.isoformat()],
        env=airflow.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    airflow_seconds = time.perf_counter() - started
    print(
        f"\none {preset} day ({START}): direct run {direct_seconds:.1f}s ({outcome.message}); "
        f"airflow dags test {airflow_seconds:.1f}s (exit {result.returncode})"
    )
    if result.returncode == 0:
        print(
            f"  orchestration overhead ratio (airflow / direct): "
            f"{airflow_seconds / direct_seconds:.2f}x"
        )
    else:
        # a failed run's time is no overhead: say why instead of printing a ratio
        tail = "\n    ".join((result.stdout + result.stderr).strip().splitlines()[-5:])
        print(
            "  no overhead ratio: airflow dags test failed (run it through `make bench`, "
            f"which initialises AIRFLOW_HOME); its last lines:\n    {tail}"
        )

    # 2. growth of dbt build over the wave. A daily run builds after its load;
    # the days in between are loaded and caught up with one build, which leaves
    # the incremental models in the state daily builds would have left them in.
    growth = settings("growth")
    checkpoints = sorted({2, max(2, days // 2), days})
    timings: dict[int, tuple[float, float]] = {}
    for offset in range(days):
        day = START + dt.timedelta(days=offset)
        started = time.perf_counter()
        with contextlib.suppress(RejectedFilesError):
            load_feeds(growth, day)
        load_seconds = time.perf_counter() - started
        if offset + 2 in checkpoints:
            build(growth)  # catch up to the day before a measured day
        if offset + 1 in checkpoints:
            seconds = timed_builds(growth, trials)
            timings[offset + 1] = (load_seconds, statistics.median(seconds))
            print(
                f"  day {offset + 1}: dbt build {timings[offset + 1][1]:.1f}s "
                f"(median of {', '.join(f'{t:.1f}' for t in seconds)})",
                flush=True,
            )
    base = timings[checkpoints[0]][1]
    print(f"\ndbt build growth ({preset}, the daily build after each day's load):")
    for day_no, (load_seconds, build_seconds) in timings.items():
        print(
            f"  day {day_no:3d}: dbt build {build_seconds:6.1f}s  ({build_seconds / base:.2f}x day 2); "
            f"load {load_seconds:.1f}s; build share of load+build {build_seconds / (build_seconds + load_seconds):.0%}"
        )


def timed_builds(settings: Settings, trials: int) -> list[float]:
    """Time `trials` builds, each from the same state (a copy of the warehouse before them)."""
    before = settings.warehouse.with_name("before-build.duckdb")
    shutil.copyfile(settings.warehouse, before)
    seconds = []
    for trial in range(trials):
        if trial:
            shutil.copyfile(before, settings.warehouse)
        os.sync()  # the copy's writes are not the build's
        started = time.perf_counter()
        build(settings)
        seconds.append(time.perf_counter() - started)
    before.unlink()
    return seconds


if __name__ == "__main__":
    main()
