"""Operator commands through Airflow: re-run a date, backfill a range.

With the scheduler running they go through Airflow's REST API (a backfill, a
cleared or triggered run), and report each date's task states and the message
its failed task raised from structured data; with no services running they run
``airflow dags test``, one date after the other. A failed date never
stops the later ones. Each date prints one line as it finishes (state, seconds,
files loaded, rejected files); the command ends by listing the failed dates and
exits 1, except for dates of generated data that failed on exactly the files the
generator built to be rejected (its manifest.json), which it names as designed.

    python -m gridwatch.ops.orchestrate rerun 2021-08-04
    python -m gridwatch.ops.orchestrate backfill 2021-08-02 2021-08-15
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from gridwatch.config import Settings
from gridwatch.ops import airflow_api, hints, postgres, services
from gridwatch.ops.pipeline import dates_between
from gridwatch.ops.schedule import LOCAL_TZ as SHANGHAI
from gridwatch.ops.schedule import RUN_TIME

DAG_ID = "gridwatch_daily"
AIRFLOW = services.AIRFLOW
POLL_SECONDS = 5
DAG_WAIT_SECONDS = 600  # a fresh dag-processor's first parse of the DAG, on a loaded machine
console = Console(stderr=True)


def _airflow(*args: str, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [AIRFLOW, *args], capture_output=True, text=True, check=check, env=services.airflow_env()
    )


class OrchestrationError(RuntimeError):
    """Airflow refused a request: the message says what failed and what to do."""


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


@dataclass
class DayFiles:
    """What the warehouse's load log holds for one delivery date."""

    loaded: int
    rejected: list[str]  # feed/file name


@dataclass
class DayResult:
    day: dt.date
    state: str  # success, failed
    seconds: float | None
    files: DayFiles | None = None  # None: the warehouse was busy or missing
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.state == "success"


@dataclass
class RunInfo:
    state: str
    seconds: float | None
    run_id: str = ""


def day_files(day: dt.date) -> DayFiles | None:
    """Loaded and rejected files of ``day``; None while another process writes the warehouse."""
    import duckdb

    path = Settings.from_env().warehouse
    if not path.exists():
        return None
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:  # a task holds the write lock: asked again at the next poll
        return None
    try:
        rows = con.execute(
            "select feed, file_name, status from raw.load_log where delivery_date = ?", [day]
        ).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return DayFiles(
        loaded=sum(status == "LOADED" for _, _, status in rows),
        rejected=sorted(f"{feed}/{name}" for feed, name, status in rows if status == "REJECTED"),
    )


def designed_rejections(day: dt.date) -> list[str] | None:
    """Files the generator built to be rejected on ``day`` (its manifest.json); None if no
    manifest lies beside the landing folder (real deliveries)."""
    manifest = Settings.from_env().landing_dir.parent / "manifest.json"
    if not manifest.exists():
        return None
    files = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    return sorted(
        f"{f['feed']}/{f['file_name']}"
        for f in files
        if f.get("status") == "REJECTED" and f.get("delivery_date") == day.isoformat()
    )


def failed_as_designed(result: DayResult) -> bool:
    """A generated date failed on exactly the files its manifest meant to be rejected."""
    if result.ok or result.files is None or not result.files.rejected:
        return False
    return designed_rejections(result.day) == result.files.rejected


def day_line(result: DayResult) -> str:
    """One line per finished date: state, seconds, files loaded, rejected files."""
    seconds = f"{result.seconds:6.0f} s" if result.seconds is not None else "     ? s"
    if result.files is None:
        files = "files: see make status (the warehouse was busy)"
    else:
        files = f"{result.files.loaded:3d} file(s) loaded, {len(result.files.rejected)} rejected"
        if result.files.rejected:
            files += ": " + ", ".join(result.files.rejected)
    note = "  (rejection designed by the generator)" if failed_as_designed(result) else ""
    return f"{result.day}  {result.state:8s}{seconds}  {files}{note}"


def _report(result: DayResult) -> None:
    print(day_line(result), flush=True)
    if not result.ok and not failed_as_designed(result):
        for message in result.messages[:6]:
            print("    " + message.replace("\n", "\n    "), flush=True)


@contextlib.contextmanager
def _progress(total: int, description: str) -> Iterator[Callable[[int, str], None]]:
    """A progress bar on a terminal (the per-date lines print above it); nothing otherwise."""
    if not console.is_terminal:
        yield lambda done, text: None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda done, text: progress.update(task, completed=done, description=text)


def _dags_test(day: dt.date) -> DayResult:
    started = time.monotonic()
    result = _airflow("dags", "test", DAG_ID, day.isoformat())
    messages = []
    if result.returncode != 0:
        messages = failure_messages(result.stdout + result.stderr) or [
            f"(no error message found in the Airflow log: see {hints.status()})"
        ]
    return DayResult(
        day,
        "success" if result.returncode == 0 else "failed",
        time.monotonic() - started,
        day_files(day),
        messages,
    )


def api() -> airflow_api.AirflowApi:
    """The running api-server's REST API, as the admin user (or AIRFLOW_API_USER)."""
    user, password = airflow_api.credentials(services.passwords_file())
    base = f"http://127.0.0.1:{services.api_port()}"
    return airflow_api.AirflowApi(base, user, password, DAG_ID)


def run_info(client: airflow_api.AirflowApi, days: list[dt.date]) -> dict[dt.date, RunInfo]:
    """The scheduler's latest run of each date (logical date D 23:30 +08:00).

    Runs of `airflow dags test D` (logical date D 00:00 UTC) are left out: they are
    separate runs of the same date, and an old one would otherwise answer for the
    run being waited for.
    """
    runs: dict[dt.date, RunInfo] = {}
    for run in client.runs(min(days), max(days)):
        if run.scheduled and run.day in days:
            runs[run.day] = RunInfo(run.state, run.seconds, run.run_id)
    return runs


def run_states(client: airflow_api.AirflowApi | None = None) -> dict[dt.date, str]:
    """Every date's scheduler run state (for status and tests)."""
    client = client or api()
    states: dict[dt.date, str] = {}
    for run in client.all_runs():
        if not run.get("logical_date"):
            continue
        local = dt.datetime.fromisoformat(run["logical_date"]).astimezone(SHANGHAI)
        if local.time() == RUN_TIME:
            states[local.date()] = run["state"]
    return states


def failure_report(client: airflow_api.AirflowApi, run_id: str) -> list[str]:
    """A failed run's task states and the messages its failed tasks raised."""
    states = client.task_states(run_id)
    line = "tasks: " + ", ".join(f"{task} {state or 'none'}" for task, (state, _) in states.items())
    messages = [line]
    for task, (state, tries) in states.items():
        if state == "failed" and tries:
            for error in client.task_errors(run_id, task, tries):
                if error.split(": ", 1)[-1] not in "\n".join(messages):
                    messages.append(f"{task}: {error}")
    return messages


def _wait(
    client: airflow_api.AirflowApi, days: list[dt.date], timeout: float = 3 * 3600
) -> list[DayResult]:
    """Wait until every date's run has finished, printing each date's line as it does."""
    deadline = time.monotonic() + timeout
    results: dict[dt.date, DayResult] = {}
    finished_at: dict[dt.date, float] = {}
    with _progress(len(days), "waiting for Airflow runs") as update:
        while True:
            runs = run_info(client, days)
            for day in days:
                info = runs.get(day)
                if day in results or info is None or info.state not in ("success", "failed"):
                    continue
                finished_at.setdefault(day, time.monotonic())
                files = day_files(day)
                # the next run may hold the warehouse: wait a minute for its counts at most
                if files is None and time.monotonic() - finished_at[day] < 60:
                    continue
                messages = [] if info.state == "success" else failure_report(client, info.run_id)
                results[day] = DayResult(day, info.state, info.seconds, files, messages)
                _report(results[day])
            running = [str(d) for d in days if runs.get(d) and runs[d].state == "running"]
            update(len(results), f"runs done (running: {', '.join(running) or '-'})")
            if len(results) == len(days):
                break
            if time.monotonic() > deadline:
                missing = [str(d) for d in days if d not in results]
                raise OrchestrationError(
                    f"runs of {', '.join(missing)} did not finish within {timeout / 3600:.0f} h: "
                    f"see {hints.status()} and the scheduler's log {services.run_dir()}"
                )
            time.sleep(POLL_SECONDS)
    return [results[d] for d in days]


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


def _unpause(client: airflow_api.AirflowApi, timeout: float = DAG_WAIT_SECONDS) -> None:
    """Unpause the DAG, waiting for a freshly started dag-processor to have parsed it.

    A paused DAG's runs, backfills included, are never scheduled.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.unpause()
            return
        except airflow_api.ApiError as exc:
            if exc.status != 404 or time.monotonic() > deadline:
                raise OrchestrationError(
                    f"Airflow does not know the DAG {DAG_ID} after {timeout:.0f} s: see "
                    f"{services.run_dir() / 'dag-processor.log'} and "
                    f"`{AIRFLOW} dags list-import-errors`.\n{exc}"
                ) from None
        time.sleep(POLL_SECONDS)


def backfill(start: dt.date, end: dt.date) -> list[DayResult]:
    days = dates_between(start, end)
    if _through_scheduler():
        client = api()
        _unpause(client)
        try:
            client.create_backfill(start, end)
        except airflow_api.ApiError as exc:
            raise OrchestrationError(
                f"Airflow refused the backfill of {start}..{end}: {exc}\nA backfill of this DAG "
                "may still be running (the UI's Backfills list); otherwise see the api-server's "
                f"log in {services.run_dir()}, fix what it names and run the backfill again."
            ) from None
        return _wait(client, days)
    results = []
    with postgres.started(), _progress(len(days), "airflow dags test") as update:
        for i, day in enumerate(days):
            update(i, f"airflow dags test {day}")
            results.append(_dags_test(day))
            _report(results[-1])
        update(len(days), "airflow dags test")
    return results


def rerun(day: dt.date) -> DayResult:
    if _through_scheduler():
        client = api()
        _unpause(client)  # a paused DAG's runs stay queued
        try:
            existing = run_info(client, [day]).get(day)
            if existing is not None:
                client.clear(existing.run_id)
            else:  # no run of D to clear: start one at the scheduler's logical date of D
                client.trigger(day)
        except airflow_api.ApiError as exc:
            raise OrchestrationError(f"Airflow could not re-run {day}: {exc}") from None
        return _wait(client, [day])[0]
    with postgres.started():
        outcome = _dags_test(day)
    _report(outcome)
    return outcome


def summarise(results: list[DayResult]) -> int:
    """Print the end of a backfill and return its exit code (1 if a date failed unexpectedly)."""
    designed = [r for r in results if failed_as_designed(r)]
    failed = [r for r in results if not r.ok and r not in designed]
    ok = len(results) - len(designed) - len(failed)
    print(f"{ok} of {len(results)} date(s) succeeded", flush=True)
    if designed:
        print(
            f"{len(designed)} date(s) failed as the generator designed them (a file built to be "
            f"rejected; see the manifest.json beside the landing folder): "
            + ", ".join(str(r.day) for r in designed),
            flush=True,
        )
    if failed:
        print(
            f"{len(failed)} date(s) failed: {', '.join(str(r.day) for r in failed)}\n"
            f"See {hints.status()} and RUNBOOK.md, fix what each message names, then re-run "
            "each date:\n" + "\n".join("    " + hints.rerun_through_airflow(r.day) for r in failed),
            flush=True,
        )
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = argv or sys.argv[1:]
    try:
        if len(args) == 2 and args[0] == "rerun":
            return summarise([rerun(dt.date.fromisoformat(args[1]))])
        if len(args) == 3 and args[0] == "backfill":
            start, end = dt.date.fromisoformat(args[1]), dt.date.fromisoformat(args[2])
            return summarise(backfill(start, end))
    except (OrchestrationError, services.ServiceError, postgres.PostgresError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    console.print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
