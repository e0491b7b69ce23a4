"""Every dataset: those of the dashboards, and the marts analysts query directly."""

from __future__ import annotations

from build_assets.dataset_sql import mart_cols, s
from build_assets.datasets_field import FIELD_DATASETS
from build_assets.datasets_pipeline import PIPELINE_DATASETS
from build_assets.model import Dataset, Metric

RAW_DATASETS: list[Dataset] = [
    # Person-level and remaining marts: for analysts (Explore, SQL Lab); masked values only.
    Dataset(
        "push_record",
        "fct_push_record",
        mart_cols("fct_push_record"),
        [Metric("records", "COUNT(*)", "记录数", ",d")],
        main_dttm_col="issued_at",
        description="推送记录（每条一行）",
    ),
    Dataset(
        "person",
        "dim_person",
        mart_cols("dim_person"),
        [Metric("persons", "COUNT(*)", "人数", ",d")],
        main_dttm_col="last_pushed_at",
        description="人员（一人一档，脱敏）",
    ),
    Dataset(
        "verified_person",
        "mart_verified_person",
        mart_cols("mart_verified_person"),
        [Metric("persons", "COUNT(*)", "人数", ",d")],
        main_dttm_col="last_verified_at",
        description="已核查人员（脱敏）",
    ),
    Dataset(
        "backlog_raw",
        "mart_backlog",
        mart_cols("mart_backlog"),
        [Metric("records", "COUNT(*)", "积压记录数", ",d")],
        main_dttm_col="issued_at",
        description="积压工作队列（原表）",
    ),
    Dataset(
        "checkpoint_raw",
        "mart_checkpoint_daily",
        mart_cols("mart_checkpoint_daily"),
        [s("events_in"), s("events_out")],
        main_dttm_col="report_date",
        description="卡点日汇总（原表）",
    ),
    Dataset(
        "enterprise_status_raw",
        "mart_enterprise_status",
        mart_cols("mart_enterprise_status"),
        [Metric("enterprises", "COUNT(*)", "企业数", ",d")],
        main_dttm_col="status_since",
        description="企业状态（原表）",
    ),
    Dataset(
        "enterprise_daily_raw",
        "mart_enterprise_resumption_daily",
        mart_cols("mart_enterprise_resumption_daily"),
        [s("enterprises"), s("resumed")],
        main_dttm_col="report_date",
        description="企业复工日汇总（原表）",
    ),
]

DATASETS: list[Dataset] = [*FIELD_DATASETS, *PIPELINE_DATASETS, *RAW_DATASETS]
DS = {d.key: d for d in DATASETS}
