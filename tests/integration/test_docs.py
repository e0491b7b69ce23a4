"""`make docs`: dbt docs generate works on a built warehouse outside a build.

Most intermediate models live in dbt's in-memory `scratch` database for the
length of one build, so a later `dbt docs generate` must compile every model
(the incremental ones look up partitions while compiling) without them.
"""

from __future__ import annotations

import json

from gridwatch.warehouse.build import DBT_PROJECT, run_dbt


def test_dbt_docs_generate_writes_lineage_and_the_warehouse_catalog(example_settings):
    run_dbt(example_settings, "docs", "generate")
    catalog = json.loads((DBT_PROJECT / "target" / "catalog.json").read_text())
    manifest = json.loads((DBT_PROJECT / "target" / "manifest.json").read_text())
    catalogued = {node_id.split(".")[-1] for node_id in catalog["nodes"]}
    assert {"fct_push_record", "mart_coverage_daily", "int_person_days"} <= catalogued
    # lineage reaches the dashboards: each exposure depends on marts
    exposures = manifest["exposures"].values()
    assert exposures
    assert all(
        any(
            ".mart_" in parent or ".fct_" in parent or ".dim_" in parent
            for parent in exposure["depends_on"]["nodes"]
        )
        for exposure in exposures
    )
