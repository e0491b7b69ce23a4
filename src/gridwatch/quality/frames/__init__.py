"""The DataFrames the quality suites validate, read from DuckDB, and their parameters.

GX's SQL datasource does not work on DuckDB (STACK.md), so every suite
validates a pandas DataFrame built here with one query. Row-level suites read
only the columns they check (never a name, ID number or phone); reconciliations
(sums adding up, every record once) are computed by a query whose result GX then
checks column by column. The PII scan counts suspicious values inside DuckDB so
that no personal value ever reaches GX, its results or Data Docs.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from gridwatch.config import REPO_ROOT
from gridwatch.quality.frames.batches import (
    batch_day,
    batch_delivery,
    batch_files,
    batch_rows,
)
from gridwatch.quality.frames.marts import (
    coverage_totals,
    enterprise_completeness,
    held_deliveries,
    mart_frame,
    push_record_completeness,
)
from gridwatch.quality.frames.serving import (
    MOBILE_PATTERN,
    NAME_PATTERN,
    RIC_PATTERN,
    load_raw_names,
    pii_scan,
    serving_tables,
)
from gridwatch.quality.suites import (
    SHARE_CHECKS,
    TIMESTAMP_CHECKS,
    SuiteSpec,
)
from gridwatch.warehouse.mart_facts import marts as dbt_marts

__all__ = [
    "MOBILE_PATTERN",
    "NAME_PATTERN",
    "RIC_PATTERN",
    "THRESHOLDS_FILE",
    "batch_day",
    "batch_delivery",
    "batch_files",
    "batch_rows",
    "coverage_totals",
    "declared_marts",
    "enterprise_completeness",
    "held_deliveries",
    "load_raw_names",
    "mart_frame",
    "parameters",
    "pii_scan",
    "push_record_completeness",
    "serving_tables",
    "thresholds",
]

THRESHOLDS_FILE = REPO_ROOT / "expectations" / "thresholds.yml"


def _load_thresholds(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def thresholds(path: Path | None = None) -> dict[str, Any]:
    return _load_thresholds(path or THRESHOLDS_FILE)


@cache
def declared_marts() -> list[str]:
    return sorted(dbt_marts())


def parameters(spec: SuiteSpec, day: dt.date, limits: dict[str, Any]) -> dict[str, Any]:
    """Values of the suite's $PARAMETERs for run date ``day`` from thresholds.yml."""
    values: dict[str, Any] = {}
    if spec.gate == "batches" and spec.subject in limits["feeds"]:
        feed = limits["feeds"][spec.subject]
        for severity in ("warning", "blocking"):
            values[f"rows_read_share_of_median_{severity}"] = float(feed["volume"][severity])
        for name in TIMESTAMP_CHECKS[spec.subject]:
            window = feed["timestamps"][name]
            values[f"{name}_min_days"] = -float(window["days_before"])
            values[f"{name}_max_days"] = 1.0 + float(window["days_after"])
        for share, severities in SHARE_CHECKS[spec.subject].items():
            for severity in severities:
                values[f"{share}_{severity}"] = float(feed[share][severity])
        if "temperature" in feed:
            values["temperature_min"] = float(feed["temperature"]["min"])
            values["temperature_max"] = float(feed["temperature"]["max"])
        if "deadline_hours" in feed:
            values["deadline_hours_min"] = feed["deadline_hours"]["min"]
            values["deadline_hours_max"] = feed["deadline_hours"]["max"]
    if spec.name == "serving.tables":
        values["declared_marts"] = declared_marts()
    missing = spec.parameters - values.keys()
    if missing:
        raise KeyError(
            f"suite {spec.name} needs {sorted(missing)} from {THRESHOLDS_FILE.name}; add them there"
        )
    return {k: v for k, v in values.items() if k in spec.parameters}
