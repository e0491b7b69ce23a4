"""Loading one partition: every file of one feed delivered on one date (§2, §4).

``load_partition`` reads each file of ``<landing>/<feed>/<date>/`` into
temporary tables, then replaces the partition in the warehouse in one
transaction: typed rows into ``raw.<feed>``, bad rows into ``raw.quarantine``
and one line per file into ``raw.load_log``. Files it cannot read are recorded
as REJECTED and, once the good files are in, reported by ``RejectedFilesError``.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from gridwatch.feeds import FEEDS, ROW_DATE_COLUMN, Feed
from gridwatch.files import FileRejected, PreparedFile, prepare, sha256_of
from gridwatch.identifiers import refresh_checks
from gridwatch.normalize import reason_case, typed_expr
from gridwatch.warehouse import raw_columns


@dataclass
class FileResult:
    feed: str
    delivery_date: dt.date
    file_name: str
    status: str  # LOADED, REJECTED or DUPLICATE
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    sha256: str | None = None
    error: str | None = None
    encoding: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class PartitionResult:
    feed: str
    delivery_date: dt.date
    files: list[FileResult]

    @property
    def rejected(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "REJECTED"]


class RejectedFilesError(Exception):
    """Some files of a partition were rejected; the others were loaded."""

    def __init__(self, results: list[PartitionResult]):
        self.results = results
        lines = [
            f"{r.feed}/{r.delivery_date}/{f.file_name}: {f.error}"
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


def _stage(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str) -> None:
    """Read every cell as text into ``table`` (column c<i> = header position i)."""
    width = len(prepared.header)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    for parallel in ("true", "false"):
        try:
            con.execute(
                f"""create or replace temp table {table} as
                select * from read_csv(?, header = false, skip = {prepared.skip_lines},
                    columns = {columns}, auto_detect = false, delim = ',', quote = '"',
                    escape = '"', null_padding = true, strict_mode = false,
                    parallel = {parallel})""",
                [str(prepared.csv_path)],
            )
            return
        except duckdb.Error as exc:
            # The parallel reader cannot pad rows in files with quoted line breaks.
            if parallel == "true" and "parallel" in str(exc).lower():
                continue
            raise FileRejected(
                f"{prepared.csv_path.name}: not a readable CSV ({str(exc).splitlines()[0]}). "
                "Check the quoting of the file and re-export it."
            ) from exc


def _normalise(
    con: duckdb.DuckDBPyConnection, feed: Feed, prepared: PreparedFile, stage: str, out: str
) -> None:
    """Clean, type and give a quarantine reason to every non-empty staged row."""
    keys = _header_keys(prepared.header)
    known = set(prepared.columns.values())
    width = len(prepared.header)
    cleaned = [
        f"gw_text(c{prepared.columns[c.name]}) as v_{c.name}"
        if c.name in prepared.columns
        else f"cast(null as varchar) as v_{c.name}"
        for c in feed.columns
    ]
    raw_values = "json_object(" + ", ".join(f"'{k}', c{i}" for i, k in enumerate(keys)) + ")"
    unknown = [i for i in range(width) if i not in known]
    extras = (
        "json_object(" + ", ".join(f"'{keys[i]}', c{i}" for i in unknown) + ")"
        if unknown
        else "cast(null as json)"
    )
    not_empty = " or ".join(f"gw_text(c{i}) is not null" for i in range(width))
    typed = [f"{typed_expr(c)} as t_{c.name}" for c in feed.columns]
    extra_reasons: list[tuple[str, str]] = []
    joins = ""
    if feed.name == "checkpoint":
        joins = """left join raw.ref_checkpoints as by_code on by_code.checkpoint_code = v_checkpoint_code
                   left join (select checkpoint_name, min(checkpoint_code) as checkpoint_code
                              from raw.ref_checkpoints group by 1) as by_name
                          on by_name.checkpoint_name = v_checkpoint_code"""
        extra_reasons.append(
            (
                "coalesce(by_code.checkpoint_code, by_name.checkpoint_code) is null",
                "UNKNOWN_CHECKPOINT",
            )
        )
    reason = reason_case(feed, extra_reasons)
    checkpoint_col = (
        ", coalesce(by_code.checkpoint_code, by_name.checkpoint_code) as resolved_checkpoint"
        if feed.name == "checkpoint"
        else ""
    )
    query = f"""
        with cleaned as (
            select rowid + 1 as row_number, {", ".join(cleaned)},
                   {raw_values} as raw_values, {extras} as extras
            from {stage}
            where {not_empty}
        ),
        typed as (
            select cleaned.*, {", ".join(typed)} {checkpoint_col}, {reason} as reason
            from cleaned {joins}
        )
        select * from typed
    """
    if feed.name == "push_list":
        query = f"""
            with rows as ({query})
            select * replace (
                case when reason is null and row_number() over (
                    partition by reason is null, v_batch_id, t_record_no order by row_number) > 1
                then 'DUPLICATE_KEY' else reason end as reason)
            from rows
        """
    con.execute(f"create or replace temp table {out} as {query} order by row_number")


def _final_select(feed: Feed, table: str) -> str:
    """The SELECT that turns a normalised temp table into ``raw.<feed>`` rows."""
    row_date = f"cast(t_{ROW_DATE_COLUMN[feed.name]} as date)"
    exprs: list[str] = []
    joins: list[str] = []
    for col in feed.columns:
        name = col.name
        if name == "id_number":
            id_type = "t_id_type" if feed.name == "push_list" else "'RIC'"
            joins.append(
                f"left join raw.identifier_checks as ric on ric.kind = 'RIC' "
                f"and {id_type} = 'RIC' and ric.value = gw_id('RIC', v_id_number)"
            )
            exprs.append(
                f"case when {id_type} = 'RIC' then coalesce(ric.normalised, gw_id('RIC', v_id_number)) "
                f"else gw_id({id_type}, v_id_number) end as id_number"
            )
            exprs.append(
                f"""case when v_id_number is null then false
                     when {id_type} = 'RIC' then coalesce(ric.valid, false)
                          and ric.birth_date between date '1900-01-01' and {row_date}
                     else length(regexp_replace(gw_id({id_type}, v_id_number), '[^A-Z0-9]', '', 'g'))
                          >= 5
                end as id_valid"""
            )
        elif name == "phone":
            exprs.append("gw_phone(v_phone) as phone")
            exprs.append("gw_phone_valid(gw_phone(v_phone)) as phone_valid")
        elif name == "uscc":
            joins.append(
                "left join raw.identifier_checks as uscc_check on uscc_check.kind = 'USCC' "
                "and uscc_check.value = gw_uscc(v_uscc)"
            )
            exprs.append("gw_uscc(v_uscc) as uscc")
            exprs.append("coalesce(uscc_check.valid, false) as uscc_valid")
        elif name == "temperature":
            exprs.append(
                "case when t_temperature between 34.0 and 43.0 then t_temperature end as temperature"
            )
            exprs.append(
                "coalesce(t_temperature between 34.0 and 43.0, false) as temperature_valid"
            )
            exprs.append("v_temperature as temperature_text")
        elif name == "checkpoint_code":
            exprs.append("resolved_checkpoint as checkpoint_code")
        elif name == "inspection_passed":
            exprs.append("cast(t_inspection_passed as boolean) as inspection_passed")
        else:
            exprs.append(f"t_{name} as {name}")
    return (
        f"select ?::date as delivery_date, ?::varchar as file_name, row_number, "
        f"{', '.join(exprs)}, extras from {table} {' '.join(joins)} where reason is null"
    )


def _duplicate_of(
    con: duckdb.DuckDBPyConnection, feed: str, day: dt.date, name: str, digest: str
) -> str | None:
    rows = con.execute(
        """select delivery_date, file_name from raw.load_log
           where feed = ? and sha256 = ? and status = 'LOADED'
             and not (delivery_date = ? and file_name = ?)
           order by delivery_date, file_name limit 1""",
        [feed, digest, day, name],
    ).fetchall()
    return f"{feed}/{rows[0][0]}/{rows[0][1]}" if rows else None


def partition_files(landing: Path, feed: str, day: dt.date) -> list[Path]:
    folder = landing / feed / day.isoformat()
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: p.name)


def load_partition(
    con: duckdb.DuckDBPyConnection, landing: Path, feed_name: str, day: dt.date
) -> PartitionResult:
    """Replace partition (feed, day) with the files now in its landing folder.

    The reference data must already be loaded (``reference.load_reference``).
    Never raises for bad data: rejected files are in the result; callers decide.
    """
    feed = FEEDS[feed_name]
    files = partition_files(landing, feed_name, day)
    results: list[FileResult] = []
    loaded: list[tuple[FileResult, str]] = []
    seen: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="gridwatch-") as tmp:
        workdir = Path(tmp)
        for index, path in enumerate(files):
            result = FileResult(feed_name, day, path.name, "LOADED")
            results.append(result)
            result.sha256 = sha256_of(path)
            original = seen.get(result.sha256) or _duplicate_of(
                con, feed_name, day, path.name, result.sha256
            )
            if original:
                result.status = "DUPLICATE"
                result.error = f"same bytes as {original}, already loaded; not loaded again"
                continue
            seen[result.sha256] = f"{feed_name}/{day}/{path.name}"
            table = f"gw_norm_{index}"
            try:
                prepared = prepare(feed, path, workdir)
                result.encoding = prepared.encoding
                _stage(con, prepared, f"gw_stage_{index}")
                _normalise(con, feed, prepared, f"gw_stage_{index}", table)
                con.execute(f"drop table gw_stage_{index}")
            except FileRejected as exc:
                result.status, result.error = "REJECTED", str(exc)
                del seen[result.sha256]
                continue
            counts = con.execute(
                f"select coalesce(reason, ''), count(*) from {table} group by all"
            ).fetchall()
            result.reasons = {r: n for r, n in counts if r}
            result.rows_read = sum(n for _, n in counts)
            result.rows_quarantined = sum(result.reasons.values())
            result.rows_loaded = result.rows_read - result.rows_quarantined
            loaded.append((result, table))
        _check_identifiers(con, feed, [t for _, t in loaded])
        _replace_partition(con, feed, day, results, loaded)
    return PartitionResult(feed_name, day, results)


def _check_identifiers(con: duckdb.DuckDBPyConnection, feed: Feed, tables: list[str]) -> None:
    if not tables:
        return
    if "id_number" in {c.name for c in feed.columns}:
        id_type = "t_id_type" if feed.name == "push_list" else "'RIC'"
        values = " union all ".join(
            f"select gw_id('RIC', v_id_number) from {t} where reason is null and {id_type} = 'RIC'"
            for t in tables
        )
        refresh_checks(con, "RIC", values)
    if feed.name == "enterprise_filing":
        values = " union all ".join(
            f"select gw_uscc(v_uscc) from {t} where reason is null" for t in tables
        )
        refresh_checks(con, "USCC", values)


def _replace_partition(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    day: dt.date,
    results: list[FileResult],
    loaded: list[tuple[FileResult, str]],
) -> None:
    columns = ", ".join(c.split()[0] for c in raw_columns(feed))
    loaded_at = dt.datetime.now().replace(microsecond=0)
    con.execute("begin transaction")
    try:
        for table in (f"raw.{feed.name}", "raw.quarantine", "raw.load_log"):
            where = "delivery_date = ?" + ("" if table == f"raw.{feed.name}" else " and feed = ?")
            params = [day] if table == f"raw.{feed.name}" else [day, feed.name]
            con.execute(f"delete from {table} where {where}", params)
        for result, table in loaded:
            con.execute(
                f"insert into raw.{feed.name} ({columns}) {_final_select(feed, table)}",
                [day, result.file_name],
            )
            con.execute(
                f"""insert into raw.quarantine
                    select ?, ?, ?, row_number, reason, raw_values from {table}
                    where reason is not null""",
                [feed.name, day, result.file_name],
            )
        for r in results:
            con.execute(
                "insert into raw.load_log values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                ],
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        for _, table in loaded:
            con.execute(f"drop table if exists {table}")


def summarise(results: list[PartitionResult]) -> str:
    return json.dumps(
        [
            {
                "feed": f.feed,
                "date": str(f.delivery_date),
                "file": f.file_name,
                "status": f.status,
                "read": f.rows_read,
                "loaded": f.rows_loaded,
                "quarantined": f.rows_quarantined,
            }
            for r in results
            for f in r.files
        ],
        ensure_ascii=False,
        indent=1,
    )
