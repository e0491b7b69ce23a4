"""Verifications, delivered: each street's feedback file of the day, and now and then
a separate file of yesterday's rows sent late (``_补报``).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from ..defects import column_of, reason_of, with_defect
from ..feeds import EnumStyle
from ..manifest import FileEntry
from ..model import Verif
from ..writers import CsvFile, Layout, TimeStyle

if TYPE_CHECKING:
    from ..context import RunContext


def write_verifications(ctx: RunContext, d: int, rows: list[Verif]) -> None:
    """Write day ``d``'s verification files, one or two per street."""
    if not rows:
        return
    rng = ctx.rng_fmt
    by_street: dict[int, list[Verif]] = {}
    for v in rows:
        by_street.setdefault(ctx.geo.communities[v.community].street_index, []).append(v)
    day = ctx.date(d)
    for si in sorted(by_street):
        st = ctx.geo.streets[si]
        vs = sorted(by_street[si], key=lambda v: (v.verified, v.batch_id, v.record_no, v.outcome))
        groups: list[tuple[str, list[Verif], str]] = []
        late = [v for v in vs if v.late]
        split = rng.random() < 0.5 or (ctx.dirty and not ctx.state.late_split_done)
        if late and split:
            ctx.state.late_split_done = True
            vs = [v for v in vs if not v.late]
            groups.append((f"核查反馈_{st.name}_{day:%Y%m%d}_补报.csv", late, "late"))
        if vs:
            u = rng.random()
            name = (
                f"核查反馈_{st.name}_{day:%Y%m%d}.csv"
                if u < 0.5
                else f"feedback_{st.code}_{day:%Y%m%d}.csv"
                if u < 0.8
                else f"{st.name}核查结果{day:%m%d}.csv"
            )
            groups.insert(0, (name, vs, "regular"))
        for fname, group, kind in groups:
            _write_file(ctx, d, fname, group, kind)


def _write_file(ctx: RunContext, d: int, fname: str, group: list[Verif], kind: str) -> None:
    rng = ctx.rng_fmt
    defects = ctx.take_dirty("verification", len(group), len(group) * 2)
    need = {column_of(k) for k in defects} - {""}
    enc = ctx.encoding(rng)
    if ctx.dirty and not ctx.manifest.stats.get("verification"):
        enc = "utf-8-sig"  # the first feedback of a dirty run comes with a BOM
    layout = Layout.choose(
        "verification",
        rng,
        always={"measure", "measure_until", "grid", "health_code", "nat_result"} | need,
        drop_share=0.3,
        chinese_only=enc == "gb18030",
    )
    es = EnumStyle(rng)
    ts = TimeStyle(rng)
    f = CsvFile(ctx.claim(ctx.folder("verification", d) / fname), layout, enc)
    at = {}
    for kind_ in defects:
        at.setdefault(rng.randrange(len(group)), []).append(kind_)
    for i, v in enumerate(group):
        values = verif_values(ctx, v, ts, es, rng)
        f.write(values)
        for defect in at.get(i, ()):
            bad = with_defect(values, defect, rng, ctx.start.year, ("三", "2.5", "#7"))
            f.write(bad, reason_of(defect))
    if ctx.dirty and rng.random() < 0.05:
        f.blank(with_commas=True)
    f.close()
    ctx.register(
        FileEntry(
            feed="verification",
            delivery_date=ctx.date(d).isoformat(),
            file_name=fname,
            status="LOADED",
            rows_read=f.rows_read,
            quarantine=dict(sorted(f.quarantine.items())),
            encoding=enc,
            kind=kind,
        )
    )


def verif_values(
    ctx: RunContext, v: Verif, ts: TimeStyle, es: EnumStyle, rng: random.Random
) -> dict[str, str]:
    com = ctx.geo.communities[v.community]
    grid = ""
    if v.grid is not None:
        code, gname = com.grids[v.grid]
        grid = code if rng.random() < 0.6 else gname
    measure = "" if v.measure is None else es.label("measure", v.measure)
    if v.measure == "NONE" and rng.random() < 0.5:
        measure = ""
    return {
        "batch_id": v.batch_id,
        "record_no": str(v.record_no),
        "id_number": v.id_shown,
        "verified_at": ts(v.verified),
        "community": com.name if rng.random() < 0.75 else com.code,
        "grid": grid,
        "verifier": v.verifier,
        "method": es.label("method", v.method),
        "outcome": es.label("outcome", v.outcome),
        "measure": measure,
        "measure_until": TimeStyle.day(v.measure_until),
        "health_code": "" if v.health is None else es.label("health_code", v.health),
        "nat_result": "" if v.nat is None else es.label("nat_result", v.nat),
        "_note": "",
        "_contact": "",
    }
