"""Alerts to operators: e-mail through Airflow's SMTP provider and a group-robot webhook.

``GridwatchNotifier`` is an Airflow notifier: the DAG's tasks use it as
``on_failure_callback`` (it runs where the task ran, after its last try, under the
scheduler and under ``airflow dags test`` alike), and the DAG's deadline alert as
an ``AsyncCallback`` (it runs in the triggerer). Each alert is one message, in
Chinese and English, naming the delivery date, the task, what failed (the file
or the expectation, as the task's error names it) and what to do.

Configuration, read when an alert is sent (README "Alerts"):

- ``GRIDWATCH_ALERT_EMAIL_TO``: comma-separated recipients; the SMTP server is
  Airflow's connection ``smtp_default`` (``AIRFLOW_CONN_SMTP_DEFAULT``), the
  sender ``GRIDWATCH_ALERT_EMAIL_FROM`` or the connection's ``from_email``;
- ``GRIDWATCH_ALERT_WEBHOOK_URL``: a WeCom (企业微信) or DingTalk (钉钉) group robot,
  which both take ``{"msgtype": "text", "text": {"content": ...}}``;
  ``GRIDWATCH_ALERT_WEBHOOK_SECRET`` signs DingTalk requests (加签).

No alert carries personal data: messages name files, feeds, expectations and
counts; anything shaped like an ID number or a mobile number is masked anyway.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import html
import json
import logging
import os
import re
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from gridwatch.ops.schedule import delivery_date

log = logging.getLogger(__name__)

WEBHOOK_MAX_BYTES = 2000  # WeCom's text limit is 2048 bytes; DingTalk's is larger
DETAIL_MAX_CHARS = 3000
RERUN = (
    "airflow tasks clear gridwatch_daily -y -s {d}T00:00:00+08:00 -e {d}T23:59:59+08:00 "
    "(in a checkout: make rerun DATE={d})"
)

# What each task does, and what its failure means, for the Chinese half of a message.
TASK_ZH = {
    "load": ("加载文件", "有文件被拒收（其余文件已加载）：修复或移除下列文件后重跑该日期。"),
    "gate_batches": ("批次质量门禁", "当日交付未通过质量检查：按下列检查项处理后重跑该日期。"),
    "build_marts": ("dbt 构建", "构建数据集市失败：查看下列测试和 dbt 日志。"),
    "gate_marts": ("集市质量门禁", "数据集市未通过质量检查：按下列检查项处理。"),
    "publish": ("发布", "发布被拦截，看板保留上一次的正确版本：按下列检查项处理后重跑该日期。"),
    "report": ("日报", "数据已发布、看板正常，仅日报未生成：按下列信息处理后重新生成日报。"),
}

_RIC = re.compile(r"(?<![0-9A-Za-z])([1-9][0-9]{5})([0-9]{8,11})([0-9]{3}[0-9Xx]|[0-9]{4})")
_MOBILE = re.compile(r"(?<![0-9])(\+?86)?(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")


def redact(text: str) -> str:
    """Mask anything shaped like a resident ID number or a mobile number (as marts do)."""
    text = _RIC.sub(lambda m: m.group(1)[:3] + "*" * (len(m.group(0)) - 7) + m.group(3)[-4:], text)
    return _MOBILE.sub(lambda m: (m.group(1) or "") + m.group(2) + "****" + m.group(4), text)


@dataclass(frozen=True)
class Alert:
    """One message to operators."""

    day: dt.date | None
    task: str
    headline_zh: str
    headline_en: str
    items: tuple[str, ...]  # the failing files or expectations
    detail: str  # the task's own message (English), with what to do
    fix_zh: str
    fix_en: str
    link: str | None = None

    @property
    def subject(self) -> str:
        day = self.day.isoformat() if self.day else "?"
        return f"[gridwatch] {day} {self.task}: {self.headline_zh} / {self.headline_en}"

    def text(self) -> str:
        day = self.day.isoformat() if self.day else "未知 / unknown"
        lines = [
            f"gridwatch 告警 / alert: {self.headline_zh} / {self.headline_en}",
            f"交付日期 / delivery date: {day}",
            f"任务 / task: {self.task}",
        ]
        if self.items:
            lines.append("涉及 / failing:")
            lines += [f"- {item}" for item in self.items[:10]]
            if len(self.items) > 10:
                lines.append(f"- … ({len(self.items) - 10} more)")
        lines += [f"处理 / what to do: {self.fix_zh}", self.fix_en]
        if self.detail:
            lines += ["", "详情 / details:", self.detail]
        if self.link:
            lines += ["", f"日志 / log: {self.link}"]
        return redact("\n".join(lines))

    def html(self) -> str:
        return f'<pre style="font-family: monospace">{html.escape(self.text())}</pre>'


def failing_items(message: str) -> tuple[str, ...]:
    """The files (``- feed/D/file: …``) or expectations (``suite …:`` / ``- exp on col``)."""
    items: list[str] = []
    suite = None
    for line in message.splitlines():
        rejected = re.match(r"^- ([^/\s]+/\d{4}-\d{2}-\d{2}/.+?): ", line)
        if rejected:
            items.append(rejected.group(1))
            continue
        head = re.match(r"^suite (\S+):$", line.strip())
        if head:
            suite = head.group(1)
            continue
        expectation = re.match(r"^  - (expect_\S+.*)$", line)
        if expectation and suite:
            items.append(f"{suite}: {expectation.group(1).strip()}")
    return tuple(dict.fromkeys(items))


def _task_kind(task_id: str) -> str:
    return "load" if task_id.startswith("load_") else task_id


def failure_alert(
    day: dt.date | None, task_id: str, message: str, link: str | None = None
) -> Alert:
    """The alert of a task that failed with ``message`` (its last try)."""
    what_zh, fix_zh = TASK_ZH.get(_task_kind(task_id), ("任务", "查看任务日志。"))
    rerun = RERUN.format(d=day.isoformat()) if day else "RUNBOOK.md §3"
    published = task_id == "report"  # after the publish: only the report is missing
    if published and day:
        rerun = f"gridwatch report {day.isoformat()} (or clear the task report of that run)"
    message = message.strip()
    if len(message) > DETAIL_MAX_CHARS:
        message = message[: DETAIL_MAX_CHARS - 1] + "…"
    return Alert(
        day=day,
        task=task_id,
        headline_zh=f"{what_zh}失败" + ("（已发布）" if published else "，当日未发布"),
        headline_en="failed (the day is published)"
        if published
        else "failed, the day is not published",
        items=failing_items(message),
        detail=message,
        fix_zh=f"{fix_zh} 重跑命令：{rerun}",
        fix_en=(
            "Do what the details below say for each file or expectation, then re-run the "
            f"date: {rerun}. RUNBOOK.md §2 explains every message."
        ),
        link=link,
    )


def deadline_alert(day: dt.date | None, state: str | None, due: str | None) -> Alert:
    """The alert of a delivery date with no successful run by its deadline."""
    rerun = RERUN.format(d=day.isoformat()) if day else "RUNBOOK.md §3"
    return Alert(
        day=day,
        task="deadline",
        headline_zh="截止时间已过，当日仍未成功发布",
        headline_en="no successful run by the deadline",
        items=(),
        detail=(
            f"The run of this date is {state or 'unknown'} at the deadline {due or ''}: the "
            "dashboards still show the previous day. If the run failed, its own alert names "
            "the file or check; if it is still queued or running, check that the scheduler "
            "and the pool gridwatch_warehouse are free (make status / the Airflow UI)."
        ),
        fix_zh=f"在 Airflow 界面查看该日期的运行；处理后重跑：{rerun}",
        fix_en=f"Open the date's run in the Airflow UI, fix what it names, then re-run: {rerun}.",
    )


# --- channels --------------------------------------------------------------------------


def _recipients() -> list[str]:
    raw = os.environ.get("GRIDWATCH_ALERT_EMAIL_TO", "")
    return [a.strip() for a in re.split(r"[,;\s]+", raw) if a.strip()]


def send_email(alert: Alert, context: dict[str, Any] | None = None) -> bool:
    """Send through Airflow's SmtpNotifier (connection smtp_default); False when not configured."""
    to = _recipients()
    if not to:
        return False
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    notifier = SmtpNotifier(
        to=to,
        from_email=os.environ.get("GRIDWATCH_ALERT_EMAIL_FROM") or None,
        subject=redact(alert.subject),
        html_content=alert.html(),
    )
    notifier.notify(context or {})
    return True


def webhook_url(url: str, secret: str | None, now_ms: int) -> str:
    """DingTalk's signed URL (加签: timestamp and HMAC-SHA256 of it); ``url`` when no secret."""
    if not secret:
        return url
    digest = hmac.new(secret.encode(), f"{now_ms}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if '?' in url else '?'}timestamp={now_ms}&sign={sign}"


def webhook_payload(alert: Alert) -> bytes:
    """The robot's text message, cut to WEBHOOK_MAX_BYTES of UTF-8."""
    text = alert.text()
    data = text.encode("utf-8")
    if len(data) > WEBHOOK_MAX_BYTES:
        text = data[: WEBHOOK_MAX_BYTES - 40].decode("utf-8", "ignore") + "\n…(见邮件 / see e-mail)"
    return json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode()


def send_webhook(alert: Alert) -> bool:
    """POST the alert to GRIDWATCH_ALERT_WEBHOOK_URL; False when not configured."""
    return post_webhook(webhook_payload(alert))


def post_webhook(payload: bytes) -> bool:
    """POST one robot message to GRIDWATCH_ALERT_WEBHOOK_URL; False when not configured."""
    url = os.environ.get("GRIDWATCH_ALERT_WEBHOOK_URL", "").strip()
    if not url:
        return False
    # the robot checks the signature's timestamp against its clock, so it is the current time
    signed = webhook_url(
        url, os.environ.get("GRIDWATCH_ALERT_WEBHOOK_SECRET"), int(time.time() * 1000)
    )
    robot_post(signed, payload, "application/json; charset=utf-8")
    return True


def robot_post(url: str, data: bytes, content_type: str, timeout: int = 15) -> dict:
    """POST to a group robot; its JSON answer ({} if none). Raises when it refuses.

    Both robots answer 200 with {"errcode": 0} on success, and 200 with an errcode otherwise.
    """
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": content_type}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = response.read().decode("utf-8", "replace")
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    answer = answer if isinstance(answer, dict) else {}
    if answer.get("errcode", 0):
        raise RuntimeError(f"webhook refused the message: {body[:300]}")
    return answer


def send(alert: Alert, context: dict[str, Any] | None = None) -> list[str]:
    """Send to every configured channel; one failing channel does not stop the other."""
    sent = []
    for name, channel in (
        ("email", lambda: send_email(alert, context)),
        ("webhook", lambda: send_webhook(alert)),
    ):
        try:
            if channel():
                sent.append(name)
        except Exception:  # an alert must never hide the failure it reports
            log.exception("gridwatch alert: the %s channel failed", name)
    if not sent:
        log.warning(
            "gridwatch alert not sent (no channel configured: set GRIDWATCH_ALERT_EMAIL_TO or "
            "GRIDWATCH_ALERT_WEBHOOK_URL): %s",
            alert.subject,
        )
    else:
        log.info("gridwatch alert sent by %s: %s", ", ".join(sent), alert.subject)
    return sent


# --- the Airflow notifier --------------------------------------------------------------


def _failure_from_context(context: dict[str, Any]) -> Alert | None:
    exception = context.get("exception")
    if getattr(exception, "already_alerted", False):
        return None  # the tasks it names have sent their own alerts
    ti = context.get("ti") or context.get("task_instance")
    task_id = getattr(ti, "task_id", None) or "?"
    dag_run = context.get("dag_run")
    logical = getattr(dag_run, "logical_date", None) or context.get("logical_date")
    day = delivery_date(logical) if logical else None
    try:
        link = getattr(ti, "log_url", None)
    except Exception:  # the URL needs configuration a test run may lack
        link = None
    message = str(exception) if exception else "see the task log"
    return failure_alert(day, task_id, message, link)


def _deadline_from_context(context: dict[str, Any]) -> Alert:
    run = context.get("dag_run") or {}
    logical = run.get("logical_date") if isinstance(run, dict) else None
    day = None
    if logical:
        day = delivery_date(dt.datetime.fromisoformat(str(logical).replace("Z", "+00:00")))
    due = (context.get("deadline") or {}).get("deadline_time")
    return deadline_alert(day, run.get("state") if isinstance(run, dict) else None, str(due or ""))


try:  # Airflow is there wherever a notifier runs; the message functions above need it not
    from airflow.sdk import BaseNotifier
except ImportError:  # pragma: no cover
    BaseNotifier = object  # type: ignore[assignment,misc]


class GridwatchNotifier(BaseNotifier):  # type: ignore[misc,valid-type]
    """Sends a failed task's alert (``notify``) or a missed deadline's (``async_notify``)."""

    template_fields = ()

    def __init__(self, context: dict[str, Any] | None = None) -> None:
        super().__init__(context=context)

    def notify(self, context: dict[str, Any]) -> None:
        alert = _failure_from_context(context)
        if alert is not None:
            send(alert, context)

    async def async_notify(self, context: dict[str, Any]) -> None:
        await asyncio.to_thread(send, _deadline_from_context(context), None)
