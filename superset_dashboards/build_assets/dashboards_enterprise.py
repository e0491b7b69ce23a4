"""企业复工复产: enterprises' resumption and staff return."""

from __future__ import annotations

from build_assets.charts import category_bar, kpi_trend, pie, raw_table, table, timeseries, where
from build_assets.filters import DATE_FILTER, area_filters
from build_assets.model import Dashboard, Filter

# Charts over mart_enterprise_status: each enterprise's latest state, whatever the range.
LATEST_STATE = "截至最后报告日的最新状态，不随日期范围变化。"

# fmt: off
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
# fmt: on
