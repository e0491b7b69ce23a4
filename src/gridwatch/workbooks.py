"""Excel workbooks (.xlsx and the older .xls) as one CSV part per sheet with a header (§2).

python-calamine reads the cells themselves, so a sheet whose declared size is
stale (another tool edited it) or just ``A1`` (WPS) loses no row. Every sheet is
looked at in workbook order: one with a header row becomes a part, one without
(instructions such as 填表说明, notes, an empty sheet) is named in the file's note.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import python_calamine as calamine

from gridwatch.feeds import Feed
from gridwatch.files import (
    HEADER_SEARCH_ROWS,
    FileRejected,
    PreparedFile,
    PreparedPart,
    check_width,
    find_header,
    no_header,
    trim_header,
)

# Excel keeps 15 significant digits: a longer number (an ID typed into a number
# cell) is shown as the digits Excel kept, trailing zeros included.
_EXACT_DIGITS = 10**15


def cell_text(value: object) -> str:
    """A typed cell as the text the contract's parsers read."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float):
        if value.is_integer():
            if abs(value) < _EXACT_DIGITS:
                return str(int(value))
            return str(int(Decimal(f"{value:.15g}")))
        return repr(value)
    return str(value)


def _unreadable(name: str, exc: Exception) -> FileRejected:
    if isinstance(exc, calamine.PasswordError):
        return FileRejected(
            f"{name}: the workbook is password-protected. Ask the sender to remove the "
            "password (or export the list as CSV) and send it again."
        )
    return FileRejected(
        f"{name}: not a readable Excel workbook ({exc.__class__.__name__}: {exc}). Ask the "
        "sender to open it in Excel or WPS and save it again as .xlsx (or export CSV)."
    )


def prepare_workbook(feed: Feed, path: Path, name: str) -> PreparedFile:
    """Write each sheet with a header of staged workbook ``path`` as a UTF-8 CSV beside it."""
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error per format fault
        raise _unreadable(name, exc) from exc
    parts: list[PreparedPart] = []
    skipped: list[str] = []
    offset = 0
    try:
        for number, meta in enumerate(book.sheets_metadata):
            if meta.typ != calamine.SheetTypeEnum.WorkSheet:
                skipped.append(meta.name)
                continue
            try:
                rows = book.get_sheet_by_index(number).iter_rows()
                top = [
                    [cell_text(v) for v in row]
                    for _, row in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)
                ]
            except Exception as exc:
                raise _unreadable(f"{name}, sheet '{meta.name}'", exc) from exc
            found = find_header(feed, top, name, meta.name)
            if found is None:
                skipped.append(meta.name)
                continue
            index, columns = found
            header = trim_header(top[index])
            check_width(header, f"{name}, sheet '{meta.name}'")
            target = path.with_name(f"{path.name}.sheet{number}.csv")
            written = _write_sheet(target, header, top[index + 1 :], rows)
            parts.append(PreparedPart(target, 1, header, columns, meta.name, offset))
            offset += written
    finally:
        book.close()
    if not parts:
        where = name if len(skipped) != 1 else f"{name}, sheet '{skipped[0]}'"
        error = no_header(feed, where)
        if len(skipped) > 1:
            error = FileRejected(
                f"{error} No sheet of the workbook has such a header (sheets: "
                f"{', '.join(skipped)})."
            )
        raise error
    return PreparedFile(parts, "xls" if name.lower().endswith(".xls") else "xlsx", skipped)


def _write_sheet(target: Path, header: list[str], first: list[list[str]], rest) -> int:
    """The header and the data rows (cut to the header's width) as CSV; the rows written."""
    width = len(header)
    written = 0
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(header)
        for row in first:
            writer.writerow(row[:width])
            written += 1
        for row in rest:
            writer.writerow([cell_text(v) for v in row[:width]])
            written += 1
    return written
