"""Chart-data latency of the gridwatch dashboards through the Superset API.

``manage.py bench`` (``make bench-superset``):

1. a serving file with about a year of city-sized marts: ``GRIDWATCH_BENCH_SERVING`` if
   set (e.g. one the pipeline built from its city preset), else ``devdata.py --preset
   city`` (365 days, 10 streets, 80 communities, 240 checkpoints, 2000 enterprises);
2. a separate Superset home (``<home>/bench``) initialised and imported as usual, served
   by gunicorn on 127.0.0.1 (``--port``, default 8099);
3. each dashboard opened once in headless Chromium as the Leader, recording the exact
   chart-data requests the dashboard makes (and how long the whole dashboard took);
4. every recorded request replayed ``--repeat`` times through ``/api/v1/chart/data``
   with ``force=true`` (cache bypassed: the database is queried each time), then once
   more without it (served from the cache);
5. p50 / p95 / max printed and written to ``<home>/bench/bench.json``; Superset stopped.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DASHBOARDS = ["gridwatch-coverage", "gridwatch-enterprise", "gridwatch-checkpoints",
              "gridwatch-grids", "gridwatch-pipeline"]  # fmt: skip
TARGET_P95 = 1.0


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(q / 100 * len(s) + 0.5) - 1))
    return s[k]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50": round(pct(values, 50), 3),
        "p95": round(pct(values, 95), 3),
        "max": round(max(values), 3),
        "mean": round(statistics.fmean(values), 3),
    }


def run(cmd: list[str], env: dict[str, str], capture: bool = False) -> str:
    res = subprocess.run(cmd, env=env, text=True, capture_output=capture)
    if res.returncode != 0:
        if capture:
            sys.stderr.write(res.stdout[-2000:] + res.stderr[-4000:])
        raise SystemExit(f"bench: {' '.join(cmd[:3])} ... failed ({res.returncode})")
    return res.stdout if capture else ""


def main(args: Any) -> None:
    import requests

    home = Path(os.environ["GRIDWATCH_SUPERSET_HOME"]) / "bench"
    home.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    env = {**os.environ, "GRIDWATCH_SUPERSET_HOME": str(home), "SUPERSET_PORT": str(args.port)}
    env.pop("SUPERSET_DATABASE_URI", None)
    serving = os.environ.get("GRIDWATCH_BENCH_SERVING")
    t0 = time.monotonic()
    if serving:
        serving_path = Path(serving).resolve()
    else:
        serving_path = home / "city.duckdb"
        if not serving_path.exists():
            print("building a city-sized serving file (devdata.py --preset city) ...", flush=True)
            run([py, str(HERE / "devdata.py"), str(serving_path), "--preset", "city"], env)
    env["GRIDWATCH_SERVING"] = str(serving_path)
    print(f"serving file: {serving_path}", flush=True)
    manage = [py, str(HERE / "manage.py")]
    run([*manage, "init"], env)
    run([*manage, "import"], env)
    url = f"http://127.0.0.1:{args.port}"
    run([*manage, "start", "--port", str(args.port)], env)
    try:
        print("opening the dashboards in Chromium to record their chart-data requests ...",
              flush=True)  # fmt: skip
        out = home / "browser"
        report = json.loads(
            run(
                [py, str(HERE / "browser_check.py"), "--url", url, "--user", "leader",
                 "--password-file", str(home / "passwords.json"),
                 "--dashboards", ",".join(DASHBOARDS), "--out", str(out), "--timeout", "180"],
                env, capture=True,
            )
        )  # fmt: skip
        payloads = [p for d in report["dashboards"] for p in d["payloads"] if p["method"] == "POST"]
        render = {d["slug"]: d["seconds"] for d in report["dashboards"]}
        errors = {
            d["slug"]: [k for k, v in d["chart_data"].items() if v["errors"]]
            for d in report["dashboards"]
        }
        pw = json.loads((home / "passwords.json").read_text())
        s = requests.Session()
        r = s.post(f"{url}/api/v1/security/login", json={"username": "leader",
                   "password": pw["leader"], "provider": "db", "refresh": False}, timeout=60)  # fmt: skip
        r.raise_for_status()
        s.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

        def replay(p: dict[str, Any], force: bool) -> tuple[float, int]:
            body = json.loads(p["body"])
            body["force"] = force
            t = time.perf_counter()
            resp = s.post(url + p["url"], json=body, timeout=120)
            return time.perf_counter() - t, resp.status_code

        uncached: list[float] = []
        per_chart: dict[str, list[float]] = {}
        bad = 0
        for _ in range(args.repeat):
            for p in payloads:
                dt, status = replay(p, force=True)
                bad += status != 200
                uncached.append(dt)
                per_chart.setdefault(f"{p['slug']}#{p['slice_id']}", []).append(dt)
        cached = []
        for p in payloads:
            dt, status = replay(p, force=False)
            bad += status != 200
            cached.append(dt)
        slowest = sorted(per_chart.items(), key=lambda kv: -statistics.median(kv[1]))[:5]
        result = {
            "serving_file": str(serving_path),
            "serving_mb": round(serving_path.stat().st_size / 1e6, 1),
            "requests_per_pass": len(payloads),
            "repeat": args.repeat,
            "uncached_force_true": summary(uncached),
            "cached": summary(cached),
            "non_200": bad,
            "chart_errors": errors,
            "dashboard_render_seconds": render,
            "slowest_charts_median_s": {k: round(statistics.median(v), 3) for k, v in slowest},
            "total_seconds": round(time.monotonic() - t0, 1),
        }
        (home / "bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
        u, c = result["uncached_force_true"], result["cached"]
        print(json.dumps(result, ensure_ascii=False, indent=2))
        print(
            f"chart-data latency, {u['n']} uncached requests: p50 {u['p50']:.3f}s "
            f"p95 {u['p95']:.3f}s max {u['max']:.3f}s; cached p50 {c['p50']:.3f}s "
            f"p95 {c['p95']:.3f}s (target p95 < {TARGET_P95:.0f}s: "
            f"{'met' if u['p95'] < TARGET_P95 else 'NOT met'})"
        )
        if bad or any(errors.values()):
            raise SystemExit("bench: some chart-data requests failed")
    finally:
        if not args.keep:
            run([*manage, "stop"], env)
