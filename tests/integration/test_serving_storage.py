"""The serving file opens in the oldest DuckDB analysts use (1.4), not only in 2.x."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from gridwatch.config import REPO_ROOT
from gridwatch.warehouse.publish import SERVING_STORAGE_VERSION, publish

UV = REPO_ROOT / ".tools" / "bin" / "uv"
OLDEST_READER = "duckdb==1.4.4"
# DuckDB's storage version numbers (the header's version field): 1.4 and 1.5 read 64-68.
OLDEST_READABLE = range(64, 69)


def header_version(path: Path) -> int:
    """The storage version number in a DuckDB file's main header (after checksum and magic)."""
    head = path.read_bytes()[:20]
    assert head[8:12] == b"DUCK", f"{path} is not a DuckDB file"
    return int.from_bytes(head[12:20], "little")


@pytest.fixture(scope="module")
def old_duckdb(tmp_path_factory) -> Path:
    """A throwaway venv holding the oldest DuckDB the README promises (from PyPI or uv's cache)."""
    uv = str(UV) if UV.exists() else shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not installed: cannot create a DuckDB 1.4 reader")
    venv = tmp_path_factory.mktemp("duckdb14") / "venv"
    made = subprocess.run(
        [uv, "venv", "-q", str(venv), "--python", sys.executable], capture_output=True, text=True
    )
    python = venv / "bin" / "python"
    installed = made.returncode == 0 and (
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(python), OLDEST_READER, "pytz"],
            capture_output=True,
            text=True,
            timeout=300,
        ).returncode
        == 0
    )
    if not installed:
        pytest.skip(f"{OLDEST_READER} did not install (no registry?); the header test still runs")
    return python


@pytest.fixture(scope="module")
def published(example_settings, tmp_path_factory) -> Path:
    serving = tmp_path_factory.mktemp("serving") / "gridwatch.duckdb"
    publish(example_settings.warehouse, serving)
    return serving


def test_serving_file_is_written_in_the_oldest_storage_format(published):
    assert header_version(published) in OLDEST_READABLE
    con = duckdb.connect(str(published), read_only=True)
    try:
        tags = con.execute(
            "select tags from duckdb_databases() where database_name = current_database()"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert tags["storage_version"].startswith(SERVING_STORAGE_VERSION)


def test_duckdb_1_4_opens_the_serving_file(published, old_duckdb):
    code = (
        "import duckdb, json, sys; con = duckdb.connect(sys.argv[1], read_only=True);"
        'rows = con.execute("select table_name, estimated_size from duckdb_tables() '
        "where schema_name = 'marts' order by 1\").fetchall();"
        "cov = con.execute('select count(*), max(report_date)::varchar "
        "from marts.mart_coverage_daily').fetchall();"
        "print(json.dumps({'version': duckdb.__version__, 'tables': [r[0] for r in rows], "
        "'coverage': cov[0]}))"
    )
    out = subprocess.run(
        [str(old_duckdb), "-c", code, str(published)],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["version"].startswith("1.4.")
    assert "mart_coverage_daily" in seen["tables"] and "mart_quality_results" in seen["tables"]
    con = duckdb.connect(str(published), read_only=True)
    try:
        expected = con.execute(
            "select count(*), max(report_date)::varchar from marts.mart_coverage_daily"
        ).fetchall()[0]
    finally:
        con.close()
    assert tuple(seen["coverage"]) == expected
