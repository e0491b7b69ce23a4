"""What a corrected re-delivery changed: raw.delivery_changes, the mart
mart_delivery_changes and `gridwatch status --date D`."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys

import duckdb
import pytest
from conftest import EXAMPLES, make_settings, settings_env

from gridwatch.ingest.load import load_partition
from gridwatch.ingest.reference import load_reference
from gridwatch.warehouse.build import run_dbt
from gridwatch.warehouse.schema import connect

DAY = dt.date(2021, 8, 3)
PUSH_HEADER = (
    "批次号,专项,下发时间,反馈时限(小时),序号,姓名,证件类型,身份证号,手机号,所属街道,所属社区"
)
PEOPLE = {
    1: ("张三", "110101198503121239", "13800000001"),
    2: ("李四", "11010119900307777X", "13800000002"),
    3: ("王五", "110101199003071234", "13800000003"),
    4: ("赵六", "110101198001010015", "13800000004"),
    5: ("钱七", "110101197001010019", "13800000005"),
}
CHECKPOINT_HEADER = "卡点编码,时间,方向,人员类型,身份证号,手机号,体温"


def push_row(no: int, deadline: int = 24, phone: str | None = None) -> str:
    name, id_number, own_phone = PEOPLE[no]
    return (
        f"SZ-0803-01,测试专项,2021-08-03 09:00,{deadline},{no},{name},,{id_number},"
        f"{phone or own_phone},平湖街道,平湖社区"
    )


def checkpoint_row(code: str, minute: int, temperature: str) -> str:
    _, id_number, phone = PEOPLE[1]
    return f"{code},2021-08-03 08:{minute:02d},进,居民,{id_number},{phone},{temperature}"


@pytest.fixture
def env(tmp_path):
    settings = make_settings(tmp_path)
    settings.landing_dir.mkdir(parents=True)
    return settings


def deliver(settings, feed: str, name: str, lines: list[str]) -> None:
    folder = settings.landing_dir / feed / DAY.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def load(settings, feed: str):
    con = connect(settings.warehouse)
    try:
        load_reference(con, settings.reference_dir)
        return load_partition(con, settings.landing_dir, feed, DAY)
    finally:
        con.close()


def query(settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def changes(settings, table: str = "raw.delivery_changes") -> list[tuple]:
    return query(
        settings,
        f"select feed, file_name, change, key, changed_columns from {table} order by all",
    )


def personal_values() -> set[str]:
    return {value for person in PEOPLE.values() for value in person} | {"13900000009"}


def assert_no_personal_value(settings, table: str) -> None:
    rows = query(settings, f"select * from {table}")
    assert rows
    cells = {str(cell) for row in rows for cell in row if cell is not None}
    leaks = [(v, c) for v in personal_values() for c in cells if v in c]
    assert leaks == []


def test_a_corrected_push_list_records_what_changed(env):
    deliver(env, "push_list", "list.csv", [PUSH_HEADER, *(push_row(no) for no in (1, 2, 3, 4))])
    first = load(env, "push_list")
    assert first.changes == 0 and first.diff_seconds is None  # a first load is no re-load
    # the sender's correction: a new phone for 1, a longer deadline for 2, 3 dropped, 5 added
    corrected = [
        PUSH_HEADER,
        push_row(1, phone="13900000009"),
        push_row(2, deadline=48),
        push_row(4),
        push_row(5),
        "SZ-0803-01,测试专项,2021-08-03 09:00,24,6,,,,,平湖街道,",  # no name: quarantined
    ]
    deliver(env, "push_list", "list.csv", corrected)
    result = load(env, "push_list")
    assert result.changes == 4
    assert changes(env) == [
        ("push_list", "list.csv", "added", "SZ-0803-01 | 5", None),
        ("push_list", "list.csv", "changed", "SZ-0803-01 | 1", "phone"),
        ("push_list", "list.csv", "changed", "SZ-0803-01 | 2", "deadline_hours"),
        ("push_list", "list.csv", "removed", "SZ-0803-01 | 3", None),
    ]
    assert_no_personal_value(env, "raw.delivery_changes")
    # conservation still holds, and the changes carry the load's loaded_at
    assert query(
        env,
        "select file_name, rows_read, rows_loaded, rows_quarantined, "
        "rows_read = rows_loaded + rows_quarantined from raw.load_log",
    ) == [("list.csv", 5, 4, 1, True)]
    assert query(
        env,
        "select distinct c.loaded_at = l.loaded_at from raw.delivery_changes c "
        "join raw.load_log l using (feed, delivery_date)",
    ) == [(True,)]
    # the same files again, or the same bytes under another name: nothing new
    before = changes(env)
    assert load(env, "push_list").changes == 0
    folder = env.landing_dir / "push_list" / DAY.isoformat()
    (folder / "list.csv").rename(folder / "list_v2.csv")
    assert load(env, "push_list").changes == 0
    assert changes(env) == before


def test_a_corrected_checkpoint_log_is_compared_by_whole_rows(env):
    with (EXAMPLES / "reference" / "checkpoints.csv").open(encoding="utf-8-sig") as handle:
        code = next(csv.DictReader(handle))["checkpoint_code"]
    # the same pass logged twice, then another one
    rows = [checkpoint_row(code, 1, "36.5"), checkpoint_row(code, 1, "36.5")]
    deliver(
        env, "checkpoint", "gate.csv", [CHECKPOINT_HEADER, *rows, checkpoint_row(code, 2, "36.6")]
    )
    # another gate's log, the same in both deliveries: its rows are not compared
    deliver(env, "checkpoint", "gate2.csv", [CHECKPOINT_HEADER, checkpoint_row(code, 5, "36.4")])
    load(env, "checkpoint")
    # corrected: the repeat removed, the second temperature fixed (a remove + an add)
    deliver(
        env, "checkpoint", "gate.csv", [CHECKPOINT_HEADER, rows[0], checkpoint_row(code, 2, "37.6")]
    )
    assert load(env, "checkpoint").changes == 3
    found = changes(env)
    assert [(f, n, c, cols) for f, n, c, _, cols in found] == [
        ("checkpoint", "gate.csv", "added", None),
        ("checkpoint", "gate.csv", "removed", None),
        ("checkpoint", "gate.csv", "removed", None),
    ]
    keys = sorted(key for *_, key, _ in found)
    assert all(key.startswith("row:") and len(key.split("#")[0]) == 36 for key in keys)
    assert any(key.endswith("#2") for key in keys)  # the second of two identical rows
    assert_no_personal_value(env, "raw.delivery_changes")
    assert load(env, "checkpoint").changes == 0


def test_the_mart_and_status_show_the_changes(env):
    deliver(env, "push_list", "list.csv", [PUSH_HEADER, *(push_row(no) for no in (1, 2, 3))])
    load(env, "push_list")
    deliver(
        env,
        "push_list",
        "list.csv",
        [PUSH_HEADER, push_row(1, deadline=12, phone="13900000009"), push_row(2), push_row(4)],
    )
    load(env, "push_list")
    run_dbt(env, "build", "--select", "+mart_delivery_changes")
    assert changes(env, "marts.mart_delivery_changes") == changes(env)
    assert_no_personal_value(env, "marts.mart_delivery_changes")
    done = subprocess.run(
        [sys.executable, "-m", "gridwatch.cli", "status", "--date", DAY.isoformat()],
        env=settings_env(env),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    (line,) = [x for x in done.stdout.splitlines() if "reloaded at" in x]
    assert line.startswith(f"push_list {DAY} reloaded at ")
    assert line.endswith(": 1 added, 1 removed, 1 changed (columns: deadline_hours, phone)")


def test_the_demo_correction_changes_four_records(tmp_path):
    """`make demo` re-delivers the generator's corrected push list and re-runs its date."""
    from gridwatch_generator import corrections, generate

    out = tmp_path / "generated"
    generate("mini", 5, 7, out)
    written = corrections.write(out)
    assert written is not None
    assert corrections.write(out) == written  # deterministic: the same file, the same change
    settings = make_settings(tmp_path, landing=out / "landing", reference=out / "reference")
    day = dt.date.fromisoformat(written["delivery_date"])
    con = connect(settings.warehouse)
    try:
        load_reference(con, settings.reference_dir)
        load_partition(con, settings.landing_dir, "push_list", day)
        assert corrections.apply(out) == written
        result = load_partition(con, settings.landing_dir, "push_list", day)
        found = con.execute(
            "select change, changed_columns from raw.delivery_changes order by all"
        ).fetchall()
    finally:
        con.close()
    assert result.changes == 4
    assert found == [
        ("added", None),
        ("changed", "deadline_hours"),
        ("changed", "phone"),
        ("removed", None),
    ]
    # the next generator run owns the correction: it is replaced, nothing refused
    generate("mini", 2, 7, out)
    assert not (out / written["path"]).exists()
