"""Next-step hints as commands a person can paste as they are.

Under ``make`` (``MAKELEVEL`` is set) the hint is the make target, which also sets
the environment (landing folder, warehouse, Airflow home). Otherwise it is the
``gridwatch`` command: the bare name when that is on PATH and is this
installation's, else the script's full path (a venv's ``bin`` is rarely on PATH).
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import shutil
import sys
from pathlib import Path


def via_make() -> bool:
    return "MAKELEVEL" in os.environ


def cli() -> str:
    """How to call the gridwatch CLI from this shell."""
    script = Path(sys.executable).with_name("gridwatch")
    on_path = shutil.which("gridwatch")
    if on_path and script.exists() and Path(on_path).resolve() == script.resolve():
        return "gridwatch"
    if script.exists():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m gridwatch.cli"


def _orchestrate() -> str:
    return f"{shlex.quote(sys.executable)} -m gridwatch.ops.orchestrate"


def rerun(day: dt.date | str) -> str:
    """Re-run one delivery date (through Airflow under make, else the CLI's direct run)."""
    return f"make rerun DATE={day}" if via_make() else f"{cli()} run {day}"


def rerun_through_airflow(day: dt.date | str) -> str:
    return f"make rerun DATE={day}" if via_make() else f"{_orchestrate()} rerun {day}"


def backfill(start: dt.date | str, end: dt.date | str) -> str:
    return (
        f"make backfill START={start} END={end}"
        if via_make()
        else (f"{cli()} backfill {start} {end}")
    )


def status() -> str:
    return "make status" if via_make() else f"{cli()} status"
