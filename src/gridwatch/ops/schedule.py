"""When a delivery date runs and by when it must have succeeded (contract §2).

A run's logical date is 23:30 Asia/Shanghai of its delivery date D. The
deadline alert fires when D has no successful run by ``GRIDWATCH_ALERT_DEADLINE``
(a local time on D + 1, default 09:00). Nothing here reads a clock.
"""

from __future__ import annotations

import datetime as dt
import os

TIMEZONE = "Asia/Shanghai"
# Asia/Shanghai as a fixed offset (no daylight saving), for code without pendulum
LOCAL_TZ = dt.timezone(dt.timedelta(hours=8), TIMEZONE)
RUN_TIME = dt.time(23, 30)  # the daily run's local time on its delivery date
DEFAULT_DEADLINE = "09:00"


class ScheduleError(ValueError):
    """A schedule setting that cannot be used; the message says how to fix it."""


def schedule_end(value: str | None = None) -> dt.datetime | None:
    """The last run the schedule creates (D 23:30 local), from ``GRIDWATCH_SCHEDULE_END``.

    Set when the scheduler replays a past period (the demo): unpausing the DAG then
    starts no run of today, which has no delivery. Unset in production: no end.
    """
    raw = (value if value is not None else os.environ.get("GRIDWATCH_SCHEDULE_END", "")).strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ScheduleError(
            f"GRIDWATCH_SCHEDULE_END={raw!r}: give the last delivery date to schedule as "
            "YYYY-MM-DD, or leave it unset"
        ) from None
    return dt.datetime.combine(day, RUN_TIME, LOCAL_TZ)


def delivery_date(logical_date: dt.datetime) -> dt.date:
    """The Asia/Shanghai date of a run's logical date."""
    import pendulum

    return pendulum.instance(logical_date).in_timezone(TIMEZONE).date()


def deadline_after_run(value: str | None = None) -> dt.timedelta | None:
    """How long after the logical date (D 23:30) D must have succeeded; None when off.

    ``value`` (default ``GRIDWATCH_ALERT_DEADLINE``) is ``HH:MM`` on the day after D, or
    ``off``.
    """
    raw = value if value is not None else os.environ.get("GRIDWATCH_ALERT_DEADLINE", "")
    raw = raw.strip() or DEFAULT_DEADLINE
    if raw.lower() in ("off", "none", "false", "0"):
        return None
    try:
        at = dt.time.fromisoformat(raw)
    except ValueError:
        raise ScheduleError(
            f"GRIDWATCH_ALERT_DEADLINE={raw!r}: give a time of day after the delivery date "
            "as HH:MM (Asia/Shanghai, e.g. 09:00), or off"
        ) from None
    run = dt.datetime.combine(dt.date(2000, 1, 1), RUN_TIME)
    due = dt.datetime.combine(dt.date(2000, 1, 2), at)
    return due - run
