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
    # a load by hand is not gated: until it is, no publish (marts.held_deliveries)
    assert "gridwatch validate 2021-08-04" in " ".join(result.stdout.split())
    held = run(fresh, "publish", "--date", "2021-08-03")
    assert held.returncode == 1 and "gated_since_last_load" in held.stderr
    validated = run(fresh, "validate", "2021-08-04")
    assert validated.returncode == 1  # readme.txt is REJECTED: the date's own gate fails …
    assert run(fresh, "publish", "--date", "2021-08-03").returncode == 0  # … later ones pass


def test_validate_a_clean_date(fresh):
    result = run(fresh, "validate", "2021-08-03")
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_reference_and_usage_errors(fresh, tmp_path):
    ok = run(fresh, "check-reference")
    assert ok.returncode == 0 and "4 communities" in ok.stdout
    # checking touches no warehouse: none is created, and a held write lock is no obstacle
    elsewhere = make_settings(tmp_path, reference=EXAMPLES / "reference")
    assert run(elsewhere, "check-reference").returncode == 0
    assert not elsewhere.warehouse.exists()
    fresh.warehouse.parent.mkdir(parents=True, exist_ok=True)
    writer = duckdb.connect(str(fresh.warehouse))  # another process holds the write lock
    try:
        assert run(fresh, "check-reference").returncode == 0
    finally:
        writer.close()
    bad = run(fresh, "load", "all", "2021-13-01")
    assert bad.returncode == 2 and "not a date" in bad.stderr


def test_configuration_mistakes_exit_2_with_what_to_fix(tmp_path):
    nowhere = make_settings(tmp_path, landing=tmp_path / "landing")
    for command in (["status"], ["quarantine"], ["publish"], ["validate", "2021-08-02"]):
        result = run(nowhere, *command)
        assert result.returncode == 2, (command, result.stderr)
        assert "no warehouse at" in result.stderr and "GRIDWATCH_WAREHOUSE" in result.stderr
        assert "Traceback" not in result.stderr
    backwards = run(nowhere, "backfill", "2021-08-04", "2021-08-02")
    assert backwards.returncode == 2 and "is before START" in backwards.stderr
    for command in (  # the landing folder does not exist
        ["load", "all", "2021-08-02"],
        ["run", "2021-08-02"],
        ["backfill", "2021-08-02", "2021-08-03"],
    ):
        typo = run(nowhere, *command)
        assert typo.returncode == 2, (command, typo.stderr)
        said = " ".join(typo.stderr.split())  # rich wraps long lines
        assert "set GRIDWATCH_LANDING_DIR" in said and "Traceback" not in said
    assert not nowhere.warehouse.exists()  # looking created nothing


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


def test_run_reports_what_the_day_loaded_and_what_the_gates_found(fresh):
    result = run(fresh, "run", "2021-08-03")
    assert result.returncode == 0, result.stderr
    # every file of the date, with its rows, and one line of totals
    for name in FILES_0803:
        assert name in result.stdout
    assert "gate batches passed for 2021-08-03" in result.stdout
    assert "gate marts passed for 2021-08-03" in result.stdout
    assert "2021-08-03: loaded, built, published (" in result.stdout
    assert "rows," in result.stdout and "quarantined" in result.stdout
    assert "no feed has a folder" not in result.stderr


def test_run_says_when_no_feed_has_a_folder_for_the_date(fresh):
    published = fresh.serving.stat().st_mtime_ns if fresh.serving.exists() else None
    result = run(fresh, "run", "2012-08-03")  # a mistyped year
    assert "no feed has a folder for 2012-08-03" in result.stderr
    # a working day without a push list or checkpoint log is stopped, not published empty
    assert result.returncode == 1, result.stdout
    assert 'Quality gate "batches" stopped 2012-08-03' in result.stderr
    assert "core_feeds_delivered_unless_holiday" in result.stderr
    # the module's earlier publishes stay as they were
    assert (fresh.serving.stat().st_mtime_ns if fresh.serving.exists() else None) == published


FILES_0803 = sorted(
    path.name for path in (EXAMPLES / "landing").glob("*/2021-08-03/*") if path.is_file()
)


def test_hints_are_commands_to_paste_where_they_are_printed(tmp_path, monkeypatch):
    """Under make the hint is the make target; otherwise the CLI by a name the shell finds."""
    import shlex

    from gridwatch.cli import daily as cli
    from gridwatch.ops import hints

    monkeypatch.delenv("MAKELEVEL", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # the venv's bin is not on PATH
    command = hints.rerun("2021-08-04")
    program = shlex.split(command)[0]
    assert shutil.which(program), command  # an absolute path that exists
    assert command.endswith(" run 2021-08-04")
    monkeypatch.setenv("MAKELEVEL", "1")
    assert hints.rerun("2021-08-04") == "make rerun DATE=2021-08-04"
    # the generator's next step: the make target, with the folders only when they differ
    out = tmp_path / "generated"
    monkeypatch.setenv("GRIDWATCH_LANDING_DIR", str(out / "landing"))
    monkeypatch.setenv("GRIDWATCH_REFERENCE_DIR", str(out / "reference"))
    assert cli._backfill_hint(out, "2021-08-02", "2021-08-15") == (
        "make backfill START=2021-08-02 END=2021-08-15"
    )
    other = cli._backfill_hint(tmp_path / "other", "2021-08-02", "2021-08-15")
    assert other.startswith(f"GRIDWATCH_LANDING_DIR={tmp_path / 'other' / 'landing'} ")
    assert other.endswith(" make backfill START=2021-08-02 END=2021-08-15")
