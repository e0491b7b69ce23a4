"""Checkpoint traffic, simulated: who passes the checkpoints and how busy each one is.

The events themselves are drawn by DuckDB when a log is written (``checkpoints.py``);
this module holds what they are drawn from: pools of ID numbers, phones and plates,
each street's share of the traffic, each checkpoint's weight, and the people pushed
recently (so some pushed people show up at a checkpoint).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from .. import identities as ids
from .. import names
from ..model import Batch

if TYPE_CHECKING:
    from ..context import RunContext

# DuckDB indexes constant lists fast only while they are small (<= ~5k entries), so
# each street's file draws from its own window of the pools.
POOL_WINDOW = 4096


class CheckpointTraffic:
    """The pools and weights checkpoint logs are drawn from."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        # (RIC, phone) of people pushed lately, as scanned from the card
        self.pushed: deque[tuple[str, str]] = deque(maxlen=8192)
        self.pools: tuple[list[str], list[str], list[str]] = ([], [], [])
        self.street_share: list[float] = []
        self.weights: list[list[int]] = []

    def init_pools(self) -> None:
        """Draw the pools (ids, phones, plates) and the per-street and per-checkpoint weights."""
        rng = self.ctx.rng_cp
        geo = self.ctx.geo
        max_birth_year = self.ctx.max_birth_year
        n = min(20_000, max(300, self.ctx.p.checkpoint_events // 10))
        pop_ids = []
        for _ in range(n):
            male = rng.random() < 0.52
            if rng.random() < 0.97:
                pop_ids.append(ids.make_ric(rng, male, max_birth_year))
            else:
                pop_ids.append(ids.break_check_digit(ids.make_ric(rng, male, max_birth_year)))
        phones = [ids.make_phone(rng) for _ in range(n)]
        plates = [names.plate(rng) for _ in range(max(100, n // 4))]
        self.pools = (pop_ids, phones, plates)
        self.street_share = [rng.uniform(0.6, 1.4) for _ in geo.streets]
        self.weights = []
        for st in geo.streets:
            w = [rng.uniform(0.3, 1.7) for _ in st.checkpoints]
            tot = sum(w)
            counts = [max(1, round(100 * x / tot)) for x in w]
            self.weights.append([i + 1 for i, c in enumerate(counts) for _ in range(c)])

    def note_pushed(self, batch: Batch) -> None:
        """Remember the batch's people who can be matched at a checkpoint."""
        for r in batch.records:
            person = r.person
            ric = ""
            if person.id_type == "RIC" and person.id_ok:  # as scanned from the card
                ric = ids.normalise_ric(person.id_number)
            if ric or person.phone:
                self.pushed.append((ric, person.phone))


def window(pool: list[str], offset: int) -> list[str]:
    """``POOL_WINDOW`` consecutive entries of ``pool`` (wrapping), starting at ``offset``."""
    if len(pool) <= POOL_WINDOW:
        return pool
    start = offset % len(pool)
    out = pool[start : start + POOL_WINDOW]
    return out + pool[: POOL_WINDOW - len(out)]
