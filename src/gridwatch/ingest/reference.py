"""Reference data (§6): areas, grids and checkpoints, loaded and checked.

The loader resolves checkpoint codes against it, dbt resolves streets,
communities and grids. A reference with duplicate codes or dangling links
would silently misattribute people, so it is refused with every problem listed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from gridwatch.ingest.normalize import sql_literal

REFERENCE_FILES = {
    "areas": (
        "district_code",
        "district_name",
        "street_code",
        "street_name",
        "community_code",
        "community_name",
    ),
    "grids": ("grid_code", "grid_name", "community_code"),
    "checkpoints": ("checkpoint_code", "checkpoint_name", "community_code", "kind"),
}

# (description, query returning the offending values) for each consistency rule.
CHECKS = [
    (
        "community_code appears more than once in areas.csv",
        "select community_code from ref_areas group by 1 having count(*) > 1",
    ),
    (
        "street_code has more than one street_name in areas.csv",
        "select street_code from ref_areas group by 1 having count(distinct street_name) > 1",
    ),
    (
        "street_code belongs to more than one district in areas.csv",
        "select street_code from ref_areas group by 1 having count(distinct district_code) > 1",
    ),
    (
        "grid_code appears more than once in grids.csv",
        "select grid_code from ref_grids group by 1 having count(*) > 1",
    ),
    (
        "grid in a community unknown to areas.csv",
        "select grid_code from ref_grids where community_code not in "
        "(select community_code from ref_areas)",
    ),
    (
        "checkpoint_code appears more than once in checkpoints.csv",
        "select checkpoint_code from ref_checkpoints group by 1 having count(*) > 1",
    ),
    (
        "checkpoint in a community unknown to areas.csv",
        "select checkpoint_code from ref_checkpoints where community_code not in "
        "(select community_code from ref_areas)",
    ),
    (
        "checkpoint kind is not PEDESTRIAN or VEHICLE",
        "select checkpoint_code from ref_checkpoints where kind not in ('PEDESTRIAN', 'VEHICLE')",
    ),
    (
        "empty code in a reference file",
        "select 'areas' from ref_areas where street_code is null or community_code is null "
        "union all select 'grids' from ref_grids where grid_code is null "
        "or community_code is null union all select 'checkpoints' from ref_checkpoints "
        "where checkpoint_code is null or community_code is null",
    ),
]


class ReferenceError(Exception):
    """The reference data is missing or inconsistent; the message lists every problem."""


@dataclass
class ReferenceSummary:
    streets: int
    communities: int
    grids: int
    checkpoints: int


def _header(path: Path) -> list[str]:
    """The column names on the first line of a reference file, or ReferenceError saying why not."""
    with path.open("rb") as handle:
        first = handle.readline()
    if not first.strip():
        raise ReferenceError(
            f"{path}: the file is empty (or its first line is); it needs a header line and "
            "one row per entry"
        )
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReferenceError(
            f"{path}: not UTF-8 (saved as GBK by Excel?); save it as 'CSV UTF-8' and re-run"
        ) from exc
    return [h.strip() for h in next(csv.reader([text]))]


def _read(con: duckdb.DuckDBPyConnection, directory: Path, name: str) -> None:
    path = directory / f"{name}.csv"
    columns = REFERENCE_FILES[name]
    if not path.exists():
        raise ReferenceError(
            f"reference file {path} is missing; set GRIDWATCH_REFERENCE_DIR to the folder "
            "holding areas.csv, grids.csv and checkpoints.csv"
        )
    header = _header(path)
    missing = [c for c in columns if c not in header]
    if missing:
        raise ReferenceError(
            f"{path}: missing column(s) {', '.join(missing)}; its first line must name the "
            f"columns {', '.join(columns)}"
        )
    selected = ", ".join(f'gw_text("{c}") as {c}' for c in columns)
    types = "{" + ", ".join(f"{sql_literal(h)}: 'VARCHAR'" for h in header) + "}"
    con.execute(
        f"create or replace temp table ref_{name} as select {selected} from "
        f"read_csv(?, header = true, columns = {types}, auto_detect = false, delim = ',', "
        "quote = '\"', escape = '\"', null_padding = true, strict_mode = false)",
        [str(path)],
    )


def load_reference(con: duckdb.DuckDBPyConnection, directory: Path) -> ReferenceSummary:
    """Read, check and store the reference data as ``raw.ref_<name>`` (replacing it)."""
    for name in REFERENCE_FILES:
        _read(con, directory, name)
    problems = []
    for description, query in CHECKS:
        offenders = [str(r[0]) for r in con.execute(query).fetchall()]
        if offenders:
            problems.append(f"- {description}: {', '.join(sorted(set(offenders))[:10])}")
    if problems:
        raise ReferenceError(
            f"reference data in {directory} is inconsistent; fix it and re-run:\n"
            + "\n".join(problems)
        )
    con.execute("begin transaction")
    try:
        for name in REFERENCE_FILES:
            con.execute(f"create or replace table raw.ref_{name} as select * from ref_{name}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    (streets, communities), (grids,), (checkpoints,) = (
        con.execute("select count(distinct street_code), count(*) from raw.ref_areas").fetchall()[
            0
        ],
        con.execute("select count(*) from raw.ref_grids").fetchall()[0],
        con.execute("select count(*) from raw.ref_checkpoints").fetchall()[0],
    )
    return ReferenceSummary(streets, communities, grids, checkpoints)
