"""Roles Leader, Analyst and StreetLeader, who sees which dashboard, row-level security.

Run by ``manage.py import`` after the assets are in (it needs their datasets and
dashboards).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from assets_build import (
    ANALYST,
    DASHBOARDS,
    DATASETS,
    LEADER,
    STREET_LEADER,
    role_datasets,
    uid,
)

from manage_superset.app import ensure_user
from manage_superset.home import STREET_FILE, USERS, Fail, log

DB_UUID = uid("database", "gridwatch_serving")


def choose_street(serving: Path) -> tuple[str, str]:
    import duckdb

    wanted = os.environ.get("GRIDWATCH_STREET_LEADER_STREET")
    con = duckdb.connect(str(serving), read_only=True)
    try:
        rows = con.execute(
            "SELECT street_code, any_value(street_name) FROM marts.mart_coverage_daily "
            "WHERE street_code NOT LIKE '\\_%' ESCAPE '\\' GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    if wanted:
        rows = [r for r in rows if r[0] == wanted] or [(wanted, wanted)]
    if not rows:
        raise Fail("the serving file has no street in marts.mart_coverage_daily")
    return rows[0][0], rows[0][1]


def sync_access(serving: Path, pw: dict[str, str]) -> None:
    """Roles Leader, Analyst, StreetLeader (+ RLS), who sees which dashboard, and the
    example users; idempotent."""
    from superset import db
    from superset import security_manager as sm
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
    from superset.models.core import Database
    from superset.utils.core import RowLevelSecurityFilterType

    database = db.session.query(Database).filter_by(uuid=DB_UUID).one()
    by_uuid = {
        str(d.uuid): d
        for d in db.session.query(SqlaTable).filter(SqlaTable.database_id == database.id)
    }
    ds = {d.key: by_uuid[d.uuid] for d in DATASETS}

    def pvm(perm: str, view: str) -> Any:
        return sm.add_permission_view_menu(perm, view)

    def ds_access(keys: list[str]) -> list[Any]:
        return [pvm("datasource_access", ds[k].perm) for k in keys]

    pvms = sm._get_all_pvms()
    # Leader: what Superset's built-in read-only Public role may do (view dashboards and
    # their charts), plus the dashboard list; no SQL Lab, no Explore editing, no writes.
    viewer = [p for p in pvms if sm._is_public_pvm(p) or sm._is_accessible_to_all(p)]
    viewer += [
        pvm("menu_access", "Dashboards"),
        pvm("can_read", "Dashboard"),
        pvm("can_read", "Chart"),
        pvm("can_read", "Tag"),
        pvm("can_write", "DashboardPermalinkRestApi"),
        pvm("can_read", "DashboardPermalinkRestApi"),
        pvm("can_read", "Dataset"),
        pvm("can_csv", "Superset"),
        pvm("can_log", "Superset"),  # the dashboard's UI event log
    ]
    roles = {
        LEADER: viewer + ds_access(role_datasets(LEADER)),
        STREET_LEADER: viewer + ds_access(role_datasets(STREET_LEADER)),
        ANALYST: [p for p in pvms if sm._is_gamma_pvm(p) or sm._is_sql_lab_pvm(p)]
        + [pvm("database_access", database.perm)]
        + ds_access([d.key for d in DATASETS]),
    }
    for name, perms in roles.items():
        role = sm.find_role(name) or sm.add_role(name)
        role.permissions = list(dict.fromkeys(perms))
    db.session.commit()
    sync_dashboard_roles()

    code, name = choose_street(serving)
    street_sql = code.replace("'", "''")
    leader_role = sm.find_role(STREET_LEADER)
    street_ds = role_datasets(STREET_LEADER)
    rls = {
        "gridwatch: street leader sees one street": (
            f"street_code = '{street_sql}'",
            [k for k in street_ds if _has_col(ds[k], "street_code")],
        ),
        # A dataset without a street (none today: street views drop such charts) shows
        # a street leader nothing rather than the whole city.
        "gridwatch: street leader has no city-wide topic rows": (
            "1 = 0",
            [k for k in street_ds if not _has_col(ds[k], "street_code")],
        ),
    }
    for rls_name, (clause, keys) in rls.items():
        f = db.session.query(RowLevelSecurityFilter).filter_by(name=rls_name).one_or_none()
        if f is None:
            f = RowLevelSecurityFilter(name=rls_name)
            db.session.add(f)
        f.filter_type = RowLevelSecurityFilterType.REGULAR
        f.clause = clause
        f.group_key = None
        f.description = f"{name} ({code})" if "street_code" in clause else "no topic rows"
        f.roles = [leader_role]
        f.tables = [ds[k] for k in keys]
    db.session.commit()
    for username in USERS:
        ensure_user(username, pw[username])
    STREET_FILE.write_text(
        json.dumps({"street_code": code, "street_name": name}, ensure_ascii=False)
    )
    log(f"roles Leader, Analyst, StreetLeader synced; street leader sees {name} ({code})")


def sync_dashboard_roles() -> None:
    """Each dashboard is seen by the roles its definition names (DASHBOARD_RBAC is on):
    a street leader gets the street views, not the city-wide dashboards."""
    from superset import db
    from superset import security_manager as sm
    from superset.models.dashboard import Dashboard

    for d in DASHBOARDS:
        dash = db.session.query(Dashboard).filter_by(uuid=d.uuid).one()
        dash.roles = [sm.find_role(r) for r in d.roles]
    db.session.commit()


def _has_col(table: Any, column: str) -> bool:
    return any(c.column_name == column for c in table.columns)
