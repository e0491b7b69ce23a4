"""Loading one partition: every file of one feed delivered on one date (§2, §4).

``load_partition`` takes each entry of ``<landing>/<feed>/<date>/`` with its
verdict (:mod:`gridwatch.ingest.landing`), copies the files to load into the staging
folder, reads every part (a CSV, or each sheet of a workbook) into a temporary
table, types the partition (:mod:`gridwatch.ingest.typed_partition`), then replaces it
in the warehouse in one transaction: typed rows into ``raw.<feed>``, bad rows
into ``raw.quarantine`` and one line per file into ``raw.load_log``. Files it
cannot read are recorded as REJECTED and, once the good files are in, reported
by ``RejectedFilesError``; lock and system files are recorded as IGNORED.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from gridwatch.ingest.changes import is_reload, record_changes
from gridwatch.ingest.feeds import FEEDS, Feed
from gridwatch.ingest.files import FileRejected, PreparedPart, prepare
from gridwatch.ingest.landing import Entry, StagingError, partition_entries, stage_copy, staging_dir
from gridwatch.ingest.normalize import sql_literal
from gridwatch.ingest.typed_partition import NORM, build_norm
from gridwatch.warehouse.schema import raw_columns


@dataclass
class FileResult:
    feed: str
    delivery_date: dt.date
    file_name: str
    status: str  # LOADED, REJECTED, DUPLICATE or IGNORED
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    sha256: str | None = None
    error: str | None = None
    encoding: str | None = None
    note: str | None = None  # what was left aside: sheets without a header; why IGNORED
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class PartitionResult:
    feed: str
    delivery_date: dt.date
    files: list[FileResult]
    folder_exists: bool = True  # False: no <feed>/<date>/ folder in the landing area
    changes: int = 0  # rows this re-load added to raw.delivery_changes
    diff_seconds: float | None = None  # what comparing it with the load before took

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "REJECTED"]


@dataclass
class _Loaded:
    """One part of a file (the CSV, or a sheet) read into a temporary table, waiting for the swap."""

    result: FileResult
    index: int  # file_index of its rows in the partition's normalised table
    stage: str  # the cells as delivered (for quarantine raw values)
    prepared: PreparedPart
    file_number: int  # the index of the file's first part: one per file, over its sheets


class LandingMissingError(Exception):
    """A landing folder is missing where data was loaded from: nothing is replaced.

    A date folder that exists but is empty withdraws the delivery (contract §2); a
    folder that is absent is more likely a mistyped GRIDWATCH_LANDING_DIR or an
    archived landing area, so the held partition is kept and the operator is asked.
    """


class RejectedFilesError(Exception):
    """Some files of a partition were rejected; the others were loaded."""

    def __init__(self, results: list[PartitionResult]):
        self.results = results
        lines = [
            f"{r.feed}/{r.delivery_date}/{f.file_name}: "
            + (f.error or "").removeprefix(f"{f.file_name}: ")
            for r in results
            for f in r.rejected
        ]
        super().__init__(
            f"{len(lines)} file(s) rejected (the other files were loaded):\n- "
            + "\n- ".join(lines)
            + "\nFix or remove each file in the landing folder, then re-run the date."
        )


def _header_keys(header: list[str]) -> list[str]:
    """Unique, non-empty JSON keys for the header cells (raw values keep the sender's names)."""
    keys: list[str] = []
    for index, cell in enumerate(header):
        key = str(cell).strip() or f"column_{index + 1}"
        while key in keys:
            key = f"{key}_{index + 1}"
        keys.append(key)
    return keys


# DuckDB's default longest line is 2 MB; a field may be of any length (§2), and no
# line is longer than its file.
_MIN_LINE = 1 << 21


def _stage(
    con: duckdb.DuckDBPyConnection, prepared: PreparedPart, table: str, file_name: str
) -> None:
    """Read every cell as text into ``table`` (column c<i> = header position i).

    ``file_name``: the landed file's name, for the operator (not the staged copy's).
    """
    width = len(prepared.header)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    max_line = max(_MIN_LINE, prepared.csv_path.stat().st_size + 1)
    for parallel in ("true", "false"):
        try:
            con.execute(
                f"""create or replace temp table {table} as
                select * from read_csv(?, header = false, skip = {prepared.skip_records},
                    columns = {columns}, auto_detect = false, delim = ',', quote = '"',
                    escape = '"', null_padding = true, strict_mode = false,
                    max_line_size = {max_line}, parallel = {parallel})""",
                [str(prepared.csv_path)],
            )
            return
        except duckdb.Error as exc:
            # The parallel reader cannot pad rows in files with quoted line breaks.
            if parallel == "true" and "parallel" in str(exc).lower():
                continue
            where = f"{file_name}, sheet '{prepared.sheet}'" if prepared.sheet else file_name
            raise FileRejected(
                f"{where}: not a readable CSV ({str(exc).splitlines()[0]}). Ask the "
                "sender to export the list again (its quoting is broken)."
            ) from exc


def _clean_select(feed: Feed, item: _Loaded) -> str:
    """A staged file's rows with its cells named by the feed's columns (a rename only).

    The selects of all files of a partition are combined into one UNION ALL, which
    DuckDB runs in parallel; cleaning and typing happen in ``typed_partition``.
    """
    prepared, stage, index = item.prepared, item.stage, item.index
    keys = _header_keys(prepared.header)
    width = len(prepared.header)
    cells = [
        f"c{prepared.columns[c.name]}" if c.name in prepared.columns else "null"
        for c in feed.columns
    ]
    names = [f"v_{c.name}" for c in feed.columns]
    unknown = [i for i in range(width) if i not in set(prepared.columns.values())]
    extras = (
        "json_object(" + ", ".join(f"{sql_literal(keys[i])}, c{i}" for i in unknown) + ")"
        if unknown
        else "cast(null as json)"
    )
    unknown_text = (
        "concat_ws('', " + ", ".join(f"c{i}" for i in unknown) + ")" if unknown else "null"
    )
    every_cell = ", ".join(f"c{i}" for i in range(width))
    renamed = ", ".join(
        f"cast({cell} as varchar) as {name}" for cell, name in zip(cells, names, strict=True)
    )
    return (
        f"select cast({index} as integer) as file_index, "
        f"cast({item.file_number} as integer) as file_number, "
        f"rowid + {1 + prepared.row_offset} as row_number, {renamed}, "
        f"cast({unknown_text} as varchar) as unknown_text, {extras} as extras "
        f"from {stage} where coalesce({every_cell}) is not null"
    )


def _raw_values_sql(prepared: PreparedPart, stage: str, index: int) -> str:
    """Quarantined rows with every cell as delivered, keyed by the sender's header names."""
    keys = _header_keys(prepared.header)
    values = (
        "json_object(" + ", ".join(f"{sql_literal(k)}, s.c{i}" for i, k in enumerate(keys)) + ")"
    )
    return (
        f"select n.row_number, n.reason, {values} as raw_values from {NORM} as n "
        f"join {stage} as s on s.rowid + {1 + prepared.row_offset} = n.row_number "
        f"where n.file_index = {index} and n.reason is not null"
    )


def _final_select(feed: Feed) -> str:
    """The SELECT that gives the partition's good rows as ``raw.<feed>`` rows."""
    columns = [c.split()[0] for c in raw_columns(feed)]
    own = ", ".join(c for c in columns if c not in ("delivery_date", "file_name", "row_number"))
    return (
        f"select ?::date as delivery_date, gw_files.file_name, row_number, {own} from {NORM} "
        f"join gw_files on gw_files.file_index = {NORM}.file_index where reason is null"
    )


def _duplicate_of(
    con: duckdb.DuckDBPyConnection, feed: str, day: dt.date, digest: str
) -> str | None:
    """A file of another delivery date loaded with the same bytes, if any.

    Files of ``day`` itself are not looked up in the log: the partition is being
    replaced by the files now in its folder, so a file renamed, or the survivor of
    two identical files, loads (repeats within the folder are caught as it is read).
    """
    rows = con.execute(
        """select delivery_date, file_name from raw.load_log
           where feed = ? and sha256 = ? and status = 'LOADED' and delivery_date <> ?
           order by delivery_date, file_name limit 1""",
        [feed, digest, day],
    ).fetchall()
    return f"{feed}/{rows[0][0]}/{rows[0][1]}" if rows else None


def _refuse_to_empty(con: duckdb.DuckDBPyConnection, feed: str, day: dt.date, folder: Path) -> None:
    """Raise LandingMissingError if the warehouse holds files loaded from ``folder``."""
    (held,) = con.execute(
        "select count(*) from raw.load_log where feed = ? and delivery_date = ?", [feed, day]
    ).fetchall()[0]
    if held:
        raise LandingMissingError(
            f"{feed}/{day}: the landing folder {folder} does not exist, but the warehouse "
            f"holds {held} file(s) loaded from it; nothing was replaced. Check "
            "GRIDWATCH_LANDING_DIR, or restore the folder and re-run the date. To withdraw "
            "the delivery on purpose, leave the folder in place and empty."
        )


def _staging_root(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The warehouse file behind ``con`` (None for an in-memory database)."""
    (path,) = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return Path(path) if path else None


def _read_file(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    entry: Entry,
    staged: Path,
    result: FileResult,
    first_index: int,
) -> list[_Loaded]:
    """Prepare and stage every part of one staged file; FileRejected leaves nothing behind."""
    prepared = prepare(feed, staged, entry.name)
    result.encoding, result.note = prepared.encoding, prepared.note
    loaded: list[_Loaded] = []
    try:
        for offset, part in enumerate(prepared.parts):
            stage = f"gw_stage_{first_index + offset}"
            loaded.append(_Loaded(result, first_index + offset, stage, part, first_index))
            _stage(con, part, stage, entry.name)
    except FileRejected:
        for item in loaded:
            con.execute(f"drop table if exists {item.stage}")
        raise
    return loaded


def load_partition(
    con: duckdb.DuckDBPyConnection, landing: Path, feed_name: str, day: dt.date
) -> PartitionResult:
    """Replace partition (feed, day) with the files now in its landing folder.

    The reference data must already be loaded (``reference.load_reference``).
    Never raises for bad data: rejected files are in the result; callers decide.
    """
    feed = FEEDS[feed_name]
    folder = landing / feed_name / day.isoformat()
    folder_exists = folder.is_dir()
    if not folder_exists:
        _refuse_to_empty(con, feed_name, day, folder)
    root = _staging_root(con)
    workdir = staging_dir(root) if root else Path(tempfile.mkdtemp(prefix="gridwatch-"))
    results: list[FileResult] = []
    loaded: list[_Loaded] = []
    seen: dict[str, str] = {}
    try:
        for number, entry in enumerate(partition_entries(landing, feed_name, day)):
            result = FileResult(feed_name, day, entry.name, "LOADED")
            results.append(result)
            if entry.verdict == "IGNORED":
                result.status, result.note = "IGNORED", entry.reason
                continue
            if entry.verdict == "REJECTED":
                result.status, result.error = "REJECTED", entry.reason
                continue
            # a short name of our own: DuckDB and the file system take any delivered name
            staged = workdir / f"f{number:05d}{Path(entry.name).suffix.lower()[:16]}"
            try:
                result.sha256 = stage_copy(entry, staged)
            except (StagingError, FileNotFoundError) as exc:
                result.status, result.error = "REJECTED", str(exc)
                continue
            original = seen.get(result.sha256) or _duplicate_of(con, feed_name, day, result.sha256)
            if original:
                result.status = "DUPLICATE"
                result.error = f"same bytes as {original}, already loaded; not loaded again"
                continue
            try:
                parts = _read_file(con, feed, entry, staged, result, len(loaded))
            except FileRejected as exc:
                result.status, result.error = "REJECTED", str(exc)
                continue
            seen[result.sha256] = f"{feed_name}/{day}/{entry.name}"
            loaded.extend(parts)
        build_norm(con, feed, [_clean_select(feed, item) for item in loaded])
        counts = con.execute(
            f"select file_index, coalesce(reason, ''), count(*) from {NORM} group by all"
        ).fetchall()
        for item in loaded:
            for index, reason, rows in counts:
                if index != item.index:
                    continue
                item.result.rows_read += rows
                if reason:
                    item.result.reasons[reason] = item.result.reasons.get(reason, 0) + rows
                    item.result.rows_quarantined += rows
        for result in results:
            result.rows_loaded = result.rows_read - result.rows_quarantined
        changes, diff_seconds = _replace_partition(con, feed, day, results, loaded)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return PartitionResult(feed_name, day, results, folder_exists, changes, diff_seconds)


def _replace_partition(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    day: dt.date,
    results: list[FileResult],
    loaded: list[_Loaded],
) -> tuple[int, float | None]:
    """Swap the partition in; returns the change rows recorded and the diff's seconds."""
    columns = ", ".join(c.split()[0] for c in raw_columns(feed))
    loaded_at = dt.datetime.now().replace(microsecond=0)
    changes, diff_seconds = 0, None
    con.execute("begin transaction")
    try:
        if loaded:
            names = ", ".join(f"({item.index}, ?)" for item in loaded)
            con.execute(
                f"create or replace temp table gw_files as select * from (values {names}) "
                "as f(file_index, file_name)",
                [item.result.file_name for item in loaded],
            )
        # what this re-load changes, while the old rows are still there
        files = {r.file_name: r.sha256 for r in results if r.status == "LOADED"}
        if is_reload(con, feed, day, list(files.values())):
            new_rows = _final_select(feed) if loaded else None
            changes, diff_seconds = record_changes(
                con, feed, day, new_rows, [day], loaded_at, files
            )
        for table in (f"raw.{feed.name}", "raw.quarantine", "raw.load_log"):
            where = "delivery_date = ?" + ("" if table == f"raw.{feed.name}" else " and feed = ?")
            params = [day] if table == f"raw.{feed.name}" else [day, feed.name]
            con.execute(f"delete from {table} where {where}", params)
        if loaded:
            con.execute(f"insert into raw.{feed.name} ({columns}) {_final_select(feed)}", [day])
        for item in loaded:
            if item.result.rows_quarantined:
                con.execute(
                    f"""insert into raw.quarantine
                        select ?, ?, ?, row_number, reason, raw_values
                        from ({_raw_values_sql(item.prepared, item.stage, item.index)})""",
                    [feed.name, day, item.result.file_name],
                )
        for r in results:
            con.execute(
                "insert into raw.load_log (feed, delivery_date, file_name, status, rows_read, "
                "rows_loaded, rows_quarantined, sha256, loaded_at, error, encoding, note) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    r.feed,
                    r.delivery_date,
                    r.file_name,
                    r.status,
                    r.rows_read,
                    r.rows_loaded,
                    r.rows_quarantined,
                    r.sha256,
                    loaded_at,
                    r.error,
                    r.encoding,
                    r.note,
                ],
            )
        con.execute("commit")
    except Exception as exc:
        _rollback(con, exc, feed, day)
        raise
    finally:
        for item in loaded:
            con.execute(f"drop table if exists {item.stage}")
        con.execute(f"drop table if exists {NORM}")
        con.execute("drop table if exists gw_files")
    return changes, diff_seconds


def _rollback(con: duckdb.DuckDBPyConnection, exc: Exception, feed: Feed, day: dt.date) -> None:
    """Roll back the partition swap; never let a failed rollback hide why the swap failed.

    DuckDB ends the transaction itself on some errors (a full disk), and its
    "no transaction is active" would otherwise replace "No space left on device".
    """
    try:
        con.execute("rollback")
    except duckdb.Error as rollback_error:
        exc.add_note(
            f"{feed.name}/{day}: the partition was not replaced (rollback: {rollback_error}); "
            "fix the cause above (e.g. free disk space) and re-run the date"
        )
