"""Retention: remove the raw personal values of rows delivered before a date.

``gridwatch purge --before D`` (and the daily run, when GRIDWATCH_RETENTION_DAYS is set):

1. In one transaction, for every raw row with ``delivery_date < D``:
   - names, identity numbers, phones and plates become **keyed tokens**,
     ``'~' || 20 hex digits of HMAC(GRIDWATCH_PII_KEY, 'purge:<kind>:<value>')``: the
     same value gives the same token in every table, so every equality the models
     join on (a record's phone and name, an ID pushed and seen at a checkpoint) holds
     among purged rows exactly as it held among their values, and the token cannot be
     reversed without the key. Addresses, free text (``source_area``, ``reason``),
     verifiers, ``extras`` and the quarantine's ``raw_values`` become NULL; no model
     reads them. Validity flags stay.
   - ``raw.purged_identities`` records, for each tokenised identity (``RIC:~…``,
     ``PHN:~…:~…``), the ``person_key`` its record had (read from
     ``int_push_records__enriched``), and dbt's identity model keeps that key: a
     person's key, and so the marts' history, does not change.
   - the incremental state holding those values is deleted so the next build
     recomputes it from the tokens: the person-level rows of the persons concerned,
     and the checkpoint partitions purged (as a re-loaded partition would be).
   - the identity-check cache (``raw.identifier_checks``, a cache of RIC numbers) is
     emptied; the next loads refill it with their own numbers.
   - an audit row (``audit.access_log``, action ``purge``) says who, when, why and how much.
2. ``dbt build`` (incremental) recomputes what was deleted, from the tokens.
3. The file is compacted: every table is copied into a fresh file (``COPY FROM
   DATABASE``), which replaces the warehouse atomically (``os.replace``), so the old
   values are gone from disk, not only from the tables.

A purge is idempotent: values already tokens are left alone, and a purge with nothing
to remove changes nothing (no build, no compaction). Only links *across* the cut are
lost (a purged record's phone no longer equals a live record's phone), so a person
with records on both sides keeps one key but a checkpoint event before the cut no longer
matches a phone pushed only after it. Landing files are not touched: delete them under
the same retention (RUNBOOK.md), or a re-run of a purged date loads the values again.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from gridwatch.config import Settings, pii_key, retention_days
from gridwatch.warehouse import audit
from gridwatch.warehouse.person_file import PURGED_PREFIX
from gridwatch.warehouse.pseudonym import register

# (table, column) -> token kind ("NULL": removed). The same kind in two tables gives the
# same token for the same value, so joins across feeds survive the purge.
PURGED_COLUMNS: dict[str, dict[str, str]] = {
    "push_list": {
        "name": "NAME",
        "id_number": "ID",
        "phone": "PHONE",
        "address": "NULL",
        "source_area": "NULL",
        "reason": "NULL",
        "extras": "NULL",
    },
    "verification": {"id_number": "ID", "verifier": "NULL", "extras": "NULL"},
    "checkpoint": {"id_number": "ID", "phone": "PHONE", "plate": "PLATE", "extras": "NULL"},
    "quarantine": {"raw_values": "NULL"},
}
PERSON_STATE = ("int_push_records__enriched", "int_persons", "int_person_days")
CHECKPOINT_STATE = ("int_checkpoint_key_partitions", "int_checkpoint_events__matched")
TOKEN_MACRO = (
    "create or replace temporary macro gw_purge_token(kind, v) as "
    f"case when v is null or starts_with(v, '{PURGED_PREFIX}') then v "
    f"else '{PURGED_PREFIX}' || left(gw_pseudonym('purge:' || kind || ':' || v), 20) end"
)


class PurgeError(RuntimeError):
    """The purge cannot run as asked: the message says what to do."""


@dataclass
class PurgeReport:
    before: dt.date
    dry_run: bool
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows with values to remove
    persons: int = 0
    built: bool = False
    compacted_bytes: tuple[int, int] | None = None

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    def summary(self) -> str:
        what = ", ".join(f"{t} {n}" for t, n in self.rows.items() if n) or "nothing"
        if self.dry_run:
            return (
                f"dry run: rows delivered before {self.before} holding personal values: {what}; "
                f"{self.persons} person(s) concerned. Nothing was changed."
            )
        if not self.total:
            return f"nothing to purge before {self.before}: no raw personal values left there"
        size = ""
        if self.compacted_bytes:
            old, new = self.compacted_bytes
            size = f"; warehouse compacted {old / 1e6:.1f} MB -> {new / 1e6:.1f} MB"
        return (
            f"purged the personal values of rows delivered before {self.before}: {what}; "
            f"{self.persons} person(s) concerned; marts rebuilt{size}"
        )


def _where(table: str, before_param: str = "?") -> str:
    """Rows of ``table`` before the cut still holding a value to remove."""
    held = " or ".join(
        f"{col} is not null"
        if kind == "NULL"
        else f"({col} is not null and not starts_with({col}, '{PURGED_PREFIX}'))"
        for col, kind in PURGED_COLUMNS[table].items()
    )
    return f"delivery_date < {before_param} and ({held})"


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _affected_persons(con: duckdb.DuckDBPyConnection, before: dt.date) -> int:
    con.execute(
        f"""create or replace temporary table gw_purged_records as
            select distinct batch_id, record_no from raw.push_list
            where {_where("push_list")}""",
        [before],
    )
    if not _has(con, "intermediate", "int_push_records__enriched"):
        return 0
    con.execute(
        """create or replace temporary table gw_purged_persons as
           select distinct e.person_key
           from intermediate.int_push_records__enriched as e
           inner join gw_purged_records using (batch_id, record_no)"""
    )
    return con.execute("select count(*) from gw_purged_persons").fetchone()[0]


def _tokenise(con: duckdb.DuckDBPyConnection, before: dt.date) -> None:
    # identities first, from the values before they become tokens (contract §7 rules 1, 3)
    con.execute(
        """insert into raw.purged_identities
           select identity, any_value(person_key) from (
               select p.id_type || ':' || gw_purge_token('ID', p.id_number) as identity,
                      e.person_key
               from raw.push_list as p
               inner join intermediate.int_push_records__enriched as e using (batch_id, record_no)
               where p.delivery_date < ? and p.id_valid
                 and not starts_with(p.id_number, '~')
               union all
               select 'PHN:' || gw_purge_token('PHONE', p.phone) || ':'
                          || gw_purge_token('NAME', p.name), e.person_key
               from raw.push_list as p
               inner join intermediate.int_push_records__enriched as e using (batch_id, record_no)
               where p.delivery_date < ? and p.phone_valid and p.name is not null
                 and not coalesce(p.id_valid, false) and not starts_with(p.name, '~')
           )
           group by identity
           on conflict do nothing""",
        [before, before],
    )
    for table, columns in PURGED_COLUMNS.items():
        sets = ", ".join(
            f"{col} = null" if kind == "NULL" else f"{col} = gw_purge_token('{kind}', {col})"
            for col, kind in columns.items()
        )
        con.execute(f"update raw.{table} set {sets} where {_where(table)}", [before])
    con.execute("delete from raw.identifier_checks where kind = 'RIC'")
    for table in PERSON_STATE:
        if _has(con, "intermediate", table):
            con.execute(
                f"delete from intermediate.{table} "
                "where person_key in (select person_key from gw_purged_persons)"
            )
    for table in CHECKPOINT_STATE:
        if _has(con, "intermediate", table):
            con.execute(f"delete from intermediate.{table} where delivery_date < ?", [before])


def purge_before(
    settings: Settings, before: dt.date, actor: audit.Actor, dry_run: bool = False
) -> PurgeReport:
    """Purge the raw personal values of rows delivered before ``before`` (module doc)."""
    from gridwatch.warehouse.schema import connect

    report = PurgeReport(before=before, dry_run=dry_run)
    con = connect(settings.warehouse)
    try:
        register(con, pii_key())
        con.execute(TOKEN_MACRO)
        for table in PURGED_COLUMNS:
            report.rows[table] = con.execute(
                f"select count(*) from raw.{table} where {_where(table)}", [before]
            ).fetchone()[0]
        if report.total and not _has(con, "intermediate", "int_push_records__enriched"):
            raise PurgeError(
                "the warehouse has no built person state yet: build it first "
                "(gridwatch build), then purge, so every person keeps their person_key"
            )
        report.persons = _affected_persons(con, before)
        detail = {"before": before, "dry_run": dry_run, "rows": report.rows}
        detail["persons"] = report.persons
        if dry_run or not report.total:  # a purge that changes nothing is not audited
            if dry_run:
                audit.record(con, actor, "purge --dry-run", None, None, detail)
            return report
        con.execute("begin transaction")
        try:
            _tokenise(con, before)
            audit.record(con, actor, "purge", None, None, detail)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()
    try:
        from gridwatch.warehouse.build import build

        build(settings)
        report.built = True
    finally:  # the values are out of the tables either way: get them off the disk too
        report.compacted_bytes = compact(settings.warehouse)
    return report


def compact(warehouse: Path) -> tuple[int, int]:
    """Copy every table into a fresh file and swap it in atomically; (old, new) sizes."""
    fresh = warehouse.with_name(f".compact-{warehouse.name}")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    old_size = warehouse.stat().st_size
    con = duckdb.connect(":memory:")
    try:
        # the old file under its own name, so views that name their catalog still bind
        con.execute(f"attach '{warehouse}' as \"{warehouse.stem}\" (read_only)")
        con.execute(f"attach '{fresh}' as gw_fresh")
        con.execute(f'copy from database "{warehouse.stem}" to gw_fresh')
        con.execute("detach gw_fresh")
        con.execute(f'detach "{warehouse.stem}"')
    finally:
        con.close()
    os.replace(fresh, warehouse)
    warehouse.with_name(warehouse.name + ".wal").unlink(missing_ok=True)
    return old_size, warehouse.stat().st_size


def apply_retention(settings: Settings, day: dt.date) -> PurgeReport | None:
    """The daily run's purge: keep the raw personal values of the last
    GRIDWATCH_RETENTION_DAYS delivery dates up to ``day`` (N = 1: ``day`` alone) and purge
    those delivered before; None when no retention period is set."""
    days = retention_days()
    if days is None:
        return None
    actor = audit.Actor.current(
        "gridwatch daily run", f"retention: GRIDWATCH_RETENTION_DAYS={days}"
    )
    return purge_before(settings, day - dt.timedelta(days=days - 1), actor)
