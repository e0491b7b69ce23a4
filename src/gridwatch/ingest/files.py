"""Turning one staged delivery file into UTF-8 CSV parts DuckDB reads in bulk.

A CSV (UTF-8, UTF-8 with BOM or GB18030/GBK) is one part: its encoding is
detected, its header row found and matched to the feed's columns. A workbook
(.xlsx or .xls) gives one part per sheet with a header, read from the cells
themselves (:mod:`gridwatch.ingest.workbooks`); sheets without one are named in the
file's note. Data rows are never looked at one by one here, except a
workbook's, which has to be read cell by cell.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from gridwatch.ingest.feeds import Feed

HEADER_SEARCH_ROWS = 10
# More columns than any feed could use: a header this wide is not a delivery (and
# reading it would cost memory by the column, not by the row).
MAX_COLUMNS = 1024
# Excel's widest sheet (XFD) is 16,384 columns; a CSV line far wider is not a spreadsheet export.
MAX_FIELDS = 65_536
CHUNK = 1 << 22
CSV_SUFFIXES = (".csv",)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")

csv.field_size_limit(sys.maxsize)  # a field may be of any length (§2)


class FileRejected(Exception):
    """The whole file cannot be loaded; the message says why and what the sender can do."""


@dataclass
class PreparedPart:
    """One table of a delivered file as a UTF-8 CSV: a CSV file, or one sheet of a workbook."""

    csv_path: Path
    # CSV records up to and including the header row, blank lines included: what
    # DuckDB's read_csv(skip=) counts. Not physical lines: a quoted field in a
    # title or header row may hold a line break.
    skip_records: int
    header: list[str]
    columns: dict[str, int]  # canonical column -> position in the header
    sheet: str | None = None
    row_offset: int = 0  # data rows of the workbook's earlier sheets: row numbers count on


@dataclass
class PreparedFile:
    parts: list[PreparedPart]
    encoding: str
    skipped_sheets: list[str] = field(default_factory=list)

    @property
    def note(self) -> str | None:
        """What was left aside, for ``mart_load_status.note``."""
        if not self.skipped_sheets:
            return None
        return "sheets without a header, not loaded: " + ", ".join(self.skipped_sheets)


def nfkc(text: str) -> str:
    """Full-width digits, letters and punctuation typed with a Chinese input method as ASCII (§3)."""
    return unicodedata.normalize("NFKC", text)


def header_cell(name: object) -> str:
    return nfkc(str(name if name is not None else "")).strip()


def trim_header(row: list[str]) -> list[str]:
    """The header without the empty cells after its last name (a full-width Excel export)."""
    end = len(row)
    while end and not header_cell(row[end - 1]):
        end -= 1
    return [header_cell(c) for c in row[:end]]


def match_header(feed: Feed, row: list[str]) -> dict[str, int]:
    """Map canonical column names to header positions (first match wins)."""
    lookup = {nfkc(a).lower(): col.name for col in feed.columns for a in col.header_names}
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        canonical = lookup.get(header_cell(cell).lower())
        if canonical and canonical not in found:
            found[canonical] = index
    return found


def _where(file_name: str, sheet: str | None) -> str:
    return f"{file_name}, sheet '{sheet}'" if sheet is not None else file_name


def _column_names(feed: Feed, names: list[str]) -> str:
    """Required columns as the sender knows them: '姓名 (name)'."""
    parts = []
    for name in names:
        col = feed.column(name)
        parts.append(f"{col.aliases[0]} ({name})" if col.aliases else name)
    return ", ".join(parts)


def _missing_columns(
    feed: Feed, rows: list[list[str]], index: int, columns: dict[str, int], where: str
) -> FileRejected:
    missing = [c.name for c in feed.required if c.name not in columns]
    below = match_header(feed, rows[index + 1]) if index + 1 < len(rows) else {}
    if any(name in below for name in missing):
        return FileRejected(
            f"{where}: the column names are spread over two rows (rows {index + 1} and "
            f"{index + 2}, as under a merged group cell); {_column_names(feed, missing)} "
            f"stand in row {index + 2}. Ask the sender to put every column name in one "
            "header row (unmerge the group cells) and send the file again."
        )
    spellings = "; ".join(
        f"{c.name}: any of {' / '.join(c.header_names)}" for c in feed.required if c.name in missing
    )
    return FileRejected(
        f"{where}: header row {index + 1} has no column {_column_names(feed, missing)}, "
        f"which every {feed.title} ({feed.name}) file must have. Ask the sender to add it "
        f"and send the file again (header names understood: {spellings})."
    )


def find_header(
    feed: Feed, rows: list[list[str]], file_name: str, sheet: str | None = None
) -> tuple[int, dict[str, int]] | None:
    """The first of the first rows naming at least two required columns (§2), or None.

    Raises FileRejected when that row lacks a required column.
    """
    required = {c.name for c in feed.required}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = match_header(feed, row)
        if len(required & columns.keys()) >= 2:
            if required - columns.keys():
                raise _missing_columns(feed, rows, index, columns, _where(file_name, sheet))
            return index, columns
    return None


def no_header(feed: Feed, where: str) -> FileRejected:
    expected = " / ".join(c.aliases[0] if c.aliases else c.name for c in feed.required)
    return FileRejected(
        f"{where}: no header row in the first {HEADER_SEARCH_ROWS} rows: none names two "
        f"of the {feed.title} ({feed.name}) columns {expected}. Check that the file "
        "belongs in this feed's folder; if it does, ask the sender for the list with its "
        "header row."
    )


def check_width(header: list[str], where: str) -> None:
    if len(header) > MAX_COLUMNS:
        raise FileRejected(
            f"{where}: the header has {len(header):,} named columns (at most {MAX_COLUMNS:,} "
            "are read); this is not a list in the feed's layout. Ask the sender to export "
            "only the list's own columns."
        )


def _detect_encoding(path: Path, name: str) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else GB18030."""
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    if b"\x00" in chunk:
                        raise FileRejected(
                            f"{name}: contains NUL bytes, so it is not a text CSV "
                            "(a binary or UTF-16 file?). Ask the sender to save it as "
                            "CSV (UTF-8 or GBK) or as an Excel workbook."
                        )
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRejected(
        f"{name}: its text is neither UTF-8 nor GB18030/GBK. Ask the sender to save it "
        "as CSV in UTF-8 or GBK, or as an Excel workbook."
    )


def _transcode(path: Path, encoding: str, target: Path) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk).encode("utf-8"))
        dst.write(decoder.decode(b"", final=True).encode("utf-8"))


def prepare_csv(feed: Feed, path: Path, name: str) -> PreparedFile:
    """``path``: the staged copy; ``name``: the delivered file's name, for messages."""
    encoding = _detect_encoding(path, name)
    csv_path = path
    if encoding != "utf-8":
        csv_path = path.with_name(path.name + ".utf8.csv")
        _transcode(path, encoding, csv_path)
    with csv_path.open("r", encoding="utf-8-sig", newline="") as handle:
        lines = [line for _, line in zip(range(200), handle, strict=False)]
    widest = max((line.count(",") + 1 for line in lines[:HEADER_SEARCH_ROWS]), default=0)
    if widest > MAX_FIELDS:  # refused before parsing: each field costs memory
        raise FileRejected(
            f"{name}: a line near the top has {widest:,} fields, more than any spreadsheet "
            f"holds ({MAX_FIELDS:,}); this is not a list in the feed's layout. Ask the sender "
            "to export only the list's own columns."
        )
    head = io.StringIO("".join(lines))
    rows: list[list[str]] = []  # one per CSV record; a blank line is []
    try:
        for row in csv.reader(head):
            rows.append(row)
            if len(rows) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error as exc:
        raise FileRejected(
            f"{name}: not a readable CSV near the top ({exc}). Ask the sender to export "
            "the list again as CSV."
        ) from exc
    found = find_header(feed, rows, name)
    if found is None:
        raise no_header(feed, name)
    index, columns = found
    header = trim_header(rows[index])
    check_width(header, name)
    part = PreparedPart(csv_path, index + 1, header, columns)
    return PreparedFile([part], encoding)


def prepare(feed: Feed, path: Path, name: str) -> PreparedFile:
    """Read the header(s) of staged file ``path`` (delivered as ``name``) for DuckDB."""
    suffix = Path(name).suffix.lower()
    if suffix in CSV_SUFFIXES:
        return prepare_csv(feed, path, name)
    if suffix in WORKBOOK_SUFFIXES:
        from gridwatch.ingest.workbooks import prepare_workbook

        return prepare_workbook(feed, path, name)
    raise FileRejected(
        f"{name}: a '{suffix or '(no extension)'}' file is not a delivery; a {feed.title} "
        f"({feed.name}) file must be .csv, .xlsx or .xls. Remove it from the folder (or "
        "ask the sender for the list as Excel or CSV) and re-run the date."
    )
