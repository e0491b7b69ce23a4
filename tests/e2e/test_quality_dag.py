"""The quality gates inside Airflow: `airflow dags test` of a day that fails a blocking
batch expectation stops before publish (the serving file keeps its last good version).
The gates themselves are tested in integration/test_quality.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import AIRFLOW, airflow_env, settings_env

from gridwatch.config import Settings
from gridwatch.warehouse.publish import publish

D3 = dt.date(2021, 8, 3)


pytestmark = pytest.mark.usefixtures("gx_local_dirs")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _landing_copy(settings: Settings, tmp_path: Path) -> Settings:
    landing = tmp_path / "landing"
    shutil.copytree(settings.landing_dir, landing)
    return Settings(landing, settings.reference_dir, settings.warehouse, settings.serving)


def test_the_dag_does_not_publish_after_a_blocking_gate(wh, tmp_path, airflow_home):
    """`airflow dags test` of a day whose verification has a wrong year: gate fails, no publish."""
    settings = _landing_copy(wh, tmp_path)
    publish(settings.warehouse, settings.serving)
    last_good = digest(settings.serving)
    (settings.landing_dir / "verification" / "2021-08-03" / "late.csv").write_text(
        "批次号,序号,核查时间,核查社区,核查方式,核查结果\n"
        "SZ-0802-01,1,2012-08-03 10:00,平湖社区,电话,已纳管\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [AIRFLOW, "dags", "test", "gridwatch_daily", D3.isoformat()],
        env=airflow_env(airflow_home, settings_env(settings)),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    log = run.stdout + run.stderr
    assert run.returncode != 0, log[-3000:]
    assert "batch.verification.rows" in log and "verified_at_days_from_delivery" in log
    assert digest(settings.serving) == last_good
