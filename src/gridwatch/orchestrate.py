"""Operator commands through Airflow: re-run a date, backfill a range.

Both work with no Airflow services running (``airflow dags test``, one date
after the other) and with the scheduler running (``airflow tasks clear`` /
``airflow backfill create``, then waiting for the runs). A failed date never
stops the later ones; the command ends by listing the failed dates and exits 1.

    python -m gridwatch.orchestrate rerun 2021-08-04
    python -m gridwatch.orchestrate backfill 2021-08-02 2021-08-15
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from gridwatch import services
from gridwatch.pipeline import dates_between

DAG_ID = "gridwatch_daily"
AIRFLOW = services.AIRFLOW
console = Console(stderr=True)


def _airflow(*args: str, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([AIRFLOW, *args], capture_output=True, text=True, check=check)


def _dags_test(day: dt.date) -> bool:
    result = _airflow("dags", "test", DAG_ID, day.isoformat())
    if result.returncode != 0:
        tail = [
            ln
            for ln in (result.stdout + result.stderr).splitlines()
            if "ERROR" in ln or "Error" in ln
        ]
        console.print(f"[red]{day} failed[/]\n" + "\n".join(tail[-8:]))
    return result.returncode == 0


def run_states() -> dict[dt.date, str]:
    out = _airflow("dags", "list-runs", DAG_ID, "-o", "json").stdout
    # the JSON array is the last line; log lines before it may start with "[" too
    lines = [ln for ln in out.splitlines() if ln.startswith("[{") or ln.strip() == "[]"]
    states: dict[dt.date, str] = {}
    for run in json.loads(lines[-1]) if lines else []:
        logical = dt.datetime.fromisoformat(run["logical_date"])
        day = (logical + dt.timedelta(hours=8)).date()  # Asia/Shanghai delivery date
        states.setdefault(day, run["state"])
    return states


def _wait(days: list[dt.date], timeout: float = 3 * 3600) -> list[dt.date]:
    """Wait until every date's latest run has finished; return the failed dates."""
    deadline = time.monotonic() + timeout
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("waiting for Airflow runs", total=len(days))
        while True:
            states = run_states()
            done = [d for d in days if states.get(d) in ("success", "failed")]
            running = [str(d) for d in days if states.get(d) == "running"]
            progress.update(
                task,
                completed=len(done),
                description=f"runs done (running: {', '.join(running) or '-'})",
            )
            if len(done) == len(days) or time.monotonic() > deadline:
                break
            time.sleep(5)
    return [d for d in days if run_states().get(d) != "success"]


def backfill(start: dt.date, end: dt.date) -> list[dt.date]:
    days = dates_between(start, end)
    if services.healthy() and services.state("scheduler").running:
        _airflow("dags", "unpause", DAG_ID, check=True)
        result = _airflow(
            "backfill",
            "create",
            "--dag-id",
            DAG_ID,
            "--from-date",
            start.isoformat(),
            "--to-date",
            (end + dt.timedelta(days=1)).isoformat(),
            "--reprocess-behavior",
            "completed",
            "--max-active-runs",
            "1",
        )
        if result.returncode != 0:
            raise RuntimeError(f"airflow backfill create failed:\n{result.stderr[-2000:]}")
        return _wait(days)
    failed = []
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as p:
        task = p.add_task("airflow dags test", total=len(days))
        for day in days:
            p.update(task, description=f"airflow dags test {day}")
            if not _dags_test(day):
                failed.append(day)
            p.advance(task)
    return failed


def rerun(day: dt.date) -> bool:
    if services.healthy() and services.state("scheduler").running:
        result = _airflow(
            "tasks",
            "clear",
            DAG_ID,
            "-s",
            day.isoformat(),
            "-e",
            (day + dt.timedelta(days=1)).isoformat(),
            "-y",
        )
        if result.returncode != 0:
            raise RuntimeError(f"airflow tasks clear failed:\n{result.stderr[-2000:]}")
        return not _wait([day])
    return _dags_test(day)


def main(argv: list[str] | None = None) -> int:
    args = argv or sys.argv[1:]
    if len(args) == 2 and args[0] == "rerun":
        ok = rerun(dt.date.fromisoformat(args[1]))
        console.print(f"{args[1]}: {'succeeded' if ok else '[red]failed[/]'}")
        return 0 if ok else 1
    if len(args) == 3 and args[0] == "backfill":
        start, end = dt.date.fromisoformat(args[1]), dt.date.fromisoformat(args[2])
        failed = backfill(start, end)
        if failed:
            console.print(
                f"[red]{len(failed)} date(s) failed:[/] {', '.join(map(str, failed))}\n"
                "See `make status` and RUNBOOK.md, fix the files, then `make rerun DATE=…` for each."
            )
            return 1
        console.print(f"all dates {start}..{end} succeeded")
        return 0
    console.print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
