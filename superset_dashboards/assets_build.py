"""Generate the Superset assets (YAML) of the gridwatch dashboards.

The YAML under ``superset_dashboards/assets/`` is what ``manage.py import`` loads; it
is generated from the definitions in the ``build_assets`` package (its ``__init__``
lists the modules: datasets, chart builders, one module per dashboard, YAML output) so
that uuids, dataset columns, Chinese labels, filter scopes and layouts stay consistent.
Edit those, then run

    python superset_dashboards/assets_build.py          # rewrite assets/
    python superset_dashboards/assets_build.py --check  # fail if assets/ is stale

The database URI in ``databases/gridwatch_serving.yaml`` is a placeholder that the
import renders from ``GRIDWATCH_SERVING``. The names other scripts use (``manage.py``)
are importable from here.
"""

from __future__ import annotations

import argparse
import difflib
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_assets.dashboards import CHARTS, DASHBOARDS, role_datasets
from build_assets.datasets import DATASETS, DS
from build_assets.model import (
    ANALYST,
    DATABASE_FILE,
    DATABASE_NAME,
    LEADER,
    SERVING_URI_PLACEHOLDER,
    STREET_LEADER,
    VERSION,
    Chart,
    Col,
    Dashboard,
    Dataset,
    Filter,
    Metric,
    uid,
)
from build_assets.yaml_out import build, chart_yaml, dashboard_yaml, database_yaml, dataset_yaml

__all__ = [
    "ANALYST",
    "ASSETS",
    "CHARTS",
    "DASHBOARDS",
    "DATABASE_FILE",
    "DATABASE_NAME",
    "DATASETS",
    "DS",
    "LEADER",
    "SERVING_URI_PLACEHOLDER",
    "STREET_LEADER",
    "VERSION",
    "Chart",
    "Col",
    "Dashboard",
    "Dataset",
    "Filter",
    "Metric",
    "build",
    "chart_yaml",
    "dashboard_yaml",
    "database_yaml",
    "dataset_yaml",
    "main",
    "role_datasets",
    "uid",
]

HERE = Path(__file__).resolve().parent
ASSETS = HERE / "assets"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Generate superset_dashboards/assets/")
    ap.add_argument("--out", type=Path, default=ASSETS)
    ap.add_argument("--check", action="store_true", help="fail if --out is not up to date")
    args = ap.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build(Path(tmp))
            want = {p.relative_to(tmp): p.read_text() for p in Path(tmp).rglob("*.yaml")}
        have = {p.relative_to(args.out): p.read_text() for p in args.out.rglob("*.yaml")}
        stale = sorted(str(k) for k in want.keys() | have.keys() if want.get(k) != have.get(k))
        for name in stale:
            diff = difflib.unified_diff(
                (have.get(Path(name)) or "").splitlines(),
                (want.get(Path(name)) or "").splitlines(),
                f"have/{name}",
                f"want/{name}",
                lineterm="",
            )
            print("\n".join(list(diff)[:40]))
        if stale:
            print(f"{len(stale)} asset file(s) out of date: run assets_build.py", file=sys.stderr)
            return 1
        print(f"assets up to date ({len(want)} files)")
        return 0
    if args.out.exists():
        shutil.rmtree(args.out)
    files = build(args.out)
    kinds: dict[str, int] = {}
    for name in files:
        kind = name.split("/")[0] if "/" in name else "metadata"
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"wrote {args.out}: " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
