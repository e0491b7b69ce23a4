"""Commands that move data: generate, load, build, publish, run, backfill."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
from pathlib import Path

from rich.table import Table

from gridwatch.cli.common import (
    UsageError,
    _existing_warehouse,
    _progress,
    console,
    err,
)
from gridwatch.config import FEEDS_DIRS, Settings
from gridwatch.ops import hints


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
