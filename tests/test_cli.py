"""The operator's CLI on the worked example: exit codes and messages that say what to do."""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest
from conftest import EXAMPLES, make_settings, settings_env

GRIDWATCH = [sys.executable, "-m", "gridwatch.cli"]


def run(settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*GRIDWATCH, *args],
        env=settings_env(settings) | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(EXAMPLES / "landing", root / "landing")
    return make_settings(root, landing=root / "landing", reference=EXAMPLES / "reference")


def test_backfill_runs_every_date_and_lists_the_failed_ones(fresh):
    result = run(fresh, "backfill", "2021-08-02", "2021-08-04")
    assert result.returncode == 1
    assert "1 of 3 date(s) failed: 2021-08-04" in result.stderr
    assert "readme.txt" in result.stderr
    # the later dates were not stopped by the failure, and the good ones were published
    status = run(fresh, "status")
    assert status.returncode == 1  # a rejected file is listed
    assert "REJECTED" in status.stdout and "DUPLICATE" in status.stdout
    assert fresh.serving.exists()


def test_load_names_the_rejected_file_and_exits_1(fresh):
    result = run(fresh, "load", "push_list", "2021-08-04")
    assert result.returncode == 1
    assert "readme.txt" in result.stderr and "re-run the date" in result.stderr


def test_validate_a_clean_date(fresh):
    result = run(fresh, "validate", "2021-08-03")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_reference_and_usage_errors(fresh):
    ok = run(fresh, "check-reference")
    assert ok.returncode == 0 and "4 communities" in ok.stdout
    bad = run(fresh, "load", "all", "2021-13-01")
    assert bad.returncode == 2 and "not a date" in bad.stderr


def test_configuration_mistakes_exit_2_with_what_to_fix(tmp_path):
    nowhere = make_settings(tmp_path, landing=tmp_path / "landing")
    for command in (["status"], ["quarantine"], ["publish"], ["validate", "2021-08-02"]):
        result = run(nowhere, *command)
        assert result.returncode == 2, (command, result.stderr)
        assert "no warehouse at" in result.stderr and "GRIDWATCH_WAREHOUSE" in result.stderr
        assert "Traceback" not in result.stderr
    assert not nowhere.warehouse.exists()  # looking created nothing
    backwards = run(nowhere, "backfill", "2021-08-04", "2021-08-02")
    assert backwards.returncode == 2 and "is before START" in backwards.stderr
    typo = run(nowhere, "load", "all", "2021-08-02")  # the landing folder does not exist
    assert typo.returncode == 2 and "set GRIDWATCH_LANDING_DIR" in typo.stderr
    assert "Traceback" not in typo.stderr


def test_publish_runs_the_marts_gate_first(fresh, tmp_path):
    ok = run(fresh, "publish", "--date", "2021-08-03")
    assert ok.returncode == 0 and "published" in ok.stdout, ok.stderr
    broken = make_settings(tmp_path, landing=fresh.landing_dir, reference=fresh.reference_dir)
    broken.warehouse.parent.mkdir(parents=True)
    shutil.copy(fresh.warehouse, broken.warehouse)
    con = duckdb.connect(str(broken.warehouse))
    con.execute("insert into marts.fct_push_record select * from marts.fct_push_record limit 1")
    con.close()
    refused = run(broken, "publish", "--date", "2021-08-03")
    assert refused.returncode == 1 and "QualityGateError" in refused.stderr
    assert "marts.fct_push_record" in refused.stderr
    assert not broken.serving.exists()
