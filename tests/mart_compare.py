"""Compare warehouse marts with the contract's expected CSVs (examples/README.md rules).

Only the columns of the expected file are compared; rows are compared as
multisets (order ignored); an empty cell is NULL; numbers match to 1e-4;
timestamps are written ``YYYY-MM-DD HH:MM:SS`` and booleans ``true``/``false``.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import duckdb

TOLERANCE_DIGITS = 4


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _canonical(text: str) -> str:
    """Numbers rounded to the tolerance so 0.33333 and 0.3333 compare equal."""
    try:
        number = float(text)
    except ValueError:
        return text
    if text.strip().lower() in {"nan", "inf", "-inf", "infinity"}:
        return text
    return f"{round(number, TOLERANCE_DIGITS):.{TOLERANCE_DIGITS}f}"


def expected_rows(path: Path) -> tuple[list[str], Counter]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = Counter(tuple(_canonical(c) for c in row) for row in reader)
    return header, rows


def actual_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> Counter:
    select = ", ".join(f'"{c}"' for c in columns)
    result = con.execute(f"select {select} from {table}").fetchall()
    return Counter(tuple(_canonical(_cell(v)) for v in row) for row in result)


def compare(con: duckdb.DuckDBPyConnection, table: str, expected: Path) -> list[str]:
    """Differences between ``table`` and ``expected`` (empty when they match)."""
    columns, want = expected_rows(expected)
    got = actual_rows(con, table, columns)
    problems = []
    for row, count in sorted((want - got).items()):
        problems.append(f"{table}: missing {count}x {dict(zip(columns, row, strict=True))}")
    for row, count in sorted((got - want).items()):
        problems.append(f"{table}: unexpected {count}x {dict(zip(columns, row, strict=True))}")
    return problems
