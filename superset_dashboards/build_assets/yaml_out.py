"""The Superset YAML of each object, and ``build``, which writes the bundle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from build_assets.charts import range_filters
from build_assets.dashboards import CHARTS, DASHBOARDS
from build_assets.datasets import DATASETS, DS
from build_assets.model import (
    DATABASE_FILE,
    DATABASE_NAME,
    SERVING_URI_PLACEHOLDER,
    VERSION,
    Chart,
    Dashboard,
    Dataset,
    uid,
)


def dataset_yaml(d: Dataset) -> dict[str, Any]:
    return {
        "table_name": d.table_name,
        "main_dttm_col": d.main_dttm_col,
        "description": d.description,
        "default_endpoint": None,
        "offset": 0,
        "cache_timeout": None,
        "catalog": None,
        "schema": "marts",
        "sql": d.sql,
        "params": None,
        "template_params": None,
        "filter_select_enabled": True,
        "fetch_values_predicate": None,
        "extra": None,
        "normalize_columns": False,
        "is_managed_externally": True,
        "external_url": None,
        "uuid": d.uuid,
        "metrics": [
            {
                "metric_name": m.name,
                "verbose_name": m.label,
                "metric_type": None,
                "expression": m.expression,
                "description": m.description,
                "d3format": m.d3format,
                "currency": None,
                "extra": {},
                "warning_text": None,
            }
            for m in d.metrics
        ],
        "columns": [
            {
                "column_name": c.name,
                "verbose_name": c.label,
                "is_dttm": c.is_dttm,
                "is_active": True,
                "type": c.type,
                "advanced_data_type": None,
                "groupby": True,
                "filterable": True,
                "expression": c.expression,
                "description": None,
                "python_date_format": None,
                "extra": {},
            }
            for c in d.columns
        ],
        "version": VERSION,
        "database_uuid": uid("database", DATABASE_FILE),
    }


def database_yaml() -> dict[str, Any]:
    return {
        "database_name": DATABASE_NAME,
        "sqlalchemy_uri": SERVING_URI_PLACEHOLDER,
        "cache_timeout": None,
        "expose_in_sqllab": True,
        "allow_run_async": False,
        "allow_ctas": False,
        "allow_cvas": False,
        "allow_dml": False,
        "allow_csv_upload": False,
        "impersonate_user": False,
        "extra": {
            # SQL Lab runs analysts' SQL on this connection: read the serving file only.
            # Without enable_external_access=false, DuckDB's read_text()/read_csv() would
            # read any file the Superset process can (its environment, its secret key);
            # lock_configuration stops a query from turning it back on.
            "engine_params": {
                "connect_args": {
                    "read_only": True,
                    "config": {"enable_external_access": False, "lock_configuration": True},
                }
            },
            "metadata_params": {},
            "schemas_allowed_for_csv_upload": [],
        },
        "is_managed_externally": True,
        "external_url": None,
        "uuid": uid("database", DATABASE_FILE),
        "version": VERSION,
    }


def chart_yaml(c: Chart) -> dict[str, Any]:
    params = {"viz_type": c.viz, **c.params, "extra_form_data": {}}
    return {
        "slice_name": c.title,
        "description": c.description,
        "certified_by": None,
        "certification_details": None,
        "viz_type": c.viz,
        "params": params,
        "query_context": None,
        "cache_timeout": None,
        "uuid": c.uuid,
        "version": VERSION,
        "dataset_uuid": c.ds.uuid,
        "is_managed_externally": True,
        "external_url": None,
    }


def dashboard_yaml(d: Dashboard) -> dict[str, Any]:
    position: dict[str, Any] = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": d.title}},
    }
    chart_ids: dict[str, int] = {}
    rows: list[list[tuple[str, dict[str, Any]]]] = [
        [
            (
                "MARKDOWN-intro",
                {"type": "MARKDOWN", "meta": {"width": 12, "height": 12, "code": d.intro}},
            )
        ]
    ]
    for row in d.rows:
        items = []
        for chart, width, height in row:
            chart_ids[chart.key] = len(chart_ids) + 1
            items.append(
                (
                    f"CHART-{chart.key}",
                    {
                        "type": "CHART",
                        "meta": {
                            "chartId": chart_ids[chart.key],
                            "uuid": chart.uuid,
                            "sliceName": chart.title,
                            "width": width,
                            "height": height,
                        },
                    },
                )
            )
        assert sum(i[1]["meta"]["width"] for i in items) <= 12, d.key
        rows.append(items)
    for n, items in enumerate(rows, 1):
        row_id = f"ROW-{n:02d}"
        position["GRID_ID"]["children"].append(row_id)
        position[row_id] = {
            "type": "ROW",
            "id": row_id,
            "children": [i for i, _ in items],
            "parents": ["ROOT_ID", "GRID_ID"],
            "meta": {"background": "BACKGROUND_TRANSPARENT"},
        }
        for item_id, item in items:
            position[item_id] = {
                **item,
                "id": item_id,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID", row_id],
            }

    native_filters = []
    for f in d.filters:
        # A filter applies to the charts whose dataset has its column (all for dates).
        excluded = sorted(
            chart_ids[c.key]
            for c in d.charts
            if (f.column and not c.ds.has(f.column))
            or (not f.column and not range_filters(c.dataset))
        )
        nf: dict[str, Any] = {
            "id": f.id,
            "name": f.name,
            "description": f.description,
            "type": "NATIVE_FILTER",
            "cascadeParentIds": [f.parent] if f.parent else [],
            "scope": {"rootPath": ["ROOT_ID"], "excluded": excluded},
            "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
        }
        if f.column:
            assert f.dataset and DS[f.dataset].has(f.column), (d.key, f.id)
            nf.update(
                filterType="filter_select",
                targets=[{"datasetUuid": DS[f.dataset].uuid, "column": {"name": f.column}}],
                controlValues={
                    "multiSelect": True,
                    "enableEmptyFilter": False,
                    "defaultToFirstItem": False,
                    "inverseSelection": False,
                    "searchAllOptions": False,
                    "sortAscending": True,
                },
            )
        else:
            nf.update(filterType="filter_time", targets=[{}], controlValues={})
        native_filters.append(nf)

    return {
        "dashboard_title": d.title,
        "description": None,
        "css": "",
        "slug": d.slug,
        "certified_by": None,
        "certification_details": None,
        "published": True,
        "uuid": d.uuid,
        "position": position,
        "metadata": {
            "native_filter_configuration": native_filters,
            "color_scheme": "supersetColors",
            "refresh_frequency": 0,
            "expanded_slices": {},
            "label_colors": {},
            "shared_label_colors": [],
            "timed_refresh_immune_slices": [],
            "cross_filters_enabled": False,
            "default_filters": "{}",
            "chart_configuration": {},
            "global_chart_configuration": {
                "scope": {"rootPath": ["ROOT_ID"], "excluded": []},
                "chartsInScope": [],
            },
        },
        "version": VERSION,
        "is_managed_externally": True,
        "external_url": None,
    }


class _Dumper(yaml.SafeDumper):
    """Readable YAML: multi-line strings (SQL, Markdown) as literal blocks."""


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def build(out: Path) -> dict[str, Any]:
    """Write the bundle (metadata.yaml and one YAML per object) into ``out``."""
    files: dict[str, Any] = {
        "metadata.yaml": {
            "version": VERSION,
            "type": "assets",
            "timestamp": "2022-01-01T00:00:00+00:00",
        },
        f"databases/{DATABASE_FILE}.yaml": database_yaml(),
    }
    for d in DATASETS:
        files[f"datasets/{DATABASE_FILE}/{d.table_name}.yaml"] = dataset_yaml(d)
    for c in CHARTS:
        _check_chart(c)
        files[f"charts/{c.key}.yaml"] = chart_yaml(c)
    for dash in DASHBOARDS:
        files[f"dashboards/{dash.slug}.yaml"] = dashboard_yaml(dash)
    for name, content in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = yaml.dump(content, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
        path.write_text(text, encoding="utf-8")
    return files


def _check_chart(c: Chart) -> None:
    """Catch typos early: every metric and column a chart names exists in its dataset."""
    metric_names = {m.name for m in c.ds.metrics}
    col_names = {col.name for col in c.ds.columns}
    p = c.params
    for m in [*p.get("metrics", []), *([p["metric"]] if "metric" in p else [])]:
        assert m in metric_names, f"{c.key}: unknown metric {m} in {c.dataset}"
    for col in [*p.get("groupby", []), *p.get("all_columns", [])]:
        assert col in col_names, f"{c.key}: unknown column {col} in {c.dataset}"
    if "x_axis" in p:
        assert p["x_axis"] in col_names, f"{c.key}: unknown x_axis {p['x_axis']}"
    sort = p.get("timeseries_limit_metric")
    assert sort is None or sort in metric_names, f"{c.key}: unknown sort metric {sort}"
