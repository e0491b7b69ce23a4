"""Checkpoint logs, delivered: each street's log of the day, written by DuckDB
(``checkpoints.py``) from the simulated traffic, with hand-written defect rows appended.
"""

from __future__ import annotations

import csv
from datetime import datetime
from typing import TYPE_CHECKING

from .. import identities as ids
from ..checkpoints import CheckpointFileSpec, CheckpointWriter, diurnal_seconds
from ..defects import bad_timestamp, reason_of
from ..feeds import BAD_ENUM_VALUES, EnumStyle
from ..manifest import FileEntry
from ..presets import Checkpoint
from ..simulate.checkpoint_traffic import POOL_WINDOW, CheckpointTraffic, window
from ..writers import Layout, transcode

if TYPE_CHECKING:
    from ..context import RunContext

_CP_COLS = (
    "checkpoint_code", "event_time", "direction", "subject", "id_number",
    "phone", "plate", "temperature", "health_code", "action",
)  # fmt: skip


def write_checkpoint_logs(
    ctx: RunContext, d: int, cw: CheckpointWriter, traffic: CheckpointTraffic
) -> None:
    """Write day ``d``'s checkpoint log of every street."""
    rng = ctx.rng_cp
    fmt = ctx.rng_fmt
    day = ctx.date(d)
    pushed = list(traffic.pushed)
    cw.set_pool("pushed_ids", [i for i, _ in pushed if i][-POOL_WINDOW:] or ["-"])
    cw.set_pool("pushed_phones", [p for _, p in pushed if p][-POOL_WINDOW:] or ["-"])
    cw.set_times(diurnal_seconds(rng))
    weekend = 0.9 if day.weekday() >= 5 else 1.0
    total = ctx.p.checkpoint_events * weekend * (1 + 0.1 * ctx.profile[d])
    share_sum = sum(traffic.street_share)
    for si, st in enumerate(ctx.geo.streets):
        n = max(1, round(total * traffic.street_share[si] / share_sum * rng.uniform(0.95, 1.05)))
        cps = [ctx.geo.checkpoints[i] for i in st.checkpoints]
        for name, pool in zip(("ids", "phones", "plates"), traffic.pools, strict=True):
            cw.set_pool(name, window(pool, si * 997))
        es = EnumStyle(fmt, english_share=0.08)
        enc = "utf-8"
        if ctx.dirty and n <= 200_000:
            u = fmt.random()
            if (d == 0 and si == 0) or u < 0.1:
                enc = "gb18030"
            elif u < 0.2:
                enc = "utf-8-sig"
        layout = Layout.choose(
            "checkpoint",
            fmt,
            always=set(_CP_COLS),
            drop_share=0,
            extra_share=0,
            chinese_only=enc == "gb18030",
        )
        ts_fmt = fmt.choices(
            ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"), weights=(7, 2, 1)
        )[0]
        u = fmt.random()
        fname = (
            f"卡点登记_{st.name}_{day:%Y%m%d}.csv"
            if u < 0.5
            else f"gate_log_{st.code}_{day:%Y%m%d}.csv"
            if u < 0.8
            else f"{st.name}卡点通行记录{day:%m%d}.csv"
        )
        path = ctx.claim(ctx.folder("checkpoint", d) / fname)
        spec = CheckpointFileSpec(
            path=path,
            n=n,
            seed=rng.randrange(2**31),
            day=day,
            ts_format=ts_fmt,
            codes=[c.code for c in cps],
            names=[c.name for c in cps],
            kinds=[c.kind for c in cps],
            weights=traffic.weights[si],
            headers=layout.labels,
            directions=[es.label("direction", x) for x in ("IN", "OUT")],
            subjects=[
                es.label("subject", x) for x in ("RESIDENT", "VISITOR", "RETURNEE", "VEHICLE")
            ],
            health=[es.label("health_code", x) for x in ("GREEN", "YELLOW", "RED")],
            actions=[
                es.label("action", x)
                for x in ("PASS", "TURNED_BACK", "REGISTERED", "SENT_TO_CLINIC")
            ],
            temp_suffixes=fmt.choice(
                (["", "", "", ""], ["", "", "℃"], ["℃"], ["", "度"], ["°C", ""])
            ),
            match_permille=20,
            name_every=2000 if n > 2000 else max(10, n // 3),
        )
        cw.write(spec)
        # hand-written extras appended to the DuckDB output
        extra = _extras(ctx, d, cps, n, es, ts_fmt, layout)
        if extra:
            with path.open("a", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                for values, _ in extra:
                    w.writerow(
                        [values.get(k, "") for k in layout.keys] if values is not None else []
                    )
        transcode(path, enc)
        quarantine: dict[str, int] = {}
        rows = n
        for values, reason in extra:
            if values is None:
                continue
            rows += 1
            if reason:
                quarantine[reason] = quarantine.get(reason, 0) + 1
        ctx.register(
            FileEntry(
                feed="checkpoint",
                delivery_date=day.isoformat(),
                file_name=fname,
                status="LOADED",
                rows_read=rows,
                quarantine=dict(sorted(quarantine.items())),
                encoding=enc,
            )
        )


def _extras(
    ctx: RunContext,
    d: int,
    cps: list[Checkpoint],
    n: int,
    es: EnumStyle,
    ts_fmt: str,
    layout: Layout,
) -> list[tuple[dict[str, str] | None, str | None]]:
    """Rows appended by hand: one defect each (and a blank line now and then)."""
    defects = ctx.take_dirty("checkpoint", n, 10**9)
    if not defects:
        return []
    rng = ctx.rng_dirty
    day = ctx.date(d)
    all_codes = {c.code.lower() for c in ctx.geo.checkpoints} | {
        c.name.lower() for c in ctx.geo.checkpoints
    }
    out: list[tuple[dict[str, str] | None, str | None]] = []
    for kind in defects:
        cp = rng.choice(cps)
        t = datetime(day.year, day.month, day.day, rng.randint(6, 23), rng.randrange(60))
        values = {
            "checkpoint_code": cp.code,
            "event_time": t.strftime(ts_fmt),
            "direction": es.label("direction", "IN"),
            "subject": es.label("subject", "RESIDENT"),
            "id_number": "",
            "phone": ids.make_phone(rng) if rng.random() < 0.5 else "",
            "plate": "",
            "temperature": f"{rng.choice((36.2, 36.5, 36.7))}",
            "health_code": es.label("health_code", "GREEN"),
            "action": es.label("action", "PASS"),
        }
        code, _, col = kind.partition(":")
        if code == "MISSING_REQUIRED":
            values[col] = ""
        elif code == "BAD_TIMESTAMP":
            values[col] = bad_timestamp(rng, ctx.start.year)
        elif code == "BAD_ENUM":
            values[col] = rng.choice(BAD_ENUM_VALUES[col])
        elif code == "UNKNOWN_CHECKPOINT":
            for cand in ("CP999", "CP9999", "临时卡点", f"{cp.name}（临时）"):
                if cand.lower() not in all_codes:
                    values["checkpoint_code"] = cand
                    break
        out.append((values, reason_of(kind)))
    if rng.random() < 0.3:
        out.insert(rng.randrange(len(out) + 1), (None, None))
    return out
