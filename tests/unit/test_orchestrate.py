"""`make rerun` / `make backfill` (gridwatch.ops.orchestrate): what they tell the operator and
which Airflow runs they select. The round trips through a real Airflow are in
e2e/test_airflow_dag.py (`dags test`) and e2e/test_services.py (the scheduler and its REST API)."""

from __future__ import annotations

import datetime as dt
import json

from gridwatch.ops import airflow_api, orchestrate

FAILED_LOAD_LOG = """\
2026-11-30T17:54:01.497624Z [info     ] push_list readme.txt REJECTED: … [gridwatch.ops.tasks]
2026-11-30T17:54:01.498061Z [error    ] Task failed with exception     [task]
Traceback (most recent call last):
  File "/work/main/src/gridwatch/tasks.py", line 29, in load_feed
    results = load_feeds(Settings.from_env(), day, (feed,))
gridwatch.ingest.load.RejectedFilesError: 1 file(s) rejected (the other files were loaded):
- push_list/2021-08-04/readme.txt: unsupported file type '.txt'; remove it and re-run the date.
Fix or remove each file in the landing folder, then re-run the date.

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/work/main/src/gridwatch/tasks.py", line 20, in _fail
    raise AirflowFailException(message)
airflow.sdk.exceptions.AirflowFailException: 1 file(s) rejected (the other files were loaded):
- push_list/2021-08-04/readme.txt: unsupported file type '.txt'; remove it and re-run the date.
Fix or remove each file in the landing folder, then re-run the date.
2026-11-30T17:54:01.501893Z [info     ] ::group::Post Execute          [task]
"""


def test_a_failed_run_reports_the_file_and_what_to_do_once():
    messages = orchestrate.failure_messages(FAILED_LOAD_LOG)
    assert len(messages) == 1  # the wrapped AirflowFailException repeats the same message
    assert "readme.txt: unsupported file type" in messages[0]
    assert messages[0].endswith("then re-run the date.")
    assert "Traceback" not in messages[0] and "During handling" not in messages[0]


class FakeApi:
    """What the REST API answers for a few runs (the real round trip: test_services.py)."""

    def __init__(self, runs=(), tasks=None, errors=None, refuse=None):
        self._runs, self._tasks, self._errors, self._refuse = list(runs), tasks, errors, refuse

    def runs(self, start, end):
        return [r for r in self._runs if start <= r.day <= end]

    def all_runs(self):
        return [{"logical_date": "2021-08-04T15:30:00+00:00", "state": "success"}]

    def task_states(self, run_id):
        return self._tasks

    def task_errors(self, run_id, task_id, try_number):
        return self._errors[task_id]

    def unpause(self):
        pass

    def create_backfill(self, start, end):
        raise self._refuse


def test_a_date_is_its_scheduler_run_at_2330_shanghai_time():
    assert airflow_api.logical_date(dt.date(2021, 8, 4)) == dt.datetime(
        2021, 8, 4, 15, 30, tzinfo=dt.UTC
    )
    day = dt.date(2021, 8, 4)
    runs = [
        airflow_api.DagRun("manual__2021-08-04T00:00:00+00:00", day, False, "failed", 3.0),
        airflow_api.DagRun("scheduled__2021-08-04T15:30:00+00:00", day, True, "success", 60.0),
    ]
    info = orchestrate.run_info(FakeApi(runs), [day])
    assert info == {day: orchestrate.RunInfo("success", 60.0, runs[1].run_id)}


def test_a_failed_run_reports_its_task_states_and_each_message_once():
    tasks = {
        "load_push_list": ("failed", 1),
        "gate_batches": ("failed", 1),
        "build_marts": ("upstream_failed", 0),
    }
    rejected = "1 file(s) rejected: push_list/2021-08-04/readme.txt: unsupported file type"
    errors = {
        "load_push_list": [f"RejectedFilesError: {rejected}", f"AirflowFailException: {rejected}"],
        "gate_batches": ["AirflowFailException: Quality gate batches stopped 2021-08-04"],
    }
    report = orchestrate.failure_report(FakeApi(tasks=tasks, errors=errors), "run")
    assert report[0] == (
        "tasks: load_push_list failed, gate_batches failed, build_marts upstream_failed"
    )
    assert report[1:] == [
        f"load_push_list: RejectedFilesError: {rejected}",
        "gate_batches: AirflowFailException: Quality gate batches stopped 2021-08-04",
    ]


def test_run_states_read_only_the_scheduler_runs_of_each_date():
    assert orchestrate.run_states(FakeApi()) == {dt.date(2021, 8, 4): "success"}


def test_a_scheduler_without_its_api_server_is_neither_used_nor_bypassed(monkeypatch):
    import pytest

    from gridwatch.ops import services

    class Running:
        running = True

    monkeypatch.setattr(services, "state", lambda name: Running())
    monkeypatch.setattr(services, "healthy", lambda: False)
    called = []
    monkeypatch.setattr(orchestrate, "_dags_test", lambda day: called.append(day) or True)
    with pytest.raises(SystemExit, match="api-server does not answer"):
        orchestrate.rerun(dt.date(2021, 8, 4))
    assert called == []  # no `airflow dags test` next to the scheduler's runs


def _designed_landing(tmp_path, monkeypatch, rejected: list[tuple[str, str, str]]):
    """A landing folder with a generator manifest naming ``rejected`` (feed, date, file)."""
    landing = tmp_path / "landing"
    landing.mkdir()
    files = [
        {"feed": feed, "delivery_date": day, "file_name": name, "status": "REJECTED"}
        for feed, day, name in rejected
    ]
    (tmp_path / "manifest.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    monkeypatch.setenv("GRIDWATCH_LANDING_DIR", str(landing))


def test_a_date_line_names_state_seconds_loaded_and_rejected_files(tmp_path, monkeypatch):
    _designed_landing(tmp_path, monkeypatch, [("push_list", "2021-08-02", "readme.txt")])
    files = orchestrate.DayFiles(loaded=14, rejected=["push_list/readme.txt"])
    designed = orchestrate.DayResult(dt.date(2021, 8, 2), "failed", 59.4, files)
    line = orchestrate.day_line(designed)
    assert line.startswith("2021-08-02  failed")
    assert "59 s" in line and "14 file(s) loaded, 1 rejected: push_list/readme.txt" in line
    assert "designed" in line
    ok = orchestrate.DayResult(dt.date(2021, 8, 3), "success", 90, orchestrate.DayFiles(27, []))
    assert orchestrate.day_line(ok).endswith("27 file(s) loaded, 0 rejected")


def test_only_the_generators_rejections_count_as_designed(tmp_path, monkeypatch, capsys):
    _designed_landing(tmp_path, monkeypatch, [("push_list", "2021-08-02", "readme.txt")])
    day = dt.date(2021, 8, 2)
    as_built = orchestrate.DayFiles(14, ["push_list/readme.txt"])
    other_file = orchestrate.DayFiles(14, ["push_list/readme.txt", "checkpoint/a.csv"])
    designed = orchestrate.DayResult(day, "failed", 50, as_built)
    assert orchestrate.failed_as_designed(designed)
    assert not orchestrate.failed_as_designed(orchestrate.DayResult(day, "failed", 50, other_file))
    # a date of the manifest that failed without its rejected file failed for another reason
    no_files = orchestrate.DayResult(day, "failed", 50, orchestrate.DayFiles(0, []))
    assert not orchestrate.failed_as_designed(no_files)
    assert orchestrate.summarise([designed]) == 0
    monkeypatch.setenv("MAKELEVEL", "1")
    assert orchestrate.summarise([designed, no_files]) == 1
    out = capsys.readouterr().out
    assert "failed as the generator designed them" in out
    assert "make rerun DATE=2021-08-02" in out  # a command to paste, with the real date


def test_without_a_manifest_every_failed_date_fails_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_LANDING_DIR", str(tmp_path / "landing"))
    files = orchestrate.DayFiles(3, ["push_list/readme.txt"])
    assert orchestrate.summarise([orchestrate.DayResult(dt.date(2021, 8, 2), "failed", 9, files)])


def test_dates_print_one_line_each_when_the_output_is_not_a_terminal(monkeypatch, capsys):
    days = [dt.date(2021, 8, 2), dt.date(2021, 8, 3)]
    calls = iter([{}, {d: orchestrate.RunInfo("success", 30.0, "r") for d in days}])
    monkeypatch.setattr(orchestrate, "run_info", lambda client, days: next(calls))
    monkeypatch.setattr(orchestrate, "day_files", lambda day: orchestrate.DayFiles(4, []))
    monkeypatch.setattr(orchestrate, "POLL_SECONDS", 0)
    results = orchestrate._wait(FakeApi(), days)
    assert [r.state for r in results] == ["success", "success"]
    lines = capsys.readouterr().out.splitlines()
    assert [ln.split()[0] for ln in lines] == ["2021-08-02", "2021-08-03"]


def test_a_refused_backfill_stops_with_what_to_do(tmp_path, monkeypatch, capsys):
    from gridwatch.ops import services

    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setattr(orchestrate, "_through_scheduler", lambda: True)
    refusal = airflow_api.ApiError("POST /api/v2/backfills: HTTP 409 already running", 409)
    monkeypatch.setattr(orchestrate, "api", lambda: FakeApi(refuse=refusal))
    assert orchestrate.main(["backfill", "2021-08-02", "2021-08-03"]) == 1
    err = capsys.readouterr().err
    assert "refused the backfill of 2021-08-02..2021-08-03" in err and "HTTP 409" in err
    assert str(services.run_dir()) in err
