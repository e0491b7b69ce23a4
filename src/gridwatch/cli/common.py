"""What every command shares: the consoles, date arguments, usage errors, progress."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from gridwatch.config import Settings
from gridwatch.ops import hints

# Piped output (make, logs) gets a wide table instead of rich's 80-column default.
console = Console(stderr=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from exc


class UsageError(Exception):
    """A usage or configuration problem (exit code 2): the message says what to fix."""


def _existing_warehouse(settings: Settings) -> Settings:
    """``settings`` if its warehouse exists; else a UsageError saying how to create it."""
    if not settings.warehouse.exists():
        raise UsageError(
            f"no warehouse at {settings.warehouse} yet: check GRIDWATCH_WAREHOUSE, or load a "
            f"date first: {hints.rerun('YYYY-MM-DD')}"
        )
    return settings


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
