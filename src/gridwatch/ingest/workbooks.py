"""Excel workbooks (.xlsx and the older .xls) as one CSV part per sheet with a header (§2).

python-calamine reads the cells themselves, so a sheet whose declared size is
stale (another tool edited it) or just ``A1`` (WPS) loses no row. Every sheet is
looked at in workbook order: one with a header row becomes a part, one without
(instructions such as 填表说明, notes, an empty sheet) is named in the file's note.
"""

from __future__ import annotations

import csv
import datetime as dt
import posixpath
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import python_calamine as calamine

from gridwatch.ingest.feeds import Feed
from gridwatch.ingest.files import (
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


# The reader holds a sheet as one dense block from A1 to its farthest cell: a stray
# cell far out (XFD100000) would ask for tens of GB. Refused above this many cells.
MAX_CELLS = 20_000_000
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "p": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _farthest_cell(archive: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """(row, column) of the farthest cell a sheet's XML names, read in chunks."""
    rows = columns = 0
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(1 << 22):
            data = tail + chunk
            for match in _CELL_REF.finditer(data):
                columns = max(columns, _column_number(match.group(1)))
                rows = max(rows, int(match.group(2)))
            tail = data[-40:]
    return rows, columns


def check_extent(path: Path, name: str) -> None:
    """Refuse an .xlsx whose sheet reaches a cell so far out that reading it would exhaust memory."""
    try:
        with zipfile.ZipFile(path) as archive:
            book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
            rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            targets = {
                r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", _NS)
            }
            for sheet in book.iterfind("m:sheets/m:sheet", _NS):
                target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
                member = (
                    target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
                )
                if member not in archive.namelist():
                    continue
                rows, columns = _farthest_cell(archive, member)
                if rows * columns > MAX_CELLS:
                    raise FileRejected(
                        f"{name}, sheet '{sheet.get('name')}': a cell far outside the list (row "
                        f"{rows:,}, column {columns:,}) makes the sheet {rows * columns:,} cells "
                        "large. Ask the sender to delete the rows and columns after the list "
                        "(Ctrl+End in Excel shows the last cell), save and send it again."
                    )
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return  # not a standard .xlsx package: the reader says what is wrong with it


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
    if not name.lower().endswith(".xls"):  # .xls sheets are at most 65,536 x 256 cells
        check_extent(path, name)
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
