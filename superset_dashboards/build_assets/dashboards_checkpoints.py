"""卡点: checkpoint passages, fever alerts, non-green codes."""

from __future__ import annotations

from build_assets.charts import kpi_total, table, timeseries
from build_assets.filters import DATE_FILTER, area_filters
from build_assets.model import Dashboard, Filter

# fmt: off
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
# fmt: on
