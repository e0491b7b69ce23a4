"""The datasets of the pipeline health dashboard: file loads, corrected re-deliveries,
quarantine, quality gates and the freshness of each mart."""

from __future__ import annotations

from marts_schema import VALUE_LABELS

from build_assets.dataset_sql import mart_cols, s
from build_assets.model import Col, Dataset, Metric, case_label

REASON_KIND = "split_part(reason, ':', 1)"

PIPELINE_DATASETS: list[Dataset] = [
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
]
