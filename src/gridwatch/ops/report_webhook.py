"""The daily report to the operators' group robot (GRIDWATCH_ALERT_WEBHOOK_URL).

What each robot takes, without a media server of our own:

- WeCom (企业微信, ``qyapi.weixin.qq.com``): a markdown message of the key figures, the
  PNG as ``msgtype: image`` (base64 + md5, at most 2 MB), then the workbook itself as
  ``msgtype: file`` (uploaded first to the robot's ``upload_media``, at most 20 MB);
- DingTalk (钉钉, ``oapi.dingtalk.com``): the markdown message only (its robots show images
  by public URL alone, and take no file);
- any other URL (a relay, a test receiver): the key figures as a text message, which both
  robots accept. GRIDWATCH_ALERT_WEBHOOK_KIND=wecom|dingtalk|text overrides the guess.

The workbook stays in GRIDWATCH_REPORT_DIR too; every message names its file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import urllib.parse
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gridwatch.ops.daily_report import WrittenReport

WECOM_IMAGE_MAX_BYTES = 2 * 1024 * 1024
WECOM_FILE_MAX_BYTES = 20 * 1024 * 1024
MARKDOWN_MAX_BYTES = 4000  # WeCom's markdown limit is 4096 bytes


def robot_kind(url: str) -> str:
    """wecom, dingtalk or text: from GRIDWATCH_ALERT_WEBHOOK_KIND, else the URL's host."""
    kind = os.environ.get("GRIDWATCH_ALERT_WEBHOOK_KIND", "").strip().lower()
    if kind in {"wecom", "dingtalk", "text"}:
        return kind
    host = urllib.parse.urlsplit(url).hostname or ""
    if host.endswith("qyapi.weixin.qq.com"):
        return "wecom"
    if host.endswith("dingtalk.com"):
        return "dingtalk"
    return "text"


def summary_lines(written: WrittenReport) -> tuple[str, list[str]]:
    """The title and the key-figure lines of the report (the PNG's figures)."""
    from gridwatch.ops.report_png import key_figures, table_rows

    report = written.report
    title = f"{report.scope}疫情防控日报 {report.day.isoformat()}"
    lines = [f"{label}：{value}" for label, value, _ in key_figures(report)]
    heading, rows = table_rows(report)
    worst = [f"{name} {r['backlog_persons']:,}" for name, r in rows[:5] if r["backlog_persons"]]
    if worst:
        lines.append(f"积压最多的{heading}：" + "，".join(worst))
    lines.append(f"Excel 日报：{written.workbook.name}")
    return title, lines


def _cut(text: str) -> str:
    data = text.encode("utf-8")
    if len(data) <= MARKDOWN_MAX_BYTES:
        return text
    return data[: MARKDOWN_MAX_BYTES - 4].decode("utf-8", "ignore") + "\n…"


def report_payloads(written: WrittenReport, kind: str) -> list[dict]:
    """The robot messages of a written report, in sending order."""
    title, lines = summary_lines(written)
    if kind == "text":
        return [{"msgtype": "text", "text": {"content": _cut("\n".join([title, *lines]))}}]
    markdown = _cut("\n".join([f"### {title}", *(f"> {line}" for line in lines)]))
    if kind == "dingtalk":
        return [{"msgtype": "markdown", "markdown": {"title": title, "text": markdown}}]
    messages: list[dict] = [{"msgtype": "markdown", "markdown": {"content": markdown}}]
    png = written.png.read_bytes()
    if len(png) <= WECOM_IMAGE_MAX_BYTES:
        messages.append(
            {
                "msgtype": "image",
                "image": {
                    "base64": base64.b64encode(png).decode("ascii"),
                    "md5": hashlib.md5(png).hexdigest(),
                },
            }
        )
    return messages


def upload_url(send_url: str) -> str | None:
    """The WeCom robot's upload address for files, from its send address (same key)."""
    parts = urllib.parse.urlsplit(send_url)
    if not parts.path.endswith("/webhook/send"):
        return None
    query = [*urllib.parse.parse_qsl(parts.query), ("type", "file")]
    path = parts.path.removesuffix("/send") + "/upload_media"
    return urllib.parse.urlunsplit(parts._replace(path=path, query=urllib.parse.urlencode(query)))


def upload_file(url: str, path: Path) -> str:
    """Upload ``path`` to a WeCom robot (multipart, field ``media``); its ``media_id``."""
    from gridwatch.ops.alerts import robot_post

    boundary = uuid.uuid4().hex
    data = path.read_bytes()
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="media"; '
        f'filename="{path.name}"; filelength={len(data)}\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    answer = robot_post(
        url,
        head + data + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
        timeout=30,
    )
    if not answer.get("media_id"):
        raise RuntimeError(f"webhook refused the upload of {path.name}: {answer}")
    return answer["media_id"]


def send_report(written: WrittenReport) -> list[str]:
    """Send the report's messages to the webhook; the msgtypes sent ([] if not configured).

    Raises what the robot or the network raises: the caller logs it (a report that could
    not be announced is not a failed run)."""
    from gridwatch.ops.alerts import post_webhook

    url = os.environ.get("GRIDWATCH_ALERT_WEBHOOK_URL", "").strip()
    if not url:
        return []
    kind = robot_kind(url)
    sent = []
    for message in report_payloads(written, kind):
        if post_webhook(json.dumps(message, ensure_ascii=False).encode()):
            sent.append(message["msgtype"])
    upload = upload_url(url) if kind == "wecom" else None
    if upload and 5 < written.workbook.stat().st_size <= WECOM_FILE_MAX_BYTES:
        media_id = upload_file(upload, written.workbook)
        if post_webhook(json.dumps({"msgtype": "file", "file": {"media_id": media_id}}).encode()):
            sent.append("file")
    return sent
