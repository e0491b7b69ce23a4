"""Benchmark: the quality gates' share of the daily run (target <= 15 %).

    python -m benchmarks.quality START [END]

Runs the steps of ``gridwatch.ops.pipeline.run_day`` for each date on the warehouse
of the GRIDWATCH_* settings (e.g. a ``gridwatch generate --preset city`` output)
with a timer around each: load, batch gate, dbt build, marts gate (and the dbt
refresh of marts.mart_quality_results), publish with the serving gate. Gates do
not stop the benchmark. Wall time and CPU time (this process plus its children,
i.e. dbt) are both reported: CPU time is steadier on a shared machine. Importing
Great Expectations is counted in the gates, once per process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gridwatch.config import Settings

GATE_STEPS = ("gx_import", "gate_batches", "gate_marts", "mart_refresh", "gate_serving")


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass
class DayTimings:
    day: dt.date
    wall: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def timed(self, step: str, fn: Callable[[], Any]) -> Any:
        wall, cpu = time.perf_counter(), _cpu()
        try:
            return fn()
        finally:
            self.wall[step] = self.wall.get(step, 0.0) + time.perf_counter() - wall
            self.cpu[step] = self.cpu.get(step, 0.0) + _cpu() - cpu

    def share(self, measure: dict[str, float]) -> float:
        total = sum(measure.values())
        return sum(measure.get(s, 0.0) for s in GATE_STEPS) / total if total else 0.0


def run(settings: Settings, day: dt.date, first: bool, refresh: bool = False) -> DayTimings:
    from gridwatch.ingest.load import RejectedFilesError
    from gridwatch.ops.pipeline import load_feeds
    from gridwatch.warehouse.build import build, run_dbt
    from gridwatch.warehouse.publish import publish

    t = DayTimings(day)
    if first:
        t.timed("gx_import", lambda: __import__("gridwatch.quality.gx"))
    from gridwatch import quality

    try:
        t.timed("load", lambda: load_feeds(settings, day))
    except RejectedFilesError as exc:
        t.notes.append(f"{len(exc.results)} partitions with rejected files (timed anyway)")
    batches = t.timed("gate_batches", lambda: quality.check_batches(settings, day))
    t.timed("build", lambda: build(settings))
    marts = t.timed("gate_marts", lambda: quality.check_marts(settings, day, refresh_mart=False))
    if refresh:  # optional: the daily run does not refresh the mart with dbt
        t.timed(
            "mart_refresh", lambda: run_dbt(settings, "run", "--select", "mart_quality_results")
        )
    check = quality.serving_check(settings, day)
    copy_started = time.perf_counter()
    check_seconds = {"wall": 0.0, "cpu": 0.0}

    def timed_check(path):
        wall, cpu = time.perf_counter(), _cpu()
        try:
            check(path)
        finally:
            check_seconds["wall"] = time.perf_counter() - wall
            check_seconds["cpu"] = _cpu() - cpu

    cpu_started = _cpu()
    try:
        publish(settings.warehouse, settings.serving, check=timed_check)
    except quality.QualityGateError as exc:
        t.notes.append(f"serving gate failed: {str(exc).splitlines()[0]}")
    t.wall["publish"] = time.perf_counter() - copy_started - check_seconds["wall"]
    t.cpu["publish"] = _cpu() - cpu_started - check_seconds["cpu"]
    t.wall["gate_serving"], t.cpu["gate_serving"] = check_seconds["wall"], check_seconds["cpu"]
    for report in (batches, marts):
        t.notes.append(report.summary())
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality")
    parser.add_argument("start", type=dt.date.fromisoformat)
    parser.add_argument("end", type=dt.date.fromisoformat, nargs="?")
    parser.add_argument(
        "--refresh-mart",
        action="store_true",
        help="also time `dbt run --select mart_quality_results` after the marts gate",
    )
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    day, end = args.start, args.end or args.start
    first = True
    while day <= end:
        t = run(settings, day, first, args.refresh_mart)
        first = False
        print(f"\n{day}")
        steps = ["gx_import", "load", "gate_batches", "build", "gate_marts", "mart_refresh"]
        steps += ["publish", "gate_serving"]
        print(f"  {'step':<14}{'wall s':>10}{'cpu s':>10}")
        for step in steps:
            if step in t.wall:
                print(f"  {step:<14}{t.wall[step]:>10.1f}{t.cpu[step]:>10.1f}")
        print(f"  {'total':<14}{sum(t.wall.values()):>10.1f}{sum(t.cpu.values()):>10.1f}")
        print(
            f"  gates' share: {t.share(t.wall):.1%} of wall time, {t.share(t.cpu):.1%} of CPU time"
        )
        for note in t.notes:
            print(f"  - {note}")
        day += dt.timedelta(days=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
