"""网格积压: the grids' backlog, its burn-down and ageing."""

from __future__ import annotations

from build_assets.charts import kpi_total, kpi_trend, table, timeseries, where
from build_assets.filters import DATE_FILTER, area_filters
from build_assets.model import Dashboard, Filter

# fmt: off
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
# fmt: on
