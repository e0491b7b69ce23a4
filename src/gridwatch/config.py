"""Runtime configuration: the GRIDWATCH_* variables of the contract (§1).

Every path is resolved against the repository root when relative, so the CLI,
the Airflow tasks and the tests agree on where things live whatever their
working directory is.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FEEDS_DIRS = ("push_list", "verification", "checkpoint", "enterprise_filing")
DEFAULT_PII_KEY_FILE = REPO_ROOT / ".local" / "pii_key"
# DuckDB memory for loads and gates (a city day's checkpoint log spills past it to disk)
DEFAULT_DUCKDB_MEMORY_LIMIT = "1GB"
# How long a writing command waits for another writer of the warehouse to finish
DEFAULT_LOCK_WAIT_SECONDS = 600.0


def _path(var: str, default: str) -> Path:
    raw = os.environ.get(var) or default
    path = Path(raw).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


@dataclass(frozen=True)
class Settings:
    """Resolved locations of the landing zone, reference data and DuckDB files."""

    landing_dir: Path
    reference_dir: Path
    warehouse: Path
    serving: Path

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            landing_dir=_path("GRIDWATCH_LANDING_DIR", "data/landing"),
            reference_dir=_path("GRIDWATCH_REFERENCE_DIR", "reference"),
            warehouse=_path("GRIDWATCH_WAREHOUSE", "data/warehouse/gridwatch.duckdb"),
            serving=_path("GRIDWATCH_SERVING", "data/serving/gridwatch.duckdb"),
        )

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment for a subprocess (CLI, dbt, airflow) that uses these settings."""
        env = dict(os.environ if base is None else base)
        env.update(
            GRIDWATCH_LANDING_DIR=str(self.landing_dir),
            GRIDWATCH_REFERENCE_DIR=str(self.reference_dir),
            GRIDWATCH_WAREHOUSE=str(self.warehouse),
            GRIDWATCH_SERVING=str(self.serving),
        )
        return env


def report_dir(settings: Settings) -> Path:
    """GRIDWATCH_REPORT_DIR: where the daily run writes the daily report (日报); by default
    ``reports/`` beside the serving file."""
    raw = os.environ.get("GRIDWATCH_REPORT_DIR")
    return _path("GRIDWATCH_REPORT_DIR", raw) if raw else settings.serving.parent / "reports"


def duckdb_memory_limit() -> str:
    """GRIDWATCH_DUCKDB_MEMORY_LIMIT: DuckDB's memory limit for the warehouse (e.g. 1GB, 4GB)."""
    return os.environ.get("GRIDWATCH_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT


def lock_wait_seconds() -> float:
    """GRIDWATCH_LOCK_WAIT: seconds a writer waits for the warehouse held by another one."""
    raw = os.environ.get("GRIDWATCH_LOCK_WAIT")
    if not raw:
        return DEFAULT_LOCK_WAIT_SECONDS
    try:
        return max(0.0, float(raw))
    except ValueError:
        raise ValueError(f"GRIDWATCH_LOCK_WAIT={raw!r} is not a number of seconds") from None


def retention_days() -> int | None:
    """GRIDWATCH_RETENTION_DAYS=N: the daily run for D keeps the raw personal values of the
    delivery dates D-N+1 .. D and purges older ones (gridwatch purge); unset, empty or 0: off."""
    raw = (os.environ.get("GRIDWATCH_RETENTION_DAYS") or "").strip()
    if not raw:
        return None
    try:
        days = int(raw)
    except ValueError:
        raise ValueError(
            f"GRIDWATCH_RETENTION_DAYS={raw!r} is not a whole number of days (unset it for no purge)"
        ) from None
    if days < 0:
        raise ValueError(f"GRIDWATCH_RETENTION_DAYS={raw!r} must be 0 (off) or more days")
    return days or None


def pii_key() -> str:
    """The secret behind person pseudonyms (GRIDWATCH_PII_KEY).

    When the variable is unset, a random key is generated once into an
    untracked file (``.local/pii_key``, mode 0600) and reused afterwards, so
    pseudonyms stay stable across runs on one machine.
    """
    key = os.environ.get("GRIDWATCH_PII_KEY")
    if key:
        return key
    key_file = Path(os.environ.get("GRIDWATCH_PII_KEY_FILE") or DEFAULT_PII_KEY_FILE)
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key
