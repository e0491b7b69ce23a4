"""The personal-data commands of the CLI: ``person``, ``audit`` and ``purge``.

The CLI keeps one thin ``cmd_*`` per command; the arguments and the work live here.
``person`` and ``purge`` write the warehouse (an audit row; the purge rewrites the
file), so the CLI runs them under the writer lock.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from gridwatch.config import Settings

PLAIN = {"markup": False, "highlight": False}


def add_parsers(
    sub,
    date_type: Callable[[str], object],
    cmd_person: Callable,
    cmd_audit: Callable,
    cmd_purge: Callable,
) -> None:
    pe = sub.add_parser(
        "person",
        help="one person's whole file (一人一档), by ID number or phone + name; audited",
        description="Print everything the warehouse holds on one person: identity and the "
        "records joined to it (and why), push records, verifications, the current measure, "
        "checkpoint sightings and who is responsible now. Every look-up is written to the "
        "audit trail (gridwatch audit). Raw personal data: authorised staff only (RUNBOOK.md).",
    )
    pe.add_argument(
        "id_number", nargs="?", help="identity number: 18 or 15 digits, full-width or spaced"
    )
    pe.add_argument("--phone", help="mobile number (with --name, when there is no ID number)")
    pe.add_argument("--name", help="the person's name (with --phone)")
    _actor_arguments(pe)
    pe.add_argument("--json", action="store_true", help="print JSON for scripts")
    pe.set_defaults(func=cmd_person)

    au = sub.add_parser(
        "audit", help="list the audit trail: who looked whom up, when and why; purges"
    )
    au.add_argument("--since", type=date_type, help="from this date (YYYY-MM-DD)")
    au.add_argument("--person-key", help="only the look-ups of this person_key")
    au.add_argument("--operator", help="only this operator (--as name or OS user)")
    au.add_argument("--limit", type=int, default=100, help="rows, latest first (default 100)")
    au.add_argument("--json", action="store_true", help="print JSON for scripts")
    au.set_defaults(func=cmd_audit)

    pu = sub.add_parser(
        "purge",
        help="remove raw personal values of rows delivered before a date; compact the file",
        description="Replace the names, ID numbers, phones, addresses, plates and free text "
        "of every row delivered before --before by keyed tokens (raw layer and the "
        "intermediate state), rebuild, and compact the warehouse file so the values are gone "
        "from disk. The marts' pseudonymous history stays. Audited.",
    )
    pu.add_argument(
        "--before", type=date_type, required=True, help="purge delivery dates before this one"
    )
    pu.add_argument("--dry-run", action="store_true", help="print what would go, change nothing")
    _actor_arguments(pu)
    pu.set_defaults(func=cmd_purge)


def _actor_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--reason", help="why (required; written to the audit trail)")
    p.add_argument(
        "--as", dest="operator", help="the operator's name for the audit (default: the OS user)"
    )


def person(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from gridwatch.warehouse.audit import Actor
    from gridwatch.warehouse.person_file import look_up
    from gridwatch.warehouse.person_view import as_json, render
    from gridwatch.warehouse.schema import connect

    actor = Actor.current(args.operator, args.reason)
    con = connect(settings.warehouse)
    try:
        result = look_up(con, actor, args.id_number, args.phone, args.name)
    finally:
        con.close()
    if args.json:
        console.print(as_json(result), **PLAIN, soft_wrap=True)
    else:
        render(console, result)
        console.print(
            "含个人信息，仅限授权人员使用；本次查询已记入审计日志 (gridwatch audit)。", **PLAIN
        )
    return 0 if result.files else 1


def audit_list(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from gridwatch.warehouse.audit import entries
    from gridwatch.warehouse.schema import connect

    con = connect(settings.warehouse, read_only=True)
    try:
        rows = entries(con, args.since, args.person_key, args.operator, args.limit)
    finally:
        con.close()
    if args.json:
        console.print(json.dumps(rows, ensure_ascii=False, default=str), **PLAIN, soft_wrap=True)
        return 0
    table = Table(
        "time", "operator", "OS user", "action", "person_key", "found", "reason", "detail"
    )
    for row in rows:
        table.add_row(
            str(row["logged_at"])[:19],
            row["operator"],
            row["os_user"],
            row["action"],
            row["person_key"] or "",
            "" if row["found"] is None else ("yes" if row["found"] else "no"),
            row["reason"],
            row["detail"] or "",
        )
    console.print(table)
    if not rows:
        console.print("the audit trail is empty (no look-up or purge yet)", **PLAIN)
    return 0


def purge(settings: Settings, args: argparse.Namespace, console: Console) -> int:
    from gridwatch.warehouse.audit import Actor
    from gridwatch.warehouse.purge import purge_before

    actor = Actor.current(args.operator, args.reason)
    report = purge_before(settings, args.before, actor, dry_run=args.dry_run)
    console.print(report.summary(), **PLAIN)
    return 0
