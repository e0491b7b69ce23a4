"""The native filters the dashboards share."""

from __future__ import annotations

from build_assets.model import Filter

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


def community_filter(dataset: str, parent: str | None = None) -> Filter:
    return Filter("NATIVE_FILTER-community", "社区", "community_name", dataset, parent)
