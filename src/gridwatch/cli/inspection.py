"""Commands that look and report: status, quarantine, check-reference, validate, report,
person, audit, purge."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from rich.table import Table

from gridwatch.cli.common import (
    UsageError,
    _existing_warehouse,
    console,
    err,
)
from gridwatch.config import Settings
from gridwatch.ops import hints

STATUS_COLUMNS = """feed, delivery_date, file_name, status, rows_read, rows_loaded,
    rows_quarantined, loaded_at, coalesce(error, '')"""


def _status_rows(settings: Settings, day: dt.date | None) -> list[tuple]:
    """The load log; while a run writes the warehouse, the last publish's mart_load_status."""
    import duckdb

    from gridwatch.warehouse.schema import connect
    from gridwatch.warehouse.writer_lock import describe, holder

    where, params = ("where delivery_date = ?", [day]) if day else ("", [])
    try:
        con = connect(settings.warehouse, read_only=True)
    except duckdb.IOException:
        writer = holder(settings.warehouse)
        if writer is None or not settings.serving.exists():
            raise
        err.print(
            f"the warehouse is being written by {describe(writer)}: showing the load status "
            f"of the last publish ({settings.serving}); run again when it has finished",
            markup=False,
            highlight=False,
        )
        con = duckdb.connect(str(settings.serving), read_only=True)
        table = "marts.mart_load_status"
    else:
        table = "raw.load_log"
    try:
        return con.execute(
            f"select {STATUS_COLUMNS} from {table} {where} order by delivery_date, feed, file_name",
            params,
        ).fetchall()
    finally:
        con.close()


def _change_lines(settings: Settings, day: dt.date | None) -> list[str]:
    """One line per re-load that changed records: counts and changed columns."""
    import duckdb

    from gridwatch.warehouse.schema import connect

    where, params = ("where delivery_date = ?", [day]) if day else ("", [])
    try:
        con, table = connect(settings.warehouse, read_only=True), "raw.delivery_changes"
    except duckdb.IOException:  # being written: the last publish's mart, as for the table
        if not settings.serving.exists():
            return []
        con = duckdb.connect(str(settings.serving), read_only=True)
        table = "marts.mart_delivery_changes"
    try:
        rows = con.execute(
            f"""select feed, delivery_date, loaded_at, count_if(change = 'added'),
                    count_if(change = 'removed'), count_if(change = 'changed'),
                    list_sort(list_distinct(flatten(list(string_split(changed_columns, ', '))
                        filter (where changed_columns is not null))))
                from {table} {where} group by all order by delivery_date, feed, loaded_at""",
            params,
        ).fetchall()
    except duckdb.CatalogException:  # a serving file published before the mart existed
        return []
    finally:
        con.close()
    return [
        f"{feed} {date} reloaded at {at}: {added} added, {removed} removed, {changed} changed"
        + (f" (columns: {', '.join(columns)})" if columns else "")
        for feed, date, at, added, removed, changed, columns in rows
    ]


def cmd_status(args: argparse.Namespace) -> int:
    settings = _existing_warehouse(Settings.from_env())
    rows = _status_rows(settings, args.date)
    table = Table("feed", "date", "file", "status", "read", "loaded", "quar.", "loaded at", "error")
    for row in rows:
        cells = [str(c) for c in row]
        if row[3] == "REJECTED":
            cells[3] = f"[red]{cells[3]}[/]"
        cells[-1] = cells[-1][:90]
        table.add_row(*cells)
    console.print(table)
    for line in _change_lines(settings, args.date):
        console.print(line, markup=False, highlight=False)
    rejected = [r for r in rows if r[3] == "REJECTED"]
    if rejected:
        days = sorted({r[1] for r in rejected})
        err.print(
            f"{len(rejected)} rejected file(s): fix or remove them, then re-run their date(s):\n"
            + "\n".join(f"    {hints.rerun(day)}" for day in days),
            markup=False,
            highlight=False,
        )
    return 1 if rejected else 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    from gridwatch.warehouse.schema import connect

    settings = _existing_warehouse(Settings.from_env())
    con = connect(settings.warehouse, read_only=True)
    clauses, params = [], []
    if args.date:
        clauses.append("delivery_date = ?")
        params.append(args.date)
    if args.feed:
        clauses.append("feed = ?")
        params.append(args.feed)
    where = ("where " + " and ".join(clauses)) if clauses else ""
    rows = con.execute(
        f"""select feed, delivery_date, file_name, row_number, reason, cast(raw_values as varchar)
            from raw.quarantine {where} order by delivery_date, feed, file_name, row_number
            limit {int(args.limit)}""",
        params,
    ).fetchall()
    con.close()
    table = Table("feed", "date", "file", "row", "reason", "raw values")
    for row in rows:
        table.add_row(*[str(c) for c in row[:5]], row[5][:100])
    console.print(table)
    console.print("Raw values contain personal data: share this output only with authorised staff.")
    return 0


def cmd_check_reference(args: argparse.Namespace) -> int:
    from gridwatch.ingest.reference import load_reference
    from gridwatch.warehouse.schema import connect

    settings = Settings.from_env()
    # a scratch in-memory database: checking writes nothing and waits for no warehouse lock
    con = connect(Path(":memory:"))
    try:
        summary = load_reference(con, settings.reference_dir)
    finally:
        con.close()
    console.print(
        f"reference {settings.reference_dir} is consistent: {summary.streets} streets, "
        f"{summary.communities} communities, {summary.grids} grids, "
        f"{summary.checkpoints} checkpoints"
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from gridwatch.quality import render_reports, validate_day

    settings = _existing_warehouse(Settings.from_env())
    reports = validate_day(settings, args.date)
    # "[blocking]" in the report is not rich markup
    console.print(render_reports(reports), markup=False, highlight=False)
    if not any(r.gate == "marts" for r in reports):
        console.print(
            "the marts are not built yet, so only the batch gate ran; build and check them "
            f"with: {hints.rerun(args.date)}",
            markup=False,
            highlight=False,
        )
    return 0 if all(r.ok for r in reports) else 1


def cmd_report(args: argparse.Namespace) -> int:
    from gridwatch.config import report_dir
    from gridwatch.ops.daily_report import ReportError, write_report

    settings = Settings.from_env()
    out = Path(args.out).absolute() if args.out else report_dir(settings)
    try:
        written = write_report(settings.serving, args.date, out, street=args.street)
    except ReportError as exc:
        raise UsageError(str(exc)) from exc
    console.print(f"wrote {written.workbook}\nwrote {written.png}", markup=False, highlight=False)
    return 0


def cmd_person(args: argparse.Namespace) -> int:
    from gridwatch.warehouse.person_commands import person

    return person(_existing_warehouse(Settings.from_env()), args, console)


def cmd_audit(args: argparse.Namespace) -> int:
    from gridwatch.warehouse.person_commands import audit_list

    return audit_list(_existing_warehouse(Settings.from_env()), args, console)


def cmd_purge(args: argparse.Namespace) -> int:
    from gridwatch.warehouse.person_commands import purge

    return purge(_existing_warehouse(Settings.from_env()), args, console)
