"""The generator's entry point and its day loop: simulate a day, then deliver it.

Each simulated day writes that day's delivery folders and forgets what it no
longer needs, so memory stays bounded by a few days of push records however
long the run. All randomness comes from ``random.Random`` streams seeded from
``seed`` (and DuckDB ``hash`` for checkpoint logs), never from the clock, so
the same arguments give byte-identical files.

The parts, in the order a day runs them:

- ``simulate/``: push lists (and the people on them), verification plans,
  enterprise filings (drawn up front) and checkpoint traffic;
- ``deliver/``: the files each feed writes that day, plus a dirty run's extras;
- ``context.py``: what they all share (random streams, geography, manifest).

Within one random stream the draws must come in the same order for the output to
stay byte-identical, so the order of the steps in ``Generator._simulate`` matters.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from pathlib import Path

from .arguments import check_arguments
from .checkpoints import CheckpointWriter
from .context import RunContext
from .defects import ALL_REASON_CODES, DIRTY_KINDS
from .deliver.checkpoint_logs import write_checkpoint_logs
from .deliver.enterprise_filings import write_enterprise_filings
from .deliver.extras import write_extras
from .deliver.push_lists import write_push
from .deliver.verifications import write_verifications
from .feeds import REFERENCE_HEADERS
from .manifest import Manifest
from .model import Batch
from .output import MANIFEST_NAME, OutputLog, prepare_out
from .presets import PRESETS, Preset
from .simulate.checkpoint_traffic import CheckpointTraffic
from .simulate.enterprises import Enterprises
from .simulate.push_lists import PushLists
from .simulate.timeline import wave_profile
from .simulate.verifications import Verifications

Progress = Callable[[str, int, int], None]


class Generator:
    """One run: the shared context, the simulations, and the loop over the days."""

    def __init__(
        self,
        preset: Preset,
        days: int,
        seed: int,
        out: Path,
        start: date,
        dirty: bool,
        progress: Progress | None,
    ) -> None:
        self.ctx = RunContext(preset, days, seed, out, start, dirty)
        self.progress = progress
        self.push_lists = PushLists(self.ctx)
        self.verifications = Verifications(self.ctx)
        self.enterprises = Enterprises(self.ctx)
        self.traffic = CheckpointTraffic(self.ctx)
        # batches of the last two days (for the extras), batches waiting to land late
        self.recent_batches: dict[int, list[Batch]] = {}
        self.late_batches: dict[int, list[Batch]] = {}

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def write_reference(self) -> None:
        ctx = self.ctx
        ref = ctx.out / "reference"
        ref.mkdir(parents=True, exist_ok=True)
        tables = {
            "areas.csv": ctx.geo.area_rows(),
            "grids.csv": ctx.geo.grid_rows(),
            "checkpoints.csv": ctx.geo.checkpoint_rows(),
        }
        for fname, rows in tables.items():
            with ctx.claim(ref / fname).open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(REFERENCE_HEADERS[fname])
                w.writerows(rows)
            ctx.manifest.reference[fname] = len(rows)

    def run(self) -> Manifest:
        ctx = self.ctx
        prepare_out(ctx.out)
        ctx.log = OutputLog(ctx.out)
        try:
            self._simulate()
            ctx.manifest.files.sort(key=lambda e: (e.feed, e.delivery_date, e.file_name))
            ctx.manifest.write(ctx.out / MANIFEST_NAME)
        finally:
            ctx.log.close()
        ctx.log.finish()
        return ctx.manifest

    def _simulate(self) -> None:
        """Write the reference and every day's landing files."""
        ctx = self.ctx
        self.write_reference()
        self.enterprises.populate()
        cw = CheckpointWriter()
        try:
            self.traffic.init_pools()
            steps = ctx.days * 4
            for d in range(ctx.days):
                day = ctx.date(d).isoformat()
                # push lists: today's batches (late ones land tomorrow) + yesterday's late ones
                batches = self.push_lists.simulate_day(d)
                self.recent_batches[d] = batches
                self.recent_batches.pop(d - 2, None)
                for b in self.late_batches.pop(d, []):
                    write_push(ctx, b)
                for b in batches:
                    self.traffic.note_pushed(b)
                    if b.delivery_day == d:
                        write_push(ctx, b)
                    elif b.delivery_day < ctx.days:
                        self.late_batches.setdefault(b.delivery_day, []).append(b)
                # verification plans for the records that will load (defects are set on
                # write; batches delivered late carry none)
                for b in batches:
                    for i, r in enumerate(b.records):
                        if r.defect is None:
                            # a late list's first person is often checked before it lands
                            self.verifications.plan(r, quick=i == 0 and b.delivery_day != d)
                self.verifications.orphans(d, batches)
                write_extras(ctx, d, self.recent_batches, self.verifications)
                self._tick(f"{day} push_list", d * 4 + 1, steps)
                write_verifications(ctx, d, self.verifications.due(d))
                self._tick(f"{day} verification", d * 4 + 2, steps)
                write_checkpoint_logs(ctx, d, cw, self.traffic)
                self._tick(f"{day} checkpoint", d * 4 + 3, steps)
                write_enterprise_filings(ctx, d, self.enterprises.due(d))
                self._tick(f"{day} enterprise_filing", d * 4 + 4, steps)
        finally:
            cw.close()


def generate(
    preset: str,
    days: int,
    seed: int,
    out: Path,
    start: date = date(2021, 8, 2),
    dirty: bool = True,
    progress: Progress | None = None,
) -> Manifest:
    """Write a synthetic delivery (reference data, landing files, manifest) to ``out``.

    Same arguments -> byte-identical files. See the package docstring for details.
    """
    check_arguments(preset, days, start)
    gen = Generator(PRESETS[preset], days, seed, Path(out), start, dirty, progress)
    return gen.run()


__all__ = ["ALL_REASON_CODES", "DIRTY_KINDS", "generate", "wave_profile"]
