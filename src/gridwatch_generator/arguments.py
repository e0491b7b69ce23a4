"""The generator's arguments: which presets, day counts and start dates it can work with."""

from __future__ import annotations

from datetime import date

from .presets import PRESETS

# Supported first days: everyone generated (ages 1-88) is then born from 1900 on, when
# region codes are in force (contract §3), and every date fits the batch-id formats.
FIRST_START = date(1990, 1, 1)
LAST_DAY = date(2099, 12, 31)


class ArgumentError(ValueError):
    """An argument the generator cannot work with: ``option`` (preset, days, start) and
    ``detail``, what is wrong with it and what to use instead."""

    def __init__(self, option: str, detail: str) -> None:
        super().__init__(f"{option} {detail}")
        self.option = option
        self.detail = detail


def check_arguments(preset: str, days: int, start: date) -> None:
    """Raise ArgumentError unless ``preset``, ``days`` and ``start`` can be generated."""
    if preset not in PRESETS:
        raise ArgumentError("preset", f"{preset!r} is unknown: choose one of {', '.join(PRESETS)}")
    check_span(days, start)


def check_span(days: int, start: date) -> None:
    """Raise ArgumentError unless ``days`` days from ``start`` can be generated."""
    if days < 1:
        raise ArgumentError("days", f"must be at least 1 (got {days})")
    if not FIRST_START <= start <= LAST_DAY:
        raise ArgumentError(
            "start",
            f"{start.isoformat()} is out of range: "
            f"use a date from {FIRST_START.isoformat()} to {LAST_DAY.isoformat()}",
        )
    if (LAST_DAY - start).days + 1 < days:
        raise ArgumentError(
            "days",
            f"{days} from {start.isoformat()} would end after {LAST_DAY.isoformat()}: "
            f"use at most {(LAST_DAY - start).days + 1} (or start earlier)",
        )
