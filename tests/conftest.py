"""Shared fixtures: settings pointing at temporary folders, and the contract's
worked example (tests/fixtures/example, docs/contract.md) loaded and built once per session.

Tests live in layers, one folder each, and carry the folder's marker (added below):
tests/unit (no dbt build, no Airflow run, no services: `make test-fast`), tests/integration
(dbt builds, the DuckDB warehouse, the CLI on the worked example) and tests/e2e (Airflow,
Superset, Chromium). Select a layer by folder or by marker: `pytest -m "not e2e"`."""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from gridwatch.config import Settings

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "example"
EXAMPLE_DATES = [dt.date(2021, 8, 2), dt.date(2021, 8, 3), dt.date(2021, 8, 4)]
TEST_PII_KEY = "test-only-pii-key"
TESTS = Path(__file__).resolve().parent
LAYERS = ("unit", "integration", "e2e")

os.environ.setdefault("GRIDWATCH_PII_KEY", TEST_PII_KEY)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Hints read MAKELEVEL to print make targets; tests expect the same output under `make test`.
os.environ.pop("MAKELEVEL", None)
# Airflow reads its home once, at its first import (collecting a test module may import it):
# the session gets its own SQLite home, never the demo's PostgreSQL-backed one.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="gridwatch-test-airflow-")
atexit.register(shutil.rmtree, _AIRFLOW_HOME, ignore_errors=True)
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN", None)


def pytest_collection_modifyitems(config, items):
    """Mark each test with its layer, the first folder under tests/ it lives in."""
    for item in items:
        parts = item.path.resolve().relative_to(TESTS).parts
        if len(parts) > 1 and parts[0] in LAYERS:
            item.add_marker(parts[0])


def make_settings(
    root: Path, landing: Path | None = None, reference: Path | None = None
) -> Settings:
    return Settings(
        landing_dir=landing or root / "landing",
        reference_dir=reference or EXAMPLES / "reference",
        warehouse=root / "warehouse" / "gridwatch.duckdb",
        serving=root / "serving" / "gridwatch.duckdb",
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment a subprocess (CLI, dbt, airflow) needs to use ``settings``."""
    return settings.env()


@pytest.fixture(scope="session")
def examples() -> Path:
    assert EXAMPLES.is_dir(), f"the contract's worked example is missing at {EXAMPLES}"
    return EXAMPLES


@pytest.fixture(scope="session")
def example_settings(tmp_path_factory, examples) -> Settings:
    """The worked example loaded for its three dates and built with dbt (the CLI's path)."""
    from gridwatch.ingest.load import RejectedFilesError
    from gridwatch.ops.pipeline import load_feeds
    from gridwatch.warehouse.build import build

    root = tmp_path_factory.mktemp("example")
    landing = root / "landing"
    shutil.copytree(examples / "landing", landing)
    settings = make_settings(root, landing=landing, reference=examples / "reference")
    for day in EXAMPLE_DATES:
        try:
            load_feeds(settings, day)
        except RejectedFilesError as exc:
            # readme.txt on 2021-08-04 is rejected by design
            assert [f.file_name for r in exc.results for f in r.rejected] == ["readme.txt"]
    build(settings)
    return settings


@pytest.fixture(scope="module")
def gx_local_dirs(tmp_path_factory):
    """GX validation results and Data Docs of a test module go to a temporary folder."""
    root = tmp_path_factory.mktemp("gx")
    patch = pytest.MonkeyPatch()
    patch.setenv("GRIDWATCH_GX_RESULTS_DIR", str(root / "results"))
    patch.setenv("GRIDWATCH_GX_DOCS_DIR", str(root / "docs"))
    yield root
    patch.undo()


@pytest.fixture
def wh(example_settings, tmp_path) -> Settings:
    """A private copy of the worked example's built warehouse, free to break."""
    settings = make_settings(
        tmp_path, landing=example_settings.landing_dir, reference=example_settings.reference_dir
    )
    settings.warehouse.parent.mkdir(parents=True)
    shutil.copy(example_settings.warehouse, settings.warehouse)
    return settings


def query(settings, sql: str, params=()):
    """Rows of ``sql`` read from the settings' warehouse, read-only."""
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


AIRFLOW = str(Path(sys.executable).with_name("airflow"))


@pytest.fixture(scope="session")
def airflow_home() -> Path:
    """The session's Airflow home, migrated, with the warehouse pool."""
    home = Path(_AIRFLOW_HOME)
    env = airflow_env(home)
    from gridwatch.ops.services import init_sqlite_home

    init_sqlite_home(env)
    return home


def airflow_env(home: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    from gridwatch.ops.services import sqlite_home_env

    return sqlite_home_env(home, dict(base or os.environ)) | {"GX_ANALYTICS_ENABLED": "false"}
