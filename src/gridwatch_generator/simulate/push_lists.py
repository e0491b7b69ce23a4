"""Push lists, simulated: each day's batches of records, sized by the wave.

A batch issued late in the evening usually lands the next day (``delivery_day``);
people already pushed may be pushed again by a later batch.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING

from .. import names
from ..model import Batch, Person, Record
from .people import make_record, new_person
from .timeline import wave_profile

if TYPE_CHECKING:
    from ..context import RunContext


class PushLists:
    """Draws the day's batches; remembers recent people so they can be pushed again."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        p = ctx.p
        per_wave = sum(wave_profile(p.wave_days, p.wave_days))
        self.mean_batch = max(4.0, p.push_peak * per_wave / p.batches_per_wave)
        self.recent: deque[Person] = deque(maxlen=max(500, p.push_peak * 2))

    def topics_for(self, d: int) -> tuple[list[str], int]:
        """The topics of day ``d``'s wave, and the day's place in it."""
        ctx = self.ctx
        wave = d // ctx.p.wave_days
        t = d % ctx.p.wave_days
        pool = list(names.TOPICS)
        offset = (wave * 9) % len(pool)
        topics = (pool[offset:] + pool[:offset])[: ctx.p.topics_per_wave]
        return topics, t

    def simulate_day(self, d: int) -> list[Batch]:
        """The batches issued on day ``d``, with their records."""
        ctx = self.ctx
        rng = ctx.rng_push
        people = ctx.rng_people
        day = ctx.date(d)
        n_records = max(1, round(ctx.p.push_peak * ctx.profile[d] * rng.uniform(0.9, 1.1)))
        n_batches = max(1, round(n_records / self.mean_batch * rng.uniform(0.8, 1.2)))
        if ctx.dirty and d == 0:
            # room for the owed late list (see forces_late) beside a regular one
            n_batches = max(n_batches, min(4, n_records // 8), 2 if ctx.days > 1 else 1)
        weights = [rng.lognormvariate(0, 0.6) for _ in range(n_batches)]
        total_w = sum(weights)
        sizes = [max(1, round(n_records * w / total_w)) for w in weights]
        topics, t = self.topics_for(d)
        wave_len = ctx.p.wave_days
        active = [
            tp
            for i, tp in enumerate(topics)
            if i == 0 or i * 0.6 * wave_len / len(topics) <= t or ctx.days <= 3
        ]
        topic_w = [1.0 / (i + 1) ** 0.9 for i in range(len(active))]
        hours = rng.choices(
            range(7, 24),
            weights=(1, 2, 3, 3, 2, 2, 2, 3, 3, 2, 2, 2, 1.5, 1, 0.8, 0.6, 0.4),
            k=n_batches,
        )
        times = sorted(
            datetime(
                day.year, day.month, day.day, h, rng.choice((0, 0, 15, 30, 45, rng.randrange(60)))
            )
            for h in hours
        )
        repeat_p = min(0.6, 0.15 + 0.12 * (d % wave_len)) if self.recent else 0.0
        batches: list[Batch] = []
        for b, (size, issued) in enumerate(zip(sizes, times, strict=True)):
            force_late = self.forces_late(d, b, n_batches)
            if force_late:
                issued = max(issued, issued.replace(hour=22, minute=40))
            batch_id = f"SZ-{day.strftime(ctx.batch_fmt)}-{b + 1:02d}"
            topic = rng.choices(active, weights=topic_w)[0]
            deadline = rng.choices((24, 12, 48, 6, 2), weights=(80, 12, 3, 3, 2))[0]
            recs: list[Record] = []
            seen: set[int] = set()
            for no in range(1, size + 1):
                person = None
                if self.recent and people.random() < repeat_p:
                    cand = self.recent[people.randrange(len(self.recent))]
                    if id(cand) not in seen:
                        person = cand
                repeat = person is not None
                if person is None:
                    person = new_person(self.ctx, people)
                    self.recent.append(person)
                seen.add(id(person))
                recs.append(
                    make_record(
                        self.ctx, people, person, repeat, batch_id, no, topic, issued, deadline
                    )
                )
            late = issued.hour >= 22 and (rng.random() < 0.8 or force_late)
            if late and d + 1 < ctx.days:
                ctx.state.late_list_done = True
            batches.append(Batch(batch_id, topic, issued, deadline, recs, d + (1 if late else 0)))
        return batches

    def forces_late(self, d: int, b: int, n_batches: int) -> bool:
        """Whether batch ``b`` of day ``d`` must land a day late: a dirty run always has
        one such list, the last of the first day with two or more (one stays regular)."""
        ctx = self.ctx
        return (
            ctx.dirty
            and not ctx.state.late_list_done
            and d + 1 < ctx.days
            and n_batches >= 2
            and b == n_batches - 1
        )
