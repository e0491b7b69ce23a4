"""Office leftovers (lock files, Thumbs.db) beside a day's deliveries: the whole day still
runs through load, dbt build, gates and publish, and the leftovers are listed as IGNORED."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
from conftest import make_settings

DAY = dt.date(2021, 8, 2)


def query(settings, sql: str, database: Path | None = None) -> list[tuple]:
    con = duckdb.connect(str(database or settings.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_day_with_lock_files_beside_its_deliveries_publishes(tmp_path):
    from conftest import EXAMPLES

    from gridwatch.ops.pipeline import run_day

    settings = make_settings(tmp_path)
    shutil.copytree(EXAMPLES / "landing", settings.landing_dir)
    for feed in ("push_list", "verification", "enterprise_filing"):
        day_folder = settings.landing_dir / feed / DAY.isoformat()
        (day_folder / "~$名单.xlsx").write_bytes(b"owner file")
        (day_folder / "Thumbs.db").write_bytes(b"\x00")
    outcome = run_day(settings, DAY)
    assert outcome.ok, outcome.message
    ignored = query(
        settings,
        "select count(*) from marts.mart_load_status where status = 'IGNORED'",
        settings.serving,
    )
    assert ignored == [(6,)]
