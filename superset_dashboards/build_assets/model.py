"""Ids, the database constants, the roles and the dataclasses the assets are made of."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

NS = uuid.UUID("5b0c7c52-2f3e-4d36-9a55-6a1f0e6d2a10")
SERVING_URI_PLACEHOLDER = "duckdb:///__GRIDWATCH_SERVING__"
DATABASE_NAME = "gridwatch 服务库（只读）"
DATABASE_FILE = "gridwatch_serving"
VERSION = "1.0.0"


def uid(kind: str, key: str) -> str:
    return str(uuid.uuid5(NS, f"gridwatch/{kind}/{key}"))


def case_label(expr: str, mapping: dict[str, str], default: str | None = None) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE {default or expr} END"


@dataclass
class Col:
    name: str
    type: str
    label: str | None = None
    expression: str | None = None

    @property
    def is_dttm(self) -> bool:
        return self.type in ("DATE", "TIMESTAMP")


@dataclass
class Metric:
    name: str
    expression: str
    label: str
    d3format: str | None = None
    description: str | None = None


@dataclass
class Dataset:
    key: str
    table_name: str
    columns: list[Col]
    metrics: list[Metric] = field(default_factory=list)
    sql: str | None = None
    main_dttm_col: str | None = None
    description: str | None = None
    # A snapshot at the end of the last report date: the date filter does not apply.
    snapshot: bool = False

    @property
    def uuid(self) -> str:
        return uid("dataset", self.key)

    def has(self, column: str) -> bool:
        return any(c.name == column for c in self.columns)


@dataclass
class Chart:
    """A Superset chart: ``dataset`` is a key of ``datasets.DS``; ``params`` is Superset's
    form data, filled by the builders in ``charts.py``."""

    key: str
    title: str
    viz: str
    dataset: str
    params: dict[str, Any]
    description: str | None = None

    @property
    def uuid(self) -> str:
        return uid("chart", self.key)

    @property
    def ds(self) -> Dataset:
        # Imported here: the datasets are built from this module's classes.
        from build_assets.datasets import DS

        return DS[self.dataset]


@dataclass
class Filter:
    id: str
    name: str
    column: str | None = None  # None: the date range filter
    dataset: str | None = None
    parent: str | None = None
    description: str = ""


# Roles (manage.py creates them). A dashboard lists the roles that see it (Superset's
# DASHBOARD_RBAC); the Admin sees every dashboard.
LEADER = "Leader"
ANALYST = "Analyst"
STREET_LEADER = "StreetLeader"


@dataclass
class Dashboard:
    """``rows`` is the layout: rows of (chart, width, height), widths in grid columns
    summing to at most 12; ``roles`` are the roles that see the dashboard."""

    key: str
    title: str
    slug: str
    intro: str
    rows: list[list[tuple[Chart, int, int]]]
    filters: list[Filter]
    roles: tuple[str, ...] = (LEADER, ANALYST)

    @property
    def uuid(self) -> str:
        return uid("dashboard", self.key)

    @property
    def charts(self) -> list[Chart]:
        return [c for row in self.rows for c, _, _ in row]
