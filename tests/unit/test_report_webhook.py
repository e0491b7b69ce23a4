"""The daily report's robot messages: what each robot kind gets, and sending them."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

import pytest
from alert_receivers import Receivers

from gridwatch.ops import alerts, report_webhook
from gridwatch.ops.daily_report import Report, StreetReport, WrittenReport

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=abc"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def community(name: str, pushed: int, backlog: int, overdue: int) -> dict:
    return {
        "community_code": name,
        "community_name": name,
        "pushed_persons": pushed,
        "new_persons": 0,
        "verified_persons": pushed - backlog,
        "managed_persons": 1,
        "under_management": 1,
        "backlog_persons": backlog,
        "overdue_persons": overdue,
        "coverage_rate": (pushed - backlog) / pushed,
    }


@pytest.fixture
def written(tmp_path) -> WrittenReport:
    street = StreetReport("440307011", "平湖街道")
    street.communities = [community("平湖社区", 1200, 30, 4), community("禾花社区", 800, 0, 0)]
    street.checkpoints = [
        {
            "checkpoint_code": "CP001",
            "events_in": 10,
            "events_out": 4,
            "fever_alerts": 2,
            "unreadable_temperatures": 0,
            "non_green_codes": 3,
            "turned_back": 1,
            "returnees": 0,
            "backlog_sightings": 0,
        }
    ]
    street.categories = []
    png = tmp_path / "r.png"
    png.write_bytes(PNG)
    return WrittenReport(
        tmp_path / "疫情防控日报_2021-08-03.xlsx", png, Report(dt.date(2021, 8, 3), [street], [])
    )


def test_the_robot_kind_comes_from_the_host_or_the_setting(monkeypatch):
    monkeypatch.delenv("GRIDWATCH_ALERT_WEBHOOK_KIND", raising=False)
    assert report_webhook.robot_kind(WECOM) == "wecom"
    assert report_webhook.robot_kind(DINGTALK) == "dingtalk"
    assert report_webhook.robot_kind("http://127.0.0.1:8080/hook") == "text"
    monkeypatch.setenv("GRIDWATCH_ALERT_WEBHOOK_KIND", "WeCom")
    assert report_webhook.robot_kind("http://127.0.0.1:8080/hook") == "wecom"


def test_wecom_gets_the_key_figures_then_the_png(written):
    markdown, image = report_webhook.report_payloads(written, "wecom")
    content = markdown["markdown"]["content"]
    assert markdown["msgtype"] == "markdown" and content.startswith(
        "### 平湖街道疫情防控日报 2021-08-03"
    )
    assert "推送人数：2,000" in content and "积压人数：30" in content
    assert "核查覆盖率：98.5%" in content and "卡点发热 / 非绿码：2 / 3" in content
    assert "积压最多的社区：平湖社区 30" in content and "疫情防控日报_2021-08-03.xlsx" in content
    assert image["msgtype"] == "image"
    assert base64.b64decode(image["image"]["base64"]) == PNG
    assert image["image"]["md5"] == hashlib.md5(PNG).hexdigest()


def test_a_png_over_wecoms_limit_is_not_sent(written, monkeypatch):
    monkeypatch.setattr(report_webhook, "WECOM_IMAGE_MAX_BYTES", 100)
    assert [m["msgtype"] for m in report_webhook.report_payloads(written, "wecom")] == ["markdown"]


def test_dingtalk_gets_markdown_with_a_title_and_other_robots_text(written):
    (dingtalk,) = report_webhook.report_payloads(written, "dingtalk")
    assert dingtalk["msgtype"] == "markdown"
    assert dingtalk["markdown"]["title"] == "平湖街道疫情防控日报 2021-08-03"
    assert "> 超时未核查人数：4" in dingtalk["markdown"]["text"]
    (text,) = report_webhook.report_payloads(written, "text")
    assert text["msgtype"] == "text" and "在管人数：2" in text["text"]["content"]
    assert len(json.dumps(text, ensure_ascii=False).encode()) < alerts.WEBHOOK_MAX_BYTES


def test_send_report_posts_each_message_to_the_webhook(written, monkeypatch):
    with Receivers() as robot:
        monkeypatch.setenv(
            "GRIDWATCH_ALERT_WEBHOOK_URL", robot.env()["GRIDWATCH_ALERT_WEBHOOK_URL"]
        )
        monkeypatch.setenv("GRIDWATCH_ALERT_WEBHOOK_KIND", "wecom")
        written.workbook.write_bytes(b"PK\x03\x04 a workbook")
        assert report_webhook.send_report(written) == ["markdown", "image", "file"]
    assert [p["msgtype"] for p in robot.posts] == ["markdown", "image", "file"]
    assert robot.posts[-1]["file"] == {"media_id": "m1"}
    ((path, upload),) = robot.uploads
    assert path == "/cgi-bin/webhook/upload_media?key=test&type=file"
    assert 'name="media"; filename="疫情防控日报_2021-08-03.xlsx"'.encode() in upload
    assert b"PK\x03\x04 a workbook" in upload
    monkeypatch.delenv("GRIDWATCH_ALERT_WEBHOOK_URL")
    assert report_webhook.send_report(written) == []  # not configured: nothing to do


def test_the_upload_address_keeps_the_robots_key():
    assert report_webhook.upload_url(WECOM) == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/upload_media?key=abc&type=file"
    )
    assert report_webhook.upload_url("http://127.0.0.1:9/relay") is None


def test_a_report_failure_alert_says_the_day_is_published():
    alert = alerts.failure_alert(dt.date(2021, 8, 3), "report", "no CJK font for the report's PNG")
    assert "日报失败（已发布）" in alert.subject and "the day is published" in alert.subject
    assert "gridwatch report 2021-08-03" in alert.text()


def test_the_report_task_logs_a_refused_webhook_and_fails_on_a_report_error(
    written, monkeypatch, caplog
):
    from airflow.sdk.exceptions import AirflowFailException

    from gridwatch.ops import daily_report, tasks

    def refused(_written):
        raise RuntimeError("webhook refused the message: {'errcode': 93000}")

    monkeypatch.setattr(daily_report, "write_report", lambda *a, **k: written)
    monkeypatch.setattr(report_webhook, "send_report", refused)
    result = tasks.write_daily_report(dt.date(2021, 8, 3))
    assert result["sent"] == [] and result["workbook"].endswith(".xlsx")
    assert "webhook refused it" in caplog.text

    def missing(*_args, **_kwargs):
        raise daily_report.ReportError("no report date 2021-08-03")

    monkeypatch.setattr(daily_report, "write_report", missing)
    with pytest.raises(AirflowFailException, match="only the daily report is missing"):
        tasks.write_daily_report(dt.date(2021, 8, 3))


def test_a_missing_cjk_font_says_what_to_install(written, tmp_path, monkeypatch):
    from gridwatch.ops.daily_report import ReportError
    from gridwatch.ops.report_png import write_png

    monkeypatch.setenv("GRIDWATCH_REPORT_FONT", str(tmp_path / "absent.ttc"))
    with pytest.raises(ReportError, match="apt-get install fonts-noto-cjk"):
        write_png(written.report, tmp_path / "out.png")


def test_the_title_names_the_street_and_does_not_count_unresolved_records_as_one(written):
    report = written.report
    unresolved = StreetReport("_UNRESOLVED", "未识别街道")
    unresolved.communities = [community("待分拨", 3, 3, 0)]
    report.streets.append(unresolved)
    assert report.scope == "平湖街道"
    assert report_webhook.summary_lines(written)[0] == "平湖街道疫情防控日报 2021-08-03"
    report.streets.insert(0, StreetReport("440307012", "坪地街道"))
    assert report.scope == "2个街道合计"
