"""One writer at a time: an advisory lock beside the warehouse file.

DuckDB refuses a second read-write process at once ("Could not set lock"), so a
second `gridwatch run`, or an Airflow task next to a CLI command, would fail the
moment it opens the warehouse, sometimes half-way through its work. Every
writing command and task takes ``<warehouse>.writer.lock`` first: a second
writer waits for it (``GRIDWATCH_LOCK_WAIT`` seconds) and says who holds it.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from gridwatch.config import lock_wait_seconds

POLL_SECONDS = 0.5
_held: dict[Path, int] = {}  # lock path -> depth, for reentrant use in one process
_guard = threading.Lock()


class WarehouseBusyError(RuntimeError):
    """Another process kept the warehouse for longer than this one would wait."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".writer.lock")


def holder(warehouse: Path) -> dict | None:
    """Who holds the writer lock (pid, command, since), or None when nobody does."""
    path = lock_path(warehouse)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            raw = path.read_text(encoding="utf-8") or "{}"
            try:
                return json.loads(raw)
            except json.JSONDecodeError:
                return {"pid": None, "command": "unknown", "since": None}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def describe(who: dict | None) -> str:
    if not who:
        return "another process"
    return f"PID {who.get('pid')} ({who.get('command')}) since {who.get('since')}"


@contextmanager
def writer_lock(
    warehouse: Path,
    command: str,
    wait: float | None = None,
    say: Callable[[str], object] = lambda m: print(m, file=sys.stderr),
) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block; wait for it, saying who has it."""
    path = lock_path(warehouse)
    with _guard:
        if path in _held:
            _held[path] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                _held[path] -= 1
        return

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd, warehouse, lock_wait_seconds() if wait is None else wait, say)
        os.ftruncate(fd, 0)
        os.pwrite(fd, _stamp(command), 0)
        with _guard:
            _held[path] = 1
        try:
            yield
        finally:
            with _guard:
                del _held[path]
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, warehouse: Path, wait: float, say: Callable[[str], object]) -> None:
    deadline = time.monotonic() + wait
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        who = describe(_read(fd))
        if time.monotonic() >= deadline:
            raise WarehouseBusyError(
                f"the warehouse {warehouse} is being written by {who}; waited {wait:.0f} s. "
                "Let that run finish (make status shows it) and try again, or wait longer "
                "with GRIDWATCH_LOCK_WAIT=<seconds>."
            )
        if not told:
            say(f"waiting up to {wait:.0f} s for the warehouse: it is being written by {who}")
            told = True
        time.sleep(POLL_SECONDS)


def _read(fd: int) -> dict | None:
    raw = os.pread(fd, 4096, 0).decode("utf-8", "replace")
    try:
        return json.loads(raw) if raw.strip() else None
    except json.JSONDecodeError:
        return None


def _stamp(command: str) -> bytes:
    since = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    return json.dumps({"pid": os.getpid(), "command": command, "since": since}).encode()
