"""Building the marts with dbt (``dbt build``: models, data tests, unit tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gridwatch.config import REPO_ROOT, Settings, pii_key

DBT_PROJECT = REPO_ROOT / "dbt_project"


class BuildError(Exception):
    """dbt reported an error or a failing test; the message has its summary.

    ``transient``: dbt failed on the warehouse file itself (a lock held by another
    process, a full disk), not on a model or a test, so running again may succeed.
    """

    def __init__(self, message: str, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


# profiles.yml attaches an in-memory database under this name for the intermediate models
SCRATCH_DATABASE = "scratch"

# dbt output that means the warehouse file was unavailable, not that the data is wrong
TRANSIENT_MARKERS = ("Could not set lock on file", "No space left on device")


def dbt_command(*args: str) -> list[str]:
    dbt = Path(sys.executable).with_name("dbt")
    return [str(dbt), *args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT)]


def dbt_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["GRIDWATCH_WAREHOUSE"] = str(settings.warehouse)
    env["GRIDWATCH_PII_KEY"] = pii_key()
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return env


def require_distinct_catalog(settings: Settings) -> None:
    """Refuse a warehouse file whose name would clash with dbt's ``scratch`` database.

    DuckDB names the catalog of a database file after the file (``scratch.duckdb``
    is ``scratch``, case-insensitively), so dbt could not attach its in-memory
    database for the intermediate models next to it.
    """
    if settings.warehouse.stem.lower() == SCRATCH_DATABASE:
        raise BuildError(
            f"GRIDWATCH_WAREHOUSE={settings.warehouse} is named like the in-memory "
            f"'{SCRATCH_DATABASE}' database dbt attaches for its intermediate models "
            "(DuckDB names a file's database after the file). Rename the warehouse file, "
            "for example to gridwatch.duckdb, and point GRIDWATCH_WAREHOUSE at it."
        )


def run_dbt(settings: Settings, *args: str) -> str:
    """Run a dbt command on the warehouse; raise BuildError with dbt's own words on failure."""
    require_distinct_catalog(settings)
    result = subprocess.run(
        dbt_command(*args),
        env=dbt_env(settings),
        cwd=DBT_PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        lines = [
            line
            for line in output.splitlines()
            if "ERROR" in line or "FAIL" in line or "Error" in line or "Done." in line
        ]
        raise BuildError(
            f"`dbt {' '.join(args)}` failed (exit {result.returncode}):\n"
            + "\n".join(lines[-30:])
            + f"\nFull log: {DBT_PROJECT / 'logs' / 'dbt.log'}",
            transient=any(marker in output for marker in TRANSIENT_MARKERS),
        )
    return output


def build(settings: Settings, full_refresh: bool = False) -> str:
    """Build every model and run every test.

    The checkpoint models are incremental: a build processes only the
    partitions loaded since the last one. ``full_refresh`` rebuilds them from
    the whole raw layer (after a change to their SQL, or to rule out drift).
    """
    from gridwatch.warehouse.schema import connect

    require_distinct_catalog(settings)  # before anything creates the file
    # the raw tables dbt reads as sources, in a warehouse from an older gridwatch too
    connect(settings.warehouse).close()
    args = ["build", "--fail-fast"]
    if full_refresh:
        args.append("--full-refresh")
    return run_dbt(settings, *args)
