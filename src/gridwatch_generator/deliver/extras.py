"""Extra files of a dirty run, on top of the feeds' own: a stray readme and a summary
sheet among the push lists (REJECTED), an earlier file sent again (DUPLICATE) and a
corrected re-delivery of an earlier batch's records.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from typing import TYPE_CHECKING

from .. import identities as ids
from ..manifest import FileEntry
from ..model import Batch, Record
from ..simulate.timeline import HOUR
from ..writers import CsvFile, Layout, TimeStyle, write_text
from .push_lists import count_flags, push_layout, push_values

if TYPE_CHECKING:
    from ..context import RunContext
    from ..simulate.verifications import Verifications


def write_extras(
    ctx: RunContext, d: int, recent_batches: dict[int, list[Batch]], verifications: Verifications
) -> None:
    if not ctx.dirty:
        return
    rng = ctx.rng_dirty
    day = ctx.date(d)
    folder = ctx.folder("push_list", d)
    if d == 0 or rng.random() < 0.05:
        write_text(
            ctx.claim(folder / "readme.txt"),
            f"sent by mistake {day:%Y-%m-%d}\r\n本批次名单请于24小时内完成核查并反馈。\r\n",
            rng.choice(("utf-8", "gb18030")),
        )
        ctx.register(
            FileEntry(
                "push_list",
                day.isoformat(),
                "readme.txt",
                "REJECTED",
                0,
                format="txt",
                encoding=None,
                kind="stray",
            )
        )
    if d == 0 or rng.random() < 0.05:
        # a summary sheet sent instead of a list: required columns missing
        fname = f"推送汇总_{day:%Y%m%d}.csv"
        layout = Layout(
            [
                ("topic", "专项"),
                ("batch_id", "批次号"),
                ("_n", "下发人数"),
                ("_v", "已核查人数"),
            ]
        )
        f = CsvFile(ctx.claim(folder / fname), layout, "utf-8")
        for b in recent_batches.get(d, [])[:10] or []:
            f.write(
                {
                    "topic": b.topic,
                    "batch_id": b.batch_id,
                    "_n": str(len(b.records)),
                    "_v": str(len(b.records) * 3 // 4),
                }
            )
        f.close()
        ctx.register(FileEntry("push_list", day.isoformat(), fname, "REJECTED", 0, kind="summary"))
    if d >= 1 and (d == 1 or rng.random() < 0.15):
        _resend(ctx, d)
    if d >= 1 and (d == 1 or rng.random() < 0.2):
        _correction(ctx, d, recent_batches, verifications)


def _resend(ctx: RunContext, d: int) -> None:
    rng = ctx.rng_dirty
    cands = [
        e
        for e in ctx.state.loaded_files
        if e.delivery_date < ctx.date(d).isoformat()
        and e.feed != "checkpoint"
        and (e.feed == "push_list" or rng.random() < 0.3)
    ]
    if not cands:
        return
    src = cands[0] if d == 1 else rng.choice(cands)
    stem, _, ext = src.file_name.rpartition(".")
    fname = f"{stem}_resent.{ext}" if rng.random() < 0.6 else src.file_name
    dst = ctx.folder(src.feed, d) / fname
    if dst.exists():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ctx.out / src.path, ctx.claim(dst))
    ctx.register(
        FileEntry(
            src.feed,
            ctx.date(d).isoformat(),
            fname,
            "DUPLICATE",
            0,
            encoding=src.encoding,
            kind="resent",
            duplicate_of=src.path,
        )
    )


def _correction(
    ctx: RunContext, d: int, recent_batches: dict[int, list[Batch]], verifications: Verifications
) -> None:
    """Re-deliver some records of an earlier batch with corrected values."""
    rng = ctx.rng_dirty
    cands = [b for b in recent_batches.get(d - 1, []) if b.delivered and len(b.records) > 1]
    if not cands:
        return
    # prefer the batch that carried the defects
    cands.sort(key=lambda b: -sum(1 for r in b.records if r.defect))
    b = cands[0] if d == 1 else rng.choice(cands)
    fixes: list[Record] = []
    for r in b.records:
        if r.defect in (None, "DUPLICATE_KEY"):
            invalid_id = (
                r.defect is None
                and r.person.id_type == "RIC"
                and r.id_shown
                and ids.normalise_ric(r.id_shown) != ids.normalise_ric(r.person.id_number)
            )
            if invalid_id or (r.defect is None and rng.random() < 0.05):
                if invalid_id:
                    r.id_shown, r.id_valid = r.person.id_number, r.person.id_ok
                fixes.append(r)
            continue
        r.defect = None  # fixable: the corrected row is clean
        fixes.append(r)
        verifications.plan(
            r, earliest=datetime.combine(ctx.date(d), datetime.min.time()) + 9 * HOUR
        )
    if not fixes:
        return
    fname = f"{b.file_name.rpartition('.')[0]}_更正.csv"
    layout = push_layout(ctx.rng_fmt, set(), xlsx=False)
    ts = TimeStyle(ctx.rng_fmt)
    f = CsvFile(ctx.claim(ctx.folder("push_list", d) / fname), layout, "utf-8")
    flags: dict[str, int] = {}
    for r in fixes:
        f.write(push_values(r, ts, layout, False))
        count_flags(r, flags)
    f.close()
    ctx.register(
        FileEntry(
            "push_list",
            ctx.date(d).isoformat(),
            fname,
            "LOADED",
            f.rows_read,
            kind="correction",
            flags=dict(sorted(flags.items())),
        )
    )
