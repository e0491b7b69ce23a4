"""Alerts from the DAG: it carries the notifier and the deadline, and `airflow dags test`
of a day with a broken workbook sends the alert during the run (local SMTP and webhook)."""

from __future__ import annotations

import datetime as dt
import runpy
import shutil
import subprocess

from alert_receivers import Receivers, body
from conftest import EXAMPLES, airflow_env, make_settings, settings_env

from gridwatch.config import REPO_ROOT
from gridwatch.ops import alerts
from gridwatch.ops.services import AIRFLOW

DAY = dt.date(2021, 8, 2)
BROKEN = "推送名单_损坏.xlsx"


def test_dag_carries_the_notifier_and_the_deadline(monkeypatch):
    monkeypatch.setenv("GRIDWATCH_ALERT_DEADLINE", "10:00")
    dag = runpy.run_path(str(REPO_ROOT / "dags" / "gridwatch_daily.py"))["gridwatch_daily"]()
    assert all(
        any(isinstance(c, alerts.GridwatchNotifier) for c in _callbacks(t)) for t in dag.tasks
    )
    (deadline,) = dag.deadline
    assert deadline.interval == dt.timedelta(hours=10, minutes=30)  # D 23:30 -> D+1 10:00


def _callbacks(task) -> list:
    callbacks = task.on_failure_callback
    return callbacks if isinstance(callbacks, list) else [callbacks]


def test_a_broken_workbook_alerts_within_the_run(airflow_home, tmp_path):
    """`airflow dags test` runs the task failure callbacks: the message arrives during the run."""
    landing = tmp_path / "landing"
    for feed_dir in (EXAMPLES / "landing").iterdir():
        if (feed_dir / DAY.isoformat()).is_dir():
            shutil.copytree(feed_dir / DAY.isoformat(), landing / feed_dir.name / DAY.isoformat())
    (landing / "push_list" / DAY.isoformat() / BROKEN).write_bytes(b"PK\x03\x04 not a workbook")
    settings = make_settings(tmp_path, landing=landing, reference=EXAMPLES / "reference")
    with Receivers() as receivers:
        env = airflow_env(airflow_home, settings_env(settings))
        env.update(receivers.env())
        run = subprocess.run(
            [str(AIRFLOW), "dags", "test", "gridwatch_daily", DAY.isoformat()],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert run.returncode != 0
    subjects = [m["Subject"] for m in receivers.mails]
    assert any("load_push_list" in s for s in subjects), run.stdout[-3000:] + run.stderr[-3000:]
    # one alert per failure: the batch gate only repeated the load's failure
    assert len(receivers.mails) == len(receivers.posts) == 1, subjects
    assert BROKEN in body(receivers.mails[0])
    content = receivers.posts[0]["text"]["content"]
    assert BROKEN in content and "2021-08-02" in content and "re-run" in content
