"""The definitions behind ``superset_dashboards/assets/`` (see ``assets_build.py``).

Read in this order; each module imports only the ones above it:

- ``model``: ids, the database constants, the roles and the dataclasses (Col, Metric,
  Dataset, Chart, Filter, Dashboard).
- ``dataset_sql``: shortcuts for datasets (columns from ``marts_schema``, SUM and ratio
  metrics, street and community names, "as of the end of the range" views).
- ``datasets_field``, ``datasets_pipeline``: the datasets of the field-work dashboards
  and of the pipeline dashboard; ``datasets``: all of them (``DATASETS``, ``DS``) with
  the analysts' raw marts.
- ``charts``: the chart builders (kpi_trend, kpi_total, timeseries, category_bar,
  table, raw_table, pie).
- ``filters``: the native filters the dashboards share.
- ``dashboards_coverage``, ``dashboards_enterprise``, ``dashboards_checkpoints``,
  ``dashboards_grids``, ``dashboards_pipeline``: one dashboard each (layout: rows of
  (chart, width, height), widths summing to at most 12).
- ``dashboards_street``: the street leader's views of the first four.
- ``dashboards``: all of them (``DASHBOARDS``, ``CHARTS``, ``role_datasets``).
- ``yaml_out``: the Superset YAML of each object and ``build``, which writes the bundle.

The modules import each other as ``build_assets.…`` and ``marts_schema``: the directory
``superset_dashboards/`` must be on ``sys.path`` (``assets_build.py`` puts it there).
"""
