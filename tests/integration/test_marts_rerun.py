"""Reruns and corrections through the real path (load + dbt build): re-running a date
leaves every mart identical; a corrected push list re-delivered for an old date
changes exactly the rows it affects."""

from __future__ import annotations

import contextlib
import shutil

import duckdb
import pytest
from conftest import EXAMPLE_DATES, EXAMPLES, make_settings

from gridwatch.ingest.load import RejectedFilesError
from gridwatch.ops.pipeline import load_feeds
from gridwatch.warehouse.build import build

VOLATILE = {"mart_load_status": "loaded_at", "mart_quality_results": "validated_at"}


def snapshot(settings) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        ]
        out = {}
        for table in tables:
            exclude = f" exclude ({VOLATILE[table]})" if table in VOLATILE else ""
            out[table] = con.execute(
                f"select *{exclude} from marts.{table} order by all"
            ).fetchall()
        return out
    finally:
        con.close()


def load_and_build(settings, days) -> None:
    for day in days:
        with contextlib.suppress(RejectedFilesError):
            load_feeds(settings, day)
    build(settings)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("rerun")
    shutil.copytree(EXAMPLES / "landing", root / "landing")
    settings = make_settings(root, landing=root / "landing", reference=EXAMPLES / "reference")
    load_and_build(settings, EXAMPLE_DATES)
    return settings


def test_rerunning_any_date_leaves_every_mart_identical(built):
    before = snapshot(built)
    assert before["fct_push_record"], "the example produced no push records"
    load_and_build(built, [EXAMPLE_DATES[1], EXAMPLE_DATES[0]])
    assert snapshot(built) == before


def test_corrected_push_list_changes_exactly_the_affected_rows(built):
    before = snapshot(built)
    path = built.landing_dir / "push_list" / "2021-08-02" / "batch_SZ-0802-01.csv"
    text = path.read_text(encoding="utf-8")
    # 钱七 (record 5, still open) was pushed to 辅城坳社区; the sender corrects it to 平湖社区
    corrected = text.replace(",5,钱七,,,,平湖街道,辅城坳社区,", ",5,钱七,,,,平湖街道,平湖社区,")
    assert corrected != text
    path.write_text(corrected, encoding="utf-8")
    load_and_build(built, [EXAMPLE_DATES[0]])
    after = snapshot(built)

    changed = {t for t in before if before[t] != after[t]}
    assert changed == {
        "fct_push_record",
        "dim_person",
        "mart_backlog",
        "mart_coverage_daily",
        "mart_grid_backlog_daily",  # 钱七's backlog moves to 平湖社区's grid lines
        "mart_load_status",  # the file's sha256
        "mart_delivery_changes",  # what the correction changed
    }
    assert [row[4:] for row in after["mart_delivery_changes"]] == [
        ("changed", "SZ-0802-01 | 5", "community")
    ]
    fct_diff = set(before["fct_push_record"]) ^ set(after["fct_push_record"])
    assert {(row[0], row[1]) for row in fct_diff} == {("SZ-0802-01", 5)}
    assert {row[7] for row in set(after["fct_push_record"]) - set(before["fct_push_record"])} == {
        "440307011001"
    }
    backlog_diff = set(before["mart_backlog"]) ^ set(after["mart_backlog"])
    assert {(row[0], row[1]) for row in backlog_diff} == {("SZ-0802-01", 5)}
