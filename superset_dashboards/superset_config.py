"""Superset configuration for gridwatch dashboards.

Loaded by Superset through ``SUPERSET_CONFIG_PATH`` (``manage.py`` sets it).

Nothing secret lives in this file: the SECRET_KEY is generated on first use into
``$GRIDWATCH_SUPERSET_HOME/secret_key`` (default ``superset_dashboards/.home/``,
untracked), and the metadata database defaults to SQLite in the same folder.
Set ``SUPERSET_DATABASE_URI`` (e.g. ``postgresql+psycopg2://...`` in compose) to
use another metadata database.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# State folder: manage.py sets GRIDWATCH_SUPERSET_HOME; a container sets SUPERSET_HOME.
SUPERSET_HOME = Path(
    os.environ.get("GRIDWATCH_SUPERSET_HOME") or os.environ.get("SUPERSET_HOME") or HERE / ".home"
).resolve()
SUPERSET_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key(path: Path) -> str:
    """Read the generated secret key, creating it (mode 0600) the first time."""
    from_env = os.environ.get("SUPERSET_SECRET_KEY")
    if from_env:
        return from_env
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable secret key; delete it to regenerate")
    return key


SECRET_KEY = _secret_key(SUPERSET_HOME / "secret_key")

# Metadata database: SQLite by default, PostgreSQL (or anything) via env.
SQLALCHEMY_DATABASE_URI = (
    os.environ.get("SUPERSET_DATABASE_URI")
    or f"sqlite:///{SUPERSET_HOME / 'superset.db'}?check_same_thread=false"
)
DATA_DIR = str(SUPERSET_HOME)

APP_NAME = "gridwatch 网格防疫看板"

# Chinese first, English available.
BABEL_DEFAULT_LOCALE = "zh"
LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "us", "name": "English"},
}

FEATURE_FLAGS = {
    # The "as of the end of the selected range" datasets use {{ to_dttm }}.
    "ENABLE_TEMPLATE_PROCESSING": True,
    # Dashboards name the roles that see them: a street leader gets the street views.
    "DASHBOARD_RBAC": True,
    "ALERT_REPORTS": False,
}

# Caches: a file cache shared by the web workers. The serving file is replaced
# by each publish, so chart data is cached only briefly.
_CACHE_DIR = SUPERSET_HOME / "cache"
CACHE_DEFAULT_TIMEOUT = int(timedelta(minutes=5).total_seconds())
CACHE_CONFIG = {
    "CACHE_TYPE": "FileSystemCache",
    "CACHE_DIR": str(_CACHE_DIR / "meta"),
    "CACHE_DEFAULT_TIMEOUT": CACHE_DEFAULT_TIMEOUT,
    "CACHE_KEY_PREFIX": "gw_meta_",
}
DATA_CACHE_CONFIG = {
    "CACHE_TYPE": "FileSystemCache",
    "CACHE_DIR": str(_CACHE_DIR / "data"),
    "CACHE_DEFAULT_TIMEOUT": CACHE_DEFAULT_TIMEOUT,
    "CACHE_KEY_PREFIX": "gw_data_",
}

# Served on 127.0.0.1 over plain HTTP (put a TLS proxy in front for anything else). Behind
# that proxy (GRIDWATCH_SUPERSET_BEHIND_TLS=true, docker-compose.yml's SUPERSET_BEHIND_TLS)
# cookies are sent over HTTPS only and the proxy's X-Forwarded-* headers are trusted, so
# redirects keep https and the proxy's host.
BEHIND_TLS = os.environ.get("GRIDWATCH_SUPERSET_BEHIND_TLS", "").strip().lower() in (
    "1",
    "true",
    "yes",
)
SESSION_COOKIE_SECURE = BEHIND_TLS
ENABLE_PROXY_FIX = BEHIND_TLS
SESSION_COOKIE_SAMESITE = "Lax"
TALISMAN_ENABLED = True
# Self-hosted only: no telemetry pixel, map tiles or web fonts from outside.
_SELF = ["'self'"]
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": _SELF,
        "default-src": _SELF,
        "img-src": [*_SELF, "blob:", "data:"],
        "worker-src": [*_SELF, "blob:"],
        "connect-src": _SELF,
        "object-src": "'none'",
        "style-src": [*_SELF, "'unsafe-inline'"],
        "font-src": [*_SELF, "data:"],
        "script-src": [*_SELF, "'strict-dynamic'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": BEHIND_TLS,
}
WTF_CSRF_ENABLED = True

ROW_LIMIT = 50000
SQLLAB_TIMEOUT = 60
SUPERSET_WEBSERVER_TIMEOUT = 60
# Analysts query the read-only serving database only.
PREVENT_UNSAFE_DB_CONNECTIONS = True
SQLLAB_CTAS_NO_LIMIT = False


# Superset 6.1's Chinese language pack has a few wrong strings (the login button reads
# "Not In") and is served only to logged-in users, so the login page stays English.
# Serve a corrected pack to everyone (it holds UI strings only, no data).
ZH_OVERRIDES = {
    "Sign in": "登录",
    "Enter your login and password below:": "请输入用户名和密码：",
    "Loading filter values": "正在加载筛选值",
}


# Where someone who may not create charts and dashboards lands instead of the home page,
# whose "+ 看板" / "+ 图表" buttons Superset shows to everyone (they would end in 403).
VIEWER_HOME = "/dashboard/list/"


def FLASK_APP_MUTATOR(app):
    app.before_request(_language_pack)
    app.before_request(_viewer_home)
    _refuse_unknown_legacy_viz()


def _language_pack():  # type: ignore[no-untyped-def]
    import json

    import superset
    from flask import Response, request

    if request.path not in ("/superset/language_pack/zh/", "/superset/language_pack/zh"):
        return None
    if "zh" not in _PACKS:
        path = Path(superset.__file__).parent / "translations/zh/LC_MESSAGES/messages.json"
        pack = json.loads(path.read_text(encoding="utf-8"))
        messages = pack["locale_data"]["superset"]
        for msgid, msgstr in ZH_OVERRIDES.items():
            messages[msgid] = [msgstr]
        _PACKS["zh"] = json.dumps(pack, ensure_ascii=False).encode("utf-8")
    return Response(_PACKS["zh"], mimetype="application/json")


_PACKS: dict[str, bytes] = {}


def _viewer_home():  # type: ignore[no-untyped-def]
    """The home page for a user who may create charts and dashboards, else VIEWER_HOME."""
    from flask import redirect, request
    from flask_login import current_user
    from superset import security_manager as sm

    if request.path.rstrip("/") != "/superset/welcome" or not current_user.is_authenticated:
        return None
    if sm.can_access("can_write", "Dashboard") and sm.can_access("can_write", "Chart"):
        return None
    return redirect(VIEWER_HOME)


def _refuse_unknown_legacy_viz() -> None:
    """The legacy /superset/explore_json/ answers 400 for a chart type it cannot draw.

    Superset 6 draws table, big number and ECharts charts through /api/v1/chart/data
    only; the legacy endpoint looked such a viz_type up in its own registry and answered
    HTTP 500 {"error": "'table'"} (a KeyError) before even checking access.
    """
    from superset import viz
    from superset.exceptions import QueryObjectValidationError

    class LegacyVizTypes(dict):
        def __missing__(self, viz_type: str) -> type:
            raise QueryObjectValidationError(
                f"viz_type {viz_type!r} is not served by /superset/explore_json/: "
                "use /api/v1/chart/data"
            )

    viz.viz_types = LegacyVizTypes(viz.viz_types)


# --- the serving file: every query reads the latest publish ---------------------------
# DuckDB keeps one database instance per file and process while any connection to it is
# open, and hands that instance to every new connection: under steady use a worker would
# read the file it first opened for ever, however often a publish replaces it. So a
# read-only DuckDB connection opens an in-memory database and ATTACHes the file as it is
# now, and only then shuts external access and locks the configuration.
_AFTER_ATTACH = ("enable_external_access", "lock_configuration")


def _read_only_duckdb_file(dialect: Any, cparams: dict[str, Any]) -> str | None:
    path = cparams.get("database")
    if dialect.name != "duckdb" or not cparams.get("read_only"):
        return None
    if not path or path == ":memory:" or ":" in path.split("/", 1)[0]:  # md:, s3: ...
        return None
    return path


def _attach_instead(dialect: Any, conn_rec: Any, cargs: Any, cparams: dict[str, Any]) -> None:
    path = _read_only_duckdb_file(dialect, cparams)
    if path is None:
        return
    config = dict(cparams.get("config") or {})
    after = {k: config.pop(k) for k in _AFTER_ATTACH if k in config}
    cparams.update(database=":memory:", config=config)
    cparams.pop("read_only")
    conn_rec.info["gridwatch_attach"] = (path, after)


def _attach(dbapi_connection: Any, conn_rec: Any) -> None:
    spec = conn_rec.info.pop("gridwatch_attach", None)
    if spec is None:
        return
    path, after = spec
    name = Path(path).stem.replace('"', '""')  # the catalog name a direct open would give
    literal = path.replace("'", "''")
    dbapi_connection.execute(f"attach '{literal}' as \"{name}\" (read_only)")
    dbapi_connection.execute(f'use "{name}"')
    for key in _AFTER_ATTACH:  # external access first: locking forbids changing it
        if key in after:
            value = "true" if after[key] else "false"
            dbapi_connection.execute(f"set {key} = {value}")


def _install_snapshot_hooks() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "do_connect", _attach_instead):
        event.listen(Engine, "do_connect", _attach_instead)
        event.listen(Engine, "connect", _attach)


_install_snapshot_hooks()


def serving_version(datasource: Any) -> list[str]:
    """The identity of a DuckDB file as published now (inode, size, mtime), else nothing.

    Part of every chart-data cache key, so a publish makes every cached result stale at
    once while the 5-minute cache still serves repeated views of one publish.
    """
    try:
        url = datasource.database.url_object
        if url.drivername != "duckdb" or not url.database or url.database == ":memory:":
            return []
        st = os.stat(url.database)
    except (AttributeError, OSError, ValueError):
        return []
    return [f"serving:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"]


def _security_manager() -> type | None:
    try:
        from superset.security import SupersetSecurityManager
    except ImportError:  # read outside Superset (tests of this file's settings): the default
        return None

    class GridwatchSecurityManager(SupersetSecurityManager):
        def get_rls_cache_key(self, datasource: Any) -> list[str]:
            return [*super().get_rls_cache_key(datasource), *serving_version(datasource)]

    return GridwatchSecurityManager


CUSTOM_SECURITY_MANAGER = _security_manager()
