"""The quality gates' expectation suites, as code.

Each suite validates one pandas DataFrame read from DuckDB (see
``gridwatch.quality.frames``): the rows of a (feed, date) partition, its files, its
delivery summary, one mart, a cross-table reconciliation, or a profile of the
serving file. Every expectation carries a severity — ``blocking`` (GX
``critical``) or ``warning`` — and ``notes`` telling the operator what a
failure means and what to do.

Thresholds are never written here: expectations refer to them by name
(``{"$PARAMETER": name}``) and ``frames.parameters`` fills them from
``expectations/thresholds.yml`` for the run date. ``python -m gridwatch.quality
--init`` writes these suites into the GX project in ``expectations/gx/``; the
files there are derived from this module and kept in the repository.
"""

from __future__ import annotations

from gridwatch.ingest.feeds import FEEDS
from gridwatch.quality.suites.batches import (
    SHARE_CHECKS,
    TIMESTAMP_CHECKS,
    batch_day_suite,
    batch_delivery_suite,
    batch_files_suite,
    batch_rows_suite,
    offset_column,
    row_columns,
)
from gridwatch.quality.suites.checks import (
    GATES,
    Check,
    Gate,
    SuiteSpec,
)
from gridwatch.quality.suites.marts import (
    MART_KEYS,
    MART_NON_NEGATIVE,
    MART_ORDERINGS,
    MART_RATES,
    coverage_totals_suite,
    enterprises_suite,
    held_deliveries_suite,
    mart_columns,
    mart_suite,
    push_records_suite,
)
from gridwatch.quality.suites.serving import (
    pii_scan_suite,
    serving_tables_suite,
)

__all__ = [
    "MART_KEYS",
    "MART_NON_NEGATIVE",
    "MART_ORDERINGS",
    "MART_RATES",
    "SHARE_CHECKS",
    "TIMESTAMP_CHECKS",
    "Check",
    "SuiteSpec",
    "catalogue",
    "mart_columns",
    "offset_column",
    "row_columns",
    "specs_for",
    "suite_specs",
]


def suite_specs() -> list[SuiteSpec]:
    """Every suite of the three gates, in the order they run."""
    specs: list[SuiteSpec] = []
    for feed in FEEDS.values():
        specs += [batch_rows_suite(feed), batch_files_suite(feed), batch_delivery_suite(feed)]
    specs.append(batch_day_suite())
    specs += [mart_suite(mart) for mart in MART_KEYS]
    specs += [coverage_totals_suite(), push_records_suite(), enterprises_suite()]
    specs += [held_deliveries_suite()]
    specs += [serving_tables_suite(), pii_scan_suite()]
    return specs


def specs_for(gate: Gate) -> list[SuiteSpec]:
    return [s for s in suite_specs() if s.gate == gate]


def catalogue() -> str:
    """The suites and their expectations as Markdown (expectations/SUITES.md)."""

    def kwargs_text(check: Check) -> str:
        parts = []
        for key, value in check.kwargs.items():
            if key in ("column", "column_A", "column_B", "column_list"):
                continue
            if isinstance(value, dict) and "$PARAMETER" in value:
                value = f"thresholds: {value['$PARAMETER']}"
            parts.append(f"{key}={value}")
        return ", ".join(parts)

    lines = [
        "# Quality-gate suites",
        "",
        "Generated from `src/gridwatch/quality/suites/` by "
        "`python -m gridwatch.quality --catalogue`; do not edit. Thresholds named here are in "
        "`thresholds.yml`. **blocking**: the gate fails, the Airflow task fails without "
        "retries and nothing is published; **warning**: recorded and shown.",
    ]
    for gate in GATES:
        lines += ["", f"## Gate `{gate}`"]
        for spec in specs_for(gate):
            lines += ["", f"### `{spec.name}`", "", f"Frame: {spec.frame}.", ""]
            lines += ["| severity | expectation | column | arguments |", "|---|---|---|---|"]
            for check in spec.checks:
                lines.append(
                    f"| {check.severity} | `{check.type}` | `{check.column_name}` "
                    f"| {kwargs_text(check)} |"
                )
    return "\n".join(lines) + "\n"
