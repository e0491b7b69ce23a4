"""Enterprise filings, simulated: each enterprise's history of return-to-work filings.

The enterprises and their whole history (filed, rejected and filed again, approved,
resumed, suspended) are drawn at the start of the run, the first filing front-loaded;
the events wait in ``pending`` for their delivery day.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .. import identities as ids
from .. import names
from ..model import Enterprise, EntEvent
from .timeline import office_time

if TYPE_CHECKING:
    from ..context import RunContext


class Enterprises:
    """Draws every enterprise's filing events and holds them until their delivery day."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.pending: dict[int, list[EntEvent]] = {}

    def due(self, d: int) -> list[EntEvent]:
        """The events delivered on day ``d`` (and forget them)."""
        return self.pending.pop(d, [])

    def populate(self) -> None:
        """Draw every street's enterprises and queue each one's filing history."""
        ctx = self.ctx
        rng = ctx.rng_ent
        kinds = [(k[0], k[1]) for k in names.ENTERPRISE_KINDS]
        kind_w = [k[2] for k in names.ENTERPRISE_KINDS]
        used_names: set[str] = set()
        seq = 0
        for st in ctx.geo.streets:
            n = max(3, round(ctx.p.enterprises_per_street * rng.uniform(0.8, 1.2)))
            for _ in range(n):
                ci = rng.choice(st.communities)
                com = ctx.geo.communities[ci]
                suffix, category = rng.choices(kinds, weights=kind_w)[0]
                base = com.name.removesuffix("社区")
                name = f"{base}{rng.choice(names.ENTERPRISE_TRADE)}{suffix}"
                while name in used_names:
                    name = f"{base}{rng.choice(names.ENTERPRISE_TRADE)}{rng.randint(2, 99)}{suffix}"
                used_names.add(name)
                individual = suffix.endswith(("部", "工作室", "商行", "服务站", "厂")) and (
                    rng.random() < 0.7
                )
                region = st.district_code if rng.random() < 0.6 else "440300"
                uscc = ids.make_uscc(rng, region, individual)
                if rng.random() < 0.03:
                    uscc = ids.break_uscc(uscc)
                uscc = ids.format_uscc(rng, uscc)
                if individual:
                    employees = rng.randint(1, 15)
                else:
                    employees = max(3, min(3000, round(rng.lognormvariate(math.log(40), 1.0))))
                ent = Enterprise(
                    uscc_shown=uscc,
                    name=name,
                    community=ci,
                    community_shown=ctx.community_shown(rng, ci, 0.02),
                    category=category,
                    employees=employees,
                    individual=individual,
                )
                # first filing: front-loaded over the run
                first = int(ctx.days * rng.random() ** 2.2)
                seq = self.history(ent, first, st.code, seq)

    def history(self, ent: Enterprise, first: int, street_code: str, seq: int) -> int:
        """Queue ``ent``\'s filings from day ``first``; returns the last filing number used."""
        rng = self.ctx.rng_ent
        day = self.ctx.date(first)
        t = datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randrange(60))
        total = ent.employees
        for _attempt in range(3):
            seq += 1
            fid = f"FB{street_code[-6:]}{seq:05d}"
            planned = t.date() + timedelta(days=rng.randint(1, 5)) if rng.random() < 0.8 else None
            risk = rng.randint(0, max(0, total // 25)) if rng.random() < 0.7 else None
            ret = round(total * rng.uniform(0.05, 0.5))
            self.event(EntEvent(t, ent, fid, "FILED", total, ret, risk, planned, None))
            t = office_time(t + timedelta(hours=rng.uniform(2, 40)))
            u = rng.random()
            if u < 0.05:
                return seq  # still waiting for review
            if u < 0.15:
                self.event(EntEvent(t, ent, fid, "REJECTED", total, ret, risk, None, None))
                t = office_time(t + timedelta(hours=rng.uniform(20, 72)))
                continue  # files again under a new number
            ret = round(total * rng.uniform(0.2, 0.6))
            self.event(EntEvent(t, ent, fid, "APPROVED", total, ret, risk, None, None))
            if rng.random() < 0.12:
                return seq
            t = office_time(t + timedelta(hours=rng.uniform(10, 72)))
            ret = round(total * rng.uniform(0.7, 1.0))
            passed = "true" if rng.random() < 0.9 else None
            self.event(EntEvent(t, ent, fid, "RESUMED", total, ret, 0, None, passed))
            if rng.random() < 0.06:
                t = office_time(t + timedelta(days=rng.uniform(1, 10)))
                self.event(EntEvent(t, ent, fid, "SUSPENDED", total, 0, None, None, "false"))
                if rng.random() < 0.6:
                    t = office_time(t + timedelta(days=rng.uniform(3, 7)))
                    ret = round(total * rng.uniform(0.6, 1.0))
                    self.event(EntEvent(t, ent, fid, "RESUMED", total, ret, 0, None, "true"))
            return seq
        return seq

    def event(self, ev: EntEvent) -> None:
        """Hold ``ev`` for its delivery day (sometimes a day late, sometimes twice)."""
        ctx = self.ctx
        rng = ctx.rng_ent
        d = (ev.when.date() - ctx.start).days
        if rng.random() < 0.1:
            d += 1
        if d < ctx.days:
            self.pending.setdefault(d, []).append(ev)
            d2 = ctx.resend_day(d, rng, 0.01, "enterprise_filing")
            if d2 is not None:  # the same row sent again (event times are whole minutes)
                self.pending.setdefault(d2, []).append(ev)
