"""Local services for the demo: PostgreSQL and Airflow's components, with pid files.

Airflow's metadata lives in a PostgreSQL server of the project's own
(``gridwatch.ops.postgres``: 127.0.0.1 only, generated password). ``airflow
standalone`` orphans its children on SIGTERM, so each component (api-server,
scheduler, dag-processor, triggerer) is started here in its own process group,
with its pid in ``$AIRFLOW_HOME/run/<name>.pid`` and its log in
``$AIRFLOW_HOME/run/<name>.log``; ``stop`` ends exactly those groups, then the
database. The api-server listens on 127.0.0.1 only.

    python -m gridwatch.ops.services init | up | down | status
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from gridwatch.ops import postgres

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
POOL = ("gridwatch_warehouse", "1", "DuckDB warehouse: one writer")

# Airflow on 2 cores: the DAG's tasks share a one-slot pool, so two executor slots
# (one task and a sensor or a retry) are enough; one process each for the api-server
# and the DAG parser. The operator's environment wins over these.
SERVICE_SETTINGS = {
    "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
    "AIRFLOW__CORE__PARALLELISM": "2",
    "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": "2",
    "AIRFLOW__API__WORKERS": "1",
    "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
}


def airflow_home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow")


def run_dir() -> Path:
    path = airflow_home() / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def api_port() -> int:
    return int(os.environ.get("AIRFLOW_PORT", "8080"))


def health_url() -> str:
    return f"http://127.0.0.1:{api_port()}/api/v2/monitor/health"


def passwords_file() -> Path:
    """Where Airflow's simple auth manager keeps the generated admin password."""
    return airflow_home() / "simple_auth_manager_passwords.json.generated"


def airflow_env() -> dict[str, str]:
    """The environment of every Airflow process gridwatch starts for this Airflow home.

    A home whose metadata is in PostgreSQL (``make setup``) gets its URL and the
    2-core settings; a home without one (tests' ``airflow dags test``) keeps SQLite.
    """
    env = dict(os.environ)
    if postgres.initialised():
        env.setdefault("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", postgres.url())
        for key, value in SERVICE_SETTINGS.items():
            env.setdefault(key, value)
    env.setdefault(
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", f"http://127.0.0.1:{api_port()}/execution/"
    )
    return env


# The scheduler's and triggerer's log servers (8793, 8794 on every interface) are not
# started: the api-server reads task logs from the shared local folder. The only ports are
# the api-server's (AIRFLOW_PORT) and PostgreSQL's (GRIDWATCH_POSTGRES_PORT), both 127.0.0.1.
COMPONENTS: dict[str, list[str]] = {
    "api-server": ["api-server", "--host", "127.0.0.1", "--port", "{port}"],
    "scheduler": ["scheduler", "--skip-serve-logs"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer", "--skip-serve-logs"],
}
STARTUP_GRACE_SECONDS = 5.0


@dataclass
class ComponentState:
    name: str
    pid: int | None
    running: bool


def _pid_file(name: str) -> Path:
    return run_dir() / f"{name}.pid"


def _alive(pid: int) -> bool:
    # a child of this process that exited stays a zombie until reaped
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def state(name: str) -> ComponentState:
    pid_file = _pid_file(name)
    if not pid_file.exists():
        return ComponentState(name, None, False)
    pid = int(pid_file.read_text().strip() or 0)
    return ComponentState(name, pid, bool(pid) and _alive(pid))


def start(name: str) -> ComponentState:
    current = state(name)
    if current.running:
        return current
    args = [a.replace("{port}", str(api_port())) for a in COMPONENTS[name]]
    env = airflow_env()
    log = (run_dir() / f"{name}.log").open("ab")
    process = subprocess.Popen(
        [AIRFLOW, *args],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    _pid_file(name).write_text(str(process.pid))
    return ComponentState(name, process.pid, True)


def stop(name: str, timeout: float = 30.0) -> bool:
    """Stop the component's whole process group; True if something was stopped."""
    current = state(name)
    _pid_file(name).unlink(missing_ok=True)
    if not current.running or current.pid is None:
        return False
    try:
        os.killpg(current.pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _group_alive(current.pid):
        time.sleep(0.3)
    if _group_alive(current.pid):
        os.killpg(current.pid, signal.SIGKILL)
    return True


def _group_alive(pgid: int) -> bool:
    # a leader we started ourselves stays a zombie until reaped
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pgid, os.WNOHANG)
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def healthy() -> bool:
    try:
        with urllib.request.urlopen(health_url(), timeout=3) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_healthy(timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if healthy():
            return True
        if not state("api-server").running:
            return False
        time.sleep(1)
    return False


class ServiceError(RuntimeError):
    """A service did not start: the message names its log and what to do."""


def _airflow_step(log: Path, *args: str) -> None:
    with log.open("ab") as out:
        result = subprocess.run(
            [AIRFLOW, *args], stdout=out, stderr=subprocess.STDOUT, env=airflow_env()
        )
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
        raise ServiceError(f"`airflow {' '.join(args)}` failed; the end of {log}:\n{tail}")


def init() -> Path:
    """Create the metadata database (PostgreSQL), migrate it and create the pool.

    Idempotent; leaves PostgreSQL as it found it (running or not). Returns the log.
    """
    log = airflow_home() / "db-migrate.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    with postgres.started():
        _airflow_step(log, "db", "migrate")
        _airflow_step(log, "pools", "set", *POOL)
    return log


def sqlite_home_env(home: Path, base: dict[str, str]) -> dict[str, str]:
    """``base`` pointed at an Airflow home of its own with SQLite metadata and the
    project's DAGs: no services, for ``airflow dags test`` (tests, benchmarks)."""
    from gridwatch.config import REPO_ROOT

    env = {k: v for k, v in base.items() if not k.startswith("AIRFLOW__DATABASE__")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO_ROOT / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
    )
    return env


def init_sqlite_home(env: dict[str, str]) -> None:
    """Migrate the SQLite Airflow home of ``env`` (``sqlite_home_env``) and create the pool."""
    for args in (("db", "migrate"), ("pools", "set", *POOL)):
        subprocess.run([AIRFLOW, *args], env=env, check=True, capture_output=True)


def protect_passwords_file() -> Path:
    """Create the generated-password file owner-only before Airflow writes into it.

    Airflow opens it for appending and keeps the mode of an existing file.
    """
    path = passwords_file()
    if not path.exists():
        postgres.write_secret(path, "")
    path.chmod(0o600)
    return path


def port_taken(port: int) -> bool:
    """Whether something listens on 127.0.0.1:``port`` already."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _check_api_port() -> None:
    if state("api-server").running or not port_taken(api_port()):
        return
    raise ServiceError(
        f"port {api_port()} (AIRFLOW_PORT) on 127.0.0.1 is in use by another program, so the "
        "Airflow api-server cannot listen there: stop that program or choose a free port, "
        f"e.g. `AIRFLOW_PORT={api_port() + 1} make airflow-up` (then use the same value for "
        "make rerun, make backfill and make status)."
    )


def _check_still_running(names: tuple[str, ...]) -> None:
    """A component that exited right after its start (a port, a setting) fails `up`."""
    deadline = time.monotonic() + STARTUP_GRACE_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.5)
        dead = [name for name in names if not state(name).running]
        if dead:
            log = run_dir() / f"{dead[0]}.log"
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-10:])
            raise ServiceError(
                f"the Airflow {dead[0]} exited right after it started; the end of {log}:\n"
                f"{tail}\nFix what it names, then `make down` and `make airflow-up`."
            )


def up(components: tuple[str, ...] = tuple(COMPONENTS)) -> list[ComponentState]:
    if "api-server" in components:
        _check_api_port()
    if postgres.initialised():
        postgres.start()
    elif "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN" not in os.environ:
        # SQLite cannot take the components' concurrent writes ("database is locked")
        raise ServiceError(
            f"{airflow_home()} has no PostgreSQL metadata database yet: run `make setup` "
            "(or python -m gridwatch.ops.services init) first"
        )
    protect_passwords_file()
    states = [start(name) for name in components]
    _check_still_running(components)
    if "api-server" in components and not wait_healthy():
        log = run_dir() / "api-server.log"
        raise ServiceError(
            f"the Airflow api-server did not answer {health_url()}; see {log}. If port "
            f"{api_port()} is taken, stop what holds it or set AIRFLOW_PORT, then `make down` "
            "and `make airflow-up`."
        )
    return states


def down() -> list[str]:
    stopped = [name for name in reversed(tuple(COMPONENTS)) if stop(name)]
    if postgres.stop():
        stopped.append("postgres")
    return stopped


def print_status() -> None:
    db = postgres.pid()
    if postgres.initialised():
        where = f"{postgres.display_url()}, data {postgres.data_dir()}"
        print(f"{'postgres':14s} {'running (pid ' + str(db) + ')' if db else 'stopped'}  {where}")
    else:
        print(f"{'postgres':14s} not set up (make setup)")
    for name in COMPONENTS:
        s = state(name)
        print(f"{name:14s} {'running (pid ' + str(s.pid) + ')' if s.running else 'stopped'}")
    print(f"{'api health':14s} {'ok' if healthy() else 'not answering'} ({health_url()})")


def main(argv: list[str] | None = None) -> int:
    command = (argv or sys.argv[1:] or ["status"])[0]
    try:
        if command == "init":
            log = init()
            print(f"Airflow metadata: {postgres.display_url()} (migrated; log {log})")
        elif command == "up":
            for s in up():
                print(f"{s.name:14s} pid {s.pid}")
            print(
                f"Airflow UI: http://127.0.0.1:{api_port()}/  (user admin; password in "
                f"{passwords_file()})"
            )
        elif command == "down":
            stopped = down()
            print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
        else:
            print_status()
    except (ServiceError, postgres.PostgresError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
