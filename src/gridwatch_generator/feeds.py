"""The feed column tables of the data contract (§5), as the generator sees them.

Kept local to the generator on purpose: the generator is the independent
"upstream" whose files the loader is tested against, so it must not share
the loader's interpretation code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from gridwatch.ingest.reference import REFERENCE_FILES


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    required: bool = False


def _c(name: str, aliases: str = "", required: bool = False) -> Column:
    return Column(name, tuple(a for a in aliases.split("|") if a), required)


FEEDS: dict[str, tuple[Column, ...]] = {
    "push_list": (
        _c("batch_id", "批次号|下发批次|批次", True),
        _c("topic", "专项|专项名称", True),
        _c("issued_at", "下发时间", True),
        _c("deadline_hours", "反馈时限|反馈时限(小时)|时限(小时)"),
        _c("record_no", "序号", True),
        _c("name", "姓名", True),
        _c("id_type", "证件类型"),
        _c("id_number", "证件号码|身份证号|身份证号码"),
        _c("phone", "手机号|手机号码|联系电话"),
        _c("street", "街道|所属街道", True),
        _c("community", "社区|所属社区"),
        _c("address", "现住址|居住地址"),
        _c("source_area", "来源地|途经地"),
        _c("reason", "推送原因|风险原因"),
        _c("arrived_at", "抵达时间|抵深时间"),
    ),
    "verification": (
        _c("batch_id", "批次号|下发批次|批次", True),
        _c("record_no", "序号", True),
        _c("id_number", "证件号码|身份证号|身份证号码"),
        _c("verified_at", "核查时间", True),
        _c("community", "核查社区|社区", True),
        _c("grid", "网格|网格编号"),
        _c("verifier", "核查人"),
        _c("method", "核查方式", True),
        _c("outcome", "核查结果", True),
        _c("measure", "管控措施"),
        _c("measure_until", "管控截止|解除日期"),
        _c("health_code", "健康码"),
        _c("nat_result", "核酸结果"),
    ),
    "checkpoint": (
        _c("checkpoint_code", "卡点编码|卡点", True),
        _c("event_time", "时间|通行时间", True),
        _c("direction", "方向", True),
        _c("subject", "人员类型|类型", True),
        _c("id_number", "证件号码|身份证号"),
        _c("phone", "手机号"),
        _c("plate", "车牌|车牌号"),
        _c("temperature", "体温"),
        _c("health_code", "健康码"),
        _c("action", "处置"),
    ),
    "enterprise_filing": (
        _c("filing_id", "报备编号", True),
        _c("uscc", "统一社会信用代码", True),
        _c("enterprise_name", "企业名称", True),
        _c("community", "所属社区|社区", True),
        _c("category", "企业类型", True),
        _c("event", "状态", True),
        _c("event_time", "时间|报备时间", True),
        _c("employees_total", "员工总数"),
        _c("employees_returned", "到岗人数|返岗人数"),
        _c("employees_from_risk_areas", "来自风险地区人数"),
        _c("planned_resume_date", "计划复工日期"),
        _c("inspection_passed", "检查结果"),
    ),
}
# The reference files the loader reads (gridwatch.ingest.reference), with their headers.
REFERENCE_HEADERS: dict[str, tuple[str, ...]] = {
    f"{name}.csv": columns for name, columns in REFERENCE_FILES.items()
}

# Enumerations: canonical -> Chinese spellings (first is the usual one).
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    "method": {"PHONE": ("电话",), "VISIT": ("上门",), "VIDEO": ("视频",), "CHECKPOINT": ("卡点",)},
    "outcome": {
        "MANAGED": ("已纳管",),
        "NOT_IN_JURISDICTION": ("不在辖区",),
        "LEFT": ("已离深", "已离开"),
        "NOT_FOUND": ("查无此人",),
        "UNREACHABLE": ("未联系上",),
    },
    "measure": {
        "HOME_QUARANTINE": ("居家隔离",),
        "CENTRAL_QUARANTINE": ("集中隔离",),
        "HEALTH_MONITORING": ("居家健康监测", "健康监测"),
        "NONE": ("无",),
    },
    "health_code": {"GREEN": ("绿",), "YELLOW": ("黄",), "RED": ("红",)},
    "nat_result": {"NEGATIVE": ("阴性",), "POSITIVE": ("阳性",), "PENDING": ("待出",)},
    "direction": {"IN": ("进",), "OUT": ("出",)},
    "subject": {
        "RESIDENT": ("居民",),
        "VISITOR": ("访客",),
        "RETURNEE": ("返深人员", "返回人员"),
        "VEHICLE": ("车辆",),
    },
    "action": {
        "PASS": ("放行",),
        "TURNED_BACK": ("劝返",),
        "REGISTERED": ("登记",),
        "SENT_TO_CLINIC": ("送医",),
    },
    "category": {
        "SENSITIVE": ("重点敏感型",),
        "GATHERING": ("聚集接触型",),
        "DOOR_TO_DOOR": ("上门服务型",),
        "INDEPENDENT": ("独立办公型",),
        "OTHER": ("其他", "其他类型"),
    },
    "event": {
        "FILED": ("已报备",),
        "APPROVED": ("已审核", "审核通过"),
        "REJECTED": ("未通过", "驳回"),
        "RESUMED": ("已复工",),
        "SUSPENDED": ("停工整改",),
    },
    "inspection_passed": {"true": ("通过",), "false": ("不通过",)},
}

# Values that are certainly not in an enumeration (for BAD_ENUM rows).
BAD_ENUM_VALUES: dict[str, tuple[str, ...]] = {
    "method": ("微信", "走访", "短信"),
    "outcome": ("已核实", "处理中", "待核查"),
    "measure": ("自我隔离", "居家观察中"),
    "health_code": ("蓝", "灰", "橙"),
    "nat_result": ("未检测", "已采样"),
    "direction": ("入", "离开"),
    "subject": ("快递员", "外卖骑手"),
    "action": ("隔离", "留观"),
    "category": ("餐饮", "制造业"),
    "event": ("待审核", "已撤回"),
    "inspection_passed": ("待复查", "基本合格"),
}


class EnumStyle:
    """How one file spells enumerations: Chinese mostly, sometimes English."""

    def __init__(self, rng: random.Random, english_share: float = 0.1) -> None:
        self.english = rng.random() < english_share
        self.lower = self.english and rng.random() < 0.3
        self.alt = rng.random() < 0.3  # use the alternative Chinese spelling when there is one
        self._rng = rng

    def label(self, enum: str, value: str) -> str:
        if self.english:
            return value.lower() if self.lower else value
        spellings = ENUMS[enum][value]
        return spellings[-1] if self.alt else spellings[0]
