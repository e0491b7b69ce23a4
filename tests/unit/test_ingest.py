"""Ingest core (contract §2–§5): formats, encodings, headers, reasons, conservation,
partition replacement, duplicates and rejected files."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES, make_settings, query
from openpyxl import Workbook

from gridwatch.ingest.load import LandingMissingError, RejectedFilesError, load_partition
from gridwatch.ingest.reference import ReferenceError, load_reference
from gridwatch.ops.pipeline import load_feeds
from gridwatch.warehouse.schema import connect

DAY = dt.date(2021, 8, 2)
PUSH_HEADER = (
    "批次号,专项,下发时间,反馈时限(小时),序号,姓名,证件类型,身份证号,手机号,所属街道,所属社区"
)
PUSH_ROW = (
    "SZ-1,测试专项,2021-08-02 09:00,24,{no},张三,,110101198503121239,13800000001,平湖街道,平湖社区"
)


@pytest.fixture
def env(tmp_path):
    settings = make_settings(tmp_path)
    settings.landing_dir.mkdir(parents=True)
    return settings


def deliver(settings, feed: str, name: str, content: str | bytes, day: dt.date = DAY) -> Path:
    folder = settings.landing_dir / feed / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def load(settings, feed: str, day: dt.date = DAY):
    con = connect(settings.warehouse)
    try:
        load_reference(con, settings.reference_dir)
        return load_partition(con, settings.landing_dir, feed, day)
    finally:
        con.close()


def only_file(result):
    assert len(result.files) == 1
    return result.files[0]


# --- formats and encodings -------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b""), ("gb18030", b"")],
)
def test_csv_encodings_are_detected(env, encoding, bom):
    text = PUSH_HEADER + "\n" + PUSH_ROW.format(no=1) + "\n"
    deliver(env, "push_list", "list.csv", bom + text.encode(encoding))
    f = only_file(load(env, "push_list"))
    assert (f.status, f.rows_loaded) == ("LOADED", 1)
    assert query(env, "select name, topic, street from raw.push_list") == [
        ("张三", "测试专项", "平湖街道")
    ]


def test_quoted_fields_short_rows_extra_fields_and_empty_rows(env):
    text = (
        PUSH_HEADER
        + ",备注\n"
        + 'SZ-1,"专项,含逗号",2021-08-02 09:00,24,1,"张""三",,,13800000001,平湖街道,平湖社区,"两行\n备注"\n'
        + "SZ-1,专项,2021-08-02 09:00,24,2,李四,,,,平湖街道\n"  # short: padded
        + "SZ-1,专项,2021-08-02 09:00,24,3,王五,,,,平湖街道,平湖社区,x,extra1,extra2\n"  # extra: ignored
        + ",,,,,,,,,,,\n\n"  # wholly empty: skipped, not counted
    )
    deliver(env, "push_list", "list.csv", text)
    f = only_file(load(env, "push_list"))
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (3, 3, 0)
    rows = query(
        env, "select record_no, topic, name, community, extras from raw.push_list order by 1"
    )
    assert rows[0][1:3] == ("专项,含逗号", '张"三')
    assert json.loads(rows[0][4]) == {"备注": "两行\n备注"}  # unknown column kept in raw
    assert rows[1][3] is None


def test_xlsx_with_title_rows_and_typed_cells(env):
    book = Workbook()
    sheet = book.active
    sheet.append(["平湖街道重点人员核查名单"])
    sheet.merge_cells("A1:F1")
    sheet.append(["说明：请于24小时内反馈"])
    sheet.append(
        [
            "下发批次",
            "专项名称",
            "下发时间",
            "时限(小时)",
            "序号",
            "姓名",
            "证件号码",
            "联系电话",
            "街道",
        ]
    )
    sheet.append(
        [
            "SZ-X",
            "专项",
            dt.datetime(2021, 8, 2, 14, 30),
            12,
            1,
            "孙八",
            "43080219920708123x",
            13900000008,
            "平湖街道",
        ]
    )
    sheet.append([None] * 9)
    sheet.append(["SZ-X", "专项", "2021/08/02 15:00", 12.0, 2.0, "周九", None, None, "440307011"])
    folder = env.landing_dir / "push_list" / DAY.isoformat()
    folder.mkdir(parents=True)
    book.save(folder / "名单.xlsx")
    f = only_file(load(env, "push_list"))
    assert (f.status, f.rows_read, f.rows_loaded) == ("LOADED", 2, 2)
    rows = query(
        env,
        "select record_no, issued_at, deadline_hours, id_number, id_valid, phone from raw.push_list order by 1",
    )
    assert rows[0] == (
        1,
        dt.datetime(2021, 8, 2, 14, 30),
        12,
        "43080219920708123X",
        True,
        "13900000008",
    )
    assert rows[1][1:3] == (dt.datetime(2021, 8, 2, 15, 0), 12)


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("notes.txt", "hello", "a '.txt' file is not a delivery"),
        ("list.xls", b"\xd0\xcf\x11\xe0", "not a readable Excel workbook"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable Excel workbook"),
        ("binary.csv", b"\x00\x01\x02", "NUL bytes"),
        ("garbage.csv", b"\xff\xfe\xfd\x80\x81", "neither UTF-8 nor GB18030"),
        ("noheader.csv", "a,b,c\n1,2,3\n", "no header row"),
        (
            "missing.csv",
            "批次号,专项,序号,姓名\nSZ,专项,1,张三\n",
            "has no column 下发时间 (issued_at)",
        ),
    ],
)
def test_bad_files_are_rejected_with_a_reason_naming_the_file(env, name, content, fragment):
    deliver(env, "push_list", name, content)
    f = only_file(load(env, "push_list"))
    assert f.status == "REJECTED"
    assert name in f.error and fragment in f.error
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (0, 0, 0)


def test_folder_with_a_broken_file_loads_the_rest_and_fails_naming_it(env):
    deliver(env, "push_list", "a.csv", PUSH_HEADER + "\n" + PUSH_ROW.format(no=1) + "\n")
    deliver(env, "push_list", "b.txt", "oops")
    deliver(env, "push_list", "c.csv", PUSH_HEADER + "\n" + PUSH_ROW.format(no=2) + "\n")
    with pytest.raises(RejectedFilesError) as excinfo:
        load_feeds(env, DAY, ("push_list",))
    assert "b.txt" in str(excinfo.value) and "re-run the date" in str(excinfo.value)
    assert query(env, "select count(*) from raw.push_list") == [(2,)]
    statuses = query(env, "select file_name, status from raw.load_log order by 1")
    assert statuses == [("a.csv", "LOADED"), ("b.txt", "REJECTED"), ("c.csv", "LOADED")]


def _truncated_sheet_xlsx(path: Path) -> None:
    """A workbook whose zip is sound but whose sheet XML is cut off halfway."""
    import zipfile

    book = Workbook()
    sheet = book.active
    sheet.append(PUSH_HEADER.split(","))
    for no in range(1, 200):
        sheet.append(PUSH_ROW.format(no=no).split(","))
    whole = path.with_suffix(".whole.xlsx")
    book.save(whole)
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    whole.unlink()


def test_a_damaged_sheet_inside_an_xlsx_is_rejected_naming_the_file(env):
    folder = env.landing_dir / "push_list" / DAY.isoformat()
    folder.mkdir(parents=True)
    _truncated_sheet_xlsx(folder / "damaged.xlsx")
    deliver(env, "push_list", "good.csv", PUSH_HEADER + "\n" + PUSH_ROW.format(no=1) + "\n")
    with pytest.raises(RejectedFilesError) as excinfo:  # not a crash of the whole load
        load_feeds(env, DAY, ("push_list",))
    assert "damaged.xlsx" in str(excinfo.value)
    assert "not a readable Excel workbook" in str(excinfo.value)
    statuses = query(env, "select file_name, status from raw.load_log order by 1")
    assert statuses == [("damaged.xlsx", "REJECTED"), ("good.csv", "LOADED")]


# --- quarantine reasons ---------------------------------------------------------


def test_every_push_list_reason_code(env):
    rows = [
        "SZ-1,专项,2021-08-02 09:00,24,1,张三,,,,平湖街道,",  # good
        ",专项,2021-08-02 09:00,24,2,张三,,,,平湖街道,",  # MISSING_REQUIRED:batch_id
        "SZ-1,专项,2021-08-02 09:00,24,3,,,,,,",  # MISSING_REQUIRED:name (before street)
        "SZ-1,专项,2021-02-30 09:00,24,4,张三,,,,平湖街道,",  # BAD_TIMESTAMP:issued_at
        "SZ-1,专项,2021-08-02 09:00,0,5,张三,,,,平湖街道,",  # BAD_NUMBER:deadline_hours (> 0)
        "SZ-1,专项,2021-08-02 09:00,24,6.5,张三,,,,平湖街道,",  # BAD_NUMBER:record_no
        "SZ-1,专项,2021-08-02 09:00,24,1,张三,,,,平湖街道,",  # DUPLICATE_KEY (first row stays)
        "SZ-1,专项,2021-08-02 09:00,24,7.0,张三,,,,平湖街道,",  # 7.0 is an integer
        "SZ-1,专项,2021-08-02 09:00,,8,张三,,,,平湖街道,",  # empty deadline -> 24
    ]
    deliver(env, "push_list", "list.csv", PUSH_HEADER + "\n" + "\n".join(rows) + "\n")
    f = only_file(load(env, "push_list"))
    assert f.reasons == {
        "MISSING_REQUIRED:batch_id": 1,
        "MISSING_REQUIRED:name": 1,
        "BAD_TIMESTAMP:issued_at": 1,
        "BAD_NUMBER:deadline_hours": 1,
        "BAD_NUMBER:record_no": 1,
        "DUPLICATE_KEY": 1,
    }
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (9, 3, 6)
    assert query(env, "select record_no, deadline_hours from raw.push_list order by 1") == [
        (1, 24),
        (7, 24),
        (8, 24),
    ]
    quarantined = query(env, "select row_number, reason, raw_values from raw.quarantine order by 1")
    assert [r[0] for r in quarantined] == [2, 3, 4, 5, 6, 7]
    assert json.loads(quarantined[5][2])["序号"] == "1"


def test_type_errors_are_reported_in_column_order(env):
    """§4 reading pinned here: BAD_TIMESTAMP/BAD_ENUM/BAD_NUMBER are one group, ordered by
    the column's position in the contract's table (category precedes event_time)."""
    header = "报备编号,统一社会信用代码,企业名称,所属社区,企业类型,状态,报备时间,员工总数"
    rows = [
        "F1,91440300MA5D12345W,甲,平湖社区,餐饮,已报备,not a time,x",  # BAD_ENUM:category
        "F2,91440300MA5D12345W,乙,平湖社区,其他,已报备,not a time,x",  # BAD_TIMESTAMP:event_time
        "F3,91440300MA5D12345W,丙,平湖社区,其他,已报备,2021-08-02 10:00,-1",  # BAD_NUMBER
        "F4,91440300MA5D12345W,丁,平湖社区,其他,已报备,2021-08-02 10:00,3.0",  # good
    ]
    deliver(env, "enterprise_filing", "f.csv", header + "\n" + "\n".join(rows) + "\n")
    f = only_file(load(env, "enterprise_filing"))
    assert f.reasons == {
        "BAD_ENUM:category": 1,
        "BAD_TIMESTAMP:event_time": 1,
        "BAD_NUMBER:employees_total": 1,
    }


def test_checkpoint_reasons_and_name_resolution(env):
    header = "卡点,通行时间,方向,类型,证件号码,体温,处置"
    rows = [
        "CP001,2021-08-02 08:00,进,居民,,36.5,",  # good, empty action = PASS
        "平湖社区1号卡点,2021-08-02 08:01,OUT,resident,,,",  # by name, English enums
        "CP999,2021-08-02 08:02,进,居民,,36.5,",  # UNKNOWN_CHECKPOINT
        "CP999,2021-08-02 08:03,入,居民,,36.5,",  # BAD_ENUM:direction comes first
        "CP001,,进,居民,,36.5,",  # MISSING_REQUIRED:event_time
    ]
    deliver(env, "checkpoint", "g.csv", header + "\n" + "\n".join(rows) + "\n")
    f = only_file(load(env, "checkpoint"))
    assert f.reasons == {
        "UNKNOWN_CHECKPOINT": 1,
        "BAD_ENUM:direction": 1,
        "MISSING_REQUIRED:event_time": 1,
    }
    assert query(
        env,
        "select checkpoint_code, direction, subject, action from raw.checkpoint order by event_time",
    ) == [
        ("CP001", "IN", "RESIDENT", "PASS"),
        ("CP001", "OUT", "RESIDENT", "PASS"),
    ]


def test_verification_enums_and_defaults(env):
    header = "批次号,序号,核查时间,核查社区,核查方式,核查结果,管控措施,解除日期,健康码,核酸结果"
    rows = [
        "SZ-1,1,2021-08-02 10:00,平湖社区,电话,已离深,,,绿,阴性",
        "SZ-1,2,2021-08-02 10:00,平湖社区,video,managed,健康监测,2021/08/09,YELLOW,pending",
        "SZ-1,3,2021-08-02 10:00,平湖社区,电话,已核实,,,,",  # BAD_ENUM:outcome
        "SZ-1,4,2021-08-02 10:00,平湖社区,电话,已纳管,,someday,,",  # BAD_TIMESTAMP:measure_until
        "SZ-1,5,2021-08-02 10:00,平湖社区,电话,已纳管,,,蓝,",  # BAD_ENUM:health_code
    ]
    deliver(env, "verification", "v.csv", header + "\n" + "\n".join(rows) + "\n")
    f = only_file(load(env, "verification"))
    assert f.reasons == {
        "BAD_ENUM:outcome": 1,
        "BAD_TIMESTAMP:measure_until": 1,
        "BAD_ENUM:health_code": 1,
    }
    assert query(
        env,
        "select record_no, method, outcome, measure, measure_until, health_code, nat_result from raw.verification order by 1",
    ) == [
        (1, "PHONE", "LEFT", "NONE", None, "GREEN", "NEGATIVE"),
        (2, "VIDEO", "MANAGED", "HEALTH_MONITORING", dt.date(2021, 8, 9), "YELLOW", "PENDING"),
    ]


# --- partitions, reruns, duplicates ------------------------------------------


def _load_status(settings):
    return query(
        settings,
        "select feed, delivery_date, file_name, status, rows_read, rows_loaded, rows_quarantined, sha256 "
        "from raw.load_log order by all",
    )


def _raw_tables(settings):
    tables = {
        t: query(settings, f"select *, cast(extras as varchar) from raw.{t} order by all")
        for t in ("push_list", "verification", "checkpoint", "enterprise_filing")
    }
    tables["quarantine"] = query(
        settings, "select *, cast(raw_values as varchar) from raw.quarantine order by all"
    )
    return tables


def test_reloading_a_date_gives_identical_tables(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(EXAMPLES / "landing", landing)
    settings = make_settings(tmp_path, landing=landing)
    days = [DAY, DAY + dt.timedelta(days=1)]
    for day in days:
        load_feeds(settings, day)
    before = (_load_status(settings), _raw_tables(settings))
    for day in days:
        load_feeds(settings, day)
    assert (_load_status(settings), _raw_tables(settings)) == before


def test_corrected_file_replaces_its_partition(env):
    deliver(
        env,
        "push_list",
        "list.csv",
        PUSH_HEADER + "\n" + PUSH_ROW.format(no=1) + "\n" + PUSH_ROW.format(no=2) + "\n",
    )
    load(env, "push_list")
    corrected = PUSH_HEADER + "\n" + PUSH_ROW.format(no=1).replace("张三", "张山") + "\n"
    deliver(env, "push_list", "list.csv", corrected)
    f = only_file(load(env, "push_list"))
    assert (f.status, f.rows_read) == ("LOADED", 1)
    assert query(env, "select record_no, name from raw.push_list") == [(1, "张山")]
    (env.landing_dir / "push_list" / DAY.isoformat() / "list.csv").unlink()
    assert load(env, "push_list").files == []
    assert query(env, "select count(*) from raw.push_list") == [(0,)]
    assert query(env, "select count(*) from raw.load_log") == [(0,)]


def test_resent_file_is_duplicate_under_another_name_or_date(env):
    content = PUSH_HEADER + "\n" + PUSH_ROW.format(no=1) + "\n"
    deliver(env, "push_list", "a.csv", content)
    deliver(env, "push_list", "b.csv", content)  # same bytes, same folder
    deliver(env, "push_list", "c.csv", content, day=DAY + dt.timedelta(days=2))
    first = load(env, "push_list")
    later = load(env, "push_list", DAY + dt.timedelta(days=2))
    assert [(f.file_name, f.status) for f in first.files] == [
        ("a.csv", "LOADED"),
        ("b.csv", "DUPLICATE"),
    ]
    assert only_file(later).status == "DUPLICATE"
    assert "push_list/2021-08-02/a.csv" in only_file(later).error
    assert query(env, "select count(*) from raw.push_list") == [(1,)]
    # re-running the original date keeps it LOADED (it is not a duplicate of itself)
    assert [f.status for f in load(env, "push_list").files] == ["LOADED", "DUPLICATE"]


def test_a_missing_landing_folder_replaces_nothing(env):
    deliver(env, "push_list", "list.csv", PUSH_HEADER + "\n" + PUSH_ROW.format(no=1) + "\n")
    load(env, "push_list")
    folder = env.landing_dir / "push_list" / DAY.isoformat()
    shutil.move(folder, env.landing_dir / "archived")  # the date's folder is gone
    with pytest.raises(LandingMissingError, match="GRIDWATCH_LANDING_DIR"):
        load(env, "push_list")
    assert query(env, "select count(*) from raw.push_list") == [(1,)]
    # a mistyped GRIDWATCH_LANDING_DIR: refused before the warehouse is opened
    typo = make_settings(env.warehouse.parent.parent, landing=env.landing_dir.with_name("landnig"))
    with pytest.raises(LandingMissingError, match="set GRIDWATCH_LANDING_DIR"):
        load_feeds(typo, DAY)
    assert query(env, "select count(*) from raw.push_list") == [(1,)]
    # an empty folder is a withdrawal on purpose (contract §2)
    folder.mkdir()
    assert load(env, "push_list").files == []
    assert query(env, "select count(*) from raw.push_list") == [(0,)]


def test_a_renamed_or_surviving_file_of_the_same_date_loads(env):
    content = PUSH_HEADER + "\n" + PUSH_ROW.format(no=1) + "\n"
    first = deliver(env, "push_list", "a.csv", content)
    deliver(env, "push_list", "b.csv", content)
    assert [f.status for f in load(env, "push_list").files] == ["LOADED", "DUPLICATE"]
    # a.csv withdrawn: b.csv is now the partition's only copy of those rows
    first.unlink()
    assert [(f.file_name, f.status) for f in load(env, "push_list").files] == [("b.csv", "LOADED")]
    # and renamed: the same bytes under a new name replace the partition, not vanish
    (first.parent / "b.csv").rename(first.parent / "b_renamed.csv")
    f = only_file(load(env, "push_list"))
    assert (f.file_name, f.status, f.rows_loaded) == ("b_renamed.csv", "LOADED", 1)
    assert query(env, "select count(*) from raw.push_list") == [(1,)]


def test_a_quoted_line_break_above_the_data_skips_no_row(env):
    title = '"2021年8月2日\n推送名单"\n'  # a title record spanning two lines
    header = PUSH_HEADER + ',"备注\n(选填)"\n'  # and a header cell spanning two
    rows = "".join(PUSH_ROW.format(no=n) + ",\n" for n in (1, 2, 3))
    deliver(env, "push_list", "list.csv", "\n" + title + header + rows)
    f = only_file(load(env, "push_list"))
    assert (f.status, f.rows_read, f.rows_loaded) == ("LOADED", 3, 3)
    assert query(env, "select record_no from raw.push_list order by 1") == [(1,), (2,), (3,)]


def test_a_quote_in_an_unknown_header_is_kept_in_extras(env):
    header = PUSH_HEADER + ",worker's note"
    deliver(env, "push_list", "list.csv", header + "\n" + PUSH_ROW.format(no=1) + ",回访\n")
    f = only_file(load(env, "push_list"))
    assert (f.status, f.rows_loaded) == ("LOADED", 1)
    (extras,) = query(env, "select extras from raw.push_list")[0]
    assert json.loads(extras) == {"worker's note": "回访"}


# --- reference data -----------------------------------------------------------------


def test_reference_problems_are_listed(tmp_path):
    ref = tmp_path / "ref"
    shutil.copytree(EXAMPLES / "reference", ref)
    with (ref / "grids.csv").open("a", encoding="utf-8") as handle:
        handle.write("\n440307011001-01,重复网格,440307011001\nG-X,孤儿网格,999\n")
    con = connect(tmp_path / "w.duckdb")
    with pytest.raises(ReferenceError) as excinfo:
        load_reference(con, ref)
    con.close()
    message = str(excinfo.value)
    assert "grid_code appears more than once" in message and "440307011001-01" in message
    assert "grid in a community unknown" in message and "G-X" in message


def test_the_warehouse_connection_keeps_to_its_memory_limit(env, monkeypatch):
    monkeypatch.setenv("GRIDWATCH_DUCKDB_MEMORY_LIMIT", "512MB")
    con = connect(env.warehouse)
    try:
        (limit,) = con.execute("select current_setting('memory_limit')").fetchone()
    finally:
        con.close()
    assert limit == "488.2 MiB"  # 512 MB, printed in MiB
