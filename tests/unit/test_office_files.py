"""Real office files and a landing folder under faults: every row of what offices send is
loaded or accounted for (contract §2, §3, mart_load_status).

The corpus is built here, one file per case, the way Excel, WPS, LibreOffice and
Windows file shares leave them. Each case states its expected status, row counts and
note; ``test_no_row_is_lost`` counts every workbook's rows with a second reader.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import openpyxl
import pytest
import xlwt
from conftest import make_settings

from gridwatch.ingest import landing
from gridwatch.ingest.load import load_partition
from gridwatch.ingest.reference import load_reference
from gridwatch.ops.pipeline import load_feeds
from gridwatch.warehouse.schema import connect

DAY = dt.date(2021, 8, 2)
HEADER = ["批次号", "专项", "下发时间", "反馈时限(小时)", "序号", "姓名", "证件类型", "身份证号", "手机号", "所属街道", "所属社区"]  # fmt: skip
RIC = "110101198503121239"


def row(no: int, ric: str = RIC, phone: str = "13800000001", name: str = "张三") -> list:
    return ["SZ-1", "测试专项", "2021-08-02 09:00", "24", no, name, "", ric, phone, "平湖街道", "平湖社区"]  # fmt: skip


@pytest.fixture
def env(tmp_path):
    settings = make_settings(tmp_path)
    (settings.landing_dir / "push_list" / DAY.isoformat()).mkdir(parents=True)
    return settings


def folder(settings) -> Path:
    return settings.landing_dir / "push_list" / DAY.isoformat()


def load(settings, feed: str = "push_list"):
    con = connect(settings.warehouse)
    try:
        load_reference(con, settings.reference_dir)
        return {f.file_name: f for f in load_partition(con, settings.landing_dir, feed, DAY).files}
    finally:
        con.close()


def query(settings, sql: str, database: Path | None = None) -> list[tuple]:
    con = duckdb.connect(str(database or settings.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r in rows:
            sheet.append(r)
    book.save(path)
    return path


def set_dimension(path: Path, ref: str) -> None:
    """Rewrite every sheet's declared size, as WPS (``A1``) or a stale editor leaves it."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(
                    rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), data
                )
            dst.writestr(item, data)
    tmp.replace(path)


def write_xls(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = xlwt.Workbook(encoding="utf-8")
    stamp = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM")
    for title, rows in sheets.items():
        sheet = book.add_sheet(title)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if isinstance(value, dt.datetime):
                    sheet.write(r, c, value, stamp)
                elif value not in (None, ""):
                    sheet.write(r, c, value)
    book.save(str(path))
    return path


@dataclass(frozen=True)
class Case:
    status: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    note: str | None = None  # a fragment of the note
    error: str | None = None  # a fragment of the error


def build_corpus(target: Path) -> dict[str, Case]:
    """The office corpus: each file as offices send it, with what the load must say of it."""
    cases: dict[str, Case] = {}
    rows = [HEADER] + [row(i) for i in range(1, 11)]

    set_dimension(write_xlsx(target / "stale_dimension.xlsx", {"名单": rows}), "A1:K4")
    cases["stale_dimension.xlsx"] = Case("LOADED", 10, 10)
    set_dimension(write_xlsx(target / "wps_a1.xlsx", {"Sheet1": rows[:6]}), "A1")
    cases["wps_a1.xlsx"] = Case("LOADED", 5, 5)

    write_xlsx(
        target / "per_community.xlsx",
        {
            "填表说明": [["填表说明"], ["1. 每个社区一张表"], ["2. 身份证号请设置为文本格式"]],
            "平湖社区": [["平湖街道重点人员核查名单"], HEADER, row(1), row(2), [], row(3)],
            "空白页": [],
            "鹅公岭社区": [HEADER, row(4), ["SZ-1", "测试专项", "不是时间", "24", 5, "李四"]],
        },
    )
    cases["per_community.xlsx"] = Case("LOADED", 5, 4, 1, note="填表说明, 空白页")

    write_xlsx(target / "instructions_only.xlsx", {"填表说明": [["请按模板填写"]]})
    cases["instructions_only.xlsx"] = Case("REJECTED", error="sheet '填表说明'")

    typed = [[*HEADER[:3], "序号", "姓名", "身份证号", "所属街道"]]
    typed.append(
        ["SZ-1", "测试专项", dt.datetime(2021, 8, 2, 9, 30), 11.0, "王五", RIC, "平湖街道"]
    )
    typed.append(["SZ-1", "测试专项", "2021/08/02 10:00", 12, "赵六", "", "平湖街道"])
    write_xls(target / "excel97.xls", {"名单": typed, "说明": [["备注"]]})
    cases["excel97.xls"] = Case("LOADED", 2, 2, note="说明")

    fullwidth = [h.replace("(小时)", "（小时）") for h in HEADER]
    wide_digits = str.maketrans("0123456789", "０１２３４５６７８９")
    write_xlsx(
        target / "fullwidth.xlsx",
        {
            "名单": [
                fullwidth,
                row(21, RIC[:-1] + RIC[-1].translate(wide_digits), "１３８００００００２２"),
            ]
        },
    )
    cases["fullwidth.xlsx"] = Case("LOADED", 1, 1)

    (target / "text_markers.csv").write_text(
        ",".join(HEADER) + "\n"
        + ",".join(map(str, row(31, "'" + RIC, "'13800000031"))) + "\n"
        + ",".join(map(str, row(32, '"=""' + RIC + '"""', "13800000032"))) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    cases["text_markers.csv"] = Case("LOADED", 2, 2)

    long_cell = "很长的备注" * 60_000  # 300 KB in one quoted field
    (target / "long_field.csv").write_text(
        ",".join(HEADER) + ",备注\n" + ",".join(map(str, row(41))) + f',"{long_cell}"\n',
        encoding="utf-8",
    )
    cases["long_field.csv"] = Case("LOADED", 1, 1)

    numbers = [HEADER, row(51, "1.10101E+17"), row(52, "110101198503121000")]
    write_xlsx(target / "id_as_number.xlsx", {"名单": numbers})
    book = openpyxl.load_workbook(target / "id_as_number.xlsx")
    book.active["H3"] = 110101198503121239  # a number cell: Excel keeps 15 digits
    book.save(target / "id_as_number.xlsx")
    cases["id_as_number.xlsx"] = Case("LOADED", 2, 2)

    group = [["下发信息", None, None, None, None, "人员信息"], ["批次号", "专项", "下发时间", "反馈时限(小时)", "序号", None, None, None, None, "所属街道"], [None] * 5 + ["姓名", "证件类型", "身份证号", "手机号"]]  # fmt: skip
    write_xlsx(target / "two_row_header.xlsx", {"名单": [*group, row(61)]})
    cases["two_row_header.xlsx"] = Case("REJECTED", error="spread over two rows")

    for name in ("~$名单.xlsx", ".~lock.名单.xlsx#", ".DS_Store", "Thumbs.db", "desktop.ini"):
        (target / name).write_bytes(b"\x00lock")
        cases[name] = Case("IGNORED", note="lock file or system file")
    return cases


def test_office_corpus_loads_as_the_contract_says(env):
    cases = build_corpus(folder(env))
    files = load(env)
    assert set(files) == set(cases)
    for name, case in cases.items():
        f = files[name]
        got = (f.status, f.rows_read, f.rows_loaded, f.rows_quarantined)
        assert got == (case.status, case.rows_read, case.rows_loaded, case.rows_quarantined), name
        assert f.rows_read == f.rows_loaded + f.rows_quarantined
        if case.note:
            assert f.note and case.note in f.note, (name, f.note)
        if case.error:
            assert f.error and name in f.error and case.error in f.error, (name, f.error)
        if f.status == "REJECTED":  # what the sender should do, not a developer's fix
            assert "feeds.py" not in f.error and re.search("sender|Ask", f.error), f.error
    logged = dict(query(env, "select file_name, note from raw.load_log where note is not null"))
    assert "填表说明" in logged["per_community.xlsx"]


def test_no_row_is_lost(env):
    """A second reader (openpyxl, sizes recomputed from the cells) counts every sheet's rows."""
    cases = build_corpus(folder(env))
    files = load(env)
    for name in cases:
        if not name.endswith(".xlsx") or cases[name].status != "LOADED":
            continue
        book = openpyxl.load_workbook(folder(env) / name, read_only=True)
        counted, skipped = 0, []
        for sheet in book.worksheets:
            sheet.reset_dimensions()
            rows = [
                r for r in sheet.iter_rows(values_only=True) if any(v not in (None, "") for v in r)
            ]
            headers = [i for i, r in enumerate(rows[:10]) if "批次号" in r or "序号" in r]
            if headers:
                counted += len(rows) - headers[0] - 1
            else:
                skipped.append(sheet.title)
        book.close()
        f = files[name]
        assert f.rows_loaded + f.rows_quarantined == counted, name
        assert all(s in (f.note or "") for s in skipped), (name, skipped, f.note)


def test_row_numbers_count_on_through_the_sheets(env):
    build_corpus(folder(env))
    load(env)
    numbers = query(
        env,
        "select row_number from raw.quarantine where file_name = 'per_community.xlsx' "
        "union all select row_number from raw.push_list where file_name = 'per_community.xlsx' "
        "order by 1",
    )
    # sheet 平湖社区: rows 1, 2 and (after an empty row) 4; 鹅公岭社区 counts on: 5 and 6
    assert [n for (n,) in numbers] == [1, 2, 4, 5, 6]


def test_one_person_however_the_digits_were_typed(env):
    build_corpus(folder(env))
    load(env)
    rows = query(
        env,
        "select file_name, record_no, id_number, id_valid, phone, phone_valid from raw.push_list "
        "where file_name in ('fullwidth.xlsx', 'text_markers.csv') order by record_no",
    )
    assert rows == [
        ("fullwidth.xlsx", 21, RIC, True, "13800000022", True),
        ("text_markers.csv", 31, RIC, True, "13800000031", True),
        ("text_markers.csv", 32, RIC, True, "13800000032", True),
    ]
    (deadline,) = query(env, "select deadline_hours from raw.push_list where record_no = 21")
    assert deadline == (24,)  # the full-width header 反馈时限（小时） was recognised


def test_ids_excel_turned_into_numbers_keep_the_row_and_warn(env):
    from gridwatch.quality.frames import batch_delivery, thresholds

    build_corpus(folder(env))
    load(env)
    ids = query(env, "select id_number, id_valid from raw.push_list where record_no in (51, 52)")
    assert sorted(ids) == [("1.10101E+17", False), ("110101198503121000", False)]
    con = duckdb.connect(str(env.warehouse), read_only=True)
    try:
        frame = batch_delivery(con, "push_list", DAY, thresholds())
    finally:
        con.close()
    assert frame["excel_number_id_share"].iloc[0] > 0


def test_a_day_of_lock_files_alone_does_not_fail(env):
    for name in ("~$名单.xlsx", "Thumbs.db"):
        (folder(env) / name).write_bytes(b"lock")
    results = load_feeds(env, DAY, ("push_list",))  # raises RejectedFilesError on a rejection
    assert {f.status for r in results for f in r.files} == {"IGNORED"}


# --- the landing folder under faults -------------------------------------------------


def test_a_file_that_changes_while_read_is_refused_and_loads_once_complete(env, monkeypatch):
    path = folder(env) / "growing.csv"
    path.write_text(",".join(HEADER) + "\n" + ",".join(map(str, row(1))) + "\n", encoding="utf-8")
    real = landing.hashlib.sha256

    class Appending:
        """A sha256 that lets a writer append to the file while it is copied."""

        def __init__(self):
            self.inner = real()
            self.appended = False

        def update(self, chunk):
            if not self.appended:  # the writer adds one more row after the first chunk
                with path.open("a", encoding="utf-8") as handle:
                    handle.write(",".join(map(str, row(2))) + "\n")
                self.appended = True
            self.inner.update(chunk)

        def hexdigest(self):
            return self.inner.hexdigest()

    monkeypatch.setattr(landing.hashlib, "sha256", Appending)
    f = load(env)["growing.csv"]
    assert f.status == "REJECTED" and "changed while it was being read" in f.error
    assert query(env, "select count(*) from raw.push_list") == [(0,)]
    monkeypatch.setattr(landing.hashlib, "sha256", real)
    f = load(env)["growing.csv"]  # complete now: loaded, not a DUPLICATE of a partial load
    assert (f.status, f.rows_loaded) == ("LOADED", path.read_text().count("\n") - 1)


def test_any_file_name_is_loaded_by_name(env):
    content = (",".join(HEADER) + "\n" + ",".join(map(str, row(1))) + "\n").encode("utf-8")
    gbk = os.fsencode(folder(env)) + b"/" + "名单".encode("gbk") + b".csv"
    with open(gbk, "wb") as handle:
        handle.write(content)
    longest = "长" * 83 + ".csv"  # 253 bytes
    (folder(env) / longest).write_bytes(content.replace(b",1,", b",2,"))
    files = load(env)
    assert files["名单.csv"].status == "LOADED"
    assert files[longest].status == "LOADED"
    assert query(env, "select count(*) from raw.push_list") == [(2,)]


def test_links_out_of_the_landing_root_and_odd_entries_are_refused_by_name(env, tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text(",".join(HEADER) + "\n" + ",".join(map(str, row(1))) + "\n", "utf-8")
    (folder(env) / "linked.csv").symlink_to(outside)
    os.mkfifo(folder(env) / "pipe.csv")
    (folder(env) / "extracted").mkdir()
    files = load(env)
    assert files["linked.csv"].status == "REJECTED"
    assert "outside the landing folder" in files["linked.csv"].error
    assert "named pipe" in files["pipe.csv"].error
    assert "sub-folders" in files["extracted"].error
    assert query(env, "select count(*) from raw.push_list") == [(0,)]


def test_odd_date_folders_are_reported_with_the_name_to_use(env):
    for name in ("2021-02-30", "2021-8-7", "notes"):
        (env.landing_dir / "push_list" / name).mkdir()
    odd = landing.odd_date_folders(env.landing_dir, ("push_list", "verification"))
    assert odd == ["push_list/2021-02-30", "push_list/2021-8-7", "push_list/notes"]
    assert landing.date_folder_hint("2021-8-7") == "2021-08-07"
    assert landing.date_folder_hint("2021-02-30") == ""


def test_wide_files_trailing_columns_are_dropped_and_absurd_widths_refused(env):
    wide = ",".join(HEADER) + "," * 16_373 + "\n"
    wide += ",".join(map(str, row(1))) + "," * 16_373 + "\n"
    (folder(env) / "excel_export.csv").write_text(wide, encoding="utf-8")
    named = (
        ",".join(HEADER + [f"列{i}" for i in range(2_000)])
        + "\n"
        + ",".join(map(str, row(2)))
        + "\n"
    )
    (folder(env) / "too_wide.csv").write_text(named, encoding="utf-8")
    (folder(env) / "million.csv").write_text("a," * 1_000_000 + "\n1\n", encoding="utf-8")
    files = load(env)
    assert "1,000,001 fields" in files["million.csv"].error
    assert (files["excel_export.csv"].status, files["excel_export.csv"].rows_loaded) == (
        "LOADED",
        1,
    )
    assert files["too_wide.csv"].status == "REJECTED"
    assert "2,011 named columns" in files["too_wide.csv"].error


def test_staging_stays_in_the_state_folder_and_leftovers_are_cleared(env):
    stale = env.warehouse.with_name(".gridwatch.staging")
    stale.mkdir(parents=True)
    (stale / "f00000.csv").write_text("张三,110101198503121239\n", encoding="utf-8")
    (folder(env) / "list.csv").write_text(
        ",".join(HEADER) + "\n" + ",".join(map(str, row(1))) + "\n", encoding="utf-8"
    )
    assert load(env)["list.csv"].status == "LOADED"
    assert not stale.exists() or not any(stale.iterdir())


def test_a_failed_rollback_never_hides_the_first_error(env):
    from gridwatch.ingest.feeds import FEEDS
    from gridwatch.ingest.load import _rollback

    con = duckdb.connect()
    error = OSError(28, "No space left on device")
    _rollback(con, error, FEEDS["push_list"], DAY)  # no transaction is active
    assert "re-run the date" in " ".join(error.__notes__)
    assert str(error) == "[Errno 28] No space left on device"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "the file is empty"),
        ("district_code,street_code\n".encode("gbk") + "福田区".encode("gbk"), None),
        ("区县编码\n".encode("gbk"), "not UTF-8"),
    ],
)
def test_reference_files_are_refused_with_what_to_fix(env, tmp_path, content, fragment):
    from conftest import EXAMPLES

    from gridwatch.ingest.reference import ReferenceError

    reference = tmp_path / "reference"
    shutil.copytree(EXAMPLES / "reference", reference)
    (reference / "areas.csv").write_bytes(content)
    con = connect(env.warehouse)
    try:
        with pytest.raises(ReferenceError) as excinfo:
            load_reference(con, reference)
    finally:
        con.close()
    assert "areas.csv" in str(excinfo.value)
    assert (fragment or "missing column(s) district_name") in str(excinfo.value)


def test_a_quoted_reference_header_is_read(env, tmp_path):
    from conftest import EXAMPLES

    reference = tmp_path / "reference"
    shutil.copytree(EXAMPLES / "reference", reference)
    areas = (reference / "areas.csv").read_text(encoding="utf-8").split("\n", 1)
    quoted = ",".join(f'"{h}"' for h in areas[0].split(","))
    (reference / "areas.csv").write_text(quoted + "\n" + areas[1], encoding="utf-8")
    con = connect(env.warehouse)
    try:
        assert load_reference(con, reference).communities > 0
    finally:
        con.close()


def test_odd_date_folders_are_logged_by_the_load(env, caplog):
    (env.landing_dir / "push_list" / "2021-8-7").mkdir()
    with caplog.at_level("WARNING"):
        load_feeds(env, DAY, ("push_list",))
    assert "rename it to 2021-08-07" in caplog.text


def test_a_stray_cell_far_outside_the_list_is_refused_not_a_crash(env):
    path = write_xlsx(folder(env) / "stray_cell.xlsx", {"名单": [HEADER, row(1)]})
    book = openpyxl.load_workbook(path)
    book.active["XFD100000"] = "x"  # 1.6 billion cells from A1: the reader would abort
    book.save(path)
    f = load(env)["stray_cell.xlsx"]
    assert f.status == "REJECTED"
    assert "sheet '名单'" in f.error and "Ctrl+End" in f.error


def test_a_key_repeated_on_another_sheet_is_a_duplicate_of_the_file(env):
    write_xlsx(
        folder(env) / "two_sheets.xlsx",
        {"平湖社区": [HEADER, row(1, name="张三")], "鹅公岭社区": [HEADER, row(1, name="李四")]},
    )
    f = load(env)["two_sheets.xlsx"]
    assert (f.rows_loaded, f.reasons) == (1, {"DUPLICATE_KEY": 1})
    assert query(env, "select name from raw.push_list") == [("张三",)]  # the first row stays
