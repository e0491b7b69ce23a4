"""Enterprise filings, delivered: each street's filing export of the day."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..defects import BAD_NUMBERS, column_of, reason_of, with_defect
from ..feeds import EnumStyle
from ..manifest import FileEntry
from ..model import EntEvent
from ..writers import CsvFile, Layout, TimeStyle

if TYPE_CHECKING:
    from ..context import RunContext


def write_enterprise_filings(ctx: RunContext, d: int, events: list[EntEvent]) -> None:
    """Write day ``d``'s filing exports, one per street with events."""
    if not events:
        return
    rng = ctx.rng_fmt
    by_street: dict[int, list[EntEvent]] = {}
    for ev in events:
        si = ctx.geo.communities[ev.ent.community].street_index
        by_street.setdefault(si, []).append(ev)
    day = ctx.date(d)
    for si in sorted(by_street):
        st = ctx.geo.streets[si]
        evs = sorted(by_street[si], key=lambda e: (e.when, e.filing_id, e.event))
        defects = ctx.take_dirty("enterprise_filing", len(evs), len(evs) * 3)
        need = {column_of(k) for k in defects} - {""}
        enc = ctx.encoding(rng)
        if ctx.dirty and not ctx.manifest.stats.get("enterprise_filing"):
            enc = "gb18030"  # the first filing export of a dirty run is GBK
        layout = Layout.choose(
            "enterprise_filing",
            rng,
            always={"employees_total", "employees_returned"} | need,
            drop_share=0.15,
            chinese_only=enc == "gb18030",
        )
        es = EnumStyle(rng)
        ts = TimeStyle(rng)
        u = rng.random()
        fname = (
            f"复工复产报备_{st.name}_{day:%Y%m%d}.csv"
            if u < 0.6
            else f"filings_{st.code}_{day:%Y%m%d}.csv"
        )
        f = CsvFile(ctx.claim(ctx.folder("enterprise_filing", d) / fname), layout, enc)
        at: dict[int, list[str]] = {}
        for k in defects:
            at.setdefault(rng.randrange(len(evs)), []).append(k)
        for i, ev in enumerate(evs):
            values = filing_values(ev, ts, es)
            f.write(values, short=ctx.dirty and rng.random() < 0.03)
            for defect in at.get(i, ()):
                bad = with_defect(values, defect, rng, ctx.start.year, BAD_NUMBERS)
                f.write(bad, reason_of(defect))
        f.close()
        ctx.register(
            FileEntry(
                feed="enterprise_filing",
                delivery_date=day.isoformat(),
                file_name=fname,
                status="LOADED",
                rows_read=f.rows_read,
                quarantine=dict(sorted(f.quarantine.items())),
                encoding=enc,
            )
        )


def filing_values(ev: EntEvent, ts: TimeStyle, es: EnumStyle) -> dict[str, str]:
    def num(x: int | None) -> str:
        return "" if x is None else str(x)

    ent = ev.ent
    return {
        "filing_id": ev.filing_id,
        "uscc": ent.uscc_shown,
        "enterprise_name": ent.name,
        "community": ent.community_shown,
        "category": es.label("category", ent.category),
        "event": es.label("event", ev.event),
        "event_time": ts(ev.when),
        "employees_total": num(ev.total),
        "employees_returned": num(ev.returned),
        "employees_from_risk_areas": num(ev.from_risk),
        "planned_resume_date": TimeStyle.day(ev.planned),
        "inspection_passed": ""
        if ev.inspection is None
        else es.label("inspection_passed", ev.inspection),
        "_note": "",
        "_contact": "",
    }
