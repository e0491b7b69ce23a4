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


@dataclass
class _Loaded:
    """A file read into temporary tables, waiting for the partition swap."""

    result: FileResult
    table: str  # normalised rows with their reasons
    stage: str  # the cells as delivered (for quarantine raw values)
    prepared: PreparedFile


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


# Column kinds whose parsing is costly per row: they are parsed once per distinct value.
_MAPPED_KINDS = {"timestamp", "date", "temperature"}


def _normalise(
    con: duckdb.DuckDBPyConnection, feed: Feed, prepared: PreparedFile, stage: str, out: str
) -> None:
    """Clean, type and give a quarantine reason to every non-empty staged row.

    Timestamps, dates, temperatures, phones and identity numbers repeat a lot
    (a city's checkpoint log has millions of rows but few distinct values), so
    they are parsed once per distinct value into a small map and joined back.
    """
    keys = _header_keys(prepared.header)
    known = set(prepared.columns.values())
    width = len(prepared.header)
    cleaned = [
        f"gw_text(c{prepared.columns[c.name]}) as v_{c.name}"
        if c.name in prepared.columns
        else f"cast(null as varchar) as v_{c.name}"
        for c in feed.columns
    ]
    unknown = [i for i in range(width) if i not in known]
    extras = (
        "json_object(" + ", ".join(f"'{keys[i]}', c{i}" for i in unknown) + ")"
        if unknown
        else "cast(null as json)"
    )
    # wholly empty rows are skipped and not counted (§2)
    unknown_text = "".join(f", gw_text(c{i}) as u{i}" for i in unknown)
    any_value = (
        "coalesce("
        + ", ".join([f"v_{c.name}" for c in feed.columns] + [f"u{i}" for i in unknown])
        + ")"
    )
    drop_unknown = f" exclude ({', '.join(f'u{i}' for i in unknown)})" if unknown else ""
    con.execute(
        f"""create or replace temp table {out}_clean as
            select *{drop_unknown} from (
                select rowid + 1 as row_number, {", ".join(cleaned)}, {extras} as extras{unknown_text}
                from {stage}
            ) where {any_value} is not null"""
    )

    maps: list[str] = []
    typed: list[str] = []
    for col in feed.columns:
        if col.kind in _MAPPED_KINDS and col.name in prepared.columns:
            v = (
                f"v_{col.name}"
                if col.default is None
                else f"coalesce(v_{col.name}, '{col.default}')"
            )
            table = f"{out}_map_{col.name}"
            expr = typed_expr(col).replace(f"v_{col.name}", "v")
            con.execute(
                f"create or replace temp table {table} as select v, {expr} as t "
                f"from (select distinct {v} as v from {out}_clean) where v is not null"
            )
            maps.append(f"left join {table} on {table}.v = {v}")
            typed.append(f"{table}.t as t_{col.name}")
        else:
            typed.append(f"{typed_expr(col)} as t_{col.name}")
    specials: list[str] = []
    if "phone" in prepared.columns:
        table = f"{out}_map_phone"
        con.execute(
            f"create or replace temp table {table} as select v, gw_phone(v) as phone, "
            f"gw_phone_valid(gw_phone(v)) as phone_valid "
            f"from (select distinct v_phone as v from {out}_clean) where v is not null"
        )
        maps.append(f"left join {table} on {table}.v = v_phone")
        specials += [
            f"{table}.phone as n_phone",
            f"coalesce({table}.phone_valid, false) as n_phone_valid",
        ]
    else:
        specials += ["cast(null as varchar) as n_phone", "false as n_phone_valid"]
    if "id_number" in prepared.columns:
        table = f"{out}_map_id"
        con.execute(
            f"create or replace temp table {table} as select v, gw_id('RIC', v) as ric, "
            f"gw_id('OTHER', v) as other "
            f"from (select distinct v_id_number as v from {out}_clean) where v is not null"
        )
        maps.append(f"left join {table} on {table}.v = v_id_number")
        specials += [f"{table}.ric as n_id_ric", f"{table}.other as n_id_other"]
    else:
        specials += ["cast(null as varchar) as n_id_ric", "cast(null as varchar) as n_id_other"]

    extra_reasons: list[tuple[str, str]] = []
    joins = " ".join(maps)
    checkpoint_col = ""
    if feed.name == "checkpoint":
        joins += """ left join raw.ref_checkpoints as by_code on by_code.checkpoint_code = v_checkpoint_code
                   left join (select checkpoint_name, min(checkpoint_code) as checkpoint_code
                              from raw.ref_checkpoints group by 1) as by_name
                          on by_name.checkpoint_name = v_checkpoint_code"""
        extra_reasons.append(("resolved_checkpoint is null", "UNKNOWN_CHECKPOINT"))
        checkpoint_col = (
            ", coalesce(by_code.checkpoint_code, by_name.checkpoint_code) as resolved_checkpoint"
        )
    reason = reason_case(feed, extra_reasons)
    query = f"""
        with typed as (
            select {out}_clean.*, {", ".join(typed)}, {", ".join(specials)} {checkpoint_col}
            from {out}_clean {joins}
        )
        select *, {reason} as reason from typed
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
    con.execute(f"create or replace temp table {out} as {query}")
    for table in [f"{out}_clean"] + [m.split()[2] for m in maps]:
        con.execute(f"drop table if exists {table}")


def _raw_values_sql(prepared: PreparedFile, stage: str, table: str) -> str:
    """Quarantined rows with every cell as delivered, keyed by the sender's header names."""
    keys = _header_keys(prepared.header)
    values = "json_object(" + ", ".join(f"'{k}', s.c{i}" for i, k in enumerate(keys)) + ")"
    return (
        f"select n.row_number, n.reason, {values} as raw_values from {table} as n "
        f"join {stage} as s on s.rowid + 1 = n.row_number where n.reason is not null"
    )


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
                f"and {id_type} = 'RIC' and ric.value = n_id_ric"
            )
            exprs.append(
                f"case when {id_type} = 'RIC' then coalesce(ric.normalised, n_id_ric) "
                f"else n_id_other end as id_number"
            )
            exprs.append(
                f"""case when v_id_number is null then false
                     when {id_type} = 'RIC' then coalesce(ric.valid, false)
                          and ric.birth_date between date '1900-01-01' and {row_date}
                     else length(regexp_replace(n_id_other, '[^A-Z0-9]', '', 'g'))
                          >= 5
                end as id_valid"""
            )
        elif name == "phone":
            exprs.append("n_phone as phone")
            exprs.append("n_phone_valid as phone_valid")
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
    loaded: list[_Loaded] = []
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
            loaded.append(_Loaded(result, table, f"gw_stage_{index}", prepared))
        _check_identifiers(con, feed, [item.table for item in loaded])
        _replace_partition(con, feed, day, results, loaded)
    return PartitionResult(feed_name, day, results)


def _check_identifiers(con: duckdb.DuckDBPyConnection, feed: Feed, tables: list[str]) -> None:
    if not tables:
        return
    if "id_number" in {c.name for c in feed.columns}:
        id_type = "t_id_type" if feed.name == "push_list" else "'RIC'"
        values = " union all ".join(
            f"select n_id_ric from {t} where reason is null and {id_type} = 'RIC'" for t in tables
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
    loaded: list[_Loaded],
) -> None:
    columns = ", ".join(c.split()[0] for c in raw_columns(feed))
    loaded_at = dt.datetime.now().replace(microsecond=0)
    con.execute("begin transaction")
    try:
        for table in (f"raw.{feed.name}", "raw.quarantine", "raw.load_log"):
            where = "delivery_date = ?" + ("" if table == f"raw.{feed.name}" else " and feed = ?")
            params = [day] if table == f"raw.{feed.name}" else [day, feed.name]
            con.execute(f"delete from {table} where {where}", params)
        for item in loaded:
            con.execute(
                f"insert into raw.{feed.name} ({columns}) {_final_select(feed, item.table)}",
                [day, item.result.file_name],
            )
            con.execute(
                f"""insert into raw.quarantine
                    select ?, ?, ?, row_number, reason, raw_values
                    from ({_raw_values_sql(item.prepared, item.stage, item.table)})""",
                [feed.name, day, item.result.file_name],
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
        for item in loaded:
            con.execute(f"drop table if exists {item.table}")
            con.execute(f"drop table if exists {item.stage}")


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
