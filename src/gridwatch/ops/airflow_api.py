"""Airflow's stable REST API (v2), as the operator commands use it while services run.

Runs, task states and task logs come back as structured data: a failed date's
message is the exception its task raised, read from the task's structured log,
never parsed out of a command's text output.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from gridwatch.ops.schedule import LOCAL_TZ as SHANGHAI
from gridwatch.ops.schedule import RUN_TIME


class ApiError(RuntimeError):
    """The API refused a request; ``status`` is its HTTP status (0: no answer)."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class DagRun:
    run_id: str
    day: dt.date  # the delivery date: the logical date in Asia/Shanghai
    scheduled: bool  # at the schedule's time of D (not a `dags test` run at 00:00 UTC)
    state: str
    seconds: float | None


def logical_date(day: dt.date) -> dt.datetime:
    """The scheduler's logical date of delivery date ``day``: D 23:30 Asia/Shanghai."""
    return dt.datetime.combine(day, RUN_TIME, SHANGHAI)


def _parse(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def credentials(passwords_file: Path) -> tuple[str, str]:
    """AIRFLOW_API_USER / AIRFLOW_API_PASSWORD, else the simple auth manager's admin."""
    user = os.environ.get("AIRFLOW_API_USER") or "admin"
    password = os.environ.get("AIRFLOW_API_PASSWORD")
    if password:
        return user, password
    try:
        return user, json.loads(passwords_file.read_text(encoding="utf-8"))[user]
    except (OSError, ValueError, KeyError):
        raise ApiError(
            f"no password for the Airflow user {user!r}: {passwords_file} does not hold one; "
            "set AIRFLOW_API_USER and AIRFLOW_API_PASSWORD"
        ) from None


class AirflowApi:
    def __init__(self, base_url: str, user: str, password: str, dag_id: str) -> None:
        self.base = base_url.rstrip("/")
        self.dag_id = dag_id
        self._login = {"username": user, "password": password}
        self._token: str | None = None

    def _request(self, method: str, path: str, body: dict | None = None, auth: bool = True):
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self._bearer()}"
        data = None if body is None else json.dumps(body, default=str).encode()
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:1000]
            raise ApiError(f"{method} {path}: HTTP {exc.code} {detail}", exc.code) from None
        except (urllib.error.URLError, OSError) as exc:
            raise ApiError(f"{method} {self.base}{path}: no answer ({exc})") from None
        return json.loads(raw) if raw else None

    def _bearer(self) -> str:
        if self._token is None:
            answer = self._request("POST", "/auth/token", self._login, auth=False)
            self._token = answer["access_token"]
        return self._token

    # --- the DAG -------------------------------------------------------------------------

    def unpause(self) -> None:
        """Unpause the DAG (ApiError 404 until the dag-processor has parsed it)."""
        self._request("PATCH", f"/api/v2/dags/{self.dag_id}", {"is_paused": False})

    def create_backfill(self, start: dt.date, end: dt.date) -> int:
        """One run per date, oldest first, one at a time, completed dates run again."""
        answer = self._request(
            "POST",
            "/api/v2/backfills",
            {
                "dag_id": self.dag_id,
                "from_date": logical_date(start).isoformat(),
                "to_date": logical_date(end).isoformat(),
                "reprocess_behavior": "completed",
                "max_active_runs": 1,
                "run_backwards": False,
            },
        )
        return answer["id"]

    # --- runs ----------------------------------------------------------------------------

    def runs(self, start: dt.date, end: dt.date) -> list[DagRun]:
        """Every run whose logical date falls on a delivery date from ``start`` to ``end``."""
        query = urllib.parse.urlencode(
            {
                "logical_date_gte": dt.datetime.combine(start, dt.time.min, SHANGHAI).isoformat(),
                "logical_date_lte": dt.datetime.combine(end, dt.time.max, SHANGHAI).isoformat(),
                "order_by": "logical_date",
                "limit": 1000,
            }
        )
        answer = self._request("GET", f"/api/v2/dags/{self.dag_id}/dagRuns?{query}")
        runs = []
        for run in answer["dag_runs"]:
            logical = _parse(run.get("logical_date"))
            if logical is None:
                continue
            local = logical.astimezone(SHANGHAI)
            started, ended = _parse(run.get("start_date")), _parse(run.get("end_date"))
            runs.append(
                DagRun(
                    run["dag_run_id"],
                    local.date(),
                    local.time() == RUN_TIME,
                    run["state"],
                    (ended - started).total_seconds() if started and ended else None,
                )
            )
        return runs

    def all_runs(self) -> list[dict]:
        answer = self._request("GET", f"/api/v2/dags/{self.dag_id}/dagRuns?limit=1000")
        return answer["dag_runs"]

    def clear(self, run_id: str) -> None:
        """Clear every task of the run: the scheduler runs it again."""
        self._request(
            "POST", f"/api/v2/dags/{self.dag_id}/dagRuns/{run_id}/clear", {"dry_run": False}
        )

    def trigger(self, day: dt.date) -> str:
        """A run of ``day`` at the scheduler's logical date; ApiError 409 if it exists."""
        logical = logical_date(day)
        run_id = f"manual__{logical.astimezone(dt.UTC).isoformat()}"
        self._request(
            "POST",
            f"/api/v2/dags/{self.dag_id}/dagRuns",
            {"dag_run_id": run_id, "logical_date": logical.isoformat()},
        )
        return run_id

    # --- what failed ---------------------------------------------------------------------

    def task_states(self, run_id: str) -> dict[str, tuple[str | None, int]]:
        """Each task of the run: its state and its try number."""
        path = f"/api/v2/dags/{self.dag_id}/dagRuns/{run_id}/taskInstances?limit=100"
        return {
            ti["task_id"]: (ti["state"], ti["try_number"])
            for ti in self._request("GET", path)["task_instances"]
        }

    def task_errors(self, run_id: str, task_id: str, try_number: int) -> list[str]:
        """The exception messages in a task try's structured log, each once, in order."""
        path = (
            f"/api/v2/dags/{self.dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/"
            f"{try_number}?full_content=true"
        )
        messages: list[str] = []
        for record in self._request("GET", path).get("content", []):
            if not isinstance(record, dict):
                continue
            for error in record.get("error_detail") or []:
                text = f"{error.get('exc_type', 'Error')}: {error.get('exc_value', '')}".strip()
                if text not in messages:
                    messages.append(text)
        return messages
