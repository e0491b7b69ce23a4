"""gridwatch_daily: the daily run for delivery date D (the DAG run's logical date).

    load_<feed> x4 -> gate_batches -> build_marts -> gate_marts -> publish -> report

Each task calls the gridwatch package; nothing here does work at import time.
Tasks that write the warehouse share the one-slot pool ``gridwatch_warehouse``
(DuckDB has one writer). Bad data fails at once, without retries, with a
message naming the file and the fix; a held lock or other transient error is
retried. A failed day is not published: the serving file stays at the last
good publish, and a later run's marts gate holds it back too while a loaded
day's batch gate is failing. A task's last failure, and a date with no
successful run by GRIDWATCH_ALERT_DEADLINE, alert the operators by e-mail and
group-robot webhook (gridwatch.ops.alerts). After the publish, ``report`` writes the
daily report (日报: xlsx + PNG) from the serving file into GRIDWATCH_REPORT_DIR and sends
its key figures to the webhook. Operators: see RUNBOOK.md.
"""

from __future__ import annotations

import datetime as dt
import sys

import pendulum
from airflow.sdk import (
    Asset,
    AsyncCallback,
    CronTriggerTimetable,
    DeadlineAlert,
    DeadlineReference,
    dag,
    task,
)

from gridwatch.config import FEEDS_DIRS as FEEDS
from gridwatch.ops.alerts import GridwatchNotifier
from gridwatch.ops.schedule import TIMEZONE, deadline_after_run, schedule_end
from gridwatch.ops.schedule import delivery_date as local_date

SERVING = Asset("gridwatch://serving/marts")
WAREHOUSE_POOL = "gridwatch_warehouse"
DEFAULT_ARGS = {
    "owner": "gridwatch",
    "retries": 2,
    "retry_delay": dt.timedelta(seconds=20),
    # a hung task would hold the one-slot pool, and so every later run, for ever
    "execution_timeout": dt.timedelta(hours=2),
    "pool": WAREHOUSE_POOL,
    # after the last try only: a retried lock is no news, bad data is
    "on_failure_callback": GridwatchNotifier(),
}


def deadline_alerts() -> list[DeadlineAlert]:
    """Alert when D has no successful run by GRIDWATCH_ALERT_DEADLINE (D + 1, local time)."""
    interval = deadline_after_run()
    # Airflow 3.3.2's `dags test` crashes at the end of a successful run of a DAG with a
    # deadline (it reads the DAG's alerts as database ids); only the scheduler runs them.
    if interval is None or sys.argv[1:3] == ["dags", "test"]:
        return []
    return [
        DeadlineAlert(
            reference=DeadlineReference.DAGRUN_LOGICAL_DATE,
            interval=interval,
            callback=AsyncCallback(GridwatchNotifier),
            name="gridwatch_daily_published",
        )
    ]


def delivery_date(logical_date: dt.datetime | None) -> dt.date:
    """Delivery dates are Asia/Shanghai dates (contract §2)."""
    if logical_date is None:  # Airflow 3: a run triggered without a logical date
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(
            "this run has no logical date, so no delivery date to load. Trigger it with "
            "one: airflow dags trigger gridwatch_daily -l 2021-08-04T23:30:00+08:00 "
            "(or pick the logical date in the UI's trigger form)"
        )
    return local_date(logical_date)


@dag(
    dag_id="gridwatch_daily",
    description="Load, gate, build and publish one delivery date of gridwatch feeds",
    # 23:30 Asia/Shanghai: the day's deliveries are in; logical date = delivery date. The
    # timetable is explicit: a bare cron string follows [scheduler]
    # create_cron_data_intervals, which would make the logical date the day before.
    schedule=CronTriggerTimetable("30 23 * * *", timezone=TIMEZONE),
    start_date=pendulum.datetime(2021, 8, 1, tz=TIMEZONE),
    end_date=schedule_end(),  # unset in production; the demo replays a past fortnight
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=dt.timedelta(hours=6),
    default_args=DEFAULT_ARGS,
    deadline=deadline_alerts(),
    tags=["gridwatch"],
    doc_md=__doc__,
)
def gridwatch_daily():
    # Return values are single XComs: file names (often Chinese) never become XCom keys.
    @task(task_id="load", multiple_outputs=False)
    def load(feed: str, logical_date: dt.datetime | None = None) -> list[dict]:
        from gridwatch.ops.tasks import load_feed

        return load_feed(feed, delivery_date(logical_date))

    # all_done: a date whose load failed on a rejected file still holds its other files,
    # and a later build would put them into the marts, so the gate checks them anyway
    # (results stored for the marts gate's marts.held_deliveries), then fails the run.
    @task(multiple_outputs=False, trigger_rule="all_done")
    def gate_batches(logical_date: dt.datetime | None = None, ti=None) -> dict:
        from gridwatch.ops.tasks import gate_batches as run

        failed = [f for f in FEEDS if ti.xcom_pull(task_ids=f"load_{f}", default=None) is None]
        return run(delivery_date(logical_date), failed_loads=failed)

    @task
    def build_marts() -> str:
        from gridwatch.ops.tasks import build_marts as run

        return run()

    @task(multiple_outputs=False)
    def gate_marts(logical_date: dt.datetime | None = None) -> dict:
        from gridwatch.ops.tasks import gate_marts as run

        return run(delivery_date(logical_date))

    @task(outlets=[SERVING])
    def publish(logical_date: dt.datetime | None = None) -> list[str]:
        from gridwatch.ops.tasks import publish_serving

        return publish_serving(delivery_date(logical_date))

    # after a good publish only; a failure here alerts but never touches the publish
    @task(multiple_outputs=False)
    def report(logical_date: dt.datetime | None = None) -> dict:
        from gridwatch.ops.tasks import write_daily_report

        return write_daily_report(delivery_date(logical_date))

    loads = [load.override(task_id=f"load_{feed}")(feed) for feed in FEEDS]
    loads >> gate_batches() >> build_marts() >> gate_marts() >> publish() >> report()


gridwatch_daily()
