"""Run gridwatch's Superset: init, import the assets, roles, start/stop, benchmark.

Run with the Superset venv (``superset_dashboards/.venv/bin/python``):

    manage.py init              metadata DB, secret key, generated passwords, admin user
    manage.py import [--url U]  render + zip assets/, POST /api/v1/assets/import/ (overwrite),
                                then roles, users and row-level security
    manage.py start | stop | status | url
    manage.py inventory         JSON of the imported objects (for idempotency checks)
    manage.py bench             chart-data latency on about a year of city-sized marts

Environment: GRIDWATCH_SERVING (serving file, default data/serving/gridwatch.duckdb),
GRIDWATCH_SUPERSET_HOME (state: metadata DB, secret key, passwords, pid and log; default
superset_dashboards/.home), SUPERSET_PORT (8088), SUPERSET_DATABASE_URI (metadata DB),
GRIDWATCH_STREET_LEADER_STREET (street code of the example street leader).

The code is in the ``manage_superset`` package (its ``__init__`` lists the modules); this
file holds the command line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from manage_superset.app import cmd_init
from manage_superset.importing import cmd_dashboards, cmd_import
from manage_superset.inventory import cmd_inventory
from manage_superset.server import cmd_start, cmd_status, cmd_stop, cmd_url


def cmd_bench(args: argparse.Namespace) -> None:
    import bench

    bench.main(args)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("init", help="metadata DB, secret key, passwords, admin user")
    p.add_argument("--force", action="store_true", help="re-run db upgrade and init")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("import", help="import assets/ (overwrite) and sync roles")
    p.add_argument("--assets", help="asset tree to import (default: superset_dashboards/assets)")
    p.add_argument("--url", help="import through a running Superset at this URL")
    p.set_defaults(func=cmd_import)
    for name, func in [("start", cmd_start), ("status", cmd_status), ("url", cmd_url)]:
        p = sub.add_parser(name)
        p.add_argument("--port", type=int)
        p.set_defaults(func=func)
    p = sub.add_parser("dashboards", help="init (if needed) and import, in one process")
    p.add_argument("--force", action="store_true")
    p.add_argument("--assets")
    p.add_argument("--url")
    p.set_defaults(func=cmd_dashboards)
    sub.add_parser("stop").set_defaults(func=cmd_stop)
    sub.add_parser("inventory").set_defaults(func=cmd_inventory)
    p = sub.add_parser("bench", help="chart-data latency (p50, p95) on city-sized marts")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--port", type=int, default=8099)
    p.add_argument("--keep", action="store_true", help="leave the bench Superset running")
    p.set_defaults(func=cmd_bench)
    args = ap.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
