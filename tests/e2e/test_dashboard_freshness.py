"""Dashboards show a new publish within a minute while users keep querying.

A Superset worker that keeps querying the serving file must not go on reading the
file it first opened (DuckDB keeps one instance per file and process while any
connection is open), and its chart-data cache must not serve the previous publish.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import duckdb
import pytest
from test_dashboards import PY, Superset

from gridwatch.warehouse.publish import publish

pytestmark = pytest.mark.skipif(not PY.exists(), reason="run `make superset-setup`")
WITHIN_SECONDS = 60


class Client:
    """A REST API session as one user (JWT)."""

    def __init__(self, s: Superset, user: str) -> None:
        self.url = s.url
        pw = json.loads((s.home / "passwords.json").read_text())[user]
        body = json.dumps({"username": user, "password": pw, "provider": "db"}).encode()
        self.token = self._call("/api/v1/security/login", body, auth=False)["access_token"]

    def _call(self, path: str, body: bytes | None = None, auth: bool = True) -> dict:
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url + path, body, headers)
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.load(r)

    def dataset_id(self, table: str) -> int:
        q = f"(filters:!((col:table_name,opr:eq,value:{table})))"
        return self._call(f"/api/v1/dataset/?q={urllib.parse.quote(q)}")["result"][0]["id"]

    def count(self, dataset: int) -> int:
        """A chart's query as a dashboard sends it (cached unless the data changed)."""
        body = {
            "datasource": {"id": dataset, "type": "table"},
            "queries": [
                {
                    "metrics": [
                        {"expressionType": "SQL", "sqlExpression": "count(*)", "label": "n"}
                    ],
                    "columns": [],
                    "filters": [],
                    "row_limit": 10,
                }
            ],
            "result_format": "json",
            "result_type": "full",
        }
        out = self._call("/api/v1/chart/data", json.dumps(body).encode())
        return int(out["result"][0]["data"][0]["n"])


def _warehouse_with_one_more_file(warehouse: Path, copy: Path) -> None:
    shutil.copy(warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute(
            "insert into marts.mart_load_status by name "
            "select * replace ('zz_new_publish.csv' as file_name) "
            "from marts.mart_load_status limit 1"
        )
    finally:
        con.close()


def test_a_new_publish_reaches_dashboards_within_a_minute_under_load(
    tmp_path_factory, example_settings
):
    root = tmp_path_factory.mktemp("freshness")
    serving = root / "serving" / "gridwatch.duckdb"
    publish(example_settings.warehouse, serving)
    s = Superset(root, serving)
    s.manage("dashboards")
    s.manage("start")
    stop = threading.Event()
    try:
        client = Client(s, "admin")
        dataset = client.dataset_id("mart_load_status")
        before = client.count(dataset)

        def keep_querying() -> None:  # users on the dashboards: connections always open
            user = Client(s, "admin")
            while not stop.is_set():
                try:
                    user.count(dataset)
                except Exception:  # a slow answer under load is not what is tested here
                    time.sleep(0.2)

        users = [threading.Thread(target=keep_querying, daemon=True) for _ in range(4)]
        for t in users:
            t.start()
        time.sleep(3)
        _warehouse_with_one_more_file(example_settings.warehouse, root / "wh.duckdb")
        publish(root / "wh.duckdb", serving)
        published = time.monotonic()
        seen = before
        while time.monotonic() - published < WITHIN_SECONDS and seen != before + 1:
            seen = client.count(dataset)
            time.sleep(1)
        waited = time.monotonic() - published
    finally:
        stop.set()
        s.manage("stop", check=False)
    assert seen == before + 1, f"still {seen} rows {waited:.0f} s after the publish"
