"""Alerts: a failed day reaches a local SMTP server and a local webhook receiver, in
Chinese and English, naming the date, the task, the file or check and the fix.
The DAG's side (notifier on every task, `airflow dags test`) is in e2e/test_alerts_dag.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from alert_receivers import Receivers, body, free_port

from gridwatch.config import REPO_ROOT
from gridwatch.ops import alerts
from gridwatch.ops.schedule import ScheduleError, deadline_after_run, schedule_end

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


@pytest.fixture
def receivers(monkeypatch):
    with Receivers() as r:
        for key, value in r.env().items():
            monkeypatch.setenv(key, value)
        yield r


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


def test_schedule_end_is_the_last_dates_run_in_shanghai_time():
    end = schedule_end("2021-08-15")
    assert end == dt.datetime(2021, 8, 15, 15, 30, tzinfo=dt.UTC)  # 23:30 +08:00
    assert schedule_end("") is None
    with pytest.raises(ScheduleError, match="YYYY-MM-DD"):
        schedule_end("15/08/2021")


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
    assert BROKEN in body(mail)
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
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", f"smtp://127.0.0.1:{free_port()}?retry_limit=0")
    sent = alerts.send(alerts.failure_alert(DAY, "publish", "PII scan failed"))
    assert sent == ["webhook"] and len(receivers.posts) == 1


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
