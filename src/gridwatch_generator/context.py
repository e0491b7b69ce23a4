"""What every part of one run shares: its arguments, random streams, geography and
manifest, and the helpers the simulations and delivery writers have in common.

Each kind of draw has its own ``random.Random`` stream seeded from ``seed``, so adding
a draw to one feed does not shift the others.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from .arguments import check_span
from .defects import DIRTY_KINDS, DIRTY_ROW_RATE
from .manifest import FileEntry, Manifest
from .model import DirtyState
from .output import OutputLog
from .presets import Geography, Preset, build_geography
from .simulate.timeline import wave_profile


class RunContext:
    """One generator run's shared state; created once, passed to every part."""

    def __init__(
        self, preset: Preset, days: int, seed: int, out: Path, start: date, dirty: bool
    ) -> None:
        check_span(days, start)
        self.p = preset
        self.days = days
        self.seed = seed
        self.out = Path(out)
        self.start = start
        self.dirty = dirty
        self.max_birth_year = start.year - 1

        def stream(name: str) -> random.Random:
            return random.Random(f"gridwatch:{seed}:{name}")

        self.rng_geo = stream("geo")
        self.rng_people = stream("people")
        self.rng_push = stream("push")
        self.rng_ver = stream("verification")
        self.rng_cp = stream("checkpoint")
        self.rng_ent = stream("enterprise")
        self.rng_fmt = stream("format")
        self.rng_dirty = stream("dirty")

        self.geo: Geography = build_geography(preset, self.rng_geo)
        self.manifest = Manifest(
            preset=preset.name, days=days, seed=seed, start=start.isoformat(), dirty=dirty
        )
        self.state = DirtyState()
        self.log: OutputLog | None = None
        if dirty:
            for feed, kinds in DIRTY_KINDS.items():
                deck = list(kinds)
                self.rng_dirty.shuffle(deck)
                self.state.deck[feed] = deck
            self.state.special_formats = ["deck", "xlsx", "gbk", "bom"]

        # area presentation helpers
        geo = self.geo
        self._known_area_values = {c.code for c in geo.communities} | {
            c.name for c in geo.communities
        }
        self._known_area_values |= {s.code for s in geo.streets} | {s.name for s in geo.streets}
        com_w = [self.rng_geo.lognormvariate(0, 0.5) for _ in geo.communities]
        self._com_cum = list(_accumulate(com_w))

        self.profile = wave_profile(days, preset.wave_days)
        self.batch_fmt = "%y%m%d" if days > 300 else "%m%d"

    # -- files and the manifest ---------------------------------------------------

    def claim(self, path: Path) -> Path:
        """List ``path`` in the in-progress log before it is written (see output.py)."""
        if self.log is None:
            raise RuntimeError("the generator writes files only inside Generator.run")
        return self.log.claim(path)

    def register(self, entry: FileEntry) -> FileEntry:
        """Add a written file to the manifest (loaded CSVs may be re-sent later)."""
        self.manifest.add(entry)
        if entry.status == "LOADED" and entry.format == "csv":
            self.state.loaded_files.append(entry)
        return entry

    def date(self, d: int) -> date:
        return self.start + timedelta(days=d)

    def folder(self, feed: str, d: int) -> Path:
        return self.out / "landing" / feed / self.date(d).isoformat()

    # -- areas ----------------------------------------------------------------------

    def pick_community(self, rng: random.Random, street: int | None = None) -> int:
        if street is None:
            return rng.choices(range(len(self.geo.communities)), cum_weights=self._com_cum)[0]
        return rng.choice(self.geo.streets[street].communities)

    def community_shown(self, rng: random.Random, ci: int, unresolved: float) -> str:
        """A community as a file writes it: code, name, or (share ``unresolved``) a
        name that resolves to no known area."""
        c = self.geo.communities[ci]
        u = rng.random()
        if u < unresolved:
            for cand in (
                c.name.removesuffix("社区") + rng.choice(("村", "小区", "")),
                "某某社区",
                c.name + "（旧）",
            ):
                if cand not in self._known_area_values:
                    return cand
        return c.code if u < unresolved + 0.22 else c.name

    def street_shown(self, rng: random.Random, ci: int) -> str:
        st = self.geo.streets[self.geo.communities[ci].street_index]
        u = rng.random()
        if u < 0.015:
            cand = st.name.removesuffix("街道") + rng.choice(("镇", "街"))
            if cand not in self._known_area_values:
                return cand
        return st.code if u < 0.3 else st.name

    # -- dirty knobs ------------------------------------------------------------------

    def encoding(self, rng: random.Random) -> str:
        if not self.dirty:
            return "utf-8"
        u = rng.random()
        return "gb18030" if u < 0.15 else "utf-8-sig" if u < 0.3 else "utf-8"

    def take_dirty(self, feed: str, n_rows: int, capacity: int) -> list[str]:
        """Defects for one file: what the deck still owes first, then a trickle."""
        if not self.dirty or capacity <= 0:
            return []
        deck = self.state.deck[feed]
        kinds: list[str] = []
        while deck and len(kinds) < capacity:
            kinds.append(deck.pop())
        expected = n_rows * DIRTY_ROW_RATE * (0.25 if feed == "checkpoint" else 1.0)
        k = int(expected) + (1 if self.rng_dirty.random() < expected - int(expected) else 0)
        for _ in range(min(k, 25, capacity - len(kinds))):
            kinds.append(self.rng_dirty.choice(DIRTY_KINDS[feed]))
        return kinds

    def resend_day(self, d: int, rng: random.Random, rate: float, feed: str) -> int | None:
        """The day a row delivered on day ``d`` is sent again (the same day or the next),
        or None. A dirty run re-sends at least one row of ``feed`` on the next day."""
        if self.dirty and feed not in self.state.resent_rows and d + 1 < self.days:
            self.state.resent_rows.add(feed)
            return d + 1
        if rng.random() >= rate:
            return None
        d2 = d + rng.choice((0, 1))
        return d2 if d2 < self.days else None


def _accumulate(xs: list[float]) -> list[float]:
    out, s = [], 0.0
    for x in xs:
        s += x
        out.append(s)
    return out
