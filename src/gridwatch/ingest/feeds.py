"""The four feeds of the contract (§5) as data: columns, aliases, types, enums.

Everything else (header matching, normalisation SQL, quarantine rules) is
derived from these tables, so a new alias or enum value is a one-line change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["text", "timestamp", "date", "integer", "enum", "id_type", "temperature"]


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...] = ()
    kind: Kind = "text"
    required: bool = False
    # enum: source value (compared trimmed and lower-cased) -> canonical value
    values: dict[str, str] = field(default_factory=dict)
    # value used when the cell is empty (enum and integer columns)
    default: str | None = None
    # integers: smallest accepted value
    minimum: int | None = None

    @property
    def header_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Feed:
    name: str
    title: str
    columns: tuple[Column, ...]
    # The columns that identify a row (contract §5); empty: no natural key, a row is
    # identified by its whole content (what a corrected re-delivery is compared by).
    key: tuple[str, ...] = ()

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _enum(*pairs: tuple[str, str]) -> dict[str, str]:
    """Map every Chinese or English spelling (lower-cased) to its canonical value."""
    mapping: dict[str, str] = {}
    for source, canonical in pairs:
        mapping[source.lower()] = canonical
        mapping[canonical.lower()] = canonical
    return mapping


BATCH_ID = Column("batch_id", ("批次号", "下发批次", "批次"), required=True)
RECORD_NO = Column("record_no", ("序号",), "integer", required=True)
ID_NUMBER = ("证件号码", "身份证号", "身份证号码")

HEALTH_CODE = _enum(("绿", "GREEN"), ("黄", "YELLOW"), ("红", "RED"))

PUSH_LIST = Feed(
    "push_list",
    "大数据推送名单",
    (
        BATCH_ID,
        Column("topic", ("专项", "专项名称"), required=True),
        Column("issued_at", ("下发时间",), "timestamp", required=True),
        Column(
            "deadline_hours",
            ("反馈时限", "反馈时限(小时)", "时限(小时)"),
            "integer",
            default="24",
            minimum=1,
        ),
        RECORD_NO,
        Column("name", ("姓名",), required=True),
        Column("id_type", ("证件类型",), "id_type"),
        Column("id_number", ID_NUMBER),
        Column("phone", ("手机号", "手机号码", "联系电话")),
        Column("street", ("街道", "所属街道"), required=True),
        Column("community", ("社区", "所属社区")),
        Column("address", ("现住址", "居住地址")),
        Column("source_area", ("来源地", "途经地")),
        Column("reason", ("推送原因", "风险原因")),
        Column("arrived_at", ("抵达时间", "抵深时间"), "timestamp"),
    ),
    key=("batch_id", "record_no"),
)

VERIFICATION = Feed(
    "verification",
    "核查反馈",
    (
        BATCH_ID,
        RECORD_NO,
        Column("id_number", ID_NUMBER),
        Column("verified_at", ("核查时间",), "timestamp", required=True),
        Column("community", ("核查社区", "社区"), required=True),
        Column("grid", ("网格", "网格编号")),
        Column("verifier", ("核查人",)),
        Column(
            "method",
            ("核查方式",),
            "enum",
            required=True,
            values=_enum(
                ("电话", "PHONE"), ("上门", "VISIT"), ("视频", "VIDEO"), ("卡点", "CHECKPOINT")
            ),
        ),
        Column(
            "outcome",
            ("核查结果",),
            "enum",
            required=True,
            values=_enum(
                ("已纳管", "MANAGED"),
                ("不在辖区", "NOT_IN_JURISDICTION"),
                ("已离开", "LEFT"),
                ("已离深", "LEFT"),
                ("查无此人", "NOT_FOUND"),
                ("未联系上", "UNREACHABLE"),
            ),
        ),
        Column(
            "measure",
            ("管控措施",),
            "enum",
            default="NONE",
            values=_enum(
                ("居家隔离", "HOME_QUARANTINE"),
                ("集中隔离", "CENTRAL_QUARANTINE"),
                ("居家健康监测", "HEALTH_MONITORING"),
                ("健康监测", "HEALTH_MONITORING"),
                ("无", "NONE"),
            ),
        ),
        Column("measure_until", ("管控截止", "解除日期"), "date"),
        Column("health_code", ("健康码",), "enum", values=HEALTH_CODE),
        Column(
            "nat_result",
            ("核酸结果",),
            "enum",
            values=_enum(("阴性", "NEGATIVE"), ("阳性", "POSITIVE"), ("待出", "PENDING")),
        ),
    ),
    # rows repeating one another in these count once (§5)
    key=("batch_id", "record_no", "verified_at", "outcome"),
)

CHECKPOINT = Feed(
    "checkpoint",
    "卡点日志",
    (
        Column("checkpoint_code", ("卡点编码", "卡点"), required=True),
        Column("event_time", ("时间", "通行时间"), "timestamp", required=True),
        Column(
            "direction", ("方向",), "enum", required=True, values=_enum(("进", "IN"), ("出", "OUT"))
        ),
        Column(
            "subject",
            ("人员类型", "类型"),
            "enum",
            required=True,
            values=_enum(
                ("居民", "RESIDENT"),
                ("访客", "VISITOR"),
                ("返深人员", "RETURNEE"),
                ("返回人员", "RETURNEE"),
                ("车辆", "VEHICLE"),
            ),
        ),
        Column("id_number", ("证件号码", "身份证号")),
        Column("phone", ("手机号",)),
        Column("plate", ("车牌", "车牌号")),
        Column("temperature", ("体温",), "temperature"),
        Column("health_code", ("健康码",), "enum", values=HEALTH_CODE),
        Column(
            "action",
            ("处置",),
            "enum",
            default="PASS",
            values=_enum(
                ("放行", "PASS"),
                ("劝返", "TURNED_BACK"),
                ("登记", "REGISTERED"),
                ("送医", "SENT_TO_CLINIC"),
            ),
        ),
    ),
    # no natural key: an event is its whole row (the same pass may be logged twice)
    key=(),
)

ENTERPRISE_FILING = Feed(
    "enterprise_filing",
    "企业复工复产报备",
    (
        Column("filing_id", ("报备编号",), required=True),
        Column("uscc", ("统一社会信用代码",), required=True),
        Column("enterprise_name", ("企业名称",), required=True),
        Column("community", ("所属社区", "社区"), required=True),
        Column(
            "category",
            ("企业类型",),
            "enum",
            required=True,
            values=_enum(
                ("重点敏感型", "SENSITIVE"),
                ("聚集接触型", "GATHERING"),
                ("上门服务型", "DOOR_TO_DOOR"),
                ("独立办公型", "INDEPENDENT"),
                ("其他", "OTHER"),
                ("其他类型", "OTHER"),
            ),
        ),
        Column(
            "event",
            ("状态",),
            "enum",
            required=True,
            values=_enum(
                ("已报备", "FILED"),
                ("已审核", "APPROVED"),
                ("审核通过", "APPROVED"),
                ("未通过", "REJECTED"),
                ("驳回", "REJECTED"),
                ("已复工", "RESUMED"),
                ("停工整改", "SUSPENDED"),
            ),
        ),
        Column("event_time", ("时间", "报备时间"), "timestamp", required=True),
        Column("employees_total", ("员工总数",), "integer", minimum=0),
        Column("employees_returned", ("到岗人数", "返岗人数"), "integer", minimum=0),
        Column("employees_from_risk_areas", ("来自风险地区人数",), "integer", minimum=0),
        Column("planned_resume_date", ("计划复工日期",), "date"),
        Column(
            "inspection_passed",
            ("检查结果",),
            "enum",
            values={"通过": "true", "不通过": "false", "true": "true", "false": "false"},
        ),
    ),
    # an event of a filing's history; repeats in these count once (§5)
    key=("filing_id", "event", "event_time"),
)

FEEDS: dict[str, Feed] = {
    f.name: f for f in (PUSH_LIST, VERIFICATION, CHECKPOINT, ENTERPRISE_FILING)
}

# The column whose timestamp is "the row's own date" (for the RIC birth-date rule, §3).
ROW_DATE_COLUMN = {
    "push_list": "issued_at",
    "verification": "verified_at",
    "checkpoint": "event_time",
    "enterprise_filing": "event_time",
}

ID_TYPES = _enum(
    ("居民身份证", "RIC"),
    ("身份证", "RIC"),
    ("护照", "PASSPORT"),
    ("港澳通行证", "HKMO"),
    ("台胞证", "TW"),
)
