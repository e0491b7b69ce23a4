"""``manage.py inventory``: every imported object with a hash (for idempotency checks)."""

from __future__ import annotations

import argparse
import hashlib
import json
from typing import Any

from manage_superset.app import get_app


def inventory() -> dict[str, Any]:
    """Every imported object with a hash of its content (ids included)."""
    from superset import db
    from superset.connectors.sqla.models import SqlaTable
    from superset.models.core import Database
    from superset.models.dashboard import Dashboard
    from superset.models.slice import Slice

    def h(*parts: Any) -> str:
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    out: dict[str, Any] = {"databases": [], "datasets": [], "charts": [], "dashboards": []}
    for d in db.session.query(Database).order_by(Database.id):
        out["databases"].append(
            {"uuid": str(d.uuid), "id": d.id, "name": d.database_name,
             "hash": h(d.sqlalchemy_uri, d.extra, d.expose_in_sqllab, d.allow_dml)}
        )  # fmt: skip
    for t in db.session.query(SqlaTable).order_by(SqlaTable.id):
        cols = sorted((c.column_name, c.verbose_name, c.type, c.expression) for c in t.columns)
        mets = sorted((m.metric_name, m.verbose_name, m.expression) for m in t.metrics)
        out["datasets"].append(
            {"uuid": str(t.uuid), "id": t.id, "name": t.table_name,
             "hash": h(t.sql, t.schema, t.main_dttm_col, cols, mets)}
        )  # fmt: skip
    for c in db.session.query(Slice).order_by(Slice.id):
        out["charts"].append(
            {"uuid": str(c.uuid), "id": c.id, "name": c.slice_name,
             "hash": h(c.viz_type, c.params, c.datasource_id)}
        )  # fmt: skip
    for d in db.session.query(Dashboard).order_by(Dashboard.id):
        out["dashboards"].append(
            {"uuid": str(d.uuid), "id": d.id, "name": d.dashboard_title, "slug": d.slug,
             "charts": sorted(s.id for s in d.slices),
             "roles": sorted(r.name for r in d.roles),
             "hash": h(d.position_json, d.json_metadata, d.published)}
        )  # fmt: skip
    out["counts"] = {k: len(v) for k, v in out.items() if isinstance(v, list)}
    return out


def cmd_inventory(args: argparse.Namespace) -> None:
    with get_app().app_context():
        print(json.dumps(inventory(), ensure_ascii=False, indent=1))
