"""The quality gates by hand.

python -m gridwatch.quality --init           # write the suites (idempotent)
python -m gridwatch.quality --validate DATE  # every gate by hand
python -m gridwatch.quality --docs           # (re)build Data Docs, print the path
python -m gridwatch.quality --catalogue      # the suites as Markdown (SUITES.md)
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys

from gridwatch.config import Settings
from gridwatch.quality.gates import build_all_docs, render_reports, validate_day


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gridwatch.quality", description=__doc__)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--init", action="store_true", help="create or update the GX suites")
    group.add_argument("--validate", type=dt.date.fromisoformat, metavar="DATE")
    group.add_argument("--docs", action="store_true", help="build GX Data Docs")
    group.add_argument(
        "--catalogue", action="store_true", help="print the suites as Markdown (SUITES.md)"
    )
    args = parser.parse_args(argv)
    if args.catalogue:
        from gridwatch.quality.suites import catalogue

        sys.stdout.write(catalogue())
        return 0
    logging.basicConfig(level=logging.WARNING)
    settings = Settings.from_env()
    if args.init:
        from gridwatch.quality import gx as quality_gx

        proj = quality_gx.project(settings)
        print("GX suites up to date" if not proj.changed else "\n".join(proj.changed))
        return 0
    if args.docs:
        print(build_all_docs(settings))
        return 0
    reports = validate_day(settings, args.validate)
    print(render_reports(reports))
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
