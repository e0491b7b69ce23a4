"""The datasets of the field-work dashboards: verification coverage (per community and
per topic), the grids' backlog and the work queue, checkpoints, enterprises."""

from __future__ import annotations

from marts_schema import VALUE_LABELS

from build_assets.dataset_sql import NAME_COLS, asof, mart_cols, ratio, s, with_names
from build_assets.model import Col, Dataset, Metric, case_label

COVERAGE_METRICS = [
    s("pushed_persons"),
    s("new_persons"),
    s("verified_persons"),
    s("managed_persons"),
    s("under_management"),
    s("backlog_persons"),
    s("overdue_persons"),
    ratio(
        "coverage_rate",
        "SUM(pushed_persons) - SUM(backlog_persons)",
        "SUM(pushed_persons)",
        "核查覆盖率",
        "（推送人数 − 积压人数）/ 推送人数",
    ),
    s("records_issued"),
    s("records_satisfied"),
    s("due_records"),
    ratio(
        "deadline_met_rate",
        "SUM(deadline_met_rate * due_records)",
        "SUM(CASE WHEN deadline_met_rate IS NOT NULL THEN due_records END)",
        "按时核查率",
        "当日到期记录中按时完成核查的比例",
    ),
    Metric(
        "median_hours_to_verify",
        "SUM(median_hours_to_verify * records_satisfied) / NULLIF(SUM(CASE WHEN "
        "median_hours_to_verify IS NOT NULL THEN records_satisfied END), 0)",
        "核查用时中位数（小时）",
        ",.1f",
        "各社区当日核查用时中位数，按完成记录数加权",
    ),
]
TOPIC_METRICS = [
    s("pushed_persons"),
    s("backlog_persons"),
    s("overdue_persons"),
    COVERAGE_METRICS[7],
    s("records_issued"),
    s("records_satisfied"),
]
CATEGORY_LABEL = Col("category_label", "VARCHAR", "企业类型")
STATUS_LABEL = Col("status_label", "VARCHAR", "企业状态")
ENT_DAILY_SQL = with_names(
    "mart_enterprise_resumption_daily",
    f",\n  {case_label('t.category', VALUE_LABELS['category'])} AS category_label",
)
ENT_DAILY_METRICS = [
    s("enterprises"),
    s("filed"),
    s("approved"),
    s("rejected"),
    s("resumed"),
    s("suspended"),
    ratio("resumption_rate", "SUM(resumed)", "SUM(enterprises)", "复工率", "已复工企业 / 企业数"),
    s("employees_total"),
    s("employees_returned"),
    ratio(
        "staff_return_rate",
        "SUM(employees_returned)",
        "SUM(employees_total)",
        "员工返岗率",
        "到岗人数 / 员工总数",
    ),
]
GRID_METRICS = [
    s("backlog_at_start"),
    s("entered_backlog"),
    s("cleared_backlog"),
    s("backlog_persons"),
    s("overdue_persons"),
    ratio(
        "burn_rate",
        "SUM(cleared_backlog)",
        "SUM(backlog_at_start)",
        "日初积压清零率",
        "当日清零人数 / 日初积压人数",
    ),
    s("open_under_12h"),
    s("open_12_24h"),
    s("open_1_2d"),
    s("open_2_3d"),
    s("open_over_3d"),
    Metric("oldest_open_hours", "MAX(oldest_open_hours)", "最长积压时长（小时）", ",.1f"),
]


FIELD_DATASETS: list[Dataset] = [
    Dataset(
        "coverage_daily",
        "mart_coverage_daily",
        mart_cols("mart_coverage_daily"),
        COVERAGE_METRICS,
        main_dttm_col="report_date",
        description="每日各社区核查覆盖（累计口径）",
    ),
    Dataset(
        "coverage_asof",
        "v_coverage_asof",
        mart_cols("mart_coverage_daily"),
        COVERAGE_METRICS,
        sql=asof("SELECT * FROM marts.mart_coverage_daily", "mart_coverage_daily"),
        main_dttm_col="report_date",
        description="所选日期范围最后一天的各社区核查覆盖",
    ),
    Dataset(
        "topic_daily",
        "mart_coverage_by_topic_daily",
        mart_cols("mart_coverage_by_topic_daily"),
        TOPIC_METRICS,
        main_dttm_col="report_date",
        description="每日各专项核查覆盖（专项间有重叠，不可相加）",
    ),
    Dataset(
        "topic_asof",
        "v_coverage_by_topic_asof",
        mart_cols("mart_coverage_by_topic_daily"),
        TOPIC_METRICS,
        sql=asof(
            "SELECT * FROM marts.mart_coverage_by_topic_daily", "mart_coverage_by_topic_daily"
        ),
        main_dttm_col="report_date",
        description="所选日期范围最后一天的各专项核查覆盖",
    ),
    Dataset(
        "grid_daily",
        "mart_grid_backlog_daily",
        mart_cols("mart_grid_backlog_daily"),
        GRID_METRICS,
        main_dttm_col="report_date",
        description="每日各网格积压与消化（人数；无网格的计入社区的“未分配网格”）",
    ),
    Dataset(
        "grid_asof",
        "v_grid_backlog_asof",
        mart_cols("mart_grid_backlog_daily"),
        GRID_METRICS,
        sql=asof("SELECT * FROM marts.mart_grid_backlog_daily", "mart_grid_backlog_daily"),
        main_dttm_col="report_date",
        description="所选日期范围最后一天的各网格积压",
    ),
    Dataset(
        "backlog",
        "v_backlog",
        mart_cols(
            "mart_backlog",
            *NAME_COLS,
            Col("age_bucket", "VARCHAR", "积压时长"),
        ),
        [
            Metric("records", "COUNT(*)", "积压记录数", ",d"),
            Metric("persons", "COUNT(DISTINCT person_key)", "积压人数", ",d"),
            Metric(
                "overdue_records",
                "SUM(CASE WHEN is_overdue THEN 1 ELSE 0 END)",
                "超时记录数",
                ",d",
            ),
            Metric("avg_age_hours", "AVG(age_hours)", "平均积压时长（小时）", ",.1f"),
            Metric("max_age_hours", "MAX(age_hours)", "最长积压时长（小时）", ",.1f"),
        ],
        sql=with_names(
            "mart_backlog",
            ",\n  CASE WHEN t.age_hours < 12 THEN '①12小时内' WHEN t.age_hours < 24 THEN "
            "'②12–24小时'\n    WHEN t.age_hours < 48 THEN '③1–2天' WHEN t.age_hours < 72 "
            "THEN '④2–3天'\n    WHEN t.age_hours < 168 THEN '⑤3–7天' ELSE '⑥7天以上' END "
            "AS age_bucket",
        ),
        main_dttm_col="issued_at",
        description="最后报告日结束时仍未核查的推送记录（工作队列）",
        snapshot=True,
    ),
    Dataset(
        "checkpoint_daily",
        "v_checkpoint_daily",
        mart_cols("mart_checkpoint_daily", *NAME_COLS),
        [
            s("events_in"),
            s("events_out"),
            s("fever_alerts"),
            s("unreadable_temperatures"),
            s("non_green_codes"),
            s("turned_back"),
            s("returnees"),
            s("backlog_sightings"),
        ],
        sql=with_names("mart_checkpoint_daily"),
        main_dttm_col="report_date",
        description="每日各卡点通行与预警",
    ),
    Dataset(
        "enterprise_status",
        "v_enterprise_status",
        mart_cols("mart_enterprise_status", *NAME_COLS, CATEGORY_LABEL, STATUS_LABEL),
        [
            Metric("enterprises", "COUNT(*)", "企业数", ",d"),
            Metric(
                "resumed",
                "SUM(CASE WHEN status = 'RESUMED' THEN 1 ELSE 0 END)",
                "已复工",
                ",d",
            ),
            s("employees_total"),
            s("employees_returned"),
            ratio(
                "staff_return_rate",
                "SUM(employees_returned)",
                "SUM(employees_total)",
                "员工返岗率",
                "到岗人数 / 员工总数",
            ),
        ],
        sql=with_names(
            "mart_enterprise_status",
            f",\n  {case_label('t.category', VALUE_LABELS['category'])} AS category_label,\n"
            f"  {case_label('t.status', VALUE_LABELS['enterprise_status'])} AS status_label",
        ),
        main_dttm_col="status_since",
        description="各企业最新复工复产状态",
        snapshot=True,
    ),
    Dataset(
        "enterprise_daily",
        "v_enterprise_resumption_daily",
        mart_cols("mart_enterprise_resumption_daily", *NAME_COLS, CATEGORY_LABEL),
        ENT_DAILY_METRICS,
        sql=ENT_DAILY_SQL,
        main_dttm_col="report_date",
        description="每日各社区、各类企业复工复产",
    ),
    Dataset(
        "enterprise_asof",
        "v_enterprise_resumption_asof",
        mart_cols("mart_enterprise_resumption_daily", *NAME_COLS, CATEGORY_LABEL),
        ENT_DAILY_METRICS,
        sql=asof(ENT_DAILY_SQL, "mart_enterprise_resumption_daily"),
        main_dttm_col="report_date",
        description="所选日期范围最后一天的各社区企业复工复产",
    ),
]
