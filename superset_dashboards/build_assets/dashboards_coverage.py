"""核查覆盖与积压: persons pushed for verification, verified, backlog, overdue."""

from __future__ import annotations

from build_assets.charts import category_bar, kpi_trend, table, timeseries
from build_assets.filters import DATE_FILTER, area_filters
from build_assets.model import Dashboard, Filter

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
# fmt: on
