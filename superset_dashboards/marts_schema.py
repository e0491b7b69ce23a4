"""The marts the dashboards read, with their Chinese labels.

Table and column names and DuckDB types come from dbt's model files (the one
definition of the marts); the labels are the dashboards' own. Used by the asset
generator (``assets_build.py``, ``build_assets/``), the dev data generator's self-check
and the import's check of the serving file. Needs only PyYAML: importable from either venv.
"""

from __future__ import annotations

from pathlib import Path

import yaml

# dbt's model files define the marts (enforced contracts); the Superset image copies them.
MARTS_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "marts"


def _marts_from_dbt() -> dict[str, list[tuple[str, str]]]:
    marts: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(MARTS_DIR.rglob("_*__models.yml")):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            marts[model["name"]] = [
                (column["name"], column["data_type"].upper()) for column in model["columns"]
            ]
    if not marts:
        raise FileNotFoundError(f"no dbt mart models under {MARTS_DIR}")
    return marts


MARTS: dict[str, list[tuple[str, str]]] = _marts_from_dbt()

# Chinese labels (verbose names) for every column name used above or derived.
LABELS: dict[str, str] = {
    "report_date": "报告日期",
    "street_code": "街道编码",
    "street_name": "街道",
    "community_code": "社区编码",
    "community_name": "社区",
    "pushed_persons": "推送人数",
    "new_persons": "新增推送人数",
    "verified_persons": "已核查人数",
    "managed_persons": "累计纳管人数",
    "under_management": "在管人数",
    "backlog_persons": "积压人数",
    "overdue_persons": "超时未核查人数",
    "coverage_rate": "核查覆盖率",
    "records_issued": "下发记录数",
    "records_satisfied": "完成核查记录数",
    "median_hours_to_verify": "核查用时中位数（小时）",
    "due_records": "到期记录数",
    "deadline_met_rate": "按时核查率",
    "topic": "专项",
    "batch_id": "批次号",
    "record_no": "序号",
    "person_key": "人员标识",
    "issued_at": "下发时间",
    "deadline_at": "反馈时限",
    "grid_code": "网格编码",
    "grid_name": "网格",
    "backlog_at_start": "日初积压人数",
    "entered_backlog": "新增积压人数",
    "cleared_backlog": "清零人数",
    "open_under_12h": "积压12小时内",
    "open_12_24h": "积压12–24小时",
    "open_1_2d": "积压1–2天",
    "open_2_3d": "积压2–3天",
    "open_over_3d": "积压3天以上",
    "oldest_open_hours": "最长积压时长（小时）",
    "is_repeat_push": "重复推送",
    "satisfied_at": "核查完成时间",
    "satisfying_outcome": "核查结果",
    "hours_to_verify": "核查用时（小时）",
    "met_deadline": "按时完成",
    "id_valid": "证件号有效",
    "phone_valid": "手机号有效",
    "identity_kind": "身份类型",
    "name_masked": "姓名（脱敏）",
    "id_masked": "证件号（脱敏）",
    "phone_masked": "手机号（脱敏）",
    "gender": "性别",
    "birth_year": "出生年份",
    "first_pushed_at": "首次推送时间",
    "last_pushed_at": "最近推送时间",
    "push_records": "推送记录数",
    "topics": "涉及专项数",
    "status": "状态",
    "measure": "管控措施",
    "measure_until": "管控截止",
    "first_verified_at": "首次核查时间",
    "last_verified_at": "最近核查时间",
    "last_outcome": "最近核查结果",
    "health_code": "健康码",
    "nat_result": "核酸结果",
    "verifications": "核查次数",
    "last_seen_at_checkpoint": "最近卡点通行时间",
    "age_hours": "积压时长（小时）",
    "is_overdue": "是否超时",
    "attempts": "未联系上次数",
    "last_attempt_at": "最近尝试时间",
    "checkpoint_code": "卡点",
    "events_in": "进入人次",
    "events_out": "离开人次",
    "fever_alerts": "发热预警",
    "unreadable_temperatures": "体温未读出",
    "non_green_codes": "非绿码",
    "turned_back": "劝返",
    "returnees": "返深人员",
    "backlog_sightings": "积压人员卡点出现",
    "uscc": "统一社会信用代码",
    "uscc_valid": "信用代码有效",
    "enterprise_name": "企业名称",
    "category": "企业类型",
    "status_since": "状态起始时间",
    "first_filed_at": "首次报备时间",
    "resumed_at": "复工时间",
    "employees_total": "员工总数",
    "employees_returned": "到岗人数",
    "staff_return_rate": "员工返岗率",
    "inspection_passed": "检查通过",
    "enterprises": "企业数",
    "filed": "已报备",
    "approved": "已审核",
    "rejected": "未通过",
    "resumed": "已复工",
    "suspended": "停工整改",
    "resumption_rate": "复工率",
    "feed": "数据源",
    "delivery_date": "交付日期",
    "file_name": "文件名",
    "rows_read": "读取行数",
    "rows_loaded": "加载行数",
    "rows_quarantined": "隔离行数",
    "sha256": "文件指纹",
    "loaded_at": "加载时间",
    "change": "变化",
    "key": "记录键",
    "changed_columns": "变化的列",
    "error": "错误信息",
    "note": "说明",
    "reason": "隔离原因",
    "rows": "行数",
    "suite": "校验套件",
    "run_date": "校验日期",
    "expectation": "校验规则",
    "column_name": "校验字段",
    "severity": "严重程度",
    "success": "是否通过",
    "observed_value": "观测值",
    "validated_at": "校验时间",
}

# Chinese names for enumeration values shown on dashboards.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "category": {
        "SENSITIVE": "重点敏感型",
        "GATHERING": "聚集接触型",
        "DOOR_TO_DOOR": "上门服务型",
        "INDEPENDENT": "独立办公型",
        "OTHER": "其他",
    },
    "enterprise_status": {
        "FILED": "已报备",
        "APPROVED": "已审核",
        "REJECTED": "未通过",
        "RESUMED": "已复工",
        "SUSPENDED": "停工整改",
    },
    "feed": {
        "push_list": "大数据推送名单",
        "verification": "核查反馈",
        "checkpoint": "卡点日志",
        "enterprise_filing": "企业复工报备",
    },
    "load_status": {
        "LOADED": "已加载",
        "REJECTED": "已拒收",
        "DUPLICATE": "重复文件",
        "IGNORED": "已忽略",
    },
    "change": {
        "added": "新增",
        "removed": "撤回",
        "changed": "修改",
    },
    "reason_kind": {
        "MISSING_REQUIRED": "缺少必填值",
        "BAD_TIMESTAMP": "时间格式错误",
        "BAD_ENUM": "取值不在范围",
        "BAD_NUMBER": "数字格式错误",
        "UNKNOWN_CHECKPOINT": "未知卡点",
        "DUPLICATE_KEY": "重复记录",
    },
    "severity": {"critical": "严重", "warning": "警告", "error": "严重", "info": "提示"},
}
