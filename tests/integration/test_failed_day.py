"""A failed day stays loaded, so the next build would put it into the marts: the marts
gate (suite marts.held_deliveries) keeps a day that failed its batch gate off the
dashboards until it is fixed, and warns about a day with a rejected file, whose other
files the marts hold (contract §2).

Through the operator's path (``run_day``: load, batch gate, build, marts gate, publish):
1. 08-02 fails its batch gate (2 of 3 push rows quarantined: share above 0.5);
2. 08-03 is clean, but its run would publish 08-02: it is stopped, naming 08-02;
3. 08-02 is corrected and re-run: both days are published;
4. 08-04 has a stray .txt next to a good list: its own run fails at the load (its
   good file still goes through the batch gate), and re-running 08-03 publishes
   08-04's good file with a warning naming 08-04;
5. 08-05 is loaded by hand and never gated: every publish waits for it.
"""

from __future__ import annotations

import datetime as dt

import duckdb
from conftest import EXAMPLES, make_settings

from gridwatch.ops.pipeline import load_feeds, run_day

DAY1, DAY2, DAY3, DAY4 = (dt.date(2021, 8, d) for d in (2, 3, 4, 5))
HEADER = (
    "批次号,专项,下发时间,反馈时限(小时),序号,姓名,证件类型,证件号码,手机号,所属街道,所属社区\n"
)
RICS = ("110101198503121239", "110101199003074514", "11010119880808601X")


def push_list(day: dt.date, names: tuple[str, ...]) -> str:
    rows = [
        f"B{day:%m%d},测试专项,{day} 09:00:00,24,{no},{name},身份证,{RICS[no - 1]},"
        f"1370000000{no},平湖街道,平湖社区\n"
        for no, name in enumerate(names, start=1)
    ]
    return HEADER + "".join(rows)


def deliver(landing, day: dt.date, name: str, text: str) -> None:
    path = landing / "push_list" / day.isoformat() / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def published_push_records(settings) -> int | None:
    if not settings.serving.exists():
        return None
    con = duckdb.connect(str(settings.serving), read_only=True)
    try:
        return con.execute("select count(*) from marts.fct_push_record").fetchone()[0]
    finally:
        con.close()


def test_a_day_that_failed_its_gate_is_not_published_by_a_later_run(tmp_path):
    landing = tmp_path / "landing"
    settings = make_settings(tmp_path / "wh", landing=landing, reference=EXAMPLES / "reference")

    deliver(landing, DAY1, "list.csv", push_list(DAY1, ("张三", "", "")))
    first = run_day(settings, DAY1)
    assert not first.ok and "batch.push_list.delivery" in first.message

    deliver(landing, DAY2, "list.csv", push_list(DAY2, ("王五",)))
    second = run_day(settings, DAY2)
    assert not second.ok
    assert "marts.held_deliveries" in second.message and "2021-08-02" in second.message
    assert published_push_records(settings) is None  # 08-02's quarantined day never shown

    deliver(landing, DAY1, "list.csv", push_list(DAY1, ("张三", "李四", "赵六")))
    fixed = run_day(settings, DAY1)
    assert fixed.ok, fixed.message
    assert published_push_records(settings) == 4

    deliver(landing, DAY3, "list.csv", push_list(DAY3, ("孙七",)))
    deliver(landing, DAY3, "readme.txt", "not a delivery")
    assert not run_day(settings, DAY3).ok  # the load fails; its good file stays loaded
    again = run_day(settings, DAY2)
    assert again.ok, again.message  # a rejected file warns: the date's other files are fine
    assert published_push_records(settings) == 5
    warned = [
        row for gate in again.gates for row in gate.warnings if row.suite == "marts.held_deliveries"
    ]
    assert warned and "2021-08-04" in str(
        [w.observed_value for w in warned] + [w.details for w in warned]
    )

    # 5. a date loaded by hand, never through the batch gate, holds every publish back
    deliver(landing, DAY4, "list.csv", push_list(DAY4, ("周八",)))
    load_feeds(settings, DAY4)
    held = run_day(settings, DAY2)
    assert not held.ok and "gated_since_last_load" in held.message
    assert "2021-08-05" in held.message
    assert published_push_records(settings) == 5
