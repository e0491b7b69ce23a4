"""The audit trail of personal-data access: an append-only table in the warehouse.

Every ``gridwatch person`` look-up and every ``gridwatch purge`` appends one row to
``audit.access_log``: who (the OS user, and the operator named with ``--as``), when,
what (``action``), the pseudonymous ``person_key`` looked up, and why (``--reason``).
The raw identity number, phone or name typed is never stored: the row holds the
person_key (HMAC, contract §7) only, and a reason that repeats a typed value has it
masked. Nothing in gridwatch updates or deletes these rows (the purge keeps them: they
hold no personal values); compaction copies them to the new file.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from dataclasses import dataclass

import duckdb

AUDIT_DDL = [
    "create schema if not exists audit",
    """create table if not exists audit.access_log (
        logged_at timestamp not null,       -- local time of the action
        os_user varchar not null,           -- the account that ran the command
        operator varchar not null,          -- --as, else the OS user
        action varchar not null,            -- 'person' (a look-up) or 'purge'
        person_key varchar,                 -- pseudonym looked up; NULL: no identity matched
        found boolean,                      -- a look-up found a file
        reason varchar not null,            -- --reason, with any typed value masked
        detail json                         -- what was asked (the kind of query), counts
    )""",
]

COLUMNS = ("logged_at", "os_user", "operator", "action", "person_key", "found", "reason", "detail")


class AuditError(ValueError):
    """A look-up or purge without the reason the audit needs (usage problem)."""


@dataclass(frozen=True)
class Actor:
    """Who acts and why: the OS user, the operator named with --as, the reason given."""

    os_user: str
    operator: str
    reason: str

    @classmethod
    def current(cls, operator: str | None, reason: str | None) -> Actor:
        if not reason or not reason.strip():
            raise AuditError(
                "--reason is required: say why (e.g. --reason '核查工单 2021-0815-03'); "
                "it is written to the audit trail (RUNBOOK.md, personal data)"
            )
        user = _os_user()
        return cls(os_user=user, operator=(operator or "").strip() or user, reason=reason.strip())


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (a bare container)
        return "unknown"


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in AUDIT_DDL:
        con.execute(ddl)


def scrub(text: str, secrets: list[str]) -> str:
    """``text`` with every typed value of ``secrets`` (ID, phone, name) masked."""
    for value in sorted({s for s in secrets if s and len(s) >= 2}, key=len, reverse=True):
        text = text.replace(value, "*" * 3)
    return text


def record(
    con: duckdb.DuckDBPyConnection,
    actor: Actor,
    action: str,
    person_key: str | None,
    found: bool | None,
    detail: dict,
    typed: list[str] = (),
) -> None:
    """Append one audit row (in its own statement: it stays even if the caller fails later)."""
    ensure(con)
    con.execute(
        "insert into audit.access_log values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            dt.datetime.now(),
            actor.os_user,
            actor.operator,
            action,
            person_key,
            found,
            scrub(actor.reason, list(typed)),
            json.dumps(detail, ensure_ascii=False, default=str),
        ],
    )


def entries(
    con: duckdb.DuckDBPyConnection,
    since: dt.date | None = None,
    person_key: str | None = None,
    operator: str | None = None,
    limit: int = 100,
) -> list[dict]:
    """The latest audit rows first, filtered; [] when nothing was ever audited."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'audit' "
        "and table_name = 'access_log'"
    ).fetchone()[0]
    if not exists:
        return []
    clauses, params = [], []
    if since:
        clauses.append("logged_at >= ?")
        params.append(since)
    if person_key:
        clauses.append("person_key = ?")
        params.append(person_key)
    if operator:
        clauses.append("operator = ?")
        params.append(operator)
    where = ("where " + " and ".join(clauses)) if clauses else ""
    rows = con.execute(
        f"select {', '.join(COLUMNS)} from audit.access_log {where} "
        f"order by logged_at desc limit {int(limit)}",
        params,
    ).fetchall()
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]
