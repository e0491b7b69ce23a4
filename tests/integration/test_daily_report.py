"""The daily report (日报): the workbook read back equals the published marts, figure by
figure; the PNG is a real image; a missing serving file, date or street says what to do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import openpyxl
import pytest
from conftest import EXAMPLE_DATES

from gridwatch.ops.daily_report import (
    CHECKPOINT_COLUMNS,
    COMMUNITY_COLUMNS,
    ENTERPRISE_COLUMNS,
    RATE,
    SECTION_TITLES,
    TOPIC_COLUMNS,
    TOPIC_SHEET,
    ReportError,
    write_report,
)

pytest.importorskip("PIL", reason="Pillow is a dependency: uv sync")


@pytest.fixture(scope="module")
def serving(example_settings, tmp_path_factory) -> Path:
    from gridwatch.warehouse.publish import publish

    path = tmp_path_factory.mktemp("report-serving") / "gridwatch.duckdb"
    publish(example_settings.warehouse, path)
    return path


LABELS = {
    "SENSITIVE": "重点敏感型",
    "GATHERING": "聚集接触型",
    "DOOR_TO_DOOR": "上门服务型",
    "INDEPENDENT": "独立办公型",
    "OTHER": "其他",
}


def query(serving: Path, sql: str, params: list) -> list[dict]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        cursor = con.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def read_table(ws, section: str) -> tuple[list[str], list[list], list | None]:
    """(header, rows, 合计 row) of the table under ``section`` in column A."""
    starts = [c.row for c in ws["A"] if c.value == section]
    assert len(starts) == 1, f"{ws.title}: no single section {section!r}"
    header_row = starts[0] + 1
    header = [c.value for c in ws[header_row] if c.value is not None]
    rows, total = [], None
    for r in range(header_row + 1, ws.max_row + 1):
        values = [ws.cell(r, c).value for c in range(1, len(header) + 1)]
        if values[0] is None or values[0] == "（当日无数据）":
            break
        if values[0] == "合计":
            total = values
            # every figure of the table carries the format of its column
            break
        rows.append(values)
    for r in range(header_row + 1, header_row + 1 + len(rows)):
        for c, name in enumerate(header, 1):
            if name in {h for _, h, f in COMMUNITY_COLUMNS + ENTERPRISE_COLUMNS if f == RATE}:
                assert ws.cell(r, c).number_format == RATE
    return header, rows, total


def figures(header: list[str], row: list, columns) -> dict:
    return {key: row[header.index(label)] for key, label, _ in columns}


def sums(rows: list[dict], columns) -> dict:
    return {key: sum(r[key] or 0 for r in rows) for key, _, fmt in columns if fmt != RATE}


def published_dates(serving: Path) -> list[dt.date]:
    return [
        r["d"]
        for r in query(
            serving, "select distinct report_date d from marts.mart_coverage_daily order by 1", []
        )
    ]


def test_every_figure_of_the_workbook_equals_the_marts(serving, tmp_path):
    dates = published_dates(serving)
    assert dates == EXAMPLE_DATES
    for day in dates:
        written = write_report(serving, day, tmp_path)
        wb = openpyxl.load_workbook(written.workbook)
        coverage = query(
            serving, "select * from marts.mart_coverage_daily where report_date = ?", [day]
        )
        checkpoints = query(
            serving, "select * from marts.mart_checkpoint_daily where report_date = ?", [day]
        )
        enterprises = query(
            serving,
            "select * from marts.mart_enterprise_resumption_daily where report_date = ?",
            [day],
        )
        streets = {r["street_code"] for r in coverage + checkpoints + enterprises}
        assert len(wb.sheetnames) == len(streets) + 1 and wb.sheetnames[-1] == TOPIC_SHEET
        for code in streets:
            names = {r["street_name"] for r in coverage if r["street_code"] == code}
            ws = wb[names.pop() if names else {"_UNRESOLVED": "未识别街道"}.get(code, code)]
            assert code in ws["A2"].value and f"{day.month}月{day.day}日" in ws["A1"].value
            assert ws.freeze_panes == "C5"  # title rows, the first header, the names

            # 一、per community: every mart figure as stored; 合计 as the dashboard's metrics
            mart = {r["community_code"]: r for r in coverage if r["street_code"] == code}
            header, rows, total = read_table(ws, SECTION_TITLES[0])
            assert {row[header.index("社区编码")] for row in rows} == set(mart)
            for row in rows:
                expected = mart[row[header.index("社区编码")]]
                assert row[header.index("社区")] == expected["community_name"]
                assert figures(header, row, COMMUNITY_COLUMNS) == {
                    k: expected[k] for k, _, _ in COMMUNITY_COLUMNS
                }
            if mart:
                (dashboard,) = query(
                    serving,
                    "select cast(sum(pushed_persons) - sum(backlog_persons) as double) / "
                    "nullif(sum(pushed_persons), 0) as coverage_rate from marts.mart_coverage_daily "
                    "where report_date = ? and street_code = ?",
                    [day, code],
                )
                assert figures(header, total, COMMUNITY_COLUMNS) == {
                    **sums(list(mart.values()), COMMUNITY_COLUMNS),
                    **dashboard,
                }

            # 二、per checkpoint
            mart = {r["checkpoint_code"]: r for r in checkpoints if r["street_code"] == code}
            header, rows, total = read_table(ws, SECTION_TITLES[1])
            assert {row[header.index("卡点")] for row in rows} == set(mart)
            for row in rows:
                expected = mart[row[header.index("卡点")]]
                assert figures(header, row, CHECKPOINT_COLUMNS) == {
                    k: expected[k] for k, _, _ in CHECKPOINT_COLUMNS
                }
            if mart:
                assert figures(header, total, CHECKPOINT_COLUMNS) == sums(
                    list(mart.values()), CHECKPOINT_COLUMNS
                )

            # 三、enterprise resumption per category (the mart's rows summed per category)
            mart_rows = [r for r in enterprises if r["street_code"] == code]
            header, rows, total = read_table(ws, SECTION_TITLES[2])
            assert len(rows) == len({r["category"] for r in mart_rows})
            for row in rows:
                label = row[header.index("企业类型")]
                of_category = [r for r in mart_rows if LABELS[r["category"]] == label]
                expected = sums(of_category, ENTERPRISE_COLUMNS)
                expected["resumption_rate"] = expected["resumed"] / expected["enterprises"]
                assert figures(header, row, ENTERPRISE_COLUMNS) == expected
            if mart_rows:
                expected = sums(mart_rows, ENTERPRISE_COLUMNS)
                expected["resumption_rate"] = expected["resumed"] / expected["enterprises"]
                assert figures(header, total, ENTERPRISE_COLUMNS) == expected

        # the topics' sheet: every row of the topic mart, as stored
        mart = {
            r["topic"]: r
            for r in query(
                serving,
                "select * from marts.mart_coverage_by_topic_daily where report_date = ?",
                [day],
            )
        }
        header, rows, total = read_table(wb[TOPIC_SHEET], "专项核查")
        assert total is None and {row[header.index("专项")] for row in rows} == set(mart)
        for row in rows:
            expected = mart[row[header.index("专项")]]
            assert figures(header, row, TOPIC_COLUMNS) == {
                k: expected[k] for k, _, _ in TOPIC_COLUMNS
            }


def test_the_png_is_a_real_image_of_the_key_figures(serving, tmp_path):
    from PIL import Image

    written = write_report(serving, EXAMPLE_DATES[1], tmp_path)
    data = written.png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    with Image.open(written.png) as image:
        image.verify()
    with Image.open(written.png) as image:
        assert image.size[0] == 1080 and image.size[1] > 600
        assert len(image.convert("L").getcolors(maxcolors=100_000) or []) > 10  # drawn, not blank


def test_one_street(serving, tmp_path):
    written = write_report(serving, EXAMPLE_DATES[1], tmp_path, street="440307011")
    assert written.workbook.name == "疫情防控日报_2021-08-03_440307011.xlsx"
    assert openpyxl.load_workbook(written.workbook).sheetnames == ["平湖街道", TOPIC_SHEET]
    with pytest.raises(ReportError, match=r"no street 999 .* 440307011 平湖街道"):
        write_report(serving, EXAMPLE_DATES[1], tmp_path, street="999")


def test_a_date_not_published_names_the_dates_there(serving, tmp_path):
    with pytest.raises(ReportError) as excinfo:
        write_report(serving, dt.date(2021, 8, 9), tmp_path)
    message = str(excinfo.value)
    assert "no report date 2021-08-09" in message
    assert "3 date(s): 2021-08-02 … 2021-08-04" in message
    assert "run 2021-08-09" in message
    assert not list(tmp_path.iterdir())


def test_no_serving_file_says_how_to_publish(tmp_path):
    with pytest.raises(ReportError, match=r"no serving file at .* publish the marts first"):
        write_report(tmp_path / "absent.duckdb", EXAMPLE_DATES[0], tmp_path)


def test_cli_report(serving, tmp_path, monkeypatch, capsys):
    from gridwatch.cli import main

    monkeypatch.setenv("GRIDWATCH_SERVING", str(serving))
    assert main(["report", "2021-08-03", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "疫情防控日报_2021-08-03.xlsx").is_file()
    assert "疫情防控日报_2021-08-03.png" in capsys.readouterr().out
    assert main(["report", "2021-07-01", "--out", str(tmp_path)]) == 2
