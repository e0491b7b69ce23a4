"""`make bench-pipeline`: the daily run's cost, measured in one run (never asserted).

1. Orchestration overhead: one generated day through ``airflow dags test``
   against the same day run directly (``gridwatch.ops.pipeline.run_day``: the sum of
   the work inside the tasks).
2. Growth: the whole daily run (load, batch gate, ``dbt build``, marts gate,
   publish with the serving gate: the steps of ``run_day``, timed by
   ``benchmarks.quality``) on day 2, day N/2 and day N of a generated
   wave, with ``dbt build`` on its own and its share of the run.
3. On day N's warehouse and serving file: a ``gridwatch person`` look-up
   (``benchmarks.person``) and the daily report (``benchmarks.report``), each
   against its own baseline.

BENCH_PRESET (default ``street``) and BENCH_DAYS (default 30) size the run;
BENCH_DIR keeps its files (a later run with the same size reuses the generated days).
BENCH_TRIALS (default 3) runs each measured day that many times, each on a
fresh copy of the warehouse as it was before the day, and reports the medians:
one timing on a shared two-core machine varies by ±15%. The trials take turns
(day 2, day N/2, day N, day 2, …) after the whole wave is loaded, so a drift in
the machine's speed during the run (its page cache, its neighbours) falls on
every measured day alike instead of on whichever day was measured then.
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

from gridwatch.config import Settings
from gridwatch.ingest.load import RejectedFilesError
from gridwatch.ops.pipeline import load_feeds, run_day
from gridwatch.warehouse.build import build

START = dt.date(2021, 8, 2)


def main() -> None:
    from gridwatch.ops.services import AIRFLOW, init_sqlite_home, sqlite_home_env
    from gridwatch_generator import generate

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

    clear_previous_run(work)

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
    # airflow dags test runs without services: a SQLite home of its own, not the demo's
    airflow_env = sqlite_home_env(work / "airflow" / "home", airflow.env())
    Path(airflow_env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    init_sqlite_home(airflow_env)
    started = time.perf_counter()
    result = subprocess.run(
        [AIRFLOW, "dags", "test", "gridwatch_daily", START.isoformat()],
        env=airflow_env,
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
        print(f"  no overhead ratio: airflow dags test failed; its last lines:\n    {tail}")

    # 2. growth of the daily run over the wave. The days in between are loaded
    # and caught up with one build before each measured day, which leaves the
    # incremental models in the state daily builds would have left them in; a
    # copy of that state is kept. Once the wave is loaded, each measured day
    # runs in full (load .. publish) from a fresh copy of its state, the days
    # taking turns trial by trial.
    import gridwatch.quality.gx  # noqa: F401  (imported once per process: not a daily cost)

    growth = settings("growth")
    checkpoints = sorted({2, max(2, days // 2), days})
    states: dict[int, Path] = {}
    for offset in range(days):
        day = START + dt.timedelta(days=offset)
        if offset + 1 in checkpoints:
            states[offset + 1] = growth.warehouse.with_name(f"before-day-{offset + 1}.duckdb")
            shutil.copyfile(growth.warehouse, states[offset + 1])
        with contextlib.suppress(RejectedFilesError):
            load_feeds(growth, day)
        if offset + 2 in checkpoints:
            build(growth)  # catch up to the day before a measured day
    runs = timed_days(settings("measured"), states, trials)
    measured: dict[int, dict[str, float]] = {}
    for day_no, day_runs in runs.items():
        measured[day_no] = {
            step: statistics.median(run[step] for run in day_runs) for step in day_runs[0]
        }
        run_totals = ", ".join(f"{sum(run.values()):.1f}" for run in day_runs)
        build_totals = ", ".join(f"{run['build']:.1f}" for run in day_runs)
        print(f"  day {day_no}: daily run {run_totals}s; dbt build {build_totals}s", flush=True)
    first = measured[checkpoints[0]]
    print(
        f"\ndaily run growth ({preset}; medians of {trials}; "
        "run = load + batch gate + dbt build + marts gate + publish):"
    )
    for day_no, steps in measured.items():
        run_seconds, build_seconds = sum(steps.values()), steps["build"]
        print(
            f"  day {day_no:3d}: run {run_seconds:6.1f}s ({run_seconds / sum(first.values()):.2f}x "
            f"day 2); dbt build {build_seconds:5.1f}s ({build_seconds / first['build']:.2f}x day 2, "
            f"{build_seconds / run_seconds:.0%} of the run); load {steps['load']:.1f}s; "
            f"gates {steps['gate_batches'] + steps['gate_marts'] + steps['gate_serving']:.1f}s; "
            f"publish {steps['publish']:.1f}s"
        )

    # 3. on the last measured day's warehouse and serving file (the last trial ran day N)
    from benchmarks import person, report

    last = settings("measured")
    person.measure(last)
    report.measure(
        last.serving,
        START + dt.timedelta(days=days - 1),
        work / "reports",
        trials,
        f"{preset}, day {days}",
    )


RUN_DIRS = ("direct", "airflow", "growth", "measured")


def clear_previous_run(work: Path) -> None:
    """Remove the warehouses a previous run left in ``work``; keep the generated days.

    Without this, a second run with the same BENCH_DIR would load the wave into
    the previous run's day-60 warehouse, so "day 2" would be measured on the whole
    history and the direct day-1 run would be a re-run.
    """
    for name in RUN_DIRS:
        shutil.rmtree(work / name, ignore_errors=True)


def timed_days(
    settings: Settings, states: dict[int, Path], trials: int
) -> dict[int, list[dict[str, float]]]:
    """Run each day number of ``states`` in full ``trials`` times, the days taking turns.

    ``states[n]``: the warehouse as it was before day n. Every trial starts from a
    fresh copy of it (then deleted with the copies). Wall seconds per step.
    """
    from benchmarks.quality import run

    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    runs: dict[int, list[dict[str, float]]] = {day_no: [] for day_no in states}
    for _ in range(trials):
        for day_no, state in states.items():
            shutil.copyfile(state, settings.warehouse)
            os.sync()  # the copy's writes are not the run's
            day = START + dt.timedelta(days=day_no - 1)
            runs[day_no].append(run(settings, day, first=False).wall)
            print(f"    day {day_no}: {sum(runs[day_no][-1].values()):.1f}s", flush=True)
    for state in states.values():
        state.unlink()
    return runs


if __name__ == "__main__":
    main()
