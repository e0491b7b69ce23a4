"""Where this Superset keeps its state, who its users are, and their generated passwords.

Imported first: it sets the environment Superset reads when it starts
(``GRIDWATCH_SUPERSET_HOME``, ``SUPERSET_CONFIG_PATH``, ``FLASK_APP``).
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # superset_dashboards/
REPO = HERE.parent
ASSETS = HERE / "assets"
HOME = Path(os.environ.get("GRIDWATCH_SUPERSET_HOME") or HERE / ".home").resolve()
os.environ["GRIDWATCH_SUPERSET_HOME"] = str(HOME)
os.environ.setdefault("SUPERSET_CONFIG_PATH", str(HERE / "superset_config.py"))
os.environ.setdefault("FLASK_APP", "superset.app:create_app()")
os.environ.setdefault("SUPERSET_LOAD_EXAMPLES", "no")

from assets_build import ANALYST, LEADER, STREET_LEADER  # noqa: E402

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
