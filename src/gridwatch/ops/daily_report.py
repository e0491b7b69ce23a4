"""The daily report (日报): the published marts of one report date as an Excel workbook
and a PNG of the key figures for a chat group (``gridwatch report DATE``).

It reads the serving file only (a read-only DuckDB connection), so it shows what the
dashboards show. Layout: one sheet per street (a district or city serving file holds
several; ``street`` keeps one), each with a title row naming the street and the date,
then three tables: per community (推送、核查、覆盖率、纳管、在管、积压、超时), per
checkpoint (进入、发热、非绿码 …) and enterprise resumption per category; then one
sheet of the topics (专项), which the marts count over all streets, not per street.

Every figure of a row is the mart's value as stored (rates too: a cell holds the mart's
double, formatted as a percentage). A 合计 row is the sum of the rows above it; its rate
is computed as the dashboards' metric is: (SUM(pushed) − SUM(backlog)) / SUM(pushed),
SUM(resumed) / SUM(enterprises). This module reads the figures; ``report_workbook``
writes the workbook and ``report_png`` the picture.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridwatch.ops import hints

UNRESOLVED_STREET = "_UNRESOLVED"
CATEGORIES = {
    "SENSITIVE": "重点敏感型",
    "GATHERING": "聚集接触型",
    "DOOR_TO_DOOR": "上门服务型",
    "INDEPENDENT": "独立办公型",
    "OTHER": "其他",
}
# (mart column, Chinese header as on the dashboards, number format)
COUNT, RATE = "#,##0", "0.0%"
COMMUNITY_COLUMNS = [
    ("pushed_persons", "推送人数", COUNT),
    ("new_persons", "新增推送人数", COUNT),
    ("verified_persons", "已核查人数", COUNT),
    ("coverage_rate", "核查覆盖率", RATE),
    ("managed_persons", "累计纳管人数", COUNT),
    ("under_management", "在管人数", COUNT),
    ("backlog_persons", "积压人数", COUNT),
    ("overdue_persons", "超时未核查人数", COUNT),
]
TOPIC_COLUMNS = [
    ("pushed_persons", "推送人数", COUNT),
    ("coverage_rate", "核查覆盖率", RATE),
    ("backlog_persons", "积压人数", COUNT),
    ("overdue_persons", "超时未核查人数", COUNT),
    ("records_issued", "下发记录数", COUNT),
    ("records_satisfied", "完成核查记录数", COUNT),
]
CHECKPOINT_COLUMNS = [
    ("events_in", "进入人次", COUNT),
    ("events_out", "离开人次", COUNT),
    ("fever_alerts", "发热预警", COUNT),
    ("unreadable_temperatures", "体温未读出", COUNT),
    ("non_green_codes", "非绿码", COUNT),
    ("turned_back", "劝返", COUNT),
    ("returnees", "返深人员", COUNT),
    ("backlog_sightings", "积压人员卡点出现", COUNT),
]
ENTERPRISE_COLUMNS = [
    ("enterprises", "企业数", COUNT),
    ("filed", "已报备", COUNT),
    ("approved", "已审核", COUNT),
    ("rejected", "未通过", COUNT),
    ("resumed", "已复工", COUNT),
    ("suspended", "停工整改", COUNT),
    ("resumption_rate", "复工率", RATE),
    ("employees_total", "员工总数", COUNT),
    ("employees_returned", "到岗人数", COUNT),
]
SECTION_TITLES = ("一、社区核查与管控", "二、卡点通行", "三、企业复工复产（按企业类型）")
TOPIC_SHEET = "分专项"


class ReportError(Exception):
    """The report cannot be written; the message says what to do."""


@dataclass
class StreetReport:
    code: str
    name: str
    communities: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)

    @property
    def community_total(self) -> dict[str, Any]:
        total = _sums(self.communities, COMMUNITY_COLUMNS)
        pushed, backlog = total["pushed_persons"], total["backlog_persons"]
        total["coverage_rate"] = (pushed - backlog) / pushed if pushed else None
        return total

    @property
    def checkpoint_total(self) -> dict[str, Any]:
        return _sums(self.checkpoints, CHECKPOINT_COLUMNS)

    @property
    def category_total(self) -> dict[str, Any]:
        total = _sums(self.categories, ENTERPRISE_COLUMNS)
        total["resumption_rate"] = (
            total["resumed"] / total["enterprises"] if total["enterprises"] else None
        )
        return total


@dataclass
class Report:
    day: dt.date
    streets: list[StreetReport]
    topics: list[dict[str, Any]]

    @property
    def scope(self) -> str:
        """Whose report it is, for titles: the street's name, or "N个街道合计"; records
        no street could be found for (未识别街道) are in the figures, not in the count."""
        known = [s for s in self.streets if s.code != UNRESOLVED_STREET]
        if len(known) == 1:
            return known[0].name
        return f"{len(known)}个街道合计"


@dataclass(frozen=True)
class WrittenReport:
    workbook: Path
    png: Path
    report: Report

    @property
    def streets(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.report.streets)


def _sums(rows: list[dict[str, Any]], columns: list[tuple[str, str, str]]) -> dict[str, Any]:
    return {col: sum(r[col] or 0 for r in rows) for col, _, fmt in columns if fmt == COUNT}


def _rows(con: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _street_order(code: str) -> tuple[bool, str]:
    return (code.startswith("_"), code)


def _date_ranges(dates: list[dt.date]) -> str:
    """2021-08-02 … 2021-08-04, 2021-08-07 (consecutive dates as ranges)."""
    ranges: list[list[dt.date]] = []
    for d in dates:
        if ranges and d - ranges[-1][-1] == dt.timedelta(days=1):
            ranges[-1].append(d)
        else:
            ranges.append([d])
    return ", ".join(f"{r[0]} … {r[-1]}" if len(r) > 1 else str(r[0]) for r in ranges)


# --- the workbook ------------------------------------------------------------------------


def read_report(serving: Path, day: dt.date, street: str | None = None) -> Report:
    """The marts of ``day`` in the serving file, per street (only ``street`` when given)."""
    import duckdb

    if not serving.exists():
        raise ReportError(
            f"no serving file at {serving} yet: publish the marts first ({hints.rerun(day)}, "
            f"or `{hints.cli()} publish` after a build), or set GRIDWATCH_SERVING to the "
            "published file"
        )
    con = duckdb.connect(str(serving), read_only=True)
    try:
        dates = [
            d
            for (d,) in con.execute(
                "select distinct report_date from marts.mart_coverage_daily order by 1"
            ).fetchall()
        ]
        if day not in dates:
            held = (
                f"it holds {len(dates)} date(s): {_date_ranges(dates)}" if dates else "it is empty"
            )
            raise ReportError(
                f"the serving file {serving} has no report date {day}; {held}. Pick one of "
                f"those, or run and publish {day} first: {hints.rerun(day)}"
            )
        communities = _rows(
            con,
            "select * from marts.mart_coverage_daily where report_date = ? "
            "order by street_code, community_code",
            [day],
        )
        checkpoints = _rows(
            con,
            f"select *, coalesce(street_code, '{UNRESOLVED_STREET}') as street "
            "from marts.mart_checkpoint_daily where report_date = ? order by checkpoint_code",
            [day],
        )
        enterprise_cols = ", ".join(
            f"sum({c})::bigint as {c}" for c, _, f in ENTERPRISE_COLUMNS if f == COUNT
        )
        categories = _rows(
            con,
            f"select street_code as street, category, {enterprise_cols}, "
            "sum(resumed) / sum(enterprises) as resumption_rate "
            "from marts.mart_enterprise_resumption_daily where report_date = ? "
            "group by all",
            [day],
        )
        topics = _rows(
            con,
            "select * from marts.mart_coverage_by_topic_daily where report_date = ? "
            "order by pushed_persons desc, topic",
            [day],
        )
    finally:
        con.close()

    names = {r["street_code"]: r["street_name"] for r in communities}
    community_names = {r["community_code"]: r["community_name"] for r in communities}
    codes = {r["street_code"] for r in communities}
    codes |= {r["street"] for r in checkpoints} | {r["street"] for r in categories}
    if street is not None:
        if street not in codes:
            known = ", ".join(f"{c} {names.get(c, '')}".strip() for c in sorted(codes))
            raise ReportError(
                f"no street {street} in the marts of {day}; the streets there: {known}"
            )
        codes = {street}
    order = list(CATEGORIES)
    streets = []
    for code in sorted(codes, key=_street_order):
        report = StreetReport(code, names.get(code) or _street_name(code))
        report.communities = [r for r in communities if r["street_code"] == code]
        for r in checkpoints:
            if r["street"] == code:
                r["community_name"] = community_names.get(r["community_code"]) or (
                    r["community_code"] or ""
                )
                report.checkpoints.append(r)
        report.categories = sorted(
            (r for r in categories if r["street"] == code),
            key=lambda r: order.index(r["category"]) if r["category"] in order else len(order),
        )
        streets.append(report)
    return Report(day, streets, topics)


def _street_name(code: str) -> str:
    return "未识别街道" if code == UNRESOLVED_STREET else code


def report_stem(day: dt.date, street: str | None = None) -> str:
    return f"疫情防控日报_{day.isoformat()}" + (f"_{street}" if street else "")


def write_report(
    serving: Path, day: dt.date, out_dir: Path, street: str | None = None
) -> WrittenReport:
    """Write ``<out_dir>/疫情防控日报_<day>[_<street>].xlsx`` and its ``.png``."""
    from gridwatch.ops.report_png import write_png
    from gridwatch.ops.report_workbook import write_workbook

    report = read_report(serving, day, street)
    stem = report_stem(day, street)
    workbook, png = out_dir / f"{stem}.xlsx", out_dir / f"{stem}.png"
    write_workbook(report, workbook)
    write_png(report, png)
    return WrittenReport(workbook, png, report)
