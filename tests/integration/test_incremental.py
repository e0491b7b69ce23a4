"""The incremental models keep exactly what a full rebuild would give.

The checkpoint models (int_checkpoint_events__daily, int_checkpoint_events__matched)
process only what changed since the last build, and the person-level models
(int_push_records__enriched, int_persons, int_person_days) only the persons whose
inputs changed. After every step of a small,
hand-made delivery history, the marts of the incremental warehouse must equal
the marts of a copy rebuilt with ``--full-refresh``, and the figures the steps
are about must move as the contract says:

1. day 1: person A is pushed with phone P1; the checkpoint sees A's RIC at 11:00
   and an unknown phone P2 at 10:00;
2. day 2: A is pushed again with phone P2, so the 10:00 event of day 1 becomes
   a sighting of A (a phone on any of the person's records, contract §7);
3. day 1's checkpoint log is re-delivered without the 11:00 event;
4. day 2's push list is corrected to phone P3, so P2 no longer matches anyone;
5. a verification of A's first record arrives late, on day 2, changing the
   person's past days (int_person_days recomputes that person only).
"""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest
from conftest import EXAMPLES, make_settings
from test_marts_rerun import load_and_build, snapshot

from gridwatch.warehouse.build import build

DAY1, DAY2 = dt.date(2021, 8, 2), dt.date(2021, 8, 3)
RIC_A = "110101198503121239"
P1, P2, P3 = "13700000001", "13700000002", "13700000003"

PUSH_HEADER = (
    "批次号,专项,下发时间,反馈时限(小时),序号,姓名,证件类型,证件号码,手机号,所属街道,所属社区\n"
)
VERIFICATION_HEADER = "批次号,序号,核查时间,核查社区,核查方式,核查结果,管控措施\n"
CHECKPOINT_HEADER = "卡点编码,时间,方向,人员类型,证件号码,手机号,车牌,体温,健康码,处置\n"


def push_row(batch: str, issued: str, phone: str) -> str:
    return f"{batch},测试专项,{issued},24,1,张三,身份证,{RIC_A},{phone},平湖街道,平湖社区\n"


def write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def mart_value(settings, sql: str, params: list) -> object:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        rows = con.execute(sql, params).fetchall()
    finally:
        con.close()
    return rows[0][0] if rows else None


def backlog_sightings(settings, day: dt.date, checkpoint: str) -> int:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        row = con.execute(
            "select backlog_sightings from marts.mart_checkpoint_daily "
            "where report_date = ? and checkpoint_code = ?",
            [day, checkpoint],
        ).fetchall()
    finally:
        con.close()
    return row[0][0] if row else 0


@pytest.fixture
def history(tmp_path):
    landing = tmp_path / "landing"
    settings = make_settings(
        tmp_path / "incremental", landing=landing, reference=EXAMPLES / "reference"
    )
    return settings, landing


def assert_equals_full_refresh(settings, tmp_path, step: str) -> None:
    copy = make_settings(
        tmp_path / f"full-{step}", landing=settings.landing_dir, reference=settings.reference_dir
    )
    copy.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(settings.warehouse, copy.warehouse)
    build(copy, full_refresh=True)
    incremental, full = snapshot(settings), snapshot(copy)
    assert incremental.keys() == full.keys()
    for table in incremental:
        assert incremental[table] == full[table], (
            f"step {step}: {table} differs from a full rebuild"
        )


def test_incremental_checkpoint_models_equal_a_full_rebuild(history, tmp_path):
    settings, landing = history
    push1 = landing / "push_list" / DAY1.isoformat() / "p.csv"
    push2 = landing / "push_list" / DAY2.isoformat() / "p.csv"
    gate1 = landing / "checkpoint" / DAY1.isoformat() / "gate.csv"
    gate2 = landing / "checkpoint" / DAY2.isoformat() / "gate.csv"

    # 1. A pushed with P1; the RIC is seen at 11:00, the unknown P2 at 10:00
    write(push1, PUSH_HEADER + push_row("B1", "2021-08-02 09:00:00", P1))
    write(
        gate1,
        CHECKPOINT_HEADER
        + f"CP001,2021-08-02 10:00:00,进,居民,,{P2},,36.5,绿,放行\n"
        + f"CP001,2021-08-02 11:00:00,进,居民,{RIC_A},,,36.6,绿,放行\n",
    )
    load_and_build(settings, [DAY1])
    assert backlog_sightings(settings, DAY1, "CP001") == 1
    assert_equals_full_refresh(settings, tmp_path, "1")

    # 2. A pushed again with P2: the 10:00 event of day 1 is now A's too
    write(push2, PUSH_HEADER + push_row("B2", "2021-08-03 09:00:00", P2))
    write(gate2, CHECKPOINT_HEADER + f"CP001,2021-08-03 10:00:00,进,居民,,{P2},,36.5,绿,放行\n")
    load_and_build(settings, [DAY2])
    assert backlog_sightings(settings, DAY1, "CP001") == 2
    assert backlog_sightings(settings, DAY2, "CP001") == 1
    assert_equals_full_refresh(settings, tmp_path, "2")

    # 3. day 1's log re-delivered without the 11:00 event
    write(gate1, CHECKPOINT_HEADER + f"CP001,2021-08-02 10:00:00,进,居民,,{P2},,36.5,绿,放行\n")
    load_and_build(settings, [DAY1])
    assert backlog_sightings(settings, DAY1, "CP001") == 1
    assert_equals_full_refresh(settings, tmp_path, "3")

    # 4. day 2's push list corrected to P3: P2 matches no one any more
    write(push2, PUSH_HEADER + push_row("B2", "2021-08-03 09:00:00", P3))
    load_and_build(settings, [DAY2])
    assert backlog_sightings(settings, DAY1, "CP001") == 0
    assert backlog_sightings(settings, DAY2, "CP001") == 0
    assert_equals_full_refresh(settings, tmp_path, "4")

    # 5. a late verification of B1 (made on day 1, delivered on day 2)
    assert mart_value(settings, BACKLOG_ON, [DAY1]) == 1
    write(
        landing / "verification" / DAY2.isoformat() / "v.csv",
        VERIFICATION_HEADER + "B1,1,2021-08-02 20:00:00,平湖社区,电话,已纳管,居家健康监测\n",
    )
    load_and_build(settings, [DAY2])
    assert mart_value(settings, BACKLOG_ON, [DAY1]) == 0
    assert mart_value(settings, BACKLOG_ON, [DAY2]) == 1  # B2 is still open
    assert_equals_full_refresh(settings, tmp_path, "5")


BACKLOG_ON = "select sum(backlog_persons) from marts.mart_coverage_daily where report_date = ?"


RIC_B, RIC_C = "440301199207081238", "110101199003077774"
P4, P5 = "13700000004", "13700000005"


def person_row(batch: str, no: int, issued: str, name: str, ric: str, phone: str) -> str:
    id_type = "身份证" if ric else ""
    return f"{batch},测试专项,{issued},24,{no},{name},{id_type},{ric},{phone},平湖街道,平湖社区\n"


def persons_of(settings) -> dict[str, str]:
    """(batch_id:record_no) -> person_key of every push record."""
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        rows = con.execute(
            "select batch_id || ':' || record_no, person_key from marts.fct_push_record"
        ).fetchall()
    finally:
        con.close()
    return dict(rows)


def test_person_level_models_follow_identity_links_and_reference_changes(tmp_path):
    """int_push_records__enriched and int_persons recompute only persons whose inputs
    changed (int_person_inputs): an identity link that moves a record to another
    person, a link undone, and a changed area reference must all reach the marts."""
    landing, reference = tmp_path / "landing", tmp_path / "reference"
    shutil.copytree(EXAMPLES / "reference", reference)
    settings = make_settings(tmp_path / "incremental", landing=landing, reference=reference)
    push1 = landing / "push_list" / DAY1.isoformat() / "p.csv"
    push2 = landing / "push_list" / DAY2.isoformat() / "p.csv"

    # 1. 李四 pushed with a phone and no ID number (a PHN identity); 王五 with a RIC
    write(
        push1,
        PUSH_HEADER
        + person_row("B1", 1, "2021-08-02 09:00:00", "李四", "", P4)
        + person_row("B1", 2, "2021-08-02 09:00:00", "王五", RIC_A, P5),
    )
    load_and_build(settings, [DAY1])
    first = persons_of(settings)
    assert len(set(first.values())) == 2
    assert_equals_full_refresh(settings, tmp_path, "link-1")

    # 2. 李四 pushed again with the same phone and a RIC: B1:1 now belongs to that RIC
    write(push2, PUSH_HEADER + person_row("B2", 1, "2021-08-03 09:00:00", "李四", RIC_B, P4))
    load_and_build(settings, [DAY2])
    linked = persons_of(settings)
    assert linked["B1:1"] == linked["B2:1"] != first["B1:1"]
    assert linked["B1:2"] == first["B1:2"]  # 王五's inputs did not change
    assert_equals_full_refresh(settings, tmp_path, "link-2")

    # 3. day 2 corrected: a second RIC shares 李四's phone and name, so B1:1 links to neither
    write(
        push2,
        PUSH_HEADER
        + person_row("B2", 1, "2021-08-03 09:00:00", "李四", RIC_B, P4)
        + person_row("B2", 2, "2021-08-03 10:00:00", "李四", RIC_C, P4),
    )
    load_and_build(settings, [DAY2])
    unlinked = persons_of(settings)
    assert unlinked["B1:1"] == first["B1:1"]
    assert len(set(unlinked.values())) == 4
    assert_equals_full_refresh(settings, tmp_path, "link-3")

    # 4. the reference moves 平湖社区 to another street: every record's street follows
    areas = reference / "areas.csv"
    areas.write_text(
        areas.read_text(encoding="utf-8").replace(
            "440307,龙岗区,440307011,平湖街道,440307011001,平湖社区",
            "440307,龙岗区,440307012,园山街道,440307011001,平湖社区",
        ),
        encoding="utf-8",
    )
    load_and_build(settings, [DAY2])
    streets = mart_value(
        settings, "select string_agg(distinct street_code) from marts.fct_push_record", []
    )
    assert streets == "440307012"
    assert_equals_full_refresh(settings, tmp_path, "link-4")

    # 5. an attempt on 王五's open record names a grid of 平湖社区: the grid mart counts
    # 王五 there (int_person_days carries the grid)
    write(
        landing / "verification" / DAY2.isoformat() / "v.csv",
        "批次号,序号,核查时间,核查社区,网格,核查方式,核查结果\n"
        "B1,2,2021-08-03 11:00:00,平湖社区,440307011001-01,电话,未联系上\n",
    )
    load_and_build(settings, [DAY2])
    assert grid_backlog(settings, DAY2) == [("440307011001-01", 1), ("_UNASSIGNED", 3)]
    assert_equals_full_refresh(settings, tmp_path, "grid-1")

    # 6. the reference moves that grid to another community, which changes no person's
    # inputs: 王五 now counts under 平湖社区's 未分配网格 line
    grids = reference / "grids.csv"
    grids.write_text(
        grids.read_text(encoding="utf-8").replace(
            "440307011001-01,平湖社区第1网格,440307011001",
            "440307011001-01,平湖社区第1网格,440307011002",
        ),
        encoding="utf-8",
    )
    load_and_build(settings, [DAY2])
    assert grid_backlog(settings, DAY2) == [("_UNASSIGNED", 4)]
    assert_equals_full_refresh(settings, tmp_path, "grid-2")


def grid_backlog(settings, day: dt.date) -> list[tuple]:
    """(grid_code, backlog_persons) of 平湖社区's rows of mart_grid_backlog_daily on ``day``."""
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(
            "select grid_code, backlog_persons from marts.mart_grid_backlog_daily "
            "where report_date = ? and community_code = '440307011001' and backlog_persons > 0 "
            "order by all",
            [day],
        ).fetchall()
    finally:
        con.close()
