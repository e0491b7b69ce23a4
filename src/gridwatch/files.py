"""Turning one delivered file into something DuckDB can read.

A landed file is CSV (UTF-8, UTF-8 with BOM or GB18030/GBK) or XLSX. This
module detects the encoding, finds the header row, matches header names to the
feed's columns and hands back a UTF-8 CSV that DuckDB reads in bulk. It never
looks at data rows one by one except for XLSX, which has to be read cell by cell.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from gridwatch.feeds import Feed

HEADER_SEARCH_ROWS = 10
CHUNK = 1 << 22


class FileRejected(Exception):
    """The whole file cannot be loaded; the message says why and what to do."""


@dataclass
class PreparedFile:
    """A file ready for DuckDB: a UTF-8 CSV, how many records to skip, the header."""

    csv_path: Path
    # CSV records up to and including the header row, blank lines included: what
    # DuckDB's read_csv(skip=) counts. Not physical lines: a quoted field in a
    # title or header row may hold a line break.
    skip_records: int
    header: list[str]
    columns: dict[str, int]  # canonical column -> position in the header
    encoding: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _normalise_header(name: object) -> str:
    return str(name if name is not None else "").strip().lower()


def match_header(feed: Feed, row: list[str]) -> dict[str, int]:
    """Map canonical column names to header positions (first match wins)."""
    lookup = {alias.lower(): col.name for col in feed.columns for alias in col.header_names}
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        canonical = lookup.get(_normalise_header(cell))
        if canonical and canonical not in found:
            found[canonical] = index
    return found


def find_header(feed: Feed, rows: list[list[str]], file_name: str) -> tuple[int, dict[str, int]]:
    """The first of the first rows naming at least two required columns (§2)."""
    required = {c.name for c in feed.required}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = match_header(feed, row)
        if len(required & columns.keys()) >= 2:
            missing = [c.name for c in feed.required if c.name not in columns]
            if missing:
                wanted = "; ".join(
                    f"{c.name} (or {' / '.join(c.aliases)})" if c.aliases else c.name
                    for c in feed.required
                    if c.name in missing
                )
                raise FileRejected(
                    f"{file_name}: header row {index + 1} lacks required column(s) {wanted}. "
                    "Ask the sender for a file with these columns, or add the alias to "
                    "gridwatch/feeds.py if it is a new spelling."
                )
            return index, columns
    expected = ", ".join(c.name for c in feed.required)
    raise FileRejected(
        f"{file_name}: no header row found for feed {feed.name} in the first "
        f"{HEADER_SEARCH_ROWS} rows (a header names at least two of: {expected}). "
        "Check that the file was delivered to the right feed folder."
    )


def _detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else GB18030."""
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK):
                    if b"\x00" in chunk:
                        raise FileRejected(
                            f"{path.name}: contains NUL bytes, so it is not a text CSV "
                            "(a binary or UTF-16 file?). Re-export it as CSV (UTF-8 or GBK)."
                        )
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRejected(
        f"{path.name}: cannot be decoded as UTF-8 or GB18030/GBK. Re-export it from the "
        "source system as CSV in UTF-8 or GBK."
    )


def _transcode(path: Path, encoding: str, target: Path) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk).encode("utf-8"))
        dst.write(decoder.decode(b"", final=True).encode("utf-8"))


def prepare_csv(feed: Feed, path: Path, workdir: Path) -> PreparedFile:
    encoding = _detect_encoding(path)
    csv_path = path
    if encoding != "utf-8":
        csv_path = workdir / f"{path.stem}.utf8.csv"
        _transcode(path, encoding, csv_path)
    with csv_path.open("r", encoding="utf-8-sig", newline="") as handle:
        head = io.StringIO("".join(line for _, line in zip(range(200), handle, strict=False)))
    reader = csv.reader(head)
    rows: list[list[str]] = []  # one per CSV record; a blank line is []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error as exc:
        raise FileRejected(f"{path.name}: not a readable CSV near the top ({exc}).") from exc
    index, columns = find_header(feed, rows, path.name)
    return PreparedFile(csv_path, index + 1, rows[index], columns, encoding)


def _cell_text(value: object) -> str:
    """Typed Excel cells as the text the contract's parsers understand."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def prepare_xlsx(feed: Feed, path: Path, workdir: Path) -> PreparedFile:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRejected(
            f"{path.name}: not a readable .xlsx workbook ({exc.__class__.__name__}: {exc}). "
            "Re-save it from Excel/WPS as .xlsx or export CSV."
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        top: list[list[str]] = []
        for row in rows:
            top.append([_cell_text(v) for v in row])
            if len(top) >= HEADER_SEARCH_ROWS:
                break
        index, columns = find_header(feed, top, path.name)
        header = top[index]
        csv_path = workdir / f"{path.stem}.xlsx.csv"
        with csv_path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(top[index + 1 :])
            writer.writerows([_cell_text(v) for v in row] for row in rows)
    except (FileRejected, OSError, MemoryError):
        raise  # OSError, MemoryError: a full disk or memory, not the file's fault (retried)
    except Exception as exc:  # openpyxl reads a damaged sheet lazily, as rows are taken
        raise FileRejected(
            f"{path.name}: not a readable .xlsx workbook ({exc.__class__.__name__}: {exc}). "
            "Re-save it from Excel/WPS as .xlsx or export CSV."
        ) from exc
    finally:
        workbook.close()
    return PreparedFile(csv_path, 1, header, columns, "xlsx")


def prepare(feed: Feed, path: Path, workdir: Path) -> PreparedFile:
    """Read the header of a landed file and return a UTF-8 CSV for DuckDB."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return prepare_csv(feed, path, workdir)
    if suffix == ".xlsx":
        return prepare_xlsx(feed, path, workdir)
    raise FileRejected(
        f"{path.name}: unsupported file type '{suffix or '(none)'}'; a {feed.name} delivery "
        "must be .csv or .xlsx. Remove the file from the folder (or convert it) and re-run "
        "the date."
    )
