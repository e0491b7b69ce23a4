"""Generate the Superset assets (YAML) of the gridwatch dashboards.

The YAML under ``superset_dashboards/assets/`` is what ``manage.py import`` loads; it
is generated from the definitions below so that uuids, dataset columns, Chinese
labels, filter scopes and layouts stay consistent. Edit this file, then run

    python superset_dashboards/assets_build.py          # rewrite assets/
    python superset_dashboards/assets_build.py --check  # fail if assets/ is stale

The database URI in ``databases/gridwatch_serving.yaml`` is a placeholder that the
import renders from ``GRIDWATCH_SERVING``.
"""

from __future__ import annotations

import argparse
import difflib
import json
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from marts_schema import LABELS, MARTS, VALUE_LABELS

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "assets"
NS = uuid.UUID("5b0c7c52-2f3e-4d36-9a55-6a1f0e6d2a10")
SERVING_URI_PLACEHOLDER = "duckdb:///__GRIDWATCH_SERVING__"
DATABASE_NAME = "gridwatch 服务库（只读）"
DATABASE_FILE = "gridwatch_serving"
VERSION = "1.0.0"


def uid(kind: str, key: str) -> str:
    return str(uuid.uuid5(NS, f"gridwatch/{kind}/{key}"))


def case_label(expr: str, mapping: dict[str, str], default: str | None = None) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE {default or expr} END"


# --------------------------------------------------------------------------- datasets


@dataclass
class Col:
    name: str
    type: str
    label: str | None = None
    expression: str | None = None

    @property
    def is_dttm(self) -> bool:
        return self.type in ("DATE", "TIMESTAMP")


@dataclass
class Metric:
    name: str
    expression: str
    label: str
    d3format: str | None = None
    description: str | None = None


@dataclass
class Dataset:
    key: str
    table_name: str
    columns: list[Col]
    metrics: list[Metric] = field(default_factory=list)
    sql: str | None = None
    main_dttm_col: str | None = None
    description: str | None = None
    # A snapshot at the end of the last report date: the date filter does not apply.
    snapshot: bool = False

    @property
    def uuid(self) -> str:
        return uid("dataset", self.key)

    def has(self, column: str) -> bool:
        return any(c.name == column for c in self.columns)


def mart_cols(table: str, *extra: Col) -> list[Col]:
    return [Col(n, t, LABELS.get(n)) for n, t in MARTS[table]] + list(extra)


def s(col: str, fmt: str = ",d") -> Metric:
    """SUM metric over a count column, labelled like the column."""
    return Metric(col, f"SUM({col})", LABELS[col], fmt)


def ratio(name: str, num: str, den: str, label: str, description: str) -> Metric:
    return Metric(name, f"CAST({num} AS DOUBLE) / NULLIF({den}, 0)", label, ".1%", description)


NAMES_CTE = """streets AS (
  SELECT street_code, any_value(street_name) AS street_name
  FROM marts.mart_coverage_daily GROUP BY street_code
), communities AS (
  SELECT community_code, any_value(community_name) AS community_name
  FROM marts.mart_coverage_daily GROUP BY community_code
)"""
UNRESOLVED = {"_UNRESOLVED": "未识别", "_UNDISPATCHED": "待分拨"}


def with_names(table: str, extra_select: str = "") -> str:
    """SQL of a mart with street and community names (names live in coverage only)."""
    street = f"coalesce(s.street_name, {case_label('t.street_code', UNRESOLVED)})"
    community = f"coalesce(c.community_name, {case_label('t.community_code', UNRESOLVED)})"
    return (
        f"WITH {NAMES_CTE}\n"
        f"SELECT t.*,\n  {street} AS street_name,\n  {community} AS community_name"
        f"{extra_select}\n"
        f"FROM marts.{table} t\n"
        "LEFT JOIN streets s ON s.street_code = t.street_code\n"
        "LEFT JOIN communities c ON c.community_code = t.community_code"
    )


def asof(inner_sql: str, source: str, date_col: str = "report_date") -> str:
    """Rows of the latest report date up to the end of the dashboard's date range.

    Cumulative marts (persons pushed, backlog...) must not be summed over days; the
    per-street/community/topic tables show the state at the end of the range.
    """
    return (
        f"SELECT * FROM (\n{inner_sql}\n) a\n"
        f"WHERE a.{date_col} = (\n"
        f"  SELECT max({date_col}) FROM marts.{source}\n"
        f"  {{% if to_dttm %}}WHERE {date_col} < CAST('{{{{ to_dttm }}}}' AS TIMESTAMP)"
        "{% endif %}\n)"
    )


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
NAME_COLS = [Col("street_name", "VARCHAR", "街道"), Col("community_name", "VARCHAR", "社区")]
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
REASON_KIND = "split_part(reason, ':', 1)"
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

DATASETS: list[Dataset] = [
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
    Dataset(
        "load_status",
        "mart_load_status",
        mart_cols(
            "mart_load_status",
            Col("feed_label", "VARCHAR", "数据源", case_label("feed", VALUE_LABELS["feed"])),
            Col(
                "status_label",
                "VARCHAR",
                "文件状态",
                case_label("status", VALUE_LABELS["load_status"]),
            ),
        ),
        [
            Metric("files", "COUNT(*)", "文件数", ",d"),
            Metric(
                "rejected_files",
                "SUM(CASE WHEN status = 'REJECTED' THEN 1 ELSE 0 END)",
                "被拒文件数",
                ",d",
            ),
            s("rows_read"),
            s("rows_loaded"),
            s("rows_quarantined"),
            Metric("latest_delivery", "MAX(delivery_date)", "最新交付日期"),
            Metric("latest_load", "MAX(loaded_at)", "最近加载时间"),
        ],
        main_dttm_col="delivery_date",
        description="每个落地文件的加载结果",
    ),
    Dataset(
        "delivery_changes",
        "mart_delivery_changes",
        mart_cols(
            "mart_delivery_changes",
            Col("feed_label", "VARCHAR", "数据源", case_label("feed", VALUE_LABELS["feed"])),
            Col("change_label", "VARCHAR", "变化", case_label("change", VALUE_LABELS["change"])),
        ),
        [
            Metric("changed_records", "COUNT(*)", "变化记录数", ",d"),
            Metric("added", "SUM(CASE WHEN change = 'added' THEN 1 ELSE 0 END)", "新增", ",d"),
            Metric("removed", "SUM(CASE WHEN change = 'removed' THEN 1 ELSE 0 END)", "撤回", ",d"),
            Metric("modified", "SUM(CASE WHEN change = 'changed' THEN 1 ELSE 0 END)", "修改", ",d"),
        ],
        main_dttm_col="delivery_date",
        description="更正重报：每次重新加载相对上一次加载新增、撤回、修改的记录（只有键和列名，没有个人信息）",
    ),
    Dataset(
        "quarantine",
        "mart_quarantine_summary",
        mart_cols(
            "mart_quarantine_summary",
            Col("feed_label", "VARCHAR", "数据源", case_label("feed", VALUE_LABELS["feed"])),
            Col(
                "reason_kind",
                "VARCHAR",
                "隔离原因类别",
                case_label(REASON_KIND, VALUE_LABELS["reason_kind"]),
            ),
        ),
        [s("rows")],
        main_dttm_col="delivery_date",
        description="按数据源、日期、原因汇总的隔离行数",
    ),
    Dataset(
        "quality",
        "mart_quality_results",
        mart_cols(
            "mart_quality_results",
            Col(
                "severity_label",
                "VARCHAR",
                "严重程度",
                case_label("severity", VALUE_LABELS["severity"]),
            ),
            Col(
                "result_label",
                "VARCHAR",
                "校验结果",
                "CASE WHEN success THEN '通过' ELSE '未通过' END",
            ),
        ),
        [
            Metric("checks", "COUNT(*)", "校验项数", ",d"),
            Metric(
                "failed_checks",
                "SUM(CASE WHEN success THEN 0 ELSE 1 END)",
                "未通过项数",
                ",d",
            ),
            Metric(
                "pass_rate",
                "AVG(CASE WHEN success THEN 1.0 ELSE 0.0 END)",
                "通过率",
                ".1%",
            ),
        ],
        main_dttm_col="run_date",
        description="数据质量门禁校验结果",
    ),
    Dataset(
        "freshness",
        "v_data_freshness",
        [
            Col("source", "VARCHAR", "数据表"),
            Col("latest_date", "DATE", "数据截至"),
            Col("rows", "BIGINT", "行数"),
        ],
        [
            Metric("latest", "MAX(latest_date)", "数据截至"),
            Metric(
                "days_behind",
                "date_diff('day', MAX(latest_date), current_date)",
                "距今天数",
                ",d",
            ),
            Metric("rows_total", "SUM(rows)", "行数", ",d"),
        ],
        sql="\nUNION ALL\n".join(
            f"SELECT '{label}' AS source, max({col}) AS latest_date, count(*) AS rows "
            f"FROM marts.{table}"
            for label, table, col in [
                ("核查覆盖 mart_coverage_daily", "mart_coverage_daily", "report_date"),
                (
                    "专项覆盖 mart_coverage_by_topic_daily",
                    "mart_coverage_by_topic_daily",
                    "report_date",
                ),
                ("网格积压 mart_grid_backlog_daily", "mart_grid_backlog_daily", "report_date"),
                ("卡点 mart_checkpoint_daily", "mart_checkpoint_daily", "report_date"),
                (
                    "企业复工 mart_enterprise_resumption_daily",
                    "mart_enterprise_resumption_daily",
                    "report_date",
                ),
                ("文件加载 mart_load_status", "mart_load_status", "delivery_date"),
                ("数据隔离 mart_quarantine_summary", "mart_quarantine_summary", "delivery_date"),
                ("质量校验 mart_quality_results", "mart_quality_results", "run_date"),
            ]
        ),
        description="各数据表的最新日期（数据新鲜度）",
    ),
    # Person-level and remaining marts: for analysts (Explore, SQL Lab); masked values only.
    Dataset(
        "push_record",
        "fct_push_record",
        mart_cols("fct_push_record"),
        [Metric("records", "COUNT(*)", "记录数", ",d")],
        main_dttm_col="issued_at",
        description="推送记录（每条一行）",
    ),
    Dataset(
        "person",
        "dim_person",
        mart_cols("dim_person"),
        [Metric("persons", "COUNT(*)", "人数", ",d")],
        main_dttm_col="last_pushed_at",
        description="人员（一人一档，脱敏）",
    ),
    Dataset(
        "verified_person",
        "mart_verified_person",
        mart_cols("mart_verified_person"),
        [Metric("persons", "COUNT(*)", "人数", ",d")],
        main_dttm_col="last_verified_at",
        description="已核查人员（脱敏）",
    ),
    Dataset(
        "backlog_raw",
        "mart_backlog",
        mart_cols("mart_backlog"),
        [Metric("records", "COUNT(*)", "积压记录数", ",d")],
        main_dttm_col="issued_at",
        description="积压工作队列（原表）",
    ),
    Dataset(
        "checkpoint_raw",
        "mart_checkpoint_daily",
        mart_cols("mart_checkpoint_daily"),
        [s("events_in"), s("events_out")],
        main_dttm_col="report_date",
        description="卡点日汇总（原表）",
    ),
    Dataset(
        "enterprise_status_raw",
        "mart_enterprise_status",
        mart_cols("mart_enterprise_status"),
        [Metric("enterprises", "COUNT(*)", "企业数", ",d")],
        main_dttm_col="status_since",
        description="企业状态（原表）",
    ),
    Dataset(
        "enterprise_daily_raw",
        "mart_enterprise_resumption_daily",
        mart_cols("mart_enterprise_resumption_daily"),
        [s("enterprises"), s("resumed")],
        main_dttm_col="report_date",
        description="企业复工日汇总（原表）",
    ),
]
DS = {d.key: d for d in DATASETS}


def dataset_yaml(d: Dataset) -> dict[str, Any]:
    return {
        "table_name": d.table_name,
        "main_dttm_col": d.main_dttm_col,
        "description": d.description,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": "marts",
        "sql": d.sql,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "is_managed_externally": True,
        "external_url": None,
        "uuid": d.uuid,
        "metrics": [
            {
                "metric_name": m.name,
                "verbose_name": m.label,
                "metric_type": None,
                "expression": m.expression,
                "description": m.description,
                "d3format": m.d3format,
                "currency": None,
                "extra": {},
                "warning_text": None,
            }
            for m in d.metrics
        ],
        "columns": [
            {
                "column_name": c.name,
                "verbose_name": c.label,
                "is_dttm": c.is_dttm,
                "is_active": True,
                "type": c.type,
                "advanced_data_type": None,
                "groupby": True,
                "filterable": True,
                "expression": c.expression,
                "description": None,
                "python_date_format": None,
                "extra": {},
            }
            for c in d.columns
        ],
        "version": VERSION,
        "database_uuid": uid("database", DATABASE_FILE),
    }


def database_yaml() -> dict[str, Any]:
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": SERVING_URI_PLACEHOLDER,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        "impersonate_user": False,
        "extra": {
            # SQL Lab runs analysts' SQL on this connection: read the serving file only.
            # Without enable_external_access=false, DuckDB's read_text()/read_csv() would
            # read any file the Superset process can (its environment, its secret key);
            # lock_configuration stops a query from turning it back on.
            "engine_params": {
                "connect_args": {
                    "read_only": True,
                    "config": {"enable_external_access": False, "lock_configuration": True},
                }
            },
            "metadata_params": {},
            "schemas_allowed_for_csv_upload": [],
        },
        "is_managed_externally": True,
        "external_url": None,
        "uuid": uid("database", DATABASE_FILE),
        "version": VERSION,
    }


# ----------------------------------------------------------------------------- charts


@dataclass
class Chart:
    key: str
    title: str
    viz: str
    dataset: str
    params: dict[str, Any]
    description: str | None = None

    @property
    def uuid(self) -> str:
        return uid("chart", self.key)

    @property
    def ds(self) -> Dataset:
        return DS[self.dataset]


def time_range(col: str) -> dict[str, Any]:
    return {
        "clause": "WHERE",
        "comparator": "No filter",
        "expressionType": "SIMPLE",
        "operator": "TEMPORAL_RANGE",
        "subject": col,
    }


def where(sql: str) -> dict[str, Any]:
    return {"clause": "WHERE", "expressionType": "SQL", "sqlExpression": sql}


def _date_col(dataset: str) -> str:
    col = DS[dataset].main_dttm_col
    assert col and not DS[dataset].snapshot, dataset
    return col


def _range_filters(dataset: str) -> list[dict[str, Any]]:
    """The date range filter of a chart, unless its dataset is a snapshot."""
    d = DS[dataset]
    return [time_range(d.main_dttm_col)] if d.main_dttm_col and not d.snapshot else []


def kpi_trend(key: str, title: str, dataset: str, metric: str, fmt: str = ",d") -> Chart:
    """Big number of the last day in the range, with the daily trend underneath."""
    col = _date_col(dataset)
    return Chart(
        key,
        title,
        "big_number",
        dataset,
        {
            "metric": metric,
            "x_axis": col,
            "time_grain_sqla": "P1D",
            "adhoc_filters": [time_range(col)],
            "aggregation": "LAST_VALUE",
            "show_trend_line": True,
            "start_y_axis_at_zero": True,
            "y_axis_format": fmt,
            "time_format": "%Y-%m-%d",
            "header_font_size": 0.4,
            "subheader_font_size": 0.15,
            "rolling_type": "None",
            "color_picker": {"r": 0, "g": 122, "b": 135, "a": 1},
        },
        "所选日期范围最后一天的数值；下方为每日走势",
    )


def kpi_total(
    key: str, title: str, dataset: str, metric: str, fmt: str = ",d", filters=()
) -> Chart:
    """Big number over the whole selected range (for daily flows)."""
    col = _date_col(dataset)
    return Chart(
        key,
        title,
        "big_number_total",
        dataset,
        {
            "metric": metric,
            "adhoc_filters": [time_range(col), *filters],
            "header_font_size": 0.4,
            "subheader_font_size": 0.15,
            "y_axis_format": fmt,
            "time_format": "%Y-%m-%d",
        },
        "所选日期范围内合计",
    )


def timeseries(
    key: str,
    title: str,
    dataset: str,
    metrics: list[str],
    *,
    viz: str = "echarts_timeseries_line",
    groupby: list[str] | None = None,
    fmt: str = ",d",
    stack: bool = False,
    description: str | None = None,
) -> Chart:
    col = _date_col(dataset)
    params: dict[str, Any] = {
        "x_axis": col,
        "time_grain_sqla": "P1D",
        "metrics": metrics,
        "groupby": groupby or [],
        "adhoc_filters": [time_range(col)],
        "row_limit": 10000,
        "order_desc": True,
        "show_legend": True,
        "legendOrientation": "top",
        "legendType": "scroll",
        "rich_tooltip": True,
        "tooltipTimeFormat": "%Y-%m-%d",
        "x_axis_time_format": "%m-%d",
        "y_axis_format": fmt,
        "y_axis_bounds": [None, None],
        "truncateYAxis": False,
        "markerEnabled": False,
        "comparison_type": "values",
        "color_scheme": "supersetColors",
        "only_total": True,
        "zoomable": False,
        "x_axis_title_margin": 15,
        "y_axis_title_margin": 15,
        "y_axis_title_position": "Left",
    }
    if viz == "echarts_timeseries_bar":
        params["orientation"] = "vertical"
    if stack:
        params["stack"] = "Stack"
    return Chart(key, title, viz, dataset, params, description)


def category_bar(
    key: str,
    title: str,
    dataset: str,
    x: str,
    metrics: list[str],
    *,
    groupby: list[str] | None = None,
    stack: bool = False,
    fmt: str = ",d",
    description: str | None = None,
) -> Chart:
    params: dict[str, Any] = {
        "x_axis": x,
        "metrics": metrics,
        "groupby": groupby or [],
        "adhoc_filters": _range_filters(dataset),
        "row_limit": 10000,
        "order_desc": True,
        "orientation": "vertical",
        "x_axis_sort_asc": True,
        "x_axis_sort_series": "name",
        "x_axis_sort_series_ascending": True,
        "show_legend": True,
        "legendOrientation": "top",
        "legendType": "scroll",
        "rich_tooltip": True,
        "show_value": True,
        "y_axis_format": fmt,
        "y_axis_bounds": [None, None],
        "truncateYAxis": False,
        "color_scheme": "supersetColors",
        "only_total": True,
        "comparison_type": "values",
    }
    if stack:
        params["stack"] = "Stack"
    return Chart(key, title, "echarts_timeseries_bar", dataset, params, description)


def table(
    key: str,
    title: str,
    dataset: str,
    groupby: list[str],
    metrics: list[str],
    *,
    sort_by: str | None = None,
    sort_desc: bool = True,
    row_limit: int = 1000,
    description: str | None = None,
    filters=(),
) -> Chart:
    params: dict[str, Any] = {
        "query_mode": "aggregate",
        "groupby": groupby,
        "metrics": metrics,
        "all_columns": [],
        "percent_metrics": [],
        "adhoc_filters": [*_range_filters(dataset), *filters],
        "order_by_cols": [],
        "row_limit": row_limit,
        "server_page_length": 10,
        "order_desc": sort_desc,
        "table_timestamp_format": "%Y-%m-%d",
        "show_cell_bars": True,
        "color_pn": False,
        "include_search": False,
        "allow_rearrange_columns": False,
        "temporal_columns_lookup": {},
    }
    if sort_by:
        params["timeseries_limit_metric"] = sort_by
    return Chart(key, title, "table", dataset, params, description)


def raw_table(
    key: str,
    title: str,
    dataset: str,
    columns: list[str],
    *,
    order_by: list[tuple[str, bool]],
    row_limit: int = 500,
    filters=(),
    description: str | None = None,
) -> Chart:
    params: dict[str, Any] = {
        "query_mode": "raw",
        "groupby": [],
        "metrics": [],
        "all_columns": columns,
        "percent_metrics": [],
        "adhoc_filters": [*_range_filters(dataset), *filters],
        "order_by_cols": [json.dumps([c, asc]) for c, asc in order_by],
        "row_limit": row_limit,
        "server_page_length": 10,
        "table_timestamp_format": "%Y-%m-%d %H:%M",
        "show_cell_bars": False,
        "color_pn": False,
        "include_search": False,
        "temporal_columns_lookup": {c: True for c in columns if _is_dttm(dataset, c)},
    }
    return Chart(key, title, "table", dataset, params, description)


def _is_dttm(dataset: str, column: str) -> bool:
    return any(c.name == column and c.is_dttm for c in DS[dataset].columns)


def pie(
    key: str, title: str, dataset: str, groupby: str, metric: str, description: str | None = None
) -> Chart:
    return Chart(
        key,
        title,
        "pie",
        dataset,
        {
            "metric": metric,
            "groupby": [groupby],
            "adhoc_filters": _range_filters(dataset),
            "row_limit": 100,
            "sort_by_metric": True,
            "show_labels": True,
            "label_type": "key_value",
            "labels_outside": True,
            "show_legend": True,
            "legendOrientation": "top",
            "legendType": "scroll",
            "donut": True,
            "innerRadius": 35,
            "outerRadius": 70,
            "number_format": ",d",
            "color_scheme": "supersetColors",
            "date_format": "%Y-%m-%d",
        },
        description,
    )


# ------------------------------------------------------------------------- dashboards


@dataclass
class Filter:
    id: str
    name: str
    column: str | None = None  # None: the date range filter
    dataset: str | None = None
    parent: str | None = None
    description: str = ""


# Roles (manage.py creates them). A dashboard lists the roles that see it (Superset's
# DASHBOARD_RBAC); the Admin sees every dashboard.
LEADER = "Leader"
ANALYST = "Analyst"
STREET_LEADER = "StreetLeader"


@dataclass
class Dashboard:
    key: str
    title: str
    slug: str
    intro: str
    rows: list[list[tuple[Chart, int, int]]]
    filters: list[Filter]
    roles: tuple[str, ...] = (LEADER, ANALYST)

    @property
    def uuid(self) -> str:
        return uid("dashboard", self.key)

    @property
    def charts(self) -> list[Chart]:
        return [c for row in self.rows for c, _, _ in row]


# Charts over mart_enterprise_status: each enterprise's latest state, whatever the range.
LATEST_STATE = "截至最后报告日的最新状态，不随日期范围变化。"
DATE_FILTER = Filter(
    "NATIVE_FILTER-date",
    "日期范围",
    description="报告日期范围：含开始日，不含结束日（Superset 的区间）",
)


def area_filters(dataset: str) -> list[Filter]:
    return [
        Filter("NATIVE_FILTER-street", "街道", "street_name", dataset),
        Filter(
            "NATIVE_FILTER-community", "社区", "community_name", dataset, "NATIVE_FILTER-street"
        ),
    ]


# fmt: off
COVERAGE = Dashboard(
    "coverage",
    "核查覆盖与积压",
    "gridwatch-coverage",
    "**口径**：推送、核查、纳管、在管、积压、超时均为**人数**，指所选日期范围**最后一天**结束时的"
    "累计状态（一人一档）；覆盖率 =（推送人数 − 积压人数）/ 推送人数。趋势图为每日数值。"
    "专项之间有重叠，按专项的数字不可相加。",
    [
        [
            (kpi_trend("cov_kpi_pushed", "推送人数", "coverage_daily", "pushed_persons"), 3, 22),
            (kpi_trend("cov_kpi_verified", "已核查人数", "coverage_daily", "verified_persons"), 3, 22),
            (kpi_trend("cov_kpi_managed", "累计纳管人数", "coverage_daily", "managed_persons"), 3, 22),
            (kpi_trend("cov_kpi_under", "在管人数", "coverage_daily", "under_management"), 3, 22),
        ],
        [
            (kpi_trend("cov_kpi_backlog", "积压人数", "coverage_daily", "backlog_persons"), 4, 22),
            (kpi_trend("cov_kpi_overdue", "超时未核查人数", "coverage_daily", "overdue_persons"), 4, 22),
            (kpi_trend("cov_kpi_rate", "核查覆盖率", "coverage_daily", "coverage_rate", ".1%"), 4, 22),
        ],
        [
            (timeseries("cov_backlog_trend", "积压与超时趋势", "coverage_daily",
                        ["backlog_persons", "overdue_persons"]), 6, 50),
            (timeseries("cov_rate_trend", "核查覆盖率趋势", "coverage_daily", ["coverage_rate"],
                        fmt=".0%"), 6, 50),
        ],
        [
            (category_bar("cov_backlog_aging", "积压账龄分布", "backlog", "age_bucket",
                          ["records"], groupby=["street_name"], stack=True,
                          description="最后报告日仍未核查的记录，按下发至今时长"), 6, 50),
            (timeseries("cov_deadline_trend", "按时核查率趋势", "coverage_daily",
                        ["deadline_met_rate"], fmt=".0%",
                        description="当日到期的推送记录中，在反馈时限内完成核查的比例"), 6, 50),
        ],
        [
            (table("cov_by_street", "各街道核查情况", "coverage_asof", ["street_name"],
                   ["pushed_persons", "verified_persons", "managed_persons", "under_management",
                    "backlog_persons", "overdue_persons", "coverage_rate"],
                   sort_by="backlog_persons",
                   description="所选日期范围最后一天"), 12, 50),
        ],
        [
            (table("cov_by_community", "各社区核查情况", "coverage_asof",
                   ["street_name", "community_name"],
                   ["pushed_persons", "new_persons", "verified_persons", "managed_persons",
                    "under_management", "backlog_persons", "overdue_persons", "coverage_rate",
                    "deadline_met_rate", "median_hours_to_verify"],
                   sort_by="backlog_persons",
                   description="所选日期范围最后一天"), 12, 55),
        ],
        [
            (timeseries("cov_topic_trend", "各专项积压趋势", "topic_daily", ["backlog_persons"],
                        groupby=["topic"]), 6, 50),
            (table("cov_by_topic", "各专项核查情况", "topic_asof", ["topic"],
                   ["pushed_persons", "backlog_persons", "overdue_persons", "coverage_rate"],
                   sort_by="backlog_persons",
                   description="全市口径，所选日期范围最后一天；专项间有重叠"), 6, 50),
        ],
        [
            (table("cov_backlog_by_topic", "当前积压（按专项与街道）", "backlog",
                   ["topic", "street_name"],
                   ["persons", "records", "overdue_records", "avg_age_hours", "max_age_hours"],
                   sort_by="records",
                   description="最后报告日结束时仍未核查的记录"), 12, 45),
        ],
    ],
    [
        DATE_FILTER,
        *area_filters("coverage_daily"),
        Filter("NATIVE_FILTER-topic", "专项", "topic", "topic_daily"),
    ],
)

ENTERPRISE = Dashboard(
    "enterprise",
    "企业复工复产",
    "gridwatch-enterprise",
    "**口径**：企业按其截至当日最新一条报备事件归入社区、类型和状态；复工率 = 已复工企业 / "
    "有报备的企业；返岗率 = 到岗人数 / 员工总数。指标卡为所选日期范围最后一天的数值。",
    [
        [
            (kpi_trend("ent_kpi_total", "报备企业数", "enterprise_daily", "enterprises"), 3, 22),
            (kpi_trend("ent_kpi_resumed", "已复工企业", "enterprise_daily", "resumed"), 3, 22),
            (kpi_trend("ent_kpi_rate", "复工率", "enterprise_daily", "resumption_rate", ".1%"), 3, 22),
            (kpi_trend("ent_kpi_staff", "员工返岗率", "enterprise_daily", "staff_return_rate",
                       ".1%"), 3, 22),
        ],
        [
            (pie("ent_status_pie", "企业状态分布（最新）", "enterprise_status", "status_label",
                 "enterprises", description=LATEST_STATE), 5, 55),
            (category_bar("ent_by_category", "各类型（风险等级）企业状态（最新）",
                          "enterprise_status", "category_label", ["enterprises"],
                          groupby=["status_label"], stack=True, description=LATEST_STATE), 7, 55),
        ],
        [
            (timeseries("ent_rate_trend", "复工率与员工返岗率趋势", "enterprise_daily",
                        ["resumption_rate", "staff_return_rate"], fmt=".0%"), 7, 50),
            (timeseries("ent_status_trend", "各状态企业数趋势", "enterprise_daily",
                        ["filed", "approved", "resumed", "suspended", "rejected"],
                        viz="echarts_timeseries_bar", stack=True), 5, 50),
        ],
        [
            (table("ent_by_community", "各社区复工复产情况", "enterprise_asof",
                   ["street_name", "community_name"],
                   ["enterprises", "resumed", "resumption_rate", "suspended", "rejected",
                    "employees_total", "employees_returned", "staff_return_rate"],
                   sort_by="enterprises", description="所选日期范围最后一天"), 12, 55),
        ],
        [
            (raw_table("ent_not_resumed", "未复工企业清单", "enterprise_status",
                       ["street_name", "community_name", "enterprise_name", "category_label",
                        "status_label", "status_since", "employees_total"],
                       order_by=[("status_since", True)],
                       filters=[where("status <> 'RESUMED'")],
                       description="最新状态不是“已复工”的企业。" + LATEST_STATE), 12, 50),
        ],
    ],
    [
        DATE_FILTER,
        *area_filters("enterprise_status"),
        Filter("NATIVE_FILTER-category", "企业类型", "category_label", "enterprise_status"),
    ],
)

CHECKPOINTS = Dashboard(
    "checkpoints",
    "卡点",
    "gridwatch-checkpoints",
    "**口径**：指标卡为所选日期范围内的合计人次。发热预警：进入且体温 ≥ 37.3℃；"
    "非绿码：黄码或红码；积压人员出现：进入卡点时仍有未核查推送记录的人员。",
    [
        [
            (kpi_total("cp_kpi_in", "进入人次", "checkpoint_daily", "events_in"), 2, 20),
            (kpi_total("cp_kpi_out", "离开人次", "checkpoint_daily", "events_out"), 2, 20),
            (kpi_total("cp_kpi_fever", "发热预警", "checkpoint_daily", "fever_alerts"), 2, 20),
            (kpi_total("cp_kpi_nongreen", "非绿码", "checkpoint_daily", "non_green_codes"), 2, 20),
            (kpi_total("cp_kpi_returnees", "返深人次", "checkpoint_daily", "returnees"), 2, 20),
            (kpi_total("cp_kpi_sightings", "积压人员出现人次", "checkpoint_daily",
                       "backlog_sightings"), 2, 20),
        ],
        [
            (timeseries("cp_flow_trend", "进出人次趋势", "checkpoint_daily",
                        ["events_in", "events_out"]), 6, 50),
            (timeseries("cp_alert_trend", "预警与处置趋势", "checkpoint_daily",
                        ["fever_alerts", "non_green_codes", "turned_back",
                         "unreadable_temperatures"],
                        viz="echarts_timeseries_bar", stack=True), 6, 50),
        ],
        [
            (timeseries("cp_returnee_trend", "返深人员与积压人员出现趋势", "checkpoint_daily",
                        ["returnees", "backlog_sightings"]), 6, 50),
            (table("cp_by_street", "各街道卡点汇总", "checkpoint_daily", ["street_name"],
                   ["events_in", "events_out", "fever_alerts", "non_green_codes", "returnees",
                    "backlog_sightings"], sort_by="events_in"), 6, 50),
        ],
        [
            (table("cp_by_checkpoint", "各卡点明细", "checkpoint_daily",
                   ["street_name", "community_name", "checkpoint_code"],
                   ["events_in", "events_out", "fever_alerts", "unreadable_temperatures",
                    "non_green_codes", "turned_back", "returnees", "backlog_sightings"],
                   sort_by="fever_alerts"), 12, 60),
        ],
    ],
    [
        DATE_FILTER,
        *area_filters("checkpoint_daily"),
        Filter("NATIVE_FILTER-checkpoint", "卡点", "checkpoint_code", "checkpoint_daily",
               "NATIVE_FILTER-community"),
    ],
)

GRIDS = Dashboard(
    "grids",
    "网格积压",
    "gridwatch-grids",
    "**口径**：均为**人数**，每人按当日所在社区计入（与“核查覆盖与积压”一致），再按其最近一条"
    "推送记录的核查网格计入网格；没有网格或网格不属于该社区的，计入该社区的“未分配网格”，"
    "因此各网格相加等于社区和街道的积压、超时人数。日初积压 + 新增积压 − 清零 = 日末积压；"
    "账龄按每人最早一条未核查记录至当日结束的时长。",
    [
        [
            (kpi_trend("grid_kpi_backlog", "积压人数", "grid_daily", "backlog_persons"), 3, 22),
            (kpi_trend("grid_kpi_overdue", "超时未核查人数", "grid_daily", "overdue_persons"),
             3, 22),
            (kpi_total("grid_kpi_entered", "新增积压人数", "grid_daily", "entered_backlog"), 3, 22),
            (kpi_total("grid_kpi_cleared", "清零人数", "grid_daily", "cleared_backlog"), 3, 22),
        ],
        [
            (timeseries("grid_burndown", "积压消化趋势", "grid_daily",
                        ["backlog_at_start", "entered_backlog", "cleared_backlog",
                         "backlog_persons"],
                        description="每日：日初积压、新增、清零、日末积压"), 6, 50),
            (timeseries("grid_aging_trend", "积压账龄趋势", "grid_daily",
                        ["open_under_12h", "open_12_24h", "open_1_2d", "open_2_3d",
                         "open_over_3d"], viz="echarts_timeseries_bar", stack=True,
                        description="日末积压人数，按最早未核查记录的时长"), 6, 50),
        ],
        [
            (timeseries("grid_by_community", "各社区积压与清零（每日）", "grid_daily",
                        ["backlog_persons", "cleared_backlog"], groupby=["community_name"],
                        description="每个社区两条线：日末积压人数与当日清零人数；"
                        "用“社区”筛选器查看单个社区"), 12, 60),
        ],
        [
            (table("grid_oldest", "积压最久的网格", "grid_asof",
                   ["street_name", "community_name", "grid_name"],
                   ["oldest_open_hours", "backlog_persons", "overdue_persons", "open_over_3d",
                    "open_2_3d", "open_1_2d"],
                   sort_by="oldest_open_hours", row_limit=200,
                   filters=[where("backlog_persons > 0")],
                   description="所选日期范围最后一天仍有积压的网格，按最长积压时长排序"), 12, 55),
        ],
        [
            (table("grid_burn_by_grid", "各网格积压消化（所选日期范围）", "grid_daily",
                   ["street_name", "community_name", "grid_name"],
                   ["entered_backlog", "cleared_backlog", "burn_rate", "overdue_persons"],
                   sort_by="entered_backlog", row_limit=500,
                   description="新增、清零为所选日期范围内合计；清零率 = 清零人数 / 日初积压人数"
                   "（各日合计）；超时人数为各日合计"), 12, 55),
        ],
    ],
    [
        DATE_FILTER,
        *area_filters("grid_daily"),
        Filter("NATIVE_FILTER-grid", "网格", "grid_name", "grid_daily", "NATIVE_FILTER-community"),
    ],
)

PIPELINE = Dashboard(
    "pipeline",
    "数据管道健康",
    "gridwatch-pipeline",
    "**口径**：每个落地文件一行（已加载、已拒收、重复文件）；每个文件读取行数 = 加载行数 + "
    "隔离行数。质量门禁结果来自每日校验。数据新鲜度为各数据表的最新日期。",
    [
        [
            (kpi_total("pl_kpi_files", "文件数", "load_status", "files"), 2, 20),
            (kpi_total("pl_kpi_rejected", "被拒文件", "load_status", "rejected_files"), 2, 20),
            (kpi_total("pl_kpi_loaded", "加载行数", "load_status", "rows_loaded"), 3, 20),
            (kpi_total("pl_kpi_quarantined", "隔离行数", "load_status", "rows_quarantined"),
             2, 20),
            (kpi_total("pl_kpi_failed", "质量校验未通过项", "quality", "failed_checks"), 3, 20),
        ],
        [
            (timeseries("pl_files_trend", "每日文件状态", "load_status", ["files"],
                        viz="echarts_timeseries_bar", groupby=["status_label"], stack=True),
             6, 50),
            (timeseries("pl_rows_trend", "每日加载与隔离行数", "load_status",
                        ["rows_loaded", "rows_quarantined"], viz="echarts_timeseries_bar",
                        stack=True), 6, 50),
        ],
        [
            (category_bar("pl_quarantine_reasons", "隔离原因", "quarantine", "reason_kind",
                          ["rows"], groupby=["feed_label"], stack=True), 6, 50),
            (table("pl_quarantine_table", "隔离原因明细", "quarantine",
                   ["feed_label", "reason"], ["rows"], sort_by="rows"), 6, 50),
        ],
        [
            (timeseries("pl_quality_trend", "质量门禁结果", "quality", ["checks"],
                        viz="echarts_timeseries_bar", groupby=["result_label"], stack=True),
             6, 50),
            (raw_table("pl_quality_failures", "未通过的质量校验", "quality",
                       ["run_date", "suite", "expectation", "column_name", "severity_label",
                        "observed_value"],
                       order_by=[("run_date", False)], filters=[where("NOT success")]), 6, 50),
        ],
        [
            (kpi_total("pl_kpi_changes", "更正重报变化记录", "delivery_changes",
                       "changed_records"), 3, 45),
            (table("pl_changes", "更正重报：变化了什么", "delivery_changes",
                   ["feed_label", "delivery_date", "loaded_at", "file_name"],
                   ["added", "removed", "modified"],
                   description="每次重新加载一个数据源某日的文件时，相对上一次加载新增、撤回、"
                   "修改的记录数；修改了哪些列见明细（gridwatch status --date D）"), 9, 45),
        ],
        [
            (table("pl_freshness", "数据新鲜度", "freshness", ["source"],
                   ["latest", "days_behind", "rows_total"]), 6, 45),
            (table("pl_feed_latest", "各数据源最近加载", "load_status", ["feed_label"],
                   ["latest_delivery", "latest_load", "files", "rejected_files",
                    "rows_loaded", "rows_quarantined"]), 6, 45),
        ],
    ],
    [
        DATE_FILTER,
        Filter("NATIVE_FILTER-feed", "数据源", "feed_label", "load_status"),
        Filter("NATIVE_FILTER-status", "文件状态", "status_label", "load_status"),
        Filter("NATIVE_FILTER-suite", "校验套件", "suite", "quality"),
    ],
)

# fmt: on


def is_city_wide(c: Chart) -> bool:
    """A chart that means nothing for one street: rows without a street, or a comparison
    of streets (one bar or table row per street)."""
    per_street = c.params.get("x_axis") == "street_name" or (
        c.viz == "table" and c.params.get("groupby") == ["street_name"]
    )
    return per_street or not c.ds.has("street_code")


def street_rows(rows: list[list[tuple[Chart, int, int]]]) -> list[list[tuple[Chart, int, int]]]:
    """The rows without city-wide charts; a row that lost charts is widened to 12 again."""
    out = []
    for row in rows:
        kept = [(c, w, h) for c, w, h in row if not is_city_wide(c)]
        if not kept:
            continue
        if len(kept) < len(row):
            total = sum(w for _, w, _ in kept)
            widths = [w * 12 // total for _, w, _ in kept]
            widths[-1] += 12 - sum(widths)
            kept = [(c, width, h) for (c, _, h), width in zip(kept, widths, strict=True)]
        out.append(kept)
    return out


def street_view(d: Dashboard, filters: list[Filter]) -> Dashboard:
    """The street leader's version of ``d``: the same charts minus the city-wide ones.

    Row-level security keeps a street leader to one street, so a chart without a street
    would say "no results" and a per-street comparison would show one row.
    """
    for f in filters:
        assert not f.dataset or DS[f.dataset].has("street_code"), (d.key, f.id)
    return Dashboard(
        f"{d.key}_street",
        f"{d.title}（本街道）",
        f"{d.slug}-street",
        d.intro + "\n\n本看板只含本街道的数据，不含全市口径的图表（各专项核查覆盖、各街道对比）。",
        street_rows(d.rows),
        filters,
        roles=(STREET_LEADER,),
    )


def community_filter(dataset: str, parent: str | None = None) -> Filter:
    return Filter("NATIVE_FILTER-community", "社区", "community_name", dataset, parent)


# One street: no street filter; the topic filter reads the street's backlog (the per-topic
# coverage mart has no street).
STREET_VIEWS = [
    street_view(
        COVERAGE,
        [
            DATE_FILTER,
            community_filter("coverage_daily"),
            Filter("NATIVE_FILTER-topic", "专项", "topic", "backlog"),
        ],
    ),
    street_view(
        ENTERPRISE,
        [
            DATE_FILTER,
            community_filter("enterprise_status"),
            Filter("NATIVE_FILTER-category", "企业类型", "category_label", "enterprise_status"),
        ],
    ),
    street_view(
        CHECKPOINTS,
        [
            DATE_FILTER,
            community_filter("checkpoint_daily"),
            Filter(
                "NATIVE_FILTER-checkpoint",
                "卡点",
                "checkpoint_code",
                "checkpoint_daily",
                "NATIVE_FILTER-community",
            ),
        ],
    ),
    street_view(
        GRIDS,
        [
            DATE_FILTER,
            community_filter("grid_daily"),
            Filter(
                "NATIVE_FILTER-grid", "网格", "grid_name", "grid_daily", "NATIVE_FILTER-community"
            ),
        ],
    ),
]
DASHBOARDS = [COVERAGE, ENTERPRISE, CHECKPOINTS, GRIDS, PIPELINE, *STREET_VIEWS]


def _charts() -> list[Chart]:
    """Every chart once (a street view shares its charts with the Leader's dashboard)."""
    charts: dict[str, Chart] = {}
    for d in DASHBOARDS:
        for c in d.charts:
            assert charts.setdefault(c.key, c) is c, f"two charts with the key {c.key}"
    return list(charts.values())


CHARTS = _charts()


def role_datasets(role: str) -> list[str]:
    """The datasets a role may read: those of the dashboards it sees."""
    return sorted({c.dataset for d in DASHBOARDS if role in d.roles for c in d.charts})


def chart_yaml(c: Chart) -> dict[str, Any]:
    params = {"viz_type": c.viz, **c.params, "extra_form_data": {}}
    return {
        "slice_name": c.title,
        "description": c.description,
        "certified_by": None,
        "certification_details": None,
        "viz_type": c.viz,
        "params": params,
        "query_context": None,
        "cache_timeout": None,
        "uuid": c.uuid,
        "version": VERSION,
        "dataset_uuid": c.ds.uuid,
        "is_managed_externally": True,
        "external_url": None,
    }


def dashboard_yaml(d: Dashboard) -> dict[str, Any]:
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": d.title}},
    }
    chart_ids: dict[str, int] = {}
    rows: list[list[tuple[str, dict[str, Any]]]] = [
        [
            (
                "MARKDOWN-intro",
                {"type": "MARKDOWN", "meta": {"width": 12, "height": 12, "code": d.intro}},
            )
        ]
    ]
    for row in d.rows:
        items = []
        for chart, width, height in row:
            chart_ids[chart.key] = len(chart_ids) + 1
            items.append(
                (
                    f"CHART-{chart.key}",
                    {
                        "type": "CHART",
                        "meta": {
                            "chartId": chart_ids[chart.key],
                            "uuid": chart.uuid,
                            "sliceName": chart.title,
                            "width": width,
                            "height": height,
                        },
                    },
                )
            )
        assert sum(i[1]["meta"]["width"] for i in items) <= 12, d.key
        rows.append(items)
    for n, items in enumerate(rows, 1):
        row_id = f"ROW-{n:02d}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [i for i, _ in items],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for item_id, item in items:
            position[item_id] = {
                **item,
                "id": item_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
            }

    native_filters = []
    for f in d.filters:
        # A filter applies to the charts whose dataset has its column (all for dates).
        excluded = sorted(
            chart_ids[c.key]
            for c in d.charts
            if (f.column and not c.ds.has(f.column))
            or (not f.column and not _range_filters(c.dataset))
        )
        nf: dict[str, Any] = {
            "id": f.id,
            "name": f.name,
            "description": f.description,
            "type": "NATIVE_FILTER",
            "cascadeParentIds": [f.parent] if f.parent else [],
            "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded},
            "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
        }
        if f.column:
            assert f.dataset and DS[f.dataset].has(f.column), (d.key, f.id)
            nf.update(
                filterType="filter_select",
                targets=[{"datasetUuid": DS[f.dataset].uuid, "column": {"name": f.column}}],
                controlValues={
                    "multiSelect": True,
                    "enableEmptyFilter": False,
                    "defaultToFirstItem": False,
                    "inverseSelection": False,
                    "searchAllOptions": False,
                    "sortAscending": True,
                },
            )
        else:
            nf.update(filterType="filter_time", targets=[{}], controlValues={})
        native_filters.append(nf)

    return {
        "dashboard_title": d.title,
        "description": None,
        "css": "",
        "slug": d.slug,
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": d.uuid,
        "position": position,
        "metadata": {
            "native_filter_configuration": native_filters,
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "shared_label_colors": [],
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": False,
            "default_filters": "{}",
            "chart_configuration": {},
            "global_chart_configuration": {
                "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
                "chartsInScope": [],
            },
        },
        "version": VERSION,
        "is_managed_externally": True,
        "external_url": None,
    }


class _Dumper(yaml.SafeDumper):
    """Readable YAML: multi-line strings (SQL, Markdown) as literal blocks."""


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def build(out: Path) -> dict[str, Any]:
    """Write the bundle (metadata.yaml and one YAML per object) into ``out``."""
    files: dict[str, Any] = {
        "metadata.yaml": {
            "version": VERSION,
            "type": "assets",
            "timestamp": "2022-01-01T00:00:00+00:00",
        },
        f"databases/{DATABASE_FILE}.yaml": database_yaml(),
    }
    for d in DATASETS:
        files[f"datasets/{DATABASE_FILE}/{d.table_name}.yaml"] = dataset_yaml(d)
    for c in CHARTS:
        _check_chart(c)
        files[f"charts/{c.key}.yaml"] = chart_yaml(c)
    for dash in DASHBOARDS:
        files[f"dashboards/{dash.slug}.yaml"] = dashboard_yaml(dash)
    for name, content in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.dump(content, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
        path.write_text(text, encoding="utf-8")
    return files


def _check_chart(c: Chart) -> None:
    """Catch typos early: every metric and column a chart names exists in its dataset."""
    metric_names = {m.name for m in c.ds.metrics}
    col_names = {col.name for col in c.ds.columns}
    p = c.params
    for m in [*p.get("metrics", []), *([p["metric"]] if "metric" in p else [])]:
        assert m in metric_names, f"{c.key}: unknown metric {m} in {c.dataset}"
    for col in [*p.get("groupby", []), *p.get("all_columns", [])]:
        assert col in col_names, f"{c.key}: unknown column {col} in {c.dataset}"
    if "x_axis" in p:
        assert p["x_axis"] in col_names, f"{c.key}: unknown x_axis {p['x_axis']}"
    sort = p.get("timeseries_limit_metric")
    assert sort is None or sort in metric_names, f"{c.key}: unknown sort metric {sort}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate superset_dashboards/assets/")
    ap.add_argument("--out", type=Path, default=ASSETS)
    ap.add_argument("--check", action="store_true", help="fail if --out is not up to date")
    args = ap.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build(Path(tmp))
            want = {p.relative_to(tmp): p.read_text() for p in Path(tmp).rglob("*.yaml")}
        have = {p.relative_to(args.out): p.read_text() for p in args.out.rglob("*.yaml")}
        stale = sorted(str(k) for k in want.keys() | have.keys() if want.get(k) != have.get(k))
        for name in stale:
            diff = difflib.unified_diff(
                (have.get(Path(name)) or "").splitlines(),
                (want.get(Path(name)) or "").splitlines(),
                f"have/{name}",
                f"want/{name}",
                lineterm="",
            )
            print("\n".join(list(diff)[:40]))
        if stale:
            print(f"{len(stale)} asset file(s) out of date: run assets_build.py", file=sys.stderr)
            return 1
        print(f"assets up to date ({len(want)} files)")
        return 0
    if args.out.exists():
        shutil.rmtree(args.out)
    files = build(args.out)
    kinds: dict[str, int] = {}
    for name in files:
        kind = name.split("/")[0] if "/" in name else "metadata"
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"wrote {args.out}: " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
