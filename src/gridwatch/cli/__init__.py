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

from gridwatch.cli.common import (
    UsageError,
    _date,
    err,
)
from gridwatch.cli.daily import (
    cmd_backfill,
    cmd_build,
    cmd_generate,
    cmd_load,
    cmd_publish,
    cmd_run,
)
from gridwatch.cli.inspection import (
    cmd_audit,
    cmd_check_reference,
    cmd_person,
    cmd_purge,
    cmd_quarantine,
    cmd_report,
    cmd_status,
    cmd_validate,
)
from gridwatch.config import FEEDS_DIRS, Settings


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
