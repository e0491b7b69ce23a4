"""Every dashboard and chart, and what each role may read."""

from __future__ import annotations

from build_assets.dashboards_checkpoints import CHECKPOINTS
from build_assets.dashboards_coverage import COVERAGE
from build_assets.dashboards_enterprise import ENTERPRISE
from build_assets.dashboards_grids import GRIDS
from build_assets.dashboards_pipeline import PIPELINE
from build_assets.dashboards_street import STREET_VIEWS
from build_assets.model import Chart

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
