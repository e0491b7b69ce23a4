"""The Airflow 3 DAG: it imports cleanly, has the designed graph, and runs the
worked example end to end with `airflow dags test` (no Airflow services)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import EXAMPLE_DATES, EXAMPLES, airflow_env, make_settings, settings_env
from mart_compare import compare

from gridwatch.config import REPO_ROOT
from gridwatch.ops.services import AIRFLOW

DAG_ID = "gridwatch_daily"


def dags_test(home: Path, settings, day) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(AIRFLOW), "dags", "test", DAG_ID, day.isoformat()],
        env=airflow_env(home, settings_env(settings)),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_dagbag_imports_without_errors_and_graph_is_as_designed(airflow_home, monkeypatch):
    monkeypatch.setenv("AIRFLOW_HOME", str(airflow_home))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
    assert bag.import_errors == {}
    dag = bag.get_dag(DAG_ID)
    assert dag is not None
    loads = {f"load_{f}" for f in ("push_list", "verification", "checkpoint", "enterprise_filing")}
    assert set(dag.task_ids) == loads | {
        "gate_batches",
        "build_marts",
        "gate_marts",
        "publish",
        "report",
    }
    assert dag.get_task("gate_batches").upstream_task_ids == loads
    assert dag.get_task("publish").upstream_task_ids == {"gate_marts"}
    assert dag.get_task("report").upstream_task_ids == {"publish"}
    assert all(t.pool == "gridwatch_warehouse" for t in dag.tasks)
    assert dag.max_active_runs == 1


def test_dag_file_does_no_work_at_import(tmp_path):
    """Importing the DAG file touches no warehouse and imports no heavy module."""
    code = (
        "import sys, runpy; runpy.run_path(sys.argv[1]);"
        "heavy = [m for m in ('duckdb', 'gridwatch.ingest.load', 'dbt', 'great_expectations') if m in sys.modules];"
        "print(heavy)"
    )
    env = dict(os.environ, GRIDWATCH_WAREHOUSE=str(tmp_path / "never.duckdb"))
    out = subprocess.run(
        [sys.executable, "-c", code, str(REPO_ROOT / "dags" / "gridwatch_daily.py")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert not (tmp_path / "never.duckdb").exists()


@pytest.fixture(scope="module")
def example_via_airflow(airflow_home, tmp_path_factory):
    """The worked example run through `airflow dags test` for its three dates."""
    root = tmp_path_factory.mktemp("dagrun")
    landing = root / "landing"
    shutil.copytree(EXAMPLES / "landing", landing)
    settings = make_settings(root, landing=landing, reference=EXAMPLES / "reference")
    runs = {day: dags_test(airflow_home, settings, day) for day in EXAMPLE_DATES}
    return settings, runs


def test_example_through_airflow_gives_expected_marts(example_via_airflow):
    settings, runs = example_via_airflow
    first, second, third = (runs[d] for d in EXAMPLE_DATES)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    # 2021-08-04 holds readme.txt: the load fails after loading the rest; no publish that day
    assert third.returncode != 0
    log = third.stdout + third.stderr
    assert "readme.txt" in log and "is not a delivery" in log
    # the report task wrote the daily report of each published date, beside the serving file
    reports = settings.serving.parent / "reports"
    assert (reports / "疫情防控日报_2021-08-03.xlsx").is_file()
    assert (reports / "疫情防控日报_2021-08-03.png").is_file()
    assert not (reports / "疫情防控日报_2021-08-04.xlsx").exists()
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert con.execute(
            "select count(*) from raw.load_log where delivery_date = '2021-08-04' and status = 'LOADED'"
        ).fetchall() == [(3,)]
    finally:
        con.close()


def test_failed_day_keeps_last_good_publish_and_fixed_rerun_succeeds(
    example_via_airflow, airflow_home
):
    settings, _ = example_via_airflow
    serving = duckdb.connect(str(settings.serving), read_only=True)
    published_days = serving.execute(
        "select max(report_date) from marts.mart_coverage_daily"
    ).fetchall()
    serving.close()
    assert str(published_days[0][0]) == "2021-08-03"  # the failed 08-04 run did not publish

    (settings.landing_dir / "push_list" / "2021-08-04" / "readme.txt").unlink()
    rerun = dags_test(airflow_home, settings, EXAMPLE_DATES[2])
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    con = duckdb.connect(str(settings.serving), read_only=True)
    try:
        tables = {
            t
            for (t,) in con.execute(
                "select distinct schema_name || '.' || table_name from duckdb_tables()"
            ).fetchall()
        }
        assert all(t.startswith("marts.") for t in tables)
        for csv in sorted((EXAMPLES / "expected").glob("*.csv")):
            if csv.stem == "mart_load_status":
                continue  # readme.txt was removed for the rerun, so its row is gone
            problems = compare(con, f"marts.{csv.stem}", csv)
            assert problems == [], "\n".join(problems)
        before = {
            t: con.execute(f"select * from {t} order by all").fetchall()
            for t in tables
            if "load_status" not in t and "quality" not in t
        }
    finally:
        con.close()

    again = dags_test(airflow_home, settings, EXAMPLE_DATES[2])
    assert again.returncode == 0
    con = duckdb.connect(str(settings.serving), read_only=True)
    try:
        after = {t: con.execute(f"select * from {t} order by all").fetchall() for t in before}
    finally:
        con.close()
    assert after == before


def test_schedule_and_timeouts_fix_the_delivery_date_and_free_the_pool(airflow_home, monkeypatch):
    monkeypatch.setenv("AIRFLOW_HOME", str(airflow_home))
    from airflow.dag_processing.dagbag import DagBag

    dag = DagBag(dag_folder=str(REPO_ROOT / "dags")).get_dag(DAG_ID)
    # explicit, so [scheduler] create_cron_data_intervals cannot move the logical date
    assert type(dag.timetable).__name__ == "CronTriggerTimetable"
    assert dag.timetable.expression == "30 23 * * *"
    assert str(dag.timetable.timezone) == "Asia/Shanghai"
    assert dag.dagrun_timeout is not None
    assert all(t.execution_timeout is not None for t in dag.tasks)  # a hung task frees the pool


def test_a_run_without_a_logical_date_fails_at_once_saying_how_to_trigger(tmp_path):
    import runpy

    from airflow.sdk.exceptions import AirflowFailException

    module = runpy.run_path(str(REPO_ROOT / "dags" / "gridwatch_daily.py"))
    with pytest.raises(AirflowFailException, match="airflow dags trigger gridwatch_daily -l"):
        module["delivery_date"](None)  # not an AttributeError retried twice
    import pendulum

    scheduled = pendulum.datetime(2021, 8, 4, 23, 30, tz="Asia/Shanghai").in_timezone("UTC")
    assert str(module["delivery_date"](scheduled)) == "2021-08-04"


def test_a_locked_warehouse_makes_build_marts_retry(example_settings, monkeypatch):
    """build_marts: dbt failing on a held lock raises a retryable error, not AirflowFailException."""
    from airflow.sdk.exceptions import AirflowFailException

    from gridwatch.ops import tasks
    from gridwatch.warehouse.build import BuildError

    for key, value in settings_env(example_settings).items():
        monkeypatch.setenv(key, value)
    holder = duckdb.connect(str(example_settings.warehouse))  # another writer holds the file
    try:
        with pytest.raises(BuildError) as excinfo:
            tasks.build_marts()
    finally:
        holder.close()
    assert excinfo.value.transient and not isinstance(excinfo.value, AirflowFailException)
    assert "lock" in str(excinfo.value)
