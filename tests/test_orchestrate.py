"""`make rerun` / `make backfill` (gridwatch.orchestrate): what they tell the operator and
which Airflow runs they select. The Airflow round trips are in test_airflow_dag.py."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

from gridwatch import orchestrate

FAILED_LOAD_LOG = """\
2026-11-30T17:54:01.497624Z [info     ] push_list readme.txt REJECTED: … [gridwatch.tasks]
2026-11-30T17:54:01.498061Z [error    ] Task failed with exception     [task]
Traceback (most recent call last):
  File "/work/main/src/gridwatch/tasks.py", line 29, in load_feed
    results = load_feeds(Settings.from_env(), day, (feed,))
gridwatch.load.RejectedFilesError: 1 file(s) rejected (the other files were loaded):
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


def test_reruns_select_the_delivery_date_in_shanghai_time():
    start, end = orchestrate.shanghai_day_bounds(dt.date(2021, 8, 4))
    scheduled = dt.datetime(2021, 8, 4, 15, 30, tzinfo=dt.UTC)  # 23:30 +08:00
    assert dt.datetime.fromisoformat(start) <= scheduled <= dt.datetime.fromisoformat(end)
    next_day_test_run = dt.datetime(2021, 8, 5, tzinfo=dt.UTC)  # `dags test 2021-08-05`
    assert not dt.datetime.fromisoformat(end) >= next_day_test_run


def test_run_states_read_only_the_scheduler_runs_of_each_date(monkeypatch):
    runs = [
        {"logical_date": "", "state": "failed"},  # `airflow dags trigger` without -l
        {"logical_date": "2021-08-04T00:00:00+00:00", "state": "failed"},  # an old dags test
        {"logical_date": "2021-08-04T15:30:00+00:00", "state": "success"},  # the scheduler's
    ]

    def fake_airflow(*args, check=False):
        return subprocess.CompletedProcess(args, 0, stdout=json.dumps(runs) + "\n", stderr="")

    monkeypatch.setattr(orchestrate, "_airflow", fake_airflow)
    assert orchestrate.run_states() == {dt.date(2021, 8, 4): "success"}


def test_a_scheduler_without_its_api_server_is_neither_used_nor_bypassed(monkeypatch):
    import pytest

    from gridwatch import services

    class Running:
        running = True

    monkeypatch.setattr(services, "state", lambda name: Running())
    monkeypatch.setattr(services, "healthy", lambda: False)
    called = []
    monkeypatch.setattr(orchestrate, "_dags_test", lambda day: called.append(day) or True)
    with pytest.raises(SystemExit, match="api-server does not answer"):
        orchestrate.rerun(dt.date(2021, 8, 4))
    assert called == []  # no `airflow dags test` next to the scheduler's runs
