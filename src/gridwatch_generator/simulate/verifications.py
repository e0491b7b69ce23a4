"""Verifications, simulated: when and how each pushed record is checked.

A record's rows (earlier unreachable attempts, then the result) are planned when it is
pushed and queued under the day they are delivered: usually the day they are made,
sometimes the next (``late``), now and then twice (a row sent again).
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .. import names
from ..model import Batch, Record, Verif
from .timeline import DAY, HOUR

if TYPE_CHECKING:
    from ..context import RunContext

HARD_TO_REACH = 0.03  # share of push records whose person is hard to reach
HARD_TO_REACH_HOURS = (72.0, 216.0)  # their result comes 3-9 days after issue


class Verifications:
    """Plans verification rows and holds them until their delivery day."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.pending: dict[int, list[Verif]] = {}
        self._workers: dict[int, list[str]] = {}

    def due(self, d: int) -> list[Verif]:
        """The rows delivered on day ``d`` (and forget them)."""
        return self.pending.pop(d, [])

    def worker(self, ci: int, grid: int) -> str:
        """The grid worker of a community's grid (a few per community, drawn once)."""
        ws = self._workers.get(ci)
        if ws is None:
            r = random.Random(f"gridwatch:{self.ctx.seed}:workers:{ci}")
            ws = [names.chinese_name(r, r.random() < 0.4) for _ in range(r.randint(3, 8))]
            self._workers[ci] = ws
        return ws[grid % len(ws)]

    def plan(self, r: Record, earliest: datetime | None = None, quick: bool = False) -> None:
        """Decide now when and how this record will be verified, and queue the rows."""
        ctx = self.ctx
        rng = ctx.rng_ver
        p = r.person
        base = earliest or r.issued
        # hard to reach: several unreachable attempts, the result days later (a long tail
        # of the backlog that still clears; only records of the last days stay open)
        hard = not quick and rng.random() < HARD_TO_REACH
        if quick:  # before midnight, i.e. before the list is delivered
            midnight = datetime.combine(base.date() + DAY, datetime.min.time())
            room = (midnight - base).total_seconds() / 3600
            lag = rng.uniform(0.1, max(0.1, min(1.0, room - 0.05)))
        elif hard:
            lag = rng.uniform(*HARD_TO_REACH_HOURS)
        elif rng.random() < 0.004:
            lag = -rng.uniform(0.5, 3.0)  # verified (via another list) before this push
        else:
            lag = min(rng.lognormvariate(math.log(5.0), 1.0), 96.0)
        when = base + timedelta(hours=lag)
        if not quick and 0 <= when.hour < 7 and rng.random() < 0.8:
            when = when.replace(hour=rng.randint(7, 9), minute=rng.randrange(60))
            if when < base:
                when += DAY
        when = when.replace(second=0, microsecond=0) + timedelta(
            seconds=rng.choice((0, 0, 0, rng.randrange(60)))
        )
        # earlier unreachable attempts
        if hard:
            attempts = rng.randint(2, 4)
        else:
            attempts = 0 if quick else rng.choices((0, 1, 2), weights=(75, 20, 5))[0]
        ci, grid = p.community, p.grid
        if r.community_shown and rng.random() < 0.04:  # checked by a neighbouring community
            ci = ctx.pick_community(rng, ctx.geo.communities[ci].street_index)
            grid = rng.randrange(len(ctx.geo.communities[ci].grids))
        worker = self.worker(ci, grid)
        if rng.random() < 0.2:
            grid = None
        id_shown = r.id_shown if rng.random() < 0.35 else ""
        for a in range(attempts):
            t = base + (when - base) * (a + 1) / (attempts + 1)
            if t <= base:
                continue
            if hard and t.hour < 7:  # attempts are days apart: call in the morning instead
                t += 8 * HOUR
            self.queue(
                Verif(
                    t.replace(microsecond=0),
                    r.batch_id,
                    r.record_no,
                    "",
                    ci,
                    grid,
                    worker,
                    "PHONE",
                    "UNREACHABLE",
                    None,
                    None,
                    None,
                    None,
                )
            )
        # the result
        if p.outcome == "MANAGED" and rng.random() < 0.8:
            outcome = "MANAGED"
        else:
            outcome = rng.choices(
                ("MANAGED", "NOT_IN_JURISDICTION", "LEFT", "NOT_FOUND"), weights=(42, 32, 15, 11)
            )[0]
        if not p.phone and outcome == "MANAGED" and rng.random() < 0.3:
            outcome = "NOT_FOUND"
        measure = until = None
        if outcome == "MANAGED":
            if p.measure and rng.random() < 0.7:
                measure = p.measure
            else:
                measure = rng.choices(
                    ("HOME_QUARANTINE", "CENTRAL_QUARANTINE", "HEALTH_MONITORING", "NONE"),
                    weights=(35, 10, 40, 15),
                )[0]
            span = {"HOME_QUARANTINE": 14, "CENTRAL_QUARANTINE": 14, "HEALTH_MONITORING": 7}
            if measure in span and rng.random() < 0.85:
                until = when.date() + timedelta(days=span[measure] - rng.randint(0, 3))
        elif rng.random() < 0.3:
            measure = "NONE"
        p.outcome, p.measure = outcome, measure
        method = rng.choices(("PHONE", "VISIT", "VIDEO", "CHECKPOINT"), weights=(58, 27, 9, 6))[0]
        health = (
            rng.choices(("GREEN", "YELLOW", "RED"), weights=(90, 8, 2))[0]
            if rng.random() < 0.7
            else None
        )
        nat = (
            rng.choices(("NEGATIVE", "PENDING", "POSITIVE"), weights=(85, 15, 0.05))[0]
            if rng.random() < 0.55
            else None
        )
        self.queue(
            Verif(
                when,
                r.batch_id,
                r.record_no,
                id_shown,
                ci,
                grid,
                worker,
                method,
                outcome,
                measure,
                until,
                health,
                nat,
            ),
            on_time=quick,
        )

    def queue(self, v: Verif, on_time: bool = False) -> None:
        """Hold ``v`` for its delivery day (sometimes a day late, sometimes twice)."""
        ctx = self.ctx
        d = (v.verified.date() - ctx.start).days
        d = max(d, 0)
        if ctx.rng_ver.random() < 0.15 and not on_time:
            d += 1
            v.late = True
        if d < ctx.days:
            self.pending.setdefault(d, []).append(v)
            d2 = ctx.resend_day(d, ctx.rng_ver, 0.004, "verification")
            if d2 is not None:
                # the same row sent again: each file writes times in its own style, and
                # only a whole-minute time reads the same in every style (the dedup key)
                v.verified = v.verified.replace(second=0)
                self.pending.setdefault(d2, []).append(v)

    def orphans(self, d: int, batches: list[Batch]) -> None:
        """Verifications of records that were never pushed (wrong batch or number)."""
        ctx = self.ctx
        rng = ctx.rng_ver
        n = sum(len(b.records) for b in batches)
        k = int(n * 0.003) + (1 if rng.random() < 0.5 or (ctx.dirty and d == 0) else 0)
        day = ctx.date(d)
        for _ in range(k):
            if batches and rng.random() < 0.6:
                b = rng.choice(batches)
                batch_id, no = b.batch_id, len(b.records) + rng.randint(1, 5)
            else:
                seq = len(batches) + rng.randint(50, 60)  # a batch number never issued
                batch_id = f"SZ-{day.strftime(ctx.batch_fmt)}-{seq:02d}"
                no = rng.randint(1, 50)
            ci = ctx.pick_community(rng)
            grid = rng.randrange(len(ctx.geo.communities[ci].grids))
            when = datetime(day.year, day.month, day.day, rng.randint(9, 21), rng.randrange(60))
            outcome = rng.choice(("MANAGED", "NOT_IN_JURISDICTION", "NOT_FOUND"))
            measure = "HEALTH_MONITORING" if outcome == "MANAGED" else None
            self.queue(
                Verif(
                    when,
                    batch_id,
                    no,
                    "",
                    ci,
                    grid,
                    self.worker(ci, grid),
                    "PHONE",
                    outcome,
                    measure,
                    None,
                    None,
                    None,
                )
            )
