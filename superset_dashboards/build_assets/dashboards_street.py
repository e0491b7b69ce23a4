"""The street leaders' dashboards: the field-work dashboards minus the city-wide charts."""

from __future__ import annotations

from build_assets.dashboards_checkpoints import CHECKPOINTS
from build_assets.dashboards_coverage import COVERAGE
from build_assets.dashboards_enterprise import ENTERPRISE
from build_assets.dashboards_grids import GRIDS
from build_assets.datasets import DS
from build_assets.filters import DATE_FILTER, community_filter
from build_assets.model import STREET_LEADER, Chart, Dashboard, Filter


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
