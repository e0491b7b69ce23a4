"""Time shapes shared by the simulations: the wave of pushes, office hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)

OFFICE_OPENS, OFFICE_CLOSES = time(8, 30), time(18, 0)


def office_time(t: datetime) -> datetime:
    """``t`` on a whole minute (rounded up) inside office hours, 08:30-18:00: a time
    outside them moves to the next opening, spread over its first hour by the minute."""
    whole = t.replace(second=0, microsecond=0)
    if whole < t:
        whole += timedelta(minutes=1)
    if OFFICE_OPENS <= whole.time() <= OFFICE_CLOSES:
        return whole
    day = whole.date() + (DAY if whole.time() > OFFICE_CLOSES else timedelta(0))
    return datetime.combine(day, OFFICE_OPENS) + timedelta(minutes=whole.minute)


def wave_profile(days: int, wave_days: int) -> list[float]:
    """Push intensity per day (peak = 1): a quick ramp up, then exponential decay."""
    out: list[float] = []
    for d in range(days):
        t = d % wave_days
        length = min(wave_days, days - (d - t))
        peak = round(0.15 * (length - 1))
        v = 0.45 ** (peak - t) if t <= peak else max(0.5 ** (t - peak), 0.02)
        out.append(v)
    return out
