"""The daily report's key figures as a PNG for a chat group (Pillow, a CJK font).

Tiles of the report's totals (over its streets), then the communities (one street) or
the streets (several) with the largest backlog. The font is GRIDWATCH_REPORT_FONT, else
Noto Sans CJK (Debian's fonts-noto-cjk, which `make setup` installs).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gridwatch.ops.daily_report import Report

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
NOTO_SC_INDEX = 2  # the .ttc's faces: JP, KR, SC, TC, HK
WIDTH, MARGIN, TABLE_ROWS = 1080, 40, 15
INK, MUTED, ACCENT, ALERT = "#1F2937", "#6B7280", "#1D4ED8", "#B91C1C"


def font_path() -> Path:
    from gridwatch.ops.daily_report import ReportError

    chosen = os.environ.get("GRIDWATCH_REPORT_FONT")
    for candidate in (chosen,) if chosen else FONT_CANDIDATES:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise ReportError(
        f"no CJK font for the report's PNG at {chosen or ', '.join(FONT_CANDIDATES)}: install "
        "one (`apt-get install fonts-noto-cjk`, as `make setup` does) or set "
        "GRIDWATCH_REPORT_FONT to a .ttf/.otf/.ttc with Chinese glyphs"
    )


def _font(path: Path, size: int) -> Any:
    from PIL import ImageFont

    index = NOTO_SC_INDEX if "NotoSansCJK" in path.name else 0
    return ImageFont.truetype(str(path), size, index=index)


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def key_figures(report: Report) -> list[tuple[str, str, bool]]:
    """(label, value, alarming) of the tiles: the report's totals over its streets."""
    totals: dict[str, int] = {}
    for street in report.streets:
        for part in (street.community_total, street.checkpoint_total, street.category_total):
            for key, value in part.items():
                if isinstance(value, int):
                    totals[key] = totals.get(key, 0) + value
    pushed, backlog = totals.get("pushed_persons", 0), totals.get("backlog_persons", 0)
    enterprises, resumed = totals.get("enterprises", 0), totals.get("resumed", 0)
    return [
        ("推送人数", _count(pushed), False),
        ("已核查人数", _count(totals.get("verified_persons", 0)), False),
        ("核查覆盖率", _rate((pushed - backlog) / pushed if pushed else None), False),
        ("在管人数", _count(totals.get("under_management", 0)), False),
        ("积压人数", _count(backlog), backlog > 0),
        (
            "超时未核查人数",
            _count(totals.get("overdue_persons", 0)),
            totals.get("overdue_persons", 0) > 0,
        ),
        (
            "卡点发热 / 非绿码",
            f"{totals.get('fever_alerts', 0):,} / {totals.get('non_green_codes', 0):,}",
            totals.get("fever_alerts", 0) > 0,
        ),
        ("企业复工率", _rate(resumed / enterprises if enterprises else None), False),
    ]


def table_rows(report: Report) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    """The communities of one street, or the streets, largest backlog first."""
    if len(report.streets) == 1:
        rows = [
            (r["community_name"] or r["community_code"], r) for r in report.streets[0].communities
        ]
        heading = "社区"
    else:
        rows = [(s.name, s.community_total) for s in report.streets if s.communities]
        heading = "街道"
    rows.sort(key=lambda item: (-(item[1]["backlog_persons"] or 0), item[0]))
    return heading, rows


def write_png(report: Report, path: Path) -> None:
    from PIL import Image, ImageDraw

    font = font_path()
    title_font, tile_label, tile_value = _font(font, 40), _font(font, 22), _font(font, 40)
    body, small = _font(font, 24), _font(font, 20)
    heading, rows = table_rows(report)
    shown = rows[:TABLE_ROWS]
    tiles = key_figures(report)
    tile_w, tile_h = (WIDTH - 2 * MARGIN - 3 * 16) // 4, 120
    table_top = 150 + 2 * (tile_h + 16) + 20
    height = table_top + 50 + 40 * (len(shown) + 1) + 80
    image = Image.new("RGB", (WIDTH, height), "white")
    draw = ImageDraw.Draw(image)

    scope = report.scope
    draw.rectangle((0, 0, WIDTH, 110), fill=ACCENT)
    draw.text((MARGIN, 22), f"{scope}疫情防控日报", font=title_font, fill="white")
    day = report.day
    draw.text(
        (MARGIN, 76),
        f"{day.year}年{day.month}月{day.day}日（截至当日 24 时）",
        font=small,
        fill="white",
    )
    for i, (label, value, alarming) in enumerate(tiles):
        x = MARGIN + (i % 4) * (tile_w + 16)
        y = 140 + (i // 4) * (tile_h + 16)
        draw.rounded_rectangle((x, y, x + tile_w, y + tile_h), radius=12, fill="#F3F4F6")
        draw.text((x + 16, y + 14), label, font=tile_label, fill=MUTED)
        draw.text((x + 16, y + 52), value, font=tile_value, fill=ALERT if alarming else INK)

    columns = [(heading, MARGIN), ("推送", 470), ("积压", 620), ("超时", 760), ("覆盖率", 900)]
    y = table_top
    draw.text((MARGIN, y), f"积压最多的{heading}", font=body, fill=INK)
    y += 44
    for text, x in columns:
        draw.text((x, y), text, font=small, fill=MUTED)
    draw.line((MARGIN, y + 32, WIDTH - MARGIN, y + 32), fill="#D1D5DB", width=2)
    for name, r in shown:
        y += 40
        cells = [
            name[:16],
            _count(r["pushed_persons"]),
            _count(r["backlog_persons"]),
            _count(r["overdue_persons"]),
            _rate(r["coverage_rate"]),
        ]
        for (_, x), text in zip(columns, cells, strict=True):
            draw.text((x, y), text, font=body, fill=INK)
    more = (
        f"另有 {len(rows) - len(shown)} 个{heading}见 Excel 日报 · "
        if len(rows) > len(shown)
        else ""
    )
    draw.text(
        (MARGIN, height - 50),
        f"{more}数据来源：gridwatch 发布库（与看板同源）",
        font=small,
        fill=MUTED,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.writing")
    image.save(tmp, format="PNG", optimize=True)
    tmp.replace(path)
