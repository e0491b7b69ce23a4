"""The chart builders: one function per kind of chart, with the dashboards' defaults."""

from __future__ import annotations

import json
from typing import Any

from build_assets.datasets import DS
from build_assets.model import Chart


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


def range_filters(dataset: str) -> list[dict[str, Any]]:
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
        "adhoc_filters": range_filters(dataset),
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
        "adhoc_filters": [*range_filters(dataset), *filters],
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
        "adhoc_filters": [*range_filters(dataset), *filters],
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
            "adhoc_filters": range_filters(dataset),
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
