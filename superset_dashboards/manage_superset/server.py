"""``manage.py start``, ``stop``, ``status`` and ``url``: the gunicorn server in the background
(pid and log under the state folder)."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from manage_superset.home import (
    HOME,
    HOST,
    INIT_MARKER,
    LOG_FILE,
    PASSWORDS,
    PID_FILE,
    Fail,
    base_url,
    log,
    port,
)


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
