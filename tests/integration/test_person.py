"""`gridwatch person` and `gridwatch audit` on the worked example."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest
from conftest import settings_env

GRIDWATCH = [sys.executable, "-m", "gridwatch.cli"]
ZHANG_SAN = "110101198503121239"  # 张三: two push records, a checkpoint sighting
# every form contract §3 normalises to the same RIC (the 15-digit one drops '19' and the check)
ID_FORMS = [
    ZHANG_SAN,
    "110101850312123",
    "１１０１０１１９８５０３１２１２３９",
    " 110101 19850312 1239 ",
    "110101-19850312-1239",
    "'110101198503121239",
]


def run(settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*GRIDWATCH, *args],
        env=settings_env(settings) | {"COLUMNS": "250"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def look_up(settings, *args: str) -> dict:
    result = run(settings, "person", *args, "--json", "--reason", "test 工单")
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def audit_rows(settings) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute("select * from audit.access_log order by logged_at").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("form", ID_FORMS)
def test_every_identity_form_finds_the_same_file(example_settings, form):
    by_form = look_up(example_settings, form)
    by_phone = look_up(example_settings, "--phone", "+86 138-0000-0001", "--name", "张三")
    assert by_form["found"] and by_phone["found"]
    assert by_form["files"] == by_phone["files"]
    (file,) = by_form["files"]
    assert file["person"]["person_name"] == "张三"
    assert file["person"]["id_number"] == ZHANG_SAN
    assert [r["batch_id"] for r in file["records"]] == ["SZ-0802-01", "SZ-0803-07"]
    assert all("rule 1" in r["link"] for r in file["records"])
    assert {v["outcome"] for v in file["verifications"]} == {"MANAGED"}
    assert file["person"]["measure"] == "HOME_QUARANTINE"
    assert file["sightings"], "张三 passed checkpoint CP001"
    assert file["responsible"]["community_code"] == "440307011001"
    assert file["responsible"]["grid_code"] == "440307011001-01"


def test_chinese_labels_and_the_audit_row_holds_no_raw_id(example_settings):
    result = run(
        example_settings, "person", ZHANG_SAN, "--reason", f"核查 {ZHANG_SAN}", "--as", "王组长"
    )
    assert result.returncode == 0, result.stderr
    for label in ("一人一档", "推送记录", "核查记录", "卡点通行", "责任社区", "当前管控措施"):
        assert label in result.stdout
    row = audit_rows(example_settings)[-1]
    assert row[2] == "王组长" and row[3] == "person" and row[5] is True
    assert len(row[4]) == 32  # the person_key
    flat = " ".join(str(c) for c in row)
    for raw in (ZHANG_SAN, "110101850312123", "张三", "13800000001"):
        assert raw not in flat  # the reason repeated the ID: masked
    listed = run(example_settings, "audit", "--json", "--operator", "王组长")
    assert listed.returncode == 0
    assert json.loads(listed.stdout)[0]["person_key"] == row[4]


def test_unknown_person_gets_no_file_and_near_matches_by_phone(example_settings):
    before = len(audit_rows(example_settings))
    result = run(
        example_settings, "person", "--phone", "13800000009", "--name", "张三", "--reason", "t"
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "查无档案" in result.stdout and "138****0001" in result.stdout
    answer = look_up(example_settings, "--phone", "13800000009", "--name", "张三")
    assert not answer["found"] and answer["near_matches"]
    assert len(audit_rows(example_settings)) == before + 2  # the miss is audited too


def test_missing_reason_and_bad_id_are_usage_errors(example_settings):
    no_reason = run(example_settings, "person", ZHANG_SAN)
    assert no_reason.returncode == 2 and "--reason is required" in no_reason.stderr
    bad = run(example_settings, "person", "11-01", "--reason", "t")
    assert bad.returncode == 2 and "not a valid identity number" in bad.stderr
    assert "11-01" not in bad.stderr
