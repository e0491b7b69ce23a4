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
import re
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


# the last line of a traceback: "package.module.SomeError: message"
_EXCEPTION_LINE = re.compile(
    r"^(?:[A-Za-z_][\w]*\.)*[A-Za-z_]\w*(?:Error|Exception|Timeout|Terminated|Interrupt): "
)
# lines of a traceback that end an exception's message
_NOT_MESSAGE = (
    "  File ",
    "Traceback (most recent",
    "During handling of",
    "The above exception",
    "DagRun ",
)
# a log record of Airflow's task runner starts with its timestamp
_LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def failure_messages(output: str) -> list[str]:
    """The distinct exception messages of a failed run's log, each with its lines.

    A gridwatch error says which file or expectation failed and what to do on the
    lines after the exception's name, so the whole block is kept; the same message
    raised again (an error wrapped as AirflowFailException) is shown once.
    """
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in output.splitlines():
        if _EXCEPTION_LINE.match(line):
            current = [line]
            blocks.append(current)
        elif current is not None and (_LOG_RECORD.match(line) or line.startswith(_NOT_MESSAGE)):
            current = None
        elif current is not None and line.strip():
            current.append(line)
    seen: set[str] = set()
    messages = []
    for block in blocks:
        text = "\n".join(block)
        body = text.split(": ", 1)[1]
        if body not in seen:
            seen.add(body)
            messages.append(text)
    return messages


def _dags_test(day: dt.date) -> bool:
    result = _airflow("dags", "test", DAG_ID, day.isoformat())
    if result.returncode != 0:
        messages = failure_messages(result.stdout + result.stderr) or [
            "(no error message found in the Airflow log: see `make status`)"
        ]
        console.print(f"[red]{day} failed[/]", markup=True)
        console.print("\n".join(messages[-5:]), markup=False, highlight=False)
    return result.returncode == 0


SHANGHAI = dt.timezone(dt.timedelta(hours=8))  # delivery dates are Asia/Shanghai dates
SCHEDULED_TIME = dt.time(23, 30)  # the DAG's schedule: the logical time of a run of D


def run_states() -> dict[dt.date, str]:
    """State of the scheduler's run of each delivery date (logical date D 23:30 +08:00).

    Runs of `airflow dags test D` (logical date D 00:00 UTC) are left out: they are
    separate runs of the same date, and an old one would otherwise answer for the
    run being waited for.
    """
    out = _airflow("dags", "list-runs", DAG_ID, "-o", "json").stdout
    # the JSON array is the last line; log lines before it may start with "[" too
    lines = [ln for ln in out.splitlines() if ln.startswith("[{") or ln.strip() == "[]"]
    states: dict[dt.date, str] = {}
    for run in json.loads(lines[-1]) if lines else []:
        if not run.get("logical_date"):  # a run triggered without one loads no date
            continue
        local = dt.datetime.fromisoformat(run["logical_date"]).astimezone(SHANGHAI)
        if local.time() != SCHEDULED_TIME:
            continue
        states.setdefault(local.date(), run["state"])
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


def _through_scheduler() -> bool:
    """True when the scheduler runs the dates; False when `airflow dags test` may.

    A scheduler without a healthy api-server can neither take the work nor be
    bypassed: `dags test` would write the warehouse next to the scheduler's runs.
    """
    scheduler = services.state("scheduler").running
    if scheduler and not services.healthy():
        raise SystemExit(
            "the Airflow scheduler is running but the api-server does not answer "
            f"{services.health_url()}: start it (make airflow-up) or stop every component "
            "(make down), then run this again"
        )
    return scheduler


def backfill(start: dt.date, end: dt.date) -> list[dt.date]:
    days = dates_between(start, end)
    if _through_scheduler():
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


def shanghai_day_bounds(day: dt.date) -> tuple[str, str]:
    """The first and last instant of delivery date ``day`` (Asia/Shanghai), for Airflow's CLI.

    A scheduled run of D has its logical date at D 23:30 +08:00; bare dates would be
    read as UTC midnights, which miss that run or catch the next day's.
    """
    first, last = (dt.datetime.combine(day, t, SHANGHAI) for t in (dt.time.min, dt.time.max))
    return first.isoformat(timespec="seconds"), last.isoformat(timespec="seconds")


def rerun(day: dt.date) -> bool:
    if _through_scheduler():
        _airflow("dags", "unpause", DAG_ID, check=True)  # a paused DAG's runs stay queued
        if day in run_states():
            start, end = shanghai_day_bounds(day)
            result = _airflow("tasks", "clear", DAG_ID, "-s", start, "-e", end, "-y")
        else:  # no run of D to clear: start one at the scheduler's logical date of D
            logical = dt.datetime.combine(day, SCHEDULED_TIME, SHANGHAI).isoformat()
            result = _airflow("dags", "trigger", DAG_ID, "-l", logical)
        if result.returncode != 0:
            raise RuntimeError(f"airflow could not re-run {day}:\n{result.stderr[-2000:]}")
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
