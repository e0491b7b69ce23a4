"""The Superset Flask app of this process, ``manage.py init`` and the users it creates."""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from manage_superset.home import INIT_LOG, INIT_MARKER, PASSWORDS, USERS, Fail, log, passwords


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
