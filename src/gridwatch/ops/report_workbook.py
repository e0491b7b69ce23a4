"""The daily report's workbook: a sheet per street and a topics sheet, formatted as such
reports are sent upward (title rows, frozen headers, number formats, 合计 rows).

Cells hold the marts' values as stored; openpyxl's 16-digit output is widened to the
full value on save, so a figure read back equals the mart's.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gridwatch.ops.daily_report import (
    CATEGORIES,
    CHECKPOINT_COLUMNS,
    COMMUNITY_COLUMNS,
    COUNT,
    ENTERPRISE_COLUMNS,
    RATE,
    SECTION_TITLES,
    TOPIC_COLUMNS,
    TOPIC_SHEET,
    Report,
)


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
