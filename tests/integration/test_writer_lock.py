"""One writer of the warehouse at a time: a second one waits and says who holds it,
and an operator can look at the load status while a run writes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import EXAMPLES, make_settings, settings_env

from gridwatch.warehouse.writer_lock import WarehouseBusyError, holder, writer_lock

GRIDWATCH = [sys.executable, "-m", "gridwatch.cli"]


def hold(settings, seconds: float, open_duckdb: bool = False) -> subprocess.Popen:
    """Another process that takes the writer lock (and the DuckDB write lock) for a while."""
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from gridwatch.warehouse.writer_lock import writer_lock
        warehouse = Path({str(settings.warehouse)!r})
        with writer_lock(warehouse, "gridwatch run 2021-08-03"):
            if {open_duckdb}:
                import duckdb
                con = duckdb.connect(str(warehouse))
            print("holding", flush=True)
            time.sleep({seconds})
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=settings_env(settings)
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def cli(settings, *args: str, wait: str = "600") -> subprocess.CompletedProcess:
    env = settings_env(settings) | {"GRIDWATCH_LOCK_WAIT": wait, "COLUMNS": "200"}
    return subprocess.run(
        [*GRIDWATCH, *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture
def settings(tmp_path):
    shutil.copytree(EXAMPLES / "landing", tmp_path / "landing")
    return make_settings(tmp_path, landing=tmp_path / "landing")


def test_a_second_writer_waits_for_the_first_and_says_who_it_is(settings):
    holding = hold(settings, 3)
    try:
        who = holder(settings.warehouse)
        assert who["pid"] == holding.pid and who["command"] == "gridwatch run 2021-08-03"
        said: list[str] = []
        started = time.monotonic()
        with writer_lock(settings.warehouse, "test", wait=60, say=said.append):
            waited = time.monotonic() - started
        assert waited > 1.5  # the first writer held it for 3 s after saying so
        assert len(said) == 1 and f"PID {holding.pid} (gridwatch run 2021-08-03)" in said[0]
    finally:
        holding.wait()
    assert holder(settings.warehouse) is None


def test_a_writer_that_waited_too_long_names_the_holder_and_what_to_do(settings):
    holding = hold(settings, 30)
    try:
        with (
            pytest.raises(WarehouseBusyError, match=rf"PID {holding.pid} \(gridwatch run"),
            writer_lock(settings.warehouse, "test", wait=0.2, say=lambda _m: None),
        ):
            pass
        result = cli(settings, "load", "all", "2021-08-02", wait="0.5")
        assert result.returncode == 1
        assert "warehouse busy" in result.stderr and "GRIDWATCH_LOCK_WAIT" in result.stderr
        assert not settings.warehouse.exists()  # it never started loading
    finally:
        holding.kill()
        holding.wait()


def test_the_lock_is_reentrant_in_one_process(settings):
    with (
        writer_lock(settings.warehouse, "outer", wait=0),
        writer_lock(settings.warehouse, "inner", wait=0),
    ):
        assert holder(settings.warehouse)["command"] == "outer"
    assert holder(settings.warehouse) is None


def test_status_during_a_run_shows_the_last_publish(settings):
    published = cli(settings, "run", "2021-08-02")
    assert published.returncode == 0, published.stderr
    holding = hold(settings, 60, open_duckdb=True)
    try:
        result = cli(settings, "status")
        assert result.returncode == 0, result.stderr
        assert f"being written by PID {holding.pid}" in " ".join(result.stderr.split())
        assert "2021-08-02" in result.stdout and "LOADED" in result.stdout
    finally:
        holding.kill()
        holding.wait()


def test_validate_before_the_first_build_runs_the_batch_gate_only(settings):
    loaded = cli(settings, "load", "all", "2021-08-02")
    assert loaded.returncode == 0, loaded.stderr
    result = cli(settings, "validate", "2021-08-02")
    assert "Traceback" not in result.stderr, result.stderr
    assert "the marts are not built yet, so only the batch gate ran" in result.stdout
    assert "batches" in result.stdout
