"""The daily report (日报): the published marts of one report date as an Excel workbook
and a PNG of the key figures for a chat group (``gridwatch report DATE``).

It reads the serving file only (a read-only DuckDB connection), so it shows what the
dashboards show. Layout: one sheet per street (a district or city serving file holds
several; ``street`` keeps one), each with a title row naming the street and the date,
then three tables: per community (推送、核查、覆盖率、纳管、在管、积压、超时), per
checkpoint (进入、发热、非绿码 …) and enterprise resumption per category; then one
sheet of the topics (专项), which the marts count over all streets, not per street.

Every figure of a row is the mart's value as stored (rates too: a cell holds the mart's
double, formatted as a percentage). A 合计 row is the sum of the rows above it; its rate
is computed as the dashboards' metric is: (SUM(pushed) − SUM(backlog)) / SUM(pushed),
SUM(resumed) / SUM(enterprises).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridwatch.ops import hints

UNRESOLVED_STREET = "_UNRESOLVED"
CATEGORIES = {
    "SENSITIVE": "重点敏感型",
    "GATHERING": "聚集接触型",
    "DOOR_TO_DOOR": "上门服务型",
    "INDEPENDENT": "独立办公型",
    "OTHER": "其他",
}
# (mart column, Chinese header as on the dashboards, number format)
COUNT, RATE = "#,##0", "0.0%"
COMMUNITY_COLUMNS = [
    ("pushed_persons", "推送人数", COUNT),
    ("new_persons", "新增推送人数", COUNT),
    ("verified_persons", "已核查人数", COUNT),
    ("coverage_rate", "核查覆盖率", RATE),
    ("managed_persons", "累计纳管人数", COUNT),
    ("under_management", "在管人数", COUNT),
    ("backlog_persons", "积压人数", COUNT),
    ("overdue_persons", "超时未核查人数", COUNT),
]
TOPIC_COLUMNS = [
    ("pushed_persons", "推送人数", COUNT),
    ("coverage_rate", "核查覆盖率", RATE),
    ("backlog_persons", "积压人数", COUNT),
    ("overdue_persons", "超时未核查人数", COUNT),
    ("records_issued", "下发记录数", COUNT),
    ("records_satisfied", "完成核查记录数", COUNT),
]
CHECKPOINT_COLUMNS = [
    ("events_in", "进入人次", COUNT),
    ("events_out", "离开人次", COUNT),
    ("fever_alerts", "发热预警", COUNT),
    ("unreadable_temperatures", "体温未读出", COUNT),
    ("non_green_codes", "非绿码", COUNT),
    ("turned_back", "劝返", COUNT),
    ("returnees", "返深人员", COUNT),
    ("backlog_sightings", "积压人员卡点出现", COUNT),
]
ENTERPRISE_COLUMNS = [
    ("enterprises", "企业数", COUNT),
    ("filed", "已报备", COUNT),
    ("approved", "已审核", COUNT),
    ("rejected", "未通过", COUNT),
    ("resumed", "已复工", COUNT),
    ("suspended", "停工整改", COUNT),
    ("resumption_rate", "复工率", RATE),
    ("employees_total", "员工总数", COUNT),
    ("employees_returned", "到岗人数", COUNT),
]
SECTION_TITLES = ("一、社区核查与管控", "二、卡点通行", "三、企业复工复产（按企业类型）")
TOPIC_SHEET = "分专项"


class ReportError(Exception):
    """The report cannot be written; the message says what to do."""


@dataclass
class StreetReport:
    code: str
    name: str
    communities: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)

    @property
    def community_total(self) -> dict[str, Any]:
        total = _sums(self.communities, COMMUNITY_COLUMNS)
        pushed, backlog = total["pushed_persons"], total["backlog_persons"]
        total["coverage_rate"] = (pushed - backlog) / pushed if pushed else None
        return total

    @property
    def checkpoint_total(self) -> dict[str, Any]:
        return _sums(self.checkpoints, CHECKPOINT_COLUMNS)

    @property
    def category_total(self) -> dict[str, Any]:
        total = _sums(self.categories, ENTERPRISE_COLUMNS)
        total["resumption_rate"] = (
            total["resumed"] / total["enterprises"] if total["enterprises"] else None
        )
        return total


@dataclass
class Report:
    day: dt.date
    streets: list[StreetReport]
    topics: list[dict[str, Any]]


@dataclass(frozen=True)
class WrittenReport:
    workbook: Path
    png: Path
    report: Report

    @property
    def streets(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.report.streets)


def _sums(rows: list[dict[str, Any]], columns: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {col: sum(r[col] or 0 for r in rows) for col, _, fmt in columns if fmt == COUNT}


def _rows(con: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _street_order(code: str) -> tuple[bool, str]:
    return (code.startswith("_"), code)


def read_report(serving: Path, day: dt.date, street: str | None = None) -> Report:
    """The marts of ``day`` in the serving file, per street (only ``street`` when given)."""
    import duckdb

    if not serving.exists():
        raise ReportError(
            f"no serving file at {serving} yet: publish the marts first ({hints.rerun(day)}, "
            f"or `{hints.cli()} publish` after a build), or set GRIDWATCH_SERVING to the "
            "published file"
        )
    con = duckdb.connect(str(serving), read_only=True)
    try:
        dates = [
            d
            for (d,) in con.execute(
                "select distinct report_date from marts.mart_coverage_daily order by 1"
            ).fetchall()
        ]
        if day not in dates:
            held = (
                f"it holds {len(dates)} date(s): {_date_ranges(dates)}" if dates else "it is empty"
            )
            raise ReportError(
                f"the serving file {serving} has no report date {day}; {held}. Pick one of "
                f"those, or run and publish {day} first: {hints.rerun(day)}"
            )
        communities = _rows(
            con,
            "select * from marts.mart_coverage_daily where report_date = ? "
            "order by street_code, community_code",
            [day],
        )
        checkpoints = _rows(
            con,
            f"select *, coalesce(street_code, '{UNRESOLVED_STREET}') as street "
            "from marts.mart_checkpoint_daily where report_date = ? order by checkpoint_code",
            [day],
        )
        enterprise_cols = ", ".join(
            f"sum({c})::bigint as {c}" for c, _, f in ENTERPRISE_COLUMNS if f == COUNT
        )
        categories = _rows(
            con,
            f"select street_code as street, category, {enterprise_cols}, "
            "sum(resumed) / sum(enterprises) as resumption_rate "
            "from marts.mart_enterprise_resumption_daily where report_date = ? "
            "group by all",
            [day],
        )
        topics = _rows(
            con,
            "select * from marts.mart_coverage_by_topic_daily where report_date = ? "
            "order by pushed_persons desc, topic",
            [day],
        )
    finally:
        con.close()

    names = {r["street_code"]: r["street_name"] for r in communities}
    community_names = {r["community_code"]: r["community_name"] for r in communities}
    codes = {r["street_code"] for r in communities}
    codes |= {r["street"] for r in checkpoints} | {r["street"] for r in categories}
    if street is not None:
        if street not in codes:
            known = ", ".join(f"{c} {names.get(c, '')}".strip() for c in sorted(codes))
            raise ReportError(
                f"no street {street} in the marts of {day}; the streets there: {known}"
            )
        codes = {street}
    order = list(CATEGORIES)
    streets = []
    for code in sorted(codes, key=_street_order):
        report = StreetReport(code, names.get(code) or _street_name(code))
        report.communities = [r for r in communities if r["street_code"] == code]
        for r in checkpoints:
            if r["street"] == code:
                r["community_name"] = community_names.get(r["community_code"]) or (
                    r["community_code"] or ""
                )
                report.checkpoints.append(r)
        report.categories = sorted(
            (r for r in categories if r["street"] == code),
            key=lambda r: order.index(r["category"]) if r["category"] in order else len(order),
        )
        streets.append(report)
    return Report(day, streets, topics)


def _street_name(code: str) -> str:
    return "未识别街道" if code == UNRESOLVED_STREET else code


def _date_ranges(dates: list[dt.date]) -> str:
    """2021-08-02 … 2021-08-04, 2021-08-07 (consecutive dates as ranges)."""
    ranges: list[list[dt.date]] = []
    for d in dates:
        if ranges and d - ranges[-1][-1] == dt.timedelta(days=1):
            ranges[-1].append(d)
        else:
            ranges.append([d])
    return ", ".join(f"{r[0]} … {r[-1]}" if len(r) > 1 else str(r[0]) for r in ranges)


# --- the workbook ------------------------------------------------------------------------


def sheet_title(name: str, taken: set[str]) -> str:
    """An Excel sheet name: no []:*?/\\, at most 31 characters, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "街道"
    title, n = base, 2
    while title in taken:
        title = f"{base[: 31 - len(str(n)) - 1]}_{n}"
        n += 1
    taken.add(title)
    return title


def _display_width(value: Any, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, float) and fmt == RATE:
        text = f"{value:.1%}"
    elif isinstance(value, int | float):
        text = f"{value:,}"
    else:
        text = str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in str(text))


def _prototype_styles(wb: Any) -> dict[str, Any]:
    """The table cells' styles, registered once in ``wb``: copying a cell's style array is
    far cheaper than setting font, fill, border and format on each cell (openpyxl hashes
    every style object it is given), which a city's 74 sheets would feel."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    total_fill = PatternFill("solid", fgColor="F2F2F2")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    scratch = wb.create_sheet("scratch")
    styles: dict[str, Any] = {}
    kinds: dict[str, dict[str, Any]] = {
        "header": {
            "font": bold,
            "fill": PatternFill("solid", fgColor="DDEBF7"),
            "alignment": center,
        },
        "text": {},
        COUNT: {"number_format": COUNT},
        RATE: {"number_format": RATE},
        "total text": {"font": bold, "fill": total_fill},
        f"total {COUNT}": {"font": bold, "fill": total_fill, "number_format": COUNT},
        f"total {RATE}": {"font": bold, "fill": total_fill, "number_format": RATE},
    }
    for row, (name, attributes) in enumerate(kinds.items(), 1):
        cell = scratch.cell(row, 1)
        cell.border = border
        for attribute, value in attributes.items():
            setattr(cell, attribute, value)
        styles[name] = cell._style
    wb.remove(scratch)
    return styles


class _Sheet:
    """Writes titled tables one under another and sizes the columns to their content."""

    def __init__(self, ws: Any, styles: dict[str, Any]) -> None:
        from openpyxl.styles import Alignment, Font

        self.ws = ws
        self.row = 1
        self.widths: dict[int, int] = {}
        self.styles = styles
        self.center = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.Font = Font

    def _cell(self, row: int, col: int, value: Any, style: str) -> None:
        cell = self.ws.cell(row, col, value)
        cell._style = copy.copy(self.styles[style])

    def title(self, text: str, subtitle: str, span: int) -> None:
        ws = self.ws
        ws.cell(1, 1, text).font = self.Font(bold=True, size=16)
        ws.cell(1, 1).alignment = self.center
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=span)
        ws.row_dimensions[1].height = 30
        ws.cell(2, 1, subtitle).font = self.Font(size=9, color="666666")
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=span)
        self.row = 3

    def table(
        self,
        section: str,
        labels: list[str],
        columns: list[tuple[str, str, str]],
        rows: list[dict[str, Any]],
        total: dict[str, Any] | None,
    ) -> int:
        """Section title, header, rows (序号, labels, figures), 合计; the header's row."""
        self.ws.cell(self.row, 1, section).font = self.Font(bold=True, size=12)
        header_row = self.row + 1
        headers = ["序号", *labels, *(h for _, h, _ in columns)]
        for col, text in enumerate(headers, 1):
            self._cell(header_row, col, text, "header")
            self._fit(col, _display_width(text, None))
        line = header_row
        body = [(i, r) for i, r in enumerate(rows, 1)]
        if total is not None and rows:
            body.append((None, total))
        keys = _label_keys(labels)
        for number, r in body:
            line += 1
            prefix = "" if number else "total "
            values = [
                number or "合计",
                *([r.get(key) for key in keys] if number else [""] * len(keys)),
            ]
            for col, value in enumerate(values, 1):
                self._cell(line, col, value, f"{prefix}text" if prefix else "text")
                self._fit(col, _display_width(value, None))
            for offset, (key, _, fmt) in enumerate(columns):
                col = len(values) + 1 + offset
                self._cell(line, col, r.get(key), prefix + fmt)
                self._fit(col, _display_width(r.get(key), fmt))
        if not rows:
            line += 1
            self.ws.cell(line, 1, "（当日无数据）")
        self.row = line + 2
        return header_row

    def _fit(self, col: int, width: int) -> None:
        self.widths[col] = max(self.widths.get(col, 6), width)

    def finish(self, freeze: str, print_rows: str) -> None:
        from openpyxl.utils import get_column_letter

        for col, width in self.widths.items():
            self.ws.column_dimensions[get_column_letter(col)].width = min(width + 3, 40)
        self.ws.freeze_panes = freeze
        self.ws.print_title_rows = print_rows
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True


LABEL_KEYS = {
    "社区": "community_name",
    "社区编码": "community_code",
    "卡点": "checkpoint_code",
    "所属社区": "community_name",
    "企业类型": "category_name",
    "专项": "topic",
}


def _label_keys(labels: list[str]) -> list[str]:
    return [LABEL_KEYS[label] for label in labels]


def _chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def write_workbook(report: Report, path: Path) -> None:
    """The report as an .xlsx: one sheet per street, then the topics' sheet."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    styles = _prototype_styles(wb)
    made = f"数据日期 {report.day.isoformat()}（截至当日 24 时） · 数据来源：gridwatch 发布库（与看板同源）"
    for street in report.streets:
        sheet = _Sheet(wb.create_sheet(sheet_title(street.name, taken)), styles)
        span = 2 + max(len(COMMUNITY_COLUMNS), len(ENTERPRISE_COLUMNS), len(CHECKPOINT_COLUMNS))
        sheet.title(
            f"{street.name}疫情防控工作日报（{_chinese_date(report.day)}）",
            f"{made} · 街道编码 {street.code}",
            span,
        )
        first = sheet.table(
            SECTION_TITLES[0],
            ["社区", "社区编码"],
            COMMUNITY_COLUMNS,
            street.communities,
            street.community_total,
        )
        sheet.table(
            SECTION_TITLES[1],
            ["卡点", "所属社区"],
            CHECKPOINT_COLUMNS,
            street.checkpoints,
            street.checkpoint_total,
        )
        for r in street.categories:
            r["category_name"] = CATEGORIES.get(r["category"], r["category"] or "未分类")
        sheet.table(
            SECTION_TITLES[2],
            ["企业类型"],
            ENTERPRISE_COLUMNS,
            street.categories,
            street.category_total,
        )
        # the title, the first table's header and the community names stay in view
        sheet.finish(freeze=f"C{first + 1}", print_rows=f"1:{first}")
    sheet = _Sheet(wb.create_sheet(sheet_title(TOPIC_SHEET, taken)), styles)
    sheet.title(
        f"分专项核查情况（{_chinese_date(report.day)}）",
        f"{made} · 专项口径为发布库全部街道（专项集市不分街道），各专项人员有交叉，不相加",
        2 + len(TOPIC_COLUMNS),
    )
    first = sheet.table("专项核查", ["专项"], TOPIC_COLUMNS, report.topics, None)
    sheet.finish(freeze=f"C{first + 1}", print_rows=f"1:{first}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.writing")
    with _full_precision():
        wb.save(tmp)
    tmp.replace(path)


@contextlib.contextmanager
def _full_precision() -> Iterator[None]:
    """Numbers written as Python's repr: openpyxl 3.1 writes "%.16g", one digit short of
    a double (3/7 would read back as 0.4285714285714285, not the mart's 0.42857142857142855);
    Excel and WPS read the 17 digits as the same double."""
    from openpyxl.cell import _writer

    original = getattr(_writer, "safe_string", None)
    if original is None:  # another openpyxl: its own precision
        yield
        return

    def exact(value: Any) -> str:
        if isinstance(value, float) and math.isfinite(value):
            return repr(value)
        return original(value)

    _writer.safe_string = exact
    try:
        yield
    finally:
        _writer.safe_string = original


def report_stem(day: dt.date, street: str | None = None) -> str:
    return f"疫情防控日报_{day.isoformat()}" + (f"_{street}" if street else "")


def write_report(
    serving: Path, day: dt.date, out_dir: Path, street: str | None = None
) -> WrittenReport:
    """Write ``<out_dir>/疫情防控日报_<day>[_<street>].xlsx`` and its ``.png``."""
    from gridwatch.ops.report_png import write_png

    report = read_report(serving, day, street)
    stem = report_stem(day, street)
    workbook, png = out_dir / f"{stem}.xlsx", out_dir / f"{stem}.png"
    write_workbook(report, workbook)
    write_png(report, png)
    return WrittenReport(workbook, png, report)
