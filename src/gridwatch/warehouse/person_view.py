"""``gridwatch person`` output: the file in Chinese labels, or JSON for scripts."""

from __future__ import annotations

import json

from rich.console import Console
from rich.table import Table

from gridwatch.warehouse.person_file import LookUp

OUTCOMES = {
    "MANAGED": "已纳管",
    "NOT_IN_JURISDICTION": "不在辖区",
    "LEFT": "已离开",
    "NOT_FOUND": "查无此人",
    "UNREACHABLE": "未联系上",
}
MEASURES = {
    "HOME_QUARANTINE": "居家隔离",
    "CENTRAL_QUARANTINE": "集中隔离",
    "HEALTH_MONITORING": "居家健康监测",
    "NONE": "无",
}
METHODS = {"PHONE": "电话", "VISIT": "上门", "VIDEO": "视频", "CHECKPOINT": "卡点"}
DIRECTIONS = {"IN": "进", "OUT": "出"}


def _s(value: object, names: dict[str, str] | None = None) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if names and value in names:
        return f"{names[value]}"
    return str(value)


def as_json(result: LookUp) -> str:
    return json.dumps(
        {
            "found": bool(result.files),
            "query": result.query.kind,
            "files": result.files,
            "near_matches": result.near,
        },
        ensure_ascii=False,
        default=str,
        indent=2,
    )


def render(console: Console, result: LookUp) -> None:
    plain = {"markup": False, "highlight": False}
    if not result.files:
        console.print("查无档案 (no file): 仓库中没有此人的档案。", **plain)
        if result.near:
            table = Table(
                "person_key", "姓名", "手机号", "相差位数", "推送记录数", title="手机号相近"
            )
            for near in result.near:
                table.add_row(
                    near["person_key"],
                    near["name_masked"],
                    near["phone_masked"],
                    str(near["digits_off"]),
                    str(near["records"]),
                )
            console.print(table)
        elif result.query.phone is None:
            console.print("按手机号+姓名再查可列出相近的人员: --phone 手机号 --name 姓名", **plain)
        else:
            console.print("没有手机号相同或仅差一位的人员。", **plain)
        return
    if len(result.files) > 1:
        console.print(
            f"找到 {len(result.files)} 份档案 (the phone and name match several)", **plain
        )
    for file in result.files:
        _render_file(console, file)


def _render_file(console: Console, file: dict) -> None:
    p, now = file["person"], file["responsible"]
    head = Table(show_header=False, title="一人一档")
    for label, value in [
        ("person_key", p["person_key"]),
        ("身份类型", p["identity_kind"]),
        ("姓名", p["person_name"]),
        ("证件号码", p["id_number"]),
        ("手机号", p["phone"]),
        ("性别 / 出生年", f"{_s(p['gender'])} / {_s(p['birth_year'])}"),
        ("首次 / 最近推送", f"{_s(p['first_pushed_at'])} / {_s(p['last_pushed_at'])}"),
        ("推送记录 / 专项", f"{p['push_records']} / {p['topics']}"),
        ("最近核查结果", _s(p["last_terminal_outcome"], OUTCOMES)),
        ("当前管控措施", _s(p["measure"], MEASURES)),
        ("管控截止", _s(p["measure_until"])),
        ("责任街道", f"{_s(now.get('street_name'))} ({_s(now.get('street_code'))})"),
        ("责任社区", f"{_s(now.get('community_name'))} ({_s(now.get('community_code'))})"),
        ("责任网格", f"{_s(now.get('grid_name'))} ({_s(now.get('grid_code'))})"),
        ("统计日期", _s(now.get("report_date"))),
    ]:
        head.add_row(label, str(value))
    console.print(head)

    records = Table(
        "批次",
        "序号",
        "专项",
        "下发时间",
        "反馈时限",
        "办结时间",
        "办结结果",
        "按时",
        "社区",
        "网格",
        "姓名",
        "证件号码",
        "手机号",
        "归档依据",
        title="推送记录",
    )
    for r in file["records"]:
        records.add_row(
            r["batch_id"],
            str(r["record_no"]),
            r["topic"],
            _s(r["issued_at"]),
            _s(r["deadline_at"]),
            _s(r["satisfied_at"]),
            _s(r["satisfying_outcome"], OUTCOMES),
            _s(r["met_deadline"]),
            _s(r["community_code"]),
            _s(r["grid_code"]),
            _s(r["person_name"]),
            _s(r["id_number"]),
            _s(r["phone"]),
            r["link"],
        )
    console.print(records)

    checks = Table(
        "批次",
        "序号",
        "核查时间",
        "方式",
        "结果",
        "措施",
        "截止",
        "社区",
        "网格",
        "核查人",
        "健康码",
        "核酸",
        title="核查记录",
    )
    for v in file["verifications"]:
        checks.add_row(
            v["batch_id"],
            str(v["record_no"]),
            _s(v["verified_at"]),
            _s(v["method"], METHODS),
            _s(v["outcome"], OUTCOMES),
            _s(v["measure"], MEASURES),
            _s(v["measure_until"]),
            _s(v["community"]),
            _s(v["grid"]),
            _s(v["verifier"]),
            _s(v["health_code"]),
            _s(v["nat_result"]),
        )
    console.print(checks if file["verifications"] else "核查记录: 无")

    seen = Table("时间", "卡点", "名称", "方向", "匹配依据", title="卡点通行")
    for s in file["sightings"]:
        seen.add_row(
            _s(s["event_time"]),
            s["checkpoint_code"],
            _s(s["checkpoint_name"]),
            _s(s["direction"], DIRECTIONS),
            "、".join(s["matched_by"]),
        )
    console.print(seen if file["sightings"] else "卡点通行: 无")
