"""`gridwatch purge` and GRIDWATCH_RETENTION_DAYS on the worked example.

After a purge the warehouse file holds none of the purged persons' names, ID numbers and
phones (a byte search of the file), the marts are unchanged but for the masked values of
purged persons, a person whose records were all purged has no file, and a later daily run
(which purges by itself with a retention period) still loads, builds and publishes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import EXAMPLES, make_settings, settings_env

GRIDWATCH = [sys.executable, "-m", "gridwatch.cli"]
# per mart, the columns a purge may change: masked values of the purged (and gender and
# birth year, read from the ID number), and the last sighting of a person pushed before
# the cut and seen after it only by an ID or phone now purged (a link across the cut)
MAY_CHANGE = {
    "dim_person": {"name_masked", "id_masked", "phone_masked", "gender", "birth_year"},
    "mart_backlog": {"name_masked", "id_masked", "phone_masked", "last_seen_at_checkpoint"},
    "mart_verified_person": {"last_seen_at_checkpoint"},
}
MARTS = (
    "mart_coverage_daily",
    "mart_coverage_by_topic_daily",
    "mart_checkpoint_daily",
    "mart_quarantine_summary",
    "fct_push_record",
    "mart_enterprise_resumption_daily",
    *MAY_CHANGE,
)
# only in rows delivered on 2021-08-02: 李四 (RIC, phone), 赵六's name, 钱七, 王五's mistyped ID
GONE_AFTER_0803 = [
    "李四",
    "420111198501011234",
    "13800000002",
    "赵六",
    "钱七",
    "440301199207081230",
]
# only in rows delivered on 2021-08-03: 孙八
GONE_AFTER_0804 = ["孙八", "43080219920708123X", "13900000008"]


def run(settings, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*GRIDWATCH, *args],
        env=settings_env(settings) | {"COLUMNS": "250"} | (env or {}),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def marts(settings, before: str = "9999-12-31") -> dict[str, list[tuple]]:
    """Every mart's rows (sorted), without the columns a purge may change; daily marts
    only up to ``before``."""
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        out = {}
        for mart in MARTS:
            cols = [c[0] for c in con.execute(f"describe marts.{mart}").fetchall()]
            keep = [c for c in cols if c not in MAY_CHANGE.get(mart, set())]
            where = "where report_date < ?" if "report_date" in cols else ""
            out[mart] = sorted(
                con.execute(
                    f"select {', '.join(keep)} from marts.{mart} {where}",
                    [before] if where else [],
                ).fetchall(),
                key=repr,
            )
        return out
    finally:
        con.close()


def on_disk(settings, value: str) -> bool:
    return value.encode("utf-8") in settings.warehouse.read_bytes()


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    root = tmp_path_factory.mktemp("purge")
    shutil.copytree(EXAMPLES / "landing", root / "landing")
    (root / "landing" / "push_list" / "2021-08-04" / "readme.txt").unlink()  # a clean run
    settings = make_settings(root, landing=root / "landing", reference=EXAMPLES / "reference")
    backfill = run(settings, "backfill", "2021-08-02", "2021-08-04")
    assert backfill.returncode == 0, backfill.stderr
    return settings, marts(settings), marts(settings, before="2021-08-04")


def test_dry_run_lists_what_would_go_and_changes_nothing(example):
    settings, _, _ = example
    size = settings.warehouse.stat().st_size
    result = run(settings, "purge", "--before", "2021-08-03", "--dry-run", "--reason", "t")
    assert result.returncode == 0, result.stderr
    assert "push_list 5" in " ".join(result.stdout.split())
    assert "Nothing was changed" in result.stdout
    assert all(on_disk(settings, v) for v in ("李四", "420111198501011234"))
    assert settings.warehouse.stat().st_size >= size  # an audit row more, nothing less


def test_purge_removes_the_values_from_disk_and_keeps_the_marts(example):
    settings, before, _ = example
    assert run(settings, "purge", "--before", "2021-08-03").returncode == 2  # --reason
    result = run(
        settings, "purge", "--before", "2021-08-03", "--reason", "保存期满", "--as", "管理员"
    )
    assert result.returncode == 0, result.stderr
    assert "compacted" in result.stdout
    for value in GONE_AFTER_0803:
        assert not on_disk(settings, value), f"{value} is still in the warehouse file"
    assert marts(settings) == before
    # the purge is audited, without personal values
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        (row,) = con.execute(
            "select operator, reason, detail from audit.access_log where action = 'purge'"
        ).fetchall()
    finally:
        con.close()
    assert row[0] == "管理员" and row[1] == "保存期满"
    assert json.loads(row[2])["rows"]["push_list"] == 5
    # the same purge again has nothing left to do
    again = run(settings, "purge", "--before", "2021-08-03", "--reason", "again")
    assert "nothing to purge" in again.stdout


def test_a_wholly_purged_person_has_no_file_and_a_partly_purged_one_keeps_the_rest(example):
    settings, _, _ = example
    gone = run(settings, "person", "420111198501011234", "--json", "--reason", "t")
    assert gone.returncode == 1 and not json.loads(gone.stdout)["found"]
    by_phone = run(settings, "person", "--phone", "13800000004", "--name", "赵六", "--reason", "t")
    assert by_phone.returncode == 1 and "查无档案" in by_phone.stdout
    kept = run(settings, "person", "110101198503121239", "--json", "--reason", "t")
    assert kept.returncode == 0, kept.stderr
    (file,) = json.loads(kept.stdout)["files"]
    assert [r["batch_id"] for r in file["records"]] == ["SZ-0803-07"]  # 2021-08-02's is gone


def test_the_next_daily_run_builds_and_purges_by_itself(example):
    settings, _, before_0804 = example
    result = run(settings, "run", "2021-08-04", env={"GRIDWATCH_RETENTION_DAYS": "1"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "purged the personal values of rows delivered before 2021-08-04" in " ".join(
        result.stdout.split()
    )
    for value in GONE_AFTER_0803 + GONE_AFTER_0804:
        assert not on_disk(settings, value), f"{value} is still in the warehouse file"
    # the purged days' marts are unchanged (2021-08-04's own checkpoint counts lose the
    # sightings of 吴十, pushed on 2021-08-03 and seen on 2021-08-04: a link across the cut)
    assert marts(settings, before="2021-08-04") == before_0804
    # the same state as a rebuild from the (purged) raw layer
    incremental = marts(settings)
    full = run(settings, "build", "--full-refresh")
    assert full.returncode == 0, full.stderr
    assert marts(settings) == incremental
