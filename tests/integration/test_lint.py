"""Style is part of the build: ruff on the Python, sqlfluff on the dbt SQL."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gridwatch.config import REPO_ROOT

BIN = Path(sys.executable).parent


def test_ruff_is_clean():
    for args in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(BIN / "ruff"), *args, "src", "dags", "tests", "superset_dashboards"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_sqlfluff_is_clean():
    result = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", "models", "tests", "--processes", "2"],
        cwd=REPO_ROOT / "dbt_project",
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
