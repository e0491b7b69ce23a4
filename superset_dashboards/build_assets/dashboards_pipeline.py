"""数据管道健康: file loads, quarantine, quality gates, freshness."""

from __future__ import annotations

from build_assets.charts import category_bar, kpi_total, raw_table, table, timeseries, where
from build_assets.filters import DATE_FILTER
from build_assets.model import Dashboard, Filter

# fmt: off
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
