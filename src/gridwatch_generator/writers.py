"""File writers: CSV (UTF-8 / BOM / GB18030), deterministic xlsx, header layouts."""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path

from .feeds import FEEDS

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")

# Unknown columns upstream spreadsheets carry along (kept raw, otherwise ignored).
EXTRA_COLUMNS = {
    "push_list": (("_note", "备注"), ("_source", "数据来源")),
    "verification": (("_note", "备注"), ("_contact", "联系情况")),
    "checkpoint": (("_note", "备注"),),
    "enterprise_filing": (("_note", "备注"), ("_contact", "联系人")),
}


class Layout:
    """The header of one file: which columns, in which order, under which label."""

    def __init__(self, columns: Sequence[tuple[str, str]]) -> None:
        self.columns = list(columns)
        self.keys = [k for k, _ in self.columns]
        self.labels = [label for _, label in self.columns]

    def __contains__(self, key: str) -> bool:
        return key in self.keys

    @classmethod
    def choose(
        cls,
        feed: str,
        rng: random.Random,
        *,
        always: Iterable[str] = (),
        drop_share: float = 0.25,
        english_share: float = 0.08,
        extra_share: float = 0.15,
        chinese_only: bool = False,
        shuffle: bool = False,
    ) -> Layout:
        """Required columns always; optional ones dropped with ``drop_share`` unless in
        ``always``. Labels: a Chinese alias mostly, the canonical name sometimes, with
        occasional stray white space / capitals (headers match trimmed, case-insensitive).
        """
        always = set(always)
        english = not chinese_only and rng.random() < english_share
        cols: list[tuple[str, str]] = []
        for col in FEEDS[feed]:
            if not col.required and col.name not in always and rng.random() < drop_share:
                continue
            if english or not col.aliases:
                label = col.name
                if rng.random() < 0.1:
                    label = label.title() if rng.random() < 0.5 else label.upper()
            else:
                label = rng.choice(col.aliases)
            if rng.random() < 0.03:
                label = f" {label} "
            cols.append((col.name, label))
        if shuffle:
            head, tail = cols[:3], cols[3:]
            rng.shuffle(tail)
            cols = head + tail
        if rng.random() < extra_share:
            extra = EXTRA_COLUMNS[feed]
            key, label = extra[rng.randrange(len(extra))]
            cols.insert(rng.randint(len(cols) // 2, len(cols)), (key, label))
        return cls(cols)


class TimeStyle:
    """How one file writes timestamps (all forms of contract §3)."""

    FORMATS: tuple[tuple[str, float], ...] = (
        ("%Y-%m-%d %H:%M:%S", 40.0),
        ("%Y-%m-%d %H:%M", 25.0),
        ("%Y/%m/%d %H:%M:%S", 10.0),
        ("%Y/%m/%d %H:%M", 5.0),
        ("%Y年%m月%d日 %H:%M", 6.0),
        ("%Y年%m月%d日 %H时%M分", 7.0),
        ("%Y-%m-%dT%H:%M:%S", 7.0),
    )

    def __init__(self, rng: random.Random, fmt: str | None = None) -> None:
        if fmt is None:
            fmts = [f for f, _ in self.FORMATS]
            fmt = rng.choices(fmts, [w for _, w in self.FORMATS])[0]
        self.fmt = fmt

    def __call__(self, dt: datetime | None) -> str:
        return "" if dt is None else dt.strftime(self.fmt)

    @staticmethod
    def day(d: date | None) -> str:
        return "" if d is None else d.isoformat()


class CsvFile:
    """A CSV being written, counting data rows and intended quarantine reasons."""

    def __init__(self, path: Path, layout: Layout, encoding: str = "utf-8") -> None:
        self.path = path
        self.layout = layout
        self.encoding = encoding
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("w", encoding=encoding, newline="", errors="strict")
        self._w = csv.writer(self._fh, lineterminator="\r\n")
        self._w.writerow(layout.labels)
        self.rows_read = 0
        self.quarantine: dict[str, int] = {}

    def write(self, row: dict[str, str], reason: str | None = None, *, short: bool = False) -> None:
        values = [row.get(k, "") for k in self.layout.keys]
        if short:
            while len(values) > 1 and values[-1] == "":
                values.pop()
        self._w.writerow(values)
        self.rows_read += 1
        if reason:
            self.quarantine[reason] = self.quarantine.get(reason, 0) + 1

    def blank(self, with_commas: bool) -> None:
        """A wholly empty row: skipped by the loader and not counted."""
        self._w.writerow([""] * len(self.layout.keys) if with_commas else [])

    def close(self) -> None:
        self._fh.close()


def write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


_FIXED_TS = "2021-01-01T00:00:00Z"
_CORE_TS = re.compile(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def write_xlsx(
    path: Path,
    titles: Sequence[str],
    layout: Layout,
    rows: Sequence[Sequence[object]],
    sheet: str = "Sheet1",
) -> None:
    """An xlsx with optional merged title rows above the header and typed cells
    (``datetime`` -> date-time cell, ``int``/``float`` -> number), written so that
    the bytes depend on the content only (fixed document and zip timestamps)."""
    from openpyxl import Workbook  # local import: only needed here
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ncol = len(layout.labels)
    r = 0
    for title in titles:
        r += 1
        ws.cell(row=r, column=1, value=title)
        ws.cell(row=r, column=1).font = Font(bold=True, size=14 if r == 1 else 11)
        ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
        if ncol > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=ncol)
    ws.append(layout.labels)
    for row in rows:
        ws.append(list(row))
    for cells in ws.iter_rows(min_row=r + 2):
        for cell in cells:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    buf = io.BytesIO()
    wb.save(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_normalise_zip(buf.getvalue()))


def _normalise_zip(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_TS.sub(
                    lambda m: m.group(1) + _FIXED_TS + m.group(3), content.decode("utf-8")
                ).encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=(2021, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, content)
    return out.getvalue()


def transcode(path: Path, encoding: str) -> None:
    """Re-encode a UTF-8 file in place (used for DuckDB-written CSVs)."""
    if encoding == "utf-8":
        return
    text = path.read_bytes().decode("utf-8")
    path.write_bytes(text.encode(encoding))
