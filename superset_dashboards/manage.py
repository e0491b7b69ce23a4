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
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
ASSETS = HERE / "assets"
HOME = Path(os.environ.get("GRIDWATCH_SUPERSET_HOME") or HERE / ".home").resolve()
os.environ["GRIDWATCH_SUPERSET_HOME"] = str(HOME)
os.environ.setdefault("SUPERSET_CONFIG_PATH", str(HERE / "superset_config.py"))
os.environ.setdefault("FLASK_APP", "superset.app:create_app()")
os.environ.setdefault("SUPERSET_LOAD_EXAMPLES", "no")

sys.path.insert(0, str(HERE))
from assets_build import (  # noqa: E402
    ANALYST,
    DASHBOARDS,
    DATASETS,
    LEADER,
    SERVING_URI_PLACEHOLDER,
    STREET_LEADER,
    role_datasets,
    uid,
)
from marts_schema import MARTS  # noqa: E402

DB_UUID = uid("database", "gridwatch_serving")
PASSWORDS = HOME / "passwords.json"
PID_FILE = HOME / "superset.pid"
LOG_FILE = HOME / "superset.log"
INIT_LOG = HOME / "init.log"
INIT_MARKER = HOME / "init.json"
STREET_FILE = HOME / "street_leader.json"
HOST = "127.0.0.1"

# username -> (role, first name, last name)
USERS = {
    "admin": ("Admin", "系统", "管理员"),
    "leader": (LEADER, "指挥部", "领导"),
    "analyst": (ANALYST, "数据", "分析员"),
    "street_leader": (STREET_LEADER, "街道", "领导"),
}


class Fail(SystemExit):
    """A loud, non-zero exit with a message on stderr."""

    def __init__(self, message: str) -> None:
        print(f"ERROR: {message}", file=sys.stderr)
        super().__init__(1)


def log(message: str) -> None:
    print(message, flush=True)


def serving_path() -> Path:
    raw = os.environ.get("GRIDWATCH_SERVING") or "data/serving/gridwatch.duckdb"
    p = Path(raw)
    return (p if p.is_absolute() else REPO / p).resolve()


def port() -> int:
    return int(os.environ.get("SUPERSET_PORT") or 8088)


def base_url(p: int | None = None) -> str:
    return f"http://{HOST}:{p or port()}"


# ---------------------------------------------------------------------------- secrets


def passwords() -> dict[str, str]:
    """Generated passwords, one per user, in an untracked file (mode 0600)."""
    HOME.mkdir(parents=True, exist_ok=True)
    current: dict[str, str] = {}
    if PASSWORDS.exists():
        current = json.loads(PASSWORDS.read_text())
    missing = [u for u in USERS if not current.get(u)]
    if missing:
        for u in missing:
            current[u] = secrets.token_urlsafe(18)
        tmp = PASSWORDS.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(current, fh, indent=2)
        os.replace(tmp, PASSWORDS)
    if os.environ.get("SUPERSET_ADMIN_PASSWORD"):
        # A deployment that manages the admin's password itself (compose's .env).
        current = {**current, "admin": os.environ["SUPERSET_ADMIN_PASSWORD"]}
    return current


# ------------------------------------------------------------------------------- init


def metadata_fingerprint(app: Any) -> dict[str, str]:
    """Which Superset version initialised which metadata database (to skip re-init)."""
    from importlib.metadata import version

    uri = str(app.config["SQLALCHEMY_DATABASE_URI"])
    return {
        "superset": version("apache-superset"),
        "metadata": hashlib.sha256(uri.encode()).hexdigest()[:16],
    }


def cmd_init(args: argparse.Namespace) -> None:
    t0 = time.monotonic()
    pw = passwords()
    app = get_app()
    fp = metadata_fingerprint(app)
    done = json.loads(INIT_MARKER.read_text()) if INIT_MARKER.exists() else None
    with app.app_context():
        if done != fp or args.force:
            log(f"superset db upgrade and init (their log: {INIT_LOG}) ...")
            with logged_to(INIT_LOG):
                upgrade_and_init()
        else:
            log("metadata database already initialised")
        ensure_user("admin", pw["admin"])
    INIT_MARKER.write_text(json.dumps(fp))
    log(f"init done in {time.monotonic() - t0:.1f}s (passwords in {PASSWORDS})")


def upgrade_and_init() -> None:
    """What `superset db upgrade` and `superset init` do, in this one process."""
    from flask_migrate import upgrade
    from superset import appbuilder, db
    from superset import security_manager as sm

    upgrade()
    appbuilder.add_permissions(update_perms=True)
    sm.sync_role_definitions()
    db.session.commit()


@contextlib.contextmanager
def logged_to(path: Path) -> Iterator[None]:
    """Send stdout, stderr and every log record of the block to ``path`` (appended).

    Alembic's env.py reconfigures logging from its ini file (INFO to stderr): hundreds of
    migration lines a person need not read unless something fails.
    """
    state = _logging_state()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} superset db upgrade and init\n")
        fh.flush()
        try:
            with contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
                yield
        except BaseException:
            print(f"ERROR: superset db upgrade / init failed; its log: {path}", file=sys.stderr)
            raise
        finally:
            _restore_logging(state)


def _logging_state() -> dict[str, tuple[Any, ...]]:
    """Handlers, level, propagation and disabled flag of every logger (root: "")."""
    import logging

    loggers = [("", logging.getLogger()), *logging.Logger.manager.loggerDict.items()]
    return {
        name: (lg.handlers[:], lg.level, lg.propagate, lg.disabled)
        for name, lg in loggers
        if isinstance(lg, logging.Logger)
    }


def _restore_logging(state: dict[str, tuple[Any, ...]]) -> None:
    import logging

    for name, (handlers, level, propagate, disabled) in state.items():
        lg = logging.getLogger(name or None)
        lg.handlers[:] = handlers
        lg.level, lg.propagate, lg.disabled = level, propagate, disabled


_APP: Any = None


def get_app() -> Any:
    """The Superset Flask app of this process (created once)."""
    global _APP
    if _APP is None:
        _APP = create_app()
    return _APP


def create_app() -> Any:
    import logging
    import warnings

    warnings.filterwarnings("ignore", module="sqlalchemy")
    warnings.filterwarnings("ignore", message=".*flush process.*")
    warnings.filterwarnings("ignore", message=".*inner-flush event handlers.*")
    logging.getLogger("superset").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Superset prints "Loaded your LOCAL configuration..." on stdout: keep stdout ours.
    with contextlib.redirect_stdout(sys.stderr):
        from superset.app import create_app as superset_create_app

        return superset_create_app()


def ensure_user(username: str, password: str) -> Any:
    from superset import db
    from superset import security_manager as sm

    role_name, first, last = USERS[username]
    role = sm.find_role(role_name) or sm.add_role(role_name)
    user = sm.find_user(username=username)
    if user is None:
        user = sm.add_user(username, first, last, f"{username}@gridwatch.invalid", [role], password)
        if not user:
            raise Fail(f"could not create user {username}")
    elif os.environ.get("GRIDWATCH_SUPERSET_KEEP_USERS", "").lower() in ("1", "true", "yes"):
        # production (docker-compose.yml): an existing user keeps the password and roles
        # an administrator may have changed since; only new users are created.
        pass
    else:
        user.roles = [role]
        user.active = True
        user.first_name, user.last_name = first, last
        from werkzeug.security import check_password_hash

        if not check_password_hash(user.password, password):
            sm.reset_password(user.id, password)
    db.session.commit()
    return user


# ----------------------------------------------------------------------------- import


def render_bundle(assets: Path, serving: Path) -> bytes:
    """Zip the YAML tree (with a root folder, as exports have) with the URI rendered."""
    import yaml

    files = sorted(p for p in assets.rglob("*") if p.is_file())
    if not (assets / "metadata.yaml").exists():
        raise Fail(f"{assets}: no metadata.yaml (an assets bundle needs one)")
    problems = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            rel = p.relative_to(assets).as_posix()
            if p.suffix not in (".yaml", ".yml"):
                problems.append(f"{rel}: not a YAML file")
                continue
            text = p.read_text(encoding="utf-8")
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                problems.append(f"{rel}: invalid YAML: {exc}")
                continue
            if not isinstance(doc, dict):
                problems.append(f"{rel}: not a mapping")
                continue
            if rel.startswith("databases/"):
                if doc.get("sqlalchemy_uri") != SERVING_URI_PLACEHOLDER:
                    problems.append(f"{rel}: sqlalchemy_uri must be {SERVING_URI_PLACEHOLDER}")
                text = text.replace("__GRIDWATCH_SERVING__", serving.as_posix())
            zf.writestr(f"gridwatch_assets/{rel}", text)
    if problems:
        raise Fail("invalid asset bundle:\n  " + "\n  ".join(problems))
    return buf.getvalue()


class Api:
    """Logged-in JSON client: the Flask test client (in process) or HTTP (``--url``)."""

    def __init__(self, url: str | None, username: str, password: str) -> None:
        self.url = url
        if url is None:
            self.client = get_app().test_client()
        else:
            import requests

            self.session = requests.Session()
        r = self.request("POST", "/api/v1/security/login",
                         json={"username": username, "password": password,
                               "provider": "db", "refresh": False})  # fmt: skip
        if r[0] != 200:
            raise Fail(f"login as {username} failed: {r}")
        self.headers = {"Authorization": f"Bearer {r[1]['access_token']}"}
        status, body = self.request("GET", "/api/v1/security/csrf_token/")
        if status != 200:
            raise Fail(f"no CSRF token: {status} {body}")
        self.headers["X-CSRFToken"] = body["result"]
        self.headers["Referer"] = url or "http://localhost/"

    def request(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        headers = {**getattr(self, "headers", {}), **kw.pop("headers", {})}
        if self.url is None:
            if "files" in kw:
                data = kw.pop("data", {})
                for name, (fname, content) in kw.pop("files").items():
                    data[name] = (io.BytesIO(content), fname)
                kw["data"] = data
                kw["content_type"] = "multipart/form-data"
            r = self.client.open(path, method=method, headers=headers, **kw)
            try:
                body = r.get_json()
            except Exception:
                body = None
            return r.status_code, body if body is not None else r.get_data(as_text=True)
        import requests

        try:
            r = self.session.request(method, self.url + path, headers=headers, timeout=300, **kw)
        except requests.ConnectionError as exc:
            raise Fail(f"cannot reach Superset at {self.url}: {exc}") from exc
        try:
            return r.status_code, r.json()
        except ValueError:
            return r.status_code, r.text


def format_import_errors(body: Any) -> str:
    if not isinstance(body, dict):
        return str(body)[:3000]
    lines = []
    for err in body.get("errors") or [body]:
        lines.append(str(err.get("message", err)))
        extra = err.get("extra") or {}
        for key, value in extra.items():
            if key in ("issue_codes",):
                continue
            lines.append(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines)


def cmd_import(args: argparse.Namespace) -> None:
    t0 = time.monotonic()
    serving = serving_path()
    if not serving.exists():
        raise Fail(
            f"serving file {serving} does not exist: run the pipeline (make demo) or set "
            "GRIDWATCH_SERVING (for development: superset_dashboards/devdata.py FILE)"
        )
    if not INIT_MARKER.exists():
        raise Fail("Superset is not initialised here: run `manage.py init` first")
    assets = Path(args.assets).resolve() if args.assets else ASSETS
    bundle = render_bundle(assets, serving)
    pw = passwords()
    api = Api(args.url, "admin", pw["admin"])
    status, body = api.request(
        "POST",
        "/api/v1/assets/import/",
        files={"bundle": ("gridwatch_assets.zip", bundle)},
        data={"passwords": "{}"},
    )
    if status != 200:
        raise Fail(f"assets import rejected (HTTP {status}):\n{format_import_errors(body)}")
    log(f"imported {assets} into {args.url or 'Superset (in process)'}: {body}")
    with get_app().app_context():
        sync_access(serving, pw)
        inv = inventory()
    (HOME / "inventory.json").write_text(json.dumps(inv, ensure_ascii=False, indent=1))
    counts = inv["counts"]
    problems = check_serving(serving)
    for p in problems:
        print(f"WARNING: serving file: {p}", file=sys.stderr)
    log(
        "objects: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + f"; import took {time.monotonic() - t0:.1f}s"
    )


def cmd_dashboards(args: argparse.Namespace) -> None:
    cmd_init(args)
    cmd_import(args)


def check_serving(serving: Path) -> list[str]:
    """Tables and columns the dashboards need that the serving file lacks."""
    import duckdb

    con = duckdb.connect(str(serving), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'marts'"
        ).fetchall()
    finally:
        con.close()
    have: dict[str, set[str]] = {}
    for t, c in rows:
        have.setdefault(t, set()).add(c)
    problems = []
    for table, cols in MARTS.items():
        if table not in have:
            problems.append(f"missing table marts.{table}")
            continue
        missing = [c for c, _ in cols if c not in have[table]]
        if missing:
            problems.append(f"marts.{table} lacks {', '.join(missing)}")
    return problems


# ------------------------------------------------------------------------------ roles


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


# -------------------------------------------------------------------------- inventory


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


# --------------------------------------------------------------------------- serving


def _pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    # Only our gunicorn: a stale pid file must not make us signal someone else's process.
    if b"gunicorn" not in cmdline or b"superset.app:create_app()" not in cmdline:
        return None
    return pid


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=3) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def cmd_start(args: argparse.Namespace) -> None:
    p = args.port or port()
    url = base_url(p)
    pid = _pid()
    if pid and healthy(url):
        log(f"Superset already running (pid {pid}): {url}/")
        return
    if pid:
        raise Fail(f"a Superset process (pid {pid}) exists but {url} is not healthy: make down")
    if healthy(url):
        raise Fail(f"port {p} is already serving something else; set SUPERSET_PORT")
    if not INIT_MARKER.exists():
        raise Fail("Superset is not initialised here: run `make dashboards` first")
    HOME.mkdir(parents=True, exist_ok=True)
    workers = os.environ.get("SUPERSET_WORKERS", "2")
    cmd = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{HOST}:{p}",
        "--workers", workers, "--worker-class", "gthread", "--threads", "4",
        "--timeout", "120", "--graceful-timeout", "10",
        "--limit-request-line", "0", "--limit-request-field_size", "0",
        "superset.app:create_app()",
    ]  # fmt: skip
    t0 = time.monotonic()
    with LOG_FILE.open("ab") as logfh:
        proc = subprocess.Popen(
            cmd, stdout=logfh, stderr=subprocess.STDOUT, start_new_session=True, cwd=HOME
        )
    PID_FILE.write_text(str(proc.pid))
    deadline = t0 + float(os.environ.get("SUPERSET_START_TIMEOUT", "120"))
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            PID_FILE.unlink(missing_ok=True)
            tail = LOG_FILE.read_text(errors="replace")[-3000:]
            raise Fail(f"Superset exited with {proc.returncode}; log {LOG_FILE}:\n{tail}")
        if healthy(url):
            log(f"Superset is up in {time.monotonic() - t0:.1f}s (pid {proc.pid}): {url}/")
            log(f"  users and generated passwords: {PASSWORDS}")
            return
        time.sleep(0.5)
    stop_pid(proc.pid)
    raise Fail(f"Superset did not become healthy at {url}/health; log {LOG_FILE}")


def stop_pid(pid: int, timeout: float = 30) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            break
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def cmd_stop(args: argparse.Namespace) -> None:
    pid = _pid()
    if pid is None:
        PID_FILE.unlink(missing_ok=True)
        log("Superset is not running")
        return
    stop_pid(pid)
    PID_FILE.unlink(missing_ok=True)
    log(f"Superset stopped (pid {pid})")


def cmd_status(args: argparse.Namespace) -> None:
    pid = _pid()
    url = base_url(args.port)
    if pid and healthy(url):
        log(f"running (pid {pid}): {url}/")
    else:
        log("not running")
        raise SystemExit(3)


def cmd_url(args: argparse.Namespace) -> None:
    print(base_url(args.port) + "/")


# ------------------------------------------------------------------------------ bench


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
