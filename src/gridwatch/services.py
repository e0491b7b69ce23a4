"""Local services for the demo: Airflow's components started and stopped with pid files.

``airflow standalone`` orphans its children on SIGTERM, so each component
(api-server, scheduler, dag-processor, triggerer) is started here in its own
process group, with its pid in ``$AIRFLOW_HOME/run/<name>.pid`` and its log in
``$AIRFLOW_HOME/run/<name>.log``; ``stop`` ends exactly those groups. The
api-server listens on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

AIRFLOW = str(Path(sys.executable).with_name("airflow"))


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


COMPONENTS: dict[str, list[str]] = {
    "api-server": ["api-server", "--host", "127.0.0.1", "--port", "{port}"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer"],
}


@dataclass
class ComponentState:
    name: str
    pid: int | None
    running: bool


def _pid_file(name: str) -> Path:
    return run_dir() / f"{name}.pid"


def _alive(pid: int) -> bool:
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
    env = dict(os.environ)
    env.setdefault(
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", f"http://127.0.0.1:{api_port()}/execution/"
    )
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


def up(components: tuple[str, ...] = tuple(COMPONENTS)) -> list[ComponentState]:
    states = [start(name) for name in components]
    if "api-server" in components and not wait_healthy():
        log = run_dir() / "api-server.log"
        raise RuntimeError(f"Airflow api-server did not become healthy; see {log}")
    return states


def down() -> list[str]:
    return [name for name in reversed(tuple(COMPONENTS)) if stop(name)]


def main(argv: list[str] | None = None) -> int:
    command = (argv or sys.argv[1:] or ["status"])[0]
    if command == "up":
        for s in up():
            print(f"{s.name:14s} pid {s.pid}")
        print(
            f"Airflow UI: http://127.0.0.1:{api_port()}/  (user admin; password in "
            f"{airflow_home() / 'simple_auth_manager_passwords.json.generated'})"
        )
    elif command == "down":
        stopped = down()
        print("stopped: " + (", ".join(stopped) if stopped else "nothing was running"))
    else:
        for name in COMPONENTS:
            s = state(name)
            print(
                f"{name:14s} {'running' if s.running else 'stopped'}"
                + (f" (pid {s.pid})" if s.running else "")
            )
        print(f"api health: {'ok' if healthy() else 'not answering'} ({health_url()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
