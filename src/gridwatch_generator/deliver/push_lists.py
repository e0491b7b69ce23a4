"""Push lists, delivered: one file per batch, CSV or (now and then) xlsx.

Writing picks the file's look (name, encoding, columns, time style) and, in a dirty
run, its defects: the defects are set on the batch's records, so the simulation then
plans verifications only for the records that will load.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING

from .. import identities as ids
from ..defects import BAD_NUMBERS, column_of, reason_of, with_defect
from ..feeds import FEEDS
from ..manifest import FileEntry
from ..model import Batch, Record
from ..writers import CsvFile, Layout, TimeStyle, write_xlsx

if TYPE_CHECKING:
    from ..context import RunContext

_REQUIRED = frozenset(c.name for c in FEEDS["push_list"] if c.required)


def push_layout(rng: random.Random, need: set[str], xlsx: bool) -> Layout:
    always = {"id_type", "id_number", "phone", "community"} | need
    return Layout.choose(
        "push_list",
        rng,
        always=always,
        drop_share=0.2,
        chinese_only=xlsx,
        extra_share=0.0 if xlsx else 0.15,
    )


def push_values(r: Record, ts: TimeStyle, layout: Layout, deadline_float: bool) -> dict[str, str]:
    deadline = "" if r.deadline is None else str(r.deadline)
    if deadline and deadline_float:
        deadline += ".0"
    return {
        "batch_id": r.batch_id,
        "topic": r.topic,
        "issued_at": ts(r.issued),
        "deadline_hours": deadline,
        "record_no": str(r.record_no),
        "name": r.person.name,
        "id_type": r.id_type_label,
        "id_number": r.id_shown,
        "phone": r.phone_shown,
        "street": r.street_shown,
        "community": r.community_shown,
        "address": r.address,
        "source_area": r.source,
        "reason": r.reason,
        "arrived_at": ts(r.arrived),
    }


def count_flags(r: Record, flags: dict[str, int]) -> None:
    """Count the flags a loaded row carries (known by construction; the tests
    re-derive them from the files with stdnum)."""
    key = "id_missing" if r.id_valid is None else "id_valid" if r.id_valid else "id_invalid"
    flags[key] = flags.get(key, 0) + 1
    if not r.phone_shown:
        pk = "phone_missing"
    elif ids.PHONE_RE.match(ids.normalise_phone(r.phone_shown)):
        pk = "phone_valid"
    else:
        pk = "phone_invalid"
    flags[pk] = flags.get(pk, 0) + 1


def write_push(ctx: RunContext, batch: Batch) -> None:
    """Write one batch's file on its delivery day and list it in the manifest."""
    rng = ctx.rng_fmt
    d = batch.delivery_day
    late = (batch.issued.date() - ctx.start).days != d
    special = ""
    if ctx.dirty and not late:
        if ctx.state.special_formats:
            special = ctx.state.special_formats.pop(0)
        elif rng.random() < 0.08:
            special = "xlsx"
    xlsx = special == "xlsx"
    defects: list[str] = []
    if special in ("deck", "") and not late:
        n = len(batch.records)
        # the deck (every defect kind, owed by the first files) takes at most half a file
        cap = min(n - 1, max(1, (n - 1) // 2)) if special == "deck" else n - 1
        defects = ctx.take_dirty("push_list", n, cap)
        if special == "deck" and ctx.state.deck["push_list"]:
            ctx.state.special_formats.insert(0, "deck")  # did not all fit: next file
    if special == "gbk":
        encoding = "gb18030"
    elif special == "bom":
        encoding = "utf-8-sig"
    elif special in ("deck", "xlsx"):
        encoding = "utf-8"
    else:
        encoding = ctx.encoding(rng)
    need = {column_of(k) for k in defects} - {""}
    if special == "deck":
        need.add("address")
    layout = push_layout(rng, need, xlsx or encoding == "gb18030")
    stem_choice = rng.random()
    if xlsx:
        fname = f"{batch.topic}专项_{batch.batch_id}.xlsx"
    elif stem_choice < 0.5:
        fname = f"batch_{batch.batch_id}.csv"
    elif stem_choice < 0.8:
        fname = f"大数据推送名单_{batch.topic}_{batch.batch_id}.csv"
    else:
        fname = f"{batch.batch_id}_{batch.topic}.csv"
    folder = ctx.folder("push_list", d)
    ts = TimeStyle(rng)
    deadline_float = rng.random() < 0.06
    drop_deadline = rng.random() < 0.05 and batch.deadline == 24
    for r in batch.records:
        if drop_deadline or (batch.deadline == 24 and rng.random() < 0.03):
            r.deadline = None
    # Defects go to distinct records, never the first one. A DUPLICATE_KEY row
    # repeats the key of an earlier clean row; the record it displaces is lost.
    n = len(batch.records)
    positions = sorted(rng.sample(range(1, n), k=len(defects))) if defects else []
    kinds = dict(zip(positions, defects, strict=True))
    for pos, kind in kinds.items():
        if kind != "DUPLICATE_KEY":
            batch.records[pos].defect = kind
    dup_of: dict[int, int] = {}
    for pos, kind in kinds.items():
        if kind == "DUPLICATE_KEY":
            clean = [i for i in range(pos) if i not in kinds]  # 0 is always clean
            dup_of[pos] = clean[rng.randrange(len(clean))]
            batch.records[pos].defect = "DUPLICATE_KEY"
    flags: dict[str, int] = {}
    if xlsx:
        rows_read, quarantine = _write_xlsx(ctx, folder / fname, batch, layout, rng)
        for r in batch.records:
            count_flags(r, flags)
    else:
        f = CsvFile(ctx.claim(folder / fname), layout, encoding)
        short_share = 0.1 if ctx.dirty and rng.random() < 0.3 else 0.0
        blank_at = n // 2 if ctx.dirty and (special == "deck" or rng.random() < 0.05) else -1
        forced_short = special == "deck"
        for i, r in enumerate(batch.records):
            if i == blank_at:
                f.blank(with_commas=special == "deck" or rng.random() < 0.5)
                if special == "deck":
                    f.blank(with_commas=False)
            if i in dup_of:
                src = batch.records[dup_of[i]]
                values = push_values(src, ts, layout, deadline_float)
                if rng.random() < 0.5:
                    values["phone"] = r.phone_shown
                f.write(values, "DUPLICATE_KEY", short=rng.random() < short_share)
                continue
            values = push_values(r, ts, layout, deadline_float)
            if r.defect:
                bad = with_defect(values, r.defect, rng, ctx.start.year, BAD_NUMBERS)
                f.write(bad, reason_of(r.defect))
                continue
            short = rng.random() < short_share
            if forced_short and i > 0:
                # a row with fewer fields than the header: trailing optional fields cut
                forced_short, short = False, True
                for k in reversed(layout.keys[-3:]):
                    if k in _REQUIRED:
                        break
                    values[k] = ""
            if special == "deck" and i == 0:
                values["address"] = (values["address"] or "平湖大街1号") + ",3栋\n502室"
            f.write(values, short=short)
            count_flags(r, flags)
        f.close()
        rows_read, quarantine = f.rows_read, f.quarantine
    batch.file_name = fname
    batch.delivered = True
    ctx.register(
        FileEntry(
            feed="push_list",
            delivery_date=ctx.date(d).isoformat(),
            file_name=fname,
            status="LOADED",
            rows_read=rows_read,
            quarantine=dict(sorted(quarantine.items())),
            format="xlsx" if xlsx else "csv",
            encoding=None if xlsx else encoding,
            kind="late" if late else "regular",
            flags=dict(sorted(flags.items())),
        )
    )


def _write_xlsx(
    ctx: RunContext, path: Path, batch: Batch, layout: Layout, rng: random.Random
) -> tuple[int, dict[str, int]]:
    st_names = {
        ctx.geo.streets[ctx.geo.communities[r.person.community].street_index].name
        for r in batch.records
    }
    area = next(iter(st_names)) if len(st_names) == 1 else ctx.geo.streets[0].district_name
    titles = [f"{area}重点人员核查名单（{batch.topic}）"]
    if rng.random() < 0.5:
        titles.append(f"下发单位：区疫情防控指挥部    批次：{batch.batch_id}")
    rows: list[list[object]] = []
    blank_at = len(batch.records) // 2 if ctx.dirty and rng.random() < 0.5 else -1
    float_no = rng.random() < 0.2
    for i, r in enumerate(batch.records):
        typed: dict[str, object] = {
            "batch_id": r.batch_id,
            "topic": r.topic,
            "issued_at": r.issued,
            "deadline_hours": r.deadline,
            "record_no": float(r.record_no) if float_no else r.record_no,
            "name": r.person.name,
            "id_type": r.id_type_label or None,
            "id_number": r.id_shown or None,
            "phone": r.phone_shown or None,
            "street": r.street_shown,
            "community": r.community_shown or None,
            "address": r.address or None,
            "source_area": r.source or None,
            "reason": r.reason or None,
            "arrived_at": r.arrived,
        }
        rows.append([typed.get(k) for k in layout.keys])
        if i == blank_at:
            rows.append([None] * len(layout.keys))
    write_xlsx(ctx.claim(path), titles, layout, rows, sheet=batch.topic[:28])
    return len(batch.records), {}
