"""Alerts: a failed day reaches a local SMTP server and a local webhook receiver, in
Chinese and English, naming the date, the task, the file or check and the fix."""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import json
import runpy
import shutil
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from conftest import EXAMPLES, airflow_env, make_settings, settings_env

from gridwatch.config import REPO_ROOT
from gridwatch.ops import alerts
from gridwatch.ops.schedule import ScheduleError, deadline_after_run
from gridwatch.ops.services import AIRFLOW

DAY = dt.date(2021, 8, 2)
BROKEN = "推送名单_损坏.xlsx"

REJECTED_MESSAGE = (
    "1 file(s) rejected (the other files were loaded):\n"
    f"- push_list/2021-08-02/{BROKEN}: not a readable .xlsx workbook (File is not a zip "
    "file): ask the sender to re-export it\n"
    "Fix or remove each file in the landing folder, then re-run the date."
)
GATE_MESSAGE = (
    'Quality gate "batches" stopped 2021-08-03: 1 blocking expectation(s) failed. Nothing '
    "is published: the serving file keeps its last good version.\n\n"
    "suite batch.push_list.delivery:\n"
    "  - expect_column_values_to_be_between on files_delivered_if_expected\n"
    "    observed: 0, expected >= 1\n"
    "    what to do: ask the sender for the day's file (phone 13800000002)\n"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receivers:
    """A local SMTP server (aiosmtpd) and a robot-like webhook receiver (http.server)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.mails: list[email.message.EmailMessage] = []
        self.posts: list[dict] = []
        self.paths: list[str] = []
        receivers = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                receivers.mails.append(
                    email.message_from_bytes(envelope.content, policy=email.policy.default)
                )
                return "250 OK"

        class Robot(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receivers.posts.append(json.loads(body))
                receivers.paths.append(self.path)
                answer = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.smtp_port = _free_port()
        self.smtp = Controller(Handler(), hostname="127.0.0.1", port=self.smtp_port)
        self.http = HTTPServer(("127.0.0.1", 0), Robot)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self) -> Receivers:
        self.smtp.start()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.smtp.stop()
        self.http.shutdown()
        self.http.server_close()

    def env(self) -> dict[str, str]:
        return {
            "AIRFLOW_CONN_SMTP_DEFAULT": (
                f"smtp://127.0.0.1:{self.smtp_port}?disable_ssl=true&disable_tls=true"
                "&retry_limit=0&timeout=10"
            ),
            "GRIDWATCH_ALERT_EMAIL_TO": "ops@example.org, duty@example.org",
            "GRIDWATCH_ALERT_EMAIL_FROM": "gridwatch@example.org",
            "GRIDWATCH_ALERT_WEBHOOK_URL": (
                f"http://127.0.0.1:{self.http.server_port}/cgi-bin/webhook/send?key=test"
            ),
        }


@pytest.fixture
def receivers(monkeypatch):
    with Receivers() as r:
        for key, value in r.env().items():
            monkeypatch.setenv(key, value)
        yield r


def _body(mail: email.message.EmailMessage) -> str:
    part = mail.get_body(preferencelist=("html", "plain"))
    return part.get_content()


# --- messages --------------------------------------------------------------------------


def test_a_rejected_file_alert_names_date_task_file_and_fix_in_both_languages():
    alert = alerts.failure_alert(DAY, "load_push_list", REJECTED_MESSAGE)
    assert alert.items == (f"push_list/2021-08-02/{BROKEN}",)
    text = alert.text()
    assert "2021-08-02" in text and "load_push_list" in text and BROKEN in text
    assert "修复或移除" in text and "re-run the date" in text  # the fix, zh and en
    assert "-s 2021-08-02T00:00:00+08:00" in text  # the command that re-runs it
    assert "2021-08-02" in alert.subject and "load_push_list" in alert.subject


def test_a_gate_alert_names_the_expectation_and_masks_personal_numbers():
    alert = alerts.failure_alert(dt.date(2021, 8, 3), "gate_batches", GATE_MESSAGE)
    assert alert.items == (
        "batch.push_list.delivery: expect_column_values_to_be_between on "
        "files_delivered_if_expected",
    )
    text = alert.text()
    assert "13800000002" not in text and "138****0002" in text
    assert alerts.redact("id 110101199003071239 x") == "id 110***********1239 x"


def test_dingtalk_signing_and_the_webhook_size_limit():
    url = alerts.webhook_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SEC", 1)
    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1&sign=")
    long = alerts.failure_alert(DAY, "gate_marts", "x" * 10_000)
    payload = json.loads(alerts.webhook_payload(long))
    assert payload["msgtype"] == "text"
    assert len(payload["text"]["content"].encode()) <= alerts.WEBHOOK_MAX_BYTES


def test_deadline_setting():
    assert deadline_after_run("09:00") == dt.timedelta(hours=9, minutes=30)
    assert deadline_after_run("off") is None
    with pytest.raises(ScheduleError, match="HH:MM"):
        deadline_after_run("9am")


# --- channels --------------------------------------------------------------------------


def test_notifier_sends_a_failed_task_to_smtp_and_webhook(receivers):
    class TI:
        task_id = "load_push_list"

    class Run:
        logical_date = dt.datetime(2021, 8, 2, 15, 30, tzinfo=dt.UTC)

    alerts.GridwatchNotifier()(
        {"ti": TI(), "dag_run": Run(), "exception": Exception(REJECTED_MESSAGE)}
    )
    assert len(receivers.mails) == 1 and len(receivers.posts) == 1
    mail = receivers.mails[0]
    assert mail["To"] == "ops@example.org, duty@example.org"
    assert "2021-08-02" in mail["Subject"] and "load_push_list" in mail["Subject"]
    assert BROKEN in _body(mail)
    assert BROKEN in receivers.posts[0]["text"]["content"]


def test_a_gate_that_only_repeats_failed_loads_sends_nothing(receivers):
    error = Exception("The load of push_list for 2021-08-02 failed")
    error.already_alerted = True
    alerts.GridwatchNotifier()({"exception": error})
    assert receivers.mails == [] and receivers.posts == []


def test_missed_deadline_alert_runs_as_the_triggerer_runs_it(receivers):
    """The triggerer awaits callback(**kwargs, context=...) with the scheduler's simple context."""
    context = {
        "dag_run": {"logical_date": "2021-08-02T15:30:00Z", "state": "failed"},
        "deadline": {"id": "x", "deadline_time": "2021-08-03T01:00:00Z"},
    }
    asyncio.run(_await(alerts.GridwatchNotifier(context=context)))
    assert len(receivers.mails) == 1 and len(receivers.posts) == 1
    content = receivers.posts[0]["text"]["content"]
    assert "2021-08-02" in content and "截止时间已过" in content and "failed" in content


async def _await(notifier):
    await notifier


def test_one_failing_channel_does_not_stop_the_other(receivers, monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_SMTP_DEFAULT", f"smtp://127.0.0.1:{_free_port()}?retry_limit=0"
    )
    sent = alerts.send(alerts.failure_alert(DAY, "publish", "PII scan failed"))
    assert sent == ["webhook"] and len(receivers.posts) == 1


# --- the DAG ---------------------------------------------------------------------------


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
    assert BROKEN in _body(receivers.mails[0])
    content = receivers.posts[0]["text"]["content"]
    assert BROKEN in content and "2021-08-02" in content and "re-run" in content


def test_alert_settings_are_documented():
    env_example = (REPO_ROOT / "deploy" / ".env.example").read_text(encoding="utf-8")
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    runbook = (REPO_ROOT / "RUNBOOK.md").read_text(encoding="utf-8")
    for name in (
        "GRIDWATCH_ALERT_EMAIL_TO",
        "GRIDWATCH_ALERT_EMAIL_FROM",
        "AIRFLOW_CONN_SMTP_DEFAULT",
        "GRIDWATCH_ALERT_WEBHOOK_URL",
        "GRIDWATCH_ALERT_DEADLINE",
    ):
        assert name in env_example and name in readme, name
    assert "GRIDWATCH_ALERT_WEBHOOK_SECRET" in readme
    assert "## 6. Alerts" in runbook
