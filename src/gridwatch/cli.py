"""`gridwatch`: the operator's command line.

    gridwatch generate --preset street --days 14 --seed 7 --out data/generated
    gridwatch load all 2021-08-02          # load every feed of a delivery date
    gridwatch build                        # dbt build: marts + tests
    gridwatch build --full-refresh         # … rebuilding the incremental models too
    gridwatch publish                      # marts gate, then copy the marts to serving
    gridwatch run 2021-08-02               # load + gates + build + publish
    gridwatch backfill 2021-08-01 2021-08-14
    gridwatch status [--date D]            # load status per file
    gridwatch quarantine [--date D] [--feed F]
    gridwatch check-reference
    gridwatch validate 2021-08-02          # quality gates by hand
    gridwatch report 2021-08-02 [--street CODE] [--out DIR]   # the daily report (日报)
    gridwatch person 110101198503121239 --reason R   # one person's whole file, audited
    gridwatch audit                        # who looked whom up, and the purges
    gridwatch purge --before 2021-09-01 --reason R [--dry-run]

Exit codes: 0 success, 1 data problem (rejected file, failed gate, failed day),
2 usage or configuration problem.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from gridwatch.config import FEEDS_DIRS, Settings
from gridwatch.ops import hints

# Piped output (make, logs) gets a wide table instead of rich's 80-column default.
console = Console(stderr=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


class UsageError(Exception):
    """A usage or configuration problem (exit code 2): the message says what to fix."""


def _existing_warehouse(settings: Settings) -> Settings:
    """``settings`` if its warehouse exists; else a UsageError saying how to create it."""
    if not settings.warehouse.exists():
        raise UsageError(
            f"no warehouse at {settings.warehouse} yet: check GRIDWATCH_WAREHOUSE, or load a "
            f"date first: {hints.rerun('YYYY-MM-DD')}"
        )
    return settings


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


def cmd_generate(args: argparse.Namespace) -> int:
    from gridwatch_generator import (
        ArgumentError,
        OutputFolderError,
        check_arguments,
        check_out,
        generate,
    )

    out = Path(args.out).absolute()
    try:
        check_arguments(args.preset, args.days, args.start)
        check_out(out)  # before the progress bar: a refused folder prints one line
        with _progress() as progress:
            task = progress.add_task(f"generating {args.preset}", total=args.days)

            def report(stage: str, done: int, total: int) -> None:
                progress.update(task, description=f"generating {args.preset}: {stage}", total=total)
                progress.update(task, completed=done)

            manifest = generate(
                args.preset, args.days, args.seed, out, start=args.start, progress=report
            )
    except ArgumentError as exc:
        raise UsageError(f"--{exc.option} {exc.detail}") from exc
    except OutputFolderError as exc:
        raise UsageError(f"--out {args.out} {exc.detail}") from exc
    dates = sorted({e.delivery_date for e in manifest.files})
    plain = {"markup": False, "highlight": False, "soft_wrap": True}
    console.print(f"wrote {len(manifest.files)} landing files and the reference to {out}", **plain)
    console.print(f"next: {_backfill_hint(out, dates[0], dates[-1])}", **plain)
    return 0


def _backfill_hint(out: Path, first: str, last: str) -> str:
    """The command that runs the generated dates, with the folders when they are not the
    ones the environment already names."""
    folders = {
        "GRIDWATCH_LANDING_DIR": out / "landing",
        "GRIDWATCH_REFERENCE_DIR": out / "reference",
    }
    prefix = "".join(
        f"{key}={shlex.quote(str(path))} "
        for key, path in folders.items()
        if Path(os.environ.get(key, "")).absolute() != path
    )
    return prefix + hints.backfill(first, last)


def _print_results(results) -> None:
    table = Table("feed", "date", "file", "status", "read", "loaded", "quarantined", "note")
    for partition in results:
        if not partition.files:
            table.add_row(
                partition.feed, str(partition.delivery_date), "(no files)", "", "", "", "", ""
            )
        for f in partition.files:
            style = {"REJECTED": "red", "DUPLICATE": "yellow"}.get(f.status, "")
            table.add_row(
                f.feed,
                str(f.delivery_date),
                f.file_name,
                f"[{style}]{f.status}[/]" if style else f.status,
                str(f.rows_read),
                str(f.rows_loaded),
                str(f.rows_quarantined),
                (f.error or ", ".join(f"{k}×{v}" for k, v in f.reasons.items()))[:80],
            )
    console.print(table)


def cmd_load(args: argparse.Namespace) -> int:
    from gridwatch.ingest.load import RejectedFilesError
    from gridwatch.ops.pipeline import load_feeds

    feeds = FEEDS_DIRS if args.feed == "all" else (args.feed,)
    # loaded by hand, the date has not been through the batch gate: the marts gate holds
    # every publish back until it has (marts.held_deliveries)
    next_step = (
        f"next: {hints.cli()} validate {args.date} (the batch gate), or {hints.rerun(args.date)}"
    )
    try:
        results = load_feeds(Settings.from_env(), args.date, feeds)
    except RejectedFilesError as exc:
        _print_results(exc.results)
        console.print(next_step)
        err.print(f"[red]{exc}[/]")
        return 1
    _print_results(results)
    console.print(next_step)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from gridwatch.warehouse.build import build

    with err.status("dbt build (models, data tests, unit tests)…"):
        output = build(Settings.from_env(), full_refresh=args.full_refresh)
    console.print(next((ln for ln in reversed(output.splitlines()) if "Done." in ln), "done"))
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from gridwatch.quality import serving_check, validate_marts
    from gridwatch.warehouse.publish import publish

    settings = _existing_warehouse(Settings.from_env())
    day = args.date or _last_delivery_date(settings)
    validate_marts(settings, day)  # as in the daily run: a failed gate is never published
    tables = publish(settings.warehouse, settings.serving, check=serving_check(settings, day))
    console.print(f"published {len(tables)} marts to {settings.serving}")
    return 0


def _last_delivery_date(settings: Settings) -> dt.date:
    from gridwatch.warehouse.schema import connect

    con = connect(settings.warehouse, read_only=True)
    try:
        (day,) = con.execute("select max(delivery_date) from raw.load_log").fetchall()[0]
    finally:
        con.close()
    if day is None:
        raise SystemExit(f"nothing loaded yet: load a date first: {hints.rerun('YYYY-MM-DD')}")
    return day


def _day_counts(outcome) -> str:
    """One line of what a day loaded and what its gates found, for run and backfill."""
    files = [f for p in outcome.loads for f in p.files]
    parts = [
        f"{sum(f.status == 'LOADED' for f in files)} file(s) loaded",
        f"{sum(f.rows_loaded for f in files)} rows, "
        f"{sum(f.rows_quarantined for f in files)} quarantined",
    ]
    for status in ("DUPLICATE", "REJECTED"):
        count = sum(f.status == status for f in files)
        if count:
            parts.append(f"{count} {status.lower()}")
    warnings = sum(len(g.warnings) for g in outcome.gates)
    if outcome.gates:
        parts.append(f"{warnings} gate warning(s)")
    return "; ".join(parts)


def _nothing_delivered_note(outcome, settings: Settings) -> None:
    if outcome.nothing_delivered:
        err.print(
            f"[yellow]no feed has a folder for {outcome.day} under {settings.landing_dir}[/]: "
            "nothing was loaded for it. Check the date, or that the delivery has arrived."
        )


def cmd_run(args: argparse.Namespace) -> int:
    from gridwatch.ops.pipeline import run_day

    settings = Settings.from_env()
    outcome = run_day(settings, args.date, publish_marts=not args.no_publish)
    if outcome.loads:
        _print_results(outcome.loads)
    for gate in outcome.gates:  # the gates print each warning themselves
        console.print(gate.summary())
    _nothing_delivered_note(outcome, settings)
    if outcome.ok:
        console.print(f"{outcome.day}: {outcome.message} ({_day_counts(outcome)})")
        return 0
    err.print(f"[red]{outcome.day} failed[/]: {outcome.message}")
    return 2 if outcome.usage_error else 1


def cmd_backfill(args: argparse.Namespace) -> int:
    from gridwatch.ops.pipeline import dates_between, require_landing, run_day

    settings = Settings.from_env()
    failed = []
    if args.end < args.start:
        raise UsageError(f"END {args.end} is before START {args.start}")
    require_landing(settings)  # once, not the same failure for every date (exit 2)
    days = dates_between(args.start, args.end)
    with _progress() as progress:
        task = progress.add_task("backfill", total=len(days))
        for day in days:
            progress.update(task, description=f"backfill {day}")
            outcome = run_day(settings, day)
            _nothing_delivered_note(outcome, settings)
            if outcome.ok:
                progress.console.print(f"{day}: {outcome.message} ({_day_counts(outcome)})")
            else:
                failed.append(outcome)
                err.print(f"[red]{day} failed[/]: {outcome.message}")
            progress.advance(task)
    if failed:
        err.print(
            f"[red]{len(failed)} of {len(days)} date(s) failed:[/] "
            + ", ".join(str(o.day) for o in failed)
            + "\nFix what each message names (a file, a setting, a lock held by another "
            "process; RUNBOOK.md §2), then re-run each date:\n"
            + "\n".join(f"    {hints.rerun(o.day)}" for o in failed)
        )
        return 2 if any(o.usage_error for o in failed) else 1
    console.print(
        f"{len(days)} date(s) loaded, built and published; serving file {settings.serving}"
    )
    return 0


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
    """One line per re-load that changed records: counts and changed columns (issue #22)."""
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


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gridwatch", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    from gridwatch_generator import FIRST_START, LAST_DAY, PRESETS

    g = sub.add_parser(
        "generate",
        help="write a synthetic delivery (reference + landing files)",
        description="Write a synthetic, deliberately messy delivery: reference/, landing/ "
        "and manifest.json (what each file is built to load as). The same preset, days, "
        "seed and start give byte-identical files.",
    )
    g.add_argument(
        "--preset",
        default="street",
        choices=list(PRESETS),
        help="size: "
        + ", ".join(
            f"{name} ({p.streets} street{'s' * (p.streets > 1)}, "
            f"~{p.push_peak:,} pushes on a peak day)"
            for name, p in PRESETS.items()
        )
        + " (default: %(default)s)",
    )
    g.add_argument(
        "--days",
        type=int,
        default=14,
        help="number of delivery dates to write, 1 or more (default: %(default)s)",
    )
    g.add_argument(
        "--seed",
        type=int,
        default=7,
        help="random seed: another seed gives other data (default: %(default)s)",
    )
    g.add_argument(
        "--start",
        type=_date,
        default=dt.date(2021, 8, 2),
        help=f"first delivery date, YYYY-MM-DD, from {FIRST_START} to {LAST_DAY} "
        "(default: %(default)s)",
    )
    g.add_argument(
        "--out",
        default="data/generated",
        help="folder to write to; a previous generator output there is replaced, any other "
        "file under its landing/ or reference/ stops the run (default: %(default)s)",
    )
    g.set_defaults(func=cmd_generate)

    ld = sub.add_parser("load", help="load the files of one delivery date into the warehouse")
    ld.add_argument("feed", choices=["all", *FEEDS_DIRS])
    ld.add_argument("date", type=_date)
    ld.set_defaults(func=cmd_load)

    b = sub.add_parser("build", help="build the marts with dbt (models and tests)")
    b.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental checkpoint models from the whole raw layer",
    )
    b.set_defaults(func=cmd_build)
    pub = sub.add_parser(
        "publish", help="publish the marts to the serving file (marts gate first, then PII-scanned)"
    )
    pub.add_argument("--date", type=_date, help="delivery date the quality results belong to")
    pub.set_defaults(func=cmd_publish)

    r = sub.add_parser("run", help="the daily run for one date: load, gates, build, publish")
    r.add_argument("date", type=_date)
    r.add_argument("--no-publish", action="store_true")
    r.set_defaults(func=cmd_run)

    b = sub.add_parser("backfill", help="run each date from START to END in order")
    b.add_argument("start", type=_date)
    b.add_argument("end", type=_date)
    b.set_defaults(func=cmd_backfill)

    s = sub.add_parser("status", help="load status of landed files")
    s.add_argument("--date", type=_date)
    s.set_defaults(func=cmd_status)

    q = sub.add_parser("quarantine", help="list quarantined rows with their reasons")
    q.add_argument("--date", type=_date)
    q.add_argument("--feed", choices=FEEDS_DIRS)
    q.add_argument("--limit", type=int, default=50)
    q.set_defaults(func=cmd_quarantine)

    sub.add_parser("check-reference", help="check the reference data").set_defaults(
        func=cmd_check_reference
    )

    v = sub.add_parser("validate", help="run the quality gates of a date by hand")
    v.add_argument("date", type=_date)
    v.set_defaults(func=cmd_validate)

    rp = sub.add_parser(
        "report",
        help="write the daily report (日报: xlsx + png) of a date from the serving file",
        description="Write the daily report of DATE from the published marts: an .xlsx with "
        "a sheet per street and a topics sheet, and a PNG of the key figures.",
    )
    rp.add_argument("date", type=_date)
    rp.add_argument(
        "--out",
        help="folder (default: GRIDWATCH_REPORT_DIR, else reports/ beside the serving file)",
    )
    rp.add_argument("--street", help="street code: that street's sheet only")
    rp.set_defaults(func=cmd_report)

    from gridwatch.warehouse.person_commands import add_parsers

    add_parsers(sub, _date, cmd_person, cmd_audit, cmd_purge)
    return p


# Commands that write the warehouse: one at a time, the next waits (warehouse.writer_lock).
WRITERS = frozenset({"load", "build", "publish", "run", "backfill", "validate", "person", "purge"})


def _run_command(args: argparse.Namespace) -> int:
    if args.command not in WRITERS:
        return args.func(args)
    from gridwatch.warehouse.writer_lock import writer_lock

    settings = Settings.from_env()
    with writer_lock(settings.warehouse, f"gridwatch {args.command}", say=err.print):
        return args.func(args)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run_command(args)
    except UsageError as exc:
        err.print(f"[red]{exc}[/]")
        return 2
    except Exception as exc:
        import duckdb

        from gridwatch.ingest.load import LandingMissingError
        from gridwatch.ingest.reference import ReferenceError
        from gridwatch.warehouse.build import BuildError
        from gridwatch.warehouse.publish import PublishError
        from gridwatch.warehouse.writer_lock import WarehouseBusyError

        if exc.__class__.__name__ in ("QueryError", "AuditError", "PurgeError"):  # person, purge
            err.print(f"[red]{exc}[/]", highlight=False)
            return 2
        if isinstance(exc, WarehouseBusyError):
            err.print(f"[red]warehouse busy[/]: {exc}", markup=True, highlight=False)
            return 1
        if isinstance(exc, LandingMissingError):
            err.print(f"[red]{exc.__class__.__name__}[/]: {exc}")
            return 2
        known = (BuildError, PublishError, ReferenceError)
        if isinstance(exc, known) or exc.__class__.__name__ == "QualityGateError":
            err.print(f"[red]{exc.__class__.__name__}[/]: {exc}")
            return 1
        if isinstance(exc, duckdb.IOException):  # a held lock, a damaged or unwritable file
            err.print(
                f"[red]warehouse file error[/]: {exc}\nSee RUNBOOK.md §2 (a lock held by "
                "another process: wait for it or stop it; a damaged file: move it aside and "
                "backfill from the landing folders)."
            )
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
