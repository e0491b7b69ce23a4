"""Superset dashboards, checked the way a leader sees them: in real Chromium.

One Superset is started for the whole module, from its own venv
(superset_dashboards/.venv, ``make superset-setup``), with a fresh metadata database in
a temporary home. The serving file is the contract's worked example published by the
real pipeline (see the ``serving`` fixture); every number compared here is queried from
that same file, never written down.

Checks: the import is idempotent (twice, once in process and once through the running
server's API: same objects, same ids, same content); an invalid bundle fails loudly and
changes nothing; as a Leader every chart of every dashboard renders without error in
Debian's Chromium, the backlog KPI equals the mart, SQL Lab is refused; the street leader
sees only their street, on street views where every chart has data; a Leader sees no
button that creates something (it would end in 403); the legacy explore_json endpoint
answers a clean 4xx; the Analyst has SQL Lab. Screenshots are kept in
``data/superset/screenshots/`` (untracked) for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SD = REPO / "superset_dashboards"
PY = Path(os.environ.get("PY_SUPERSET") or SD / ".venv" / "bin" / "python")
if not PY.is_absolute():
    PY = REPO / PY
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = REPO / "data" / "superset" / "screenshots"
DASHBOARDS = {
    "gridwatch-coverage": "核查覆盖与积压",
    "gridwatch-enterprise": "企业复工复产",
    "gridwatch-checkpoints": "卡点",
    "gridwatch-grids": "网格积压",
    "gridwatch-pipeline": "数据管道健康",
}
# The street leader's views of the four business dashboards (no city-wide charts).
STREET_VIEWS = {
    "gridwatch-coverage-street": "核查覆盖与积压（本街道）",
    "gridwatch-enterprise-street": "企业复工复产（本街道）",
    "gridwatch-checkpoints-street": "卡点（本街道）",
    "gridwatch-grids-street": "网格积压（本街道）",
}
EXPECTED_COUNTS = {"databases": 1, "datasets": 23, "charts": 61, "dashboards": 9}

_missing = [str(p) for p in (PY, CHROMIUM) if not p.exists()]
if _missing and os.environ.get("CI"):
    raise RuntimeError(f"missing {', '.join(_missing)}: run `make superset-setup`")
pytestmark = pytest.mark.skipif(
    bool(_missing), reason=f"missing {', '.join(_missing)}: run `make superset-setup`"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Superset:
    """The module's Superset: paths, environment and helpers to drive it."""

    def __init__(self, root: Path, serving: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.serving = serving
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "GRIDWATCH_SUPERSET_HOME": str(self.home),
            "GRIDWATCH_SERVING": str(serving),
            "SUPERSET_PORT": str(self.port),
        }
        for var in ("SUPERSET_DATABASE_URI", "SUPERSET_SECRET_KEY", "SUPERSET_CONFIG_PATH"):
            self.env.pop(var, None)
        self.timings: dict[str, float] = {}

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        t0 = time.monotonic()
        res = subprocess.run(
            [str(PY), str(SD / "manage.py"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.timings[" ".join(args[:1])] = time.monotonic() - t0
        if check and res.returncode != 0:
            pytest.fail(f"manage.py {' '.join(args)} failed:\n{res.stdout}\n{res.stderr[-4000:]}")
        return res

    def inventory(self) -> dict[str, Any]:
        return json.loads(self.manage("inventory").stdout)

    def last_inventory(self) -> dict[str, Any]:
        """The objects as the last successful import left them (it writes this file)."""
        return json.loads((self.home / "inventory.json").read_text())

    def api(self, user: str, path: str) -> int:
        """HTTP status of a GET through the REST API as ``user`` (JWT login)."""
        pw = json.loads((self.home / "passwords.json").read_text())[user]
        body = json.dumps({"username": user, "password": pw, "provider": "db"}).encode()
        req = urllib.request.Request(
            self.url + "/api/v1/security/login", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            token = json.load(r)["access_token"]
        req = urllib.request.Request(self.url + path, headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def web_session(self, user: str) -> tuple[urllib.request.OpenerDirector, str]:
        """A browser-like cookie session (the legacy views take no JWT) and its CSRF token."""
        pw = json.loads((self.home / "passwords.json").read_text())[user]
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with opener.open(self.url + "/login/", timeout=60) as r:
            page = r.read().decode()
        csrf = re.search(r'id="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'name="csrf_token"[^>]*value="([^"]+)"', page
        )
        assert csrf, "no CSRF token on the login page"
        form = {"username": user, "password": pw, "csrf_token": csrf.group(1)}
        with opener.open(self.url + "/login/", urllib.parse.urlencode(form).encode()) as r:
            assert "/login" not in r.url, f"login as {user} failed"
        return opener, csrf.group(1)

    def browser(self, user: str, *extra: str) -> dict[str, Any]:
        out = self.root / "browser"
        res = subprocess.run(
            [str(PY), str(SD / "browser_check.py"), "--url", self.url, "--user", user,
             "--password-file", str(self.home / "passwords.json"), "--out", str(out), *extra],
            env=self.env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert res.returncode == 0, f"browser check failed:\n{res.stderr[-4000:]}"
        report = json.loads(res.stdout)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for d in report["dashboards"]:
            if d.get("screenshot"):
                shutil.copy(d["screenshot"], SCREENSHOTS / f"{user}-{d['slug']}.png")
        return report


@pytest.fixture(scope="module")
def serving(tmp_path_factory, example_settings) -> Path:
    """The contract's worked example, loaded, built and published by the real pipeline.

    GRIDWATCH_TEST_SERVING may name another published file (e.g. a demo's); the
    development file of ``superset_dashboards/devdata.py`` is used only when asked for
    with GRIDWATCH_TEST_SERVING=devdata.
    """
    chosen = os.environ.get("GRIDWATCH_TEST_SERVING")
    if chosen == "devdata":
        out = tmp_path_factory.mktemp("serving") / "gridwatch.duckdb"
        subprocess.run([str(PY), str(SD / "devdata.py"), str(out)], check=True, capture_output=True)
        return out
    if chosen:
        return Path(chosen).resolve()
    return redelivered_example(tmp_path_factory.mktemp("serving"), example_settings)


def redelivered_example(root: Path, example_settings) -> Path:
    """The worked example with one push list of 2021-08-03 corrected and re-loaded (one
    phone number), built and published: the pipeline dashboard's changes panel has a row."""
    from conftest import make_settings

    from gridwatch.ops.pipeline import load_feeds
    from gridwatch.warehouse.build import build
    from gridwatch.warehouse.publish import publish

    settings = make_settings(
        root, landing=root / "landing", reference=example_settings.reference_dir
    )
    shutil.copytree(example_settings.landing_dir, settings.landing_dir)
    settings.warehouse.parent.mkdir(parents=True)
    shutil.copy(example_settings.warehouse, settings.warehouse)
    corrected = settings.landing_dir / "push_list" / "2021-08-03" / "batch_SZ-0803-08_gbk.csv"
    original = corrected.read_bytes()
    assert b"13700000010" in original
    corrected.write_bytes(original.replace(b"13700000010", b"13700000019"))
    load_feeds(settings, dt.date(2021, 8, 3), ("push_list",))
    build(settings)
    publish(settings.warehouse, settings.serving)
    return settings.serving


@pytest.fixture(scope="module")
def superset(tmp_path_factory, serving) -> Any:
    s = Superset(tmp_path_factory.mktemp("superset"), serving)
    first = s.manage("dashboards")  # what `make dashboards` runs: init + import
    assert "street leader sees" in first.stdout
    s.first_output = first
    s.first_inventory = s.last_inventory()
    s.manage("start")
    try:
        yield s
    finally:
        s.manage("stop", check=False)


def mart(serving: Path, sql: str, params: list[Any] | None = None) -> Any:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def last_day_totals(serving: Path, street: str | None = None) -> dict[str, int]:
    """Persons on the last report date, summed over communities (CONTRACT §8, §9)."""
    where = "AND street_code = ?" if street else ""
    row = mart(
        serving,
        "SELECT sum(backlog_persons), sum(pushed_persons) FROM marts.mart_coverage_daily "
        f"WHERE report_date = (SELECT max(report_date) FROM marts.mart_coverage_daily) {where}",
        [street] if street else [],
    )[0]
    return {"backlog": int(row[0] or 0), "pushed": int(row[1] or 0)}


def as_int(text: str | None) -> int:
    assert text is not None, "no big number shown"
    return int(text.replace(",", "").strip())


def assert_all_charts_fine(d: dict[str, Any]) -> None:
    slug = d["slug"]
    assert d.get("charts_expected"), f"{slug}: {d.get('error') or 'no charts'}"
    assert d["charts_on_page"] == d["charts_expected"], slug
    assert d["charts_pending"] == 0, f"{slug}: charts still loading after the timeout"
    assert not d["missing_chart_data"], f"{slug}: charts without a data response"
    failed = {k: v for k, v in d["chart_data"].items() if v["status"] != 200 or v["errors"]}
    assert not failed, f"{slug}: chart-data errors {failed}"
    shown = [c for c in d["cards"] if c["error"] or not c["rendered"]]
    assert not shown, f"{slug}: charts showing an error or nothing: {shown}"
    assert Path(d["screenshot"]).stat().st_size > 10_000


def assert_every_chart_has_data(d: dict[str, Any]) -> None:
    """No chart says "此查询没有数据返回" / "No results": each query returned rows."""
    empty = [c["title"] for c in d["cards"] if c["no_data"] or c["empty"]]
    assert not empty, f"{d['slug']}: charts without data: {empty}"
    no_rows = {k: v for k, v in d["chart_data"].items() if not v["rows"]}
    assert not no_rows, f"{d['slug']}: chart-data responses without rows: {no_rows}"


# ------------------------------------------------------------------------------ tests


def test_assets_are_generated_from_their_source() -> None:
    res = subprocess.run(
        [str(PY), str(SD / "assets_build.py"), "--check"], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_dbt_exposures_link_to_the_imported_dashboards() -> None:
    """`make docs` lineage ends in links that must open the dashboards imported from code."""
    exposures = yaml.safe_load(
        (REPO / "dbt_project" / "models" / "marts" / "_marts__exposures.yml").read_text()
    )["exposures"]
    slugs = {
        yaml.safe_load(path.read_text(encoding="utf-8"))["slug"]
        for path in (SD / "assets" / "dashboards").glob("*.yaml")
    }
    linked = {e["url"].rstrip("/").rsplit("/", 1)[-1] for e in exposures}
    # A street view shows a subset of its dashboard's charts: same lineage, no exposure.
    assert linked == slugs - set(STREET_VIEWS)


def test_import_is_idempotent(superset) -> None:
    first = superset.first_inventory
    assert first["counts"] == EXPECTED_COUNTS
    for kind in ("databases", "datasets", "charts", "dashboards"):
        uuids = [o["uuid"] for o in first[kind]]
        assert len(uuids) == len(set(uuids)), kind
    db = first["databases"][0]
    assert db["name"] == "gridwatch 服务库（只读）"
    assert {d["name"] for d in first["dashboards"]} == {
        *DASHBOARDS.values(),
        *STREET_VIEWS.values(),
    }
    roles = {d["slug"]: d["roles"] for d in first["dashboards"]}
    assert roles == {**{s: ["Analyst", "Leader"] for s in DASHBOARDS},
                     **{s: ["StreetLeader"] for s in STREET_VIEWS}}  # fmt: skip
    # Again, through the running server's assets API: nothing changes, nothing added.
    res = superset.manage("import", "--url", superset.url)
    assert "import took" in res.stdout
    assert superset.last_inventory() == first


def test_invalid_bundle_fails_loudly_and_changes_nothing(superset, tmp_path) -> None:
    broken = tmp_path / "assets"
    shutil.copytree(SD / "assets", broken)
    chart = broken / "charts" / "cov_kpi_backlog.yaml"
    doc = yaml.safe_load(chart.read_text(encoding="utf-8"))
    del doc["viz_type"]  # a required field of the chart schema
    doc["slice_name"] = "must not be imported"
    chart.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    res = superset.manage("import", "--assets", str(broken), check=False)
    assert res.returncode != 0
    assert "charts/cov_kpi_backlog.yaml" in res.stderr
    assert "viz_type" in res.stderr
    # A file that is not even YAML is refused before anything is sent.
    shutil.copy(SD / "assets" / "charts" / "cov_kpi_backlog.yaml", chart)
    (broken / "datasets" / "gridwatch_serving" / "mart_load_status.yaml").write_text(
        "table_name: [unclosed\n"
    )
    res = superset.manage("import", "--assets", str(broken), check=False)
    assert res.returncode != 0
    assert "mart_load_status.yaml: invalid YAML" in res.stderr
    assert superset.inventory() == superset.first_inventory


def test_leader_sees_every_dashboard_rendered_in_chromium(superset) -> None:
    report = superset.browser(
        "leader", "--dashboards", ",".join(DASHBOARDS), "--sqllab", "--create-buttons"
    )
    assert sorted(report["dashboard_list"]) == sorted(DASHBOARDS)
    # No "+ 看板" / "+ 图表": a Leader may not create; such buttons would end in 403.
    assert "/dashboard/list/" in report["landing_url"]
    assert DASHBOARDS["gridwatch-coverage"] in report["landing_text"]  # the list was drawn
    assert not any(report["create_buttons"].values()), report["create_buttons"]
    for d in report["dashboards"]:
        assert_all_charts_fine(d)
        assert d["title"] == DASHBOARDS[d["slug"]]
        assert DASHBOARDS[d["slug"]] in d["page_text"]
    coverage = next(d for d in report["dashboards"] if d["slug"] == "gridwatch-coverage")
    want = last_day_totals(superset.serving)
    assert coverage["big_numbers_expected"] == 7
    assert "积压人数" in coverage["big_numbers"], coverage["cards"]
    assert as_int(coverage["big_numbers"]["积压人数"]) == want["backlog"]
    assert as_int(coverage["big_numbers"]["推送人数"]) == want["pushed"]
    # Chinese labels on the page (titles, column labels), not the mart's column names.
    assert "核查覆盖率" in coverage["page_text"] and "各社区核查情况" in coverage["page_text"]
    # No SQL Lab for a Leader: the API and the page both refuse.
    sqllab = report["sqllab"]
    assert sqllab["api_status"] in (401, 403), sqllab
    assert sqllab["page_status"] in (401, 403) or "/sqllab" not in sqllab["final_url"], sqllab
    assert sqllab["editor_elements"] == 0, sqllab


def test_street_leader_sees_only_their_street(superset) -> None:
    street = json.loads((superset.home / "street_leader.json").read_text())
    names = dict(mart(superset.serving, "SELECT DISTINCT street_code, street_name "
                                         "FROM marts.mart_coverage_daily"))  # fmt: skip
    others = {n for c, n in names.items() if c != street["street_code"] and n}
    assert others, "the serving file needs at least two streets for this check"
    report = superset.browser("street_leader", "--dashboards", "listed")
    assert report["dashboard_list"] == sorted(STREET_VIEWS)
    seen_own = False
    for d in report["dashboards"]:
        assert_all_charts_fine(d)
        assert_every_chart_has_data(d)
        assert d["title"] == STREET_VIEWS[d["slug"]]
        for f in (superset.root / "browser" / "street_leader" / "responses" / d["slug"]).glob(
            "*.json"
        ):
            text = json.dumps(json.loads(f.read_text()), ensure_ascii=False)
            leaked = sorted(n for n in others if n in text)
            assert not leaked, f"{d['slug']}/{f.name} shows other streets: {leaked}"
            seen_own = seen_own or street["street_name"] in text
        leaked = sorted(n for n in others if n in d["page_text"])
        assert not leaked, f"{d['slug']}: page shows other streets {leaked}"
    assert seen_own, "the street leader's own street is never shown"
    coverage = next(d for d in report["dashboards"] if d["slug"] == "gridwatch-coverage-street")
    want = last_day_totals(superset.serving, street["street_code"])
    assert as_int(coverage["big_numbers"]["积压人数"]) == want["backlog"]


def test_city_wide_dashboards_are_not_the_street_leaders(superset) -> None:
    for slug in DASHBOARDS:
        assert superset.api("street_leader", f"/api/v1/dashboard/{slug}") in (403, 404)
    for slug in STREET_VIEWS:
        assert superset.api("leader", f"/api/v1/dashboard/{slug}") in (403, 404)
        assert superset.api("street_leader", f"/api/v1/dashboard/{slug}") == 200


def test_create_buttons_show_for_a_role_that_may_create(superset) -> None:
    """The other side of the Leader's check: the Analyst may create, and sees the buttons."""
    report = superset.browser("analyst", "--create-buttons")
    found = report["create_buttons"]
    assert {"看板", "图表"} <= set(found["/superset/welcome/"]), found


def test_legacy_explore_json_answers_4xx(superset) -> None:
    """A filtered explore_json request from the street leader: 400 with a reason, not 500."""
    opener, csrf = superset.web_session("street_leader")
    charts = json.loads(
        superset_get(opener, superset.url + "/api/v1/dashboard/gridwatch-coverage-street/charts")
    )
    chart = next(c for c in charts["result"] if c["form_data"]["viz_type"] == "table")
    form_data = {**chart["form_data"], "slice_id": chart["id"]}
    form_data["adhoc_filters"] = [*form_data.get("adhoc_filters", []), {
        "clause": "WHERE", "expressionType": "SIMPLE", "operator": "IN",
        "subject": "community_name", "comparator": ["x"]}]  # fmt: skip
    body = urllib.parse.urlencode({"form_data": json.dumps(form_data)})
    for url, data in [(f"{superset.url}/superset/explore_json/?{body}", None),
                      (f"{superset.url}/superset/explore_json/", body.encode())]:  # fmt: skip
        req = urllib.request.Request(url, data, {"X-CSRFToken": csrf, "Referer": superset.url})
        with pytest.raises(urllib.error.HTTPError) as err:
            opener.open(req, timeout=60)
        assert err.value.code == 400, err.value.read()[:500]
        assert "/api/v1/chart/data" in json.loads(err.value.read())["error"]


def superset_get(opener: urllib.request.OpenerDirector, url: str) -> str:
    with opener.open(url, timeout=60) as r:
        return r.read().decode()


def test_init_logs_migrations_to_a_file(superset) -> None:
    """`make dashboards` prints where the migration log is, not its hundreds of lines."""
    out = superset.first_output
    log_file = superset.home / "init.log"
    assert str(log_file) in out.stdout
    assert "alembic" not in out.stdout + out.stderr
    assert "Running upgrade" in log_file.read_text()


def test_sql_lab_only_for_analyst_and_admin(superset) -> None:
    assert superset.api("analyst", "/api/v1/sqllab/") == 200
    assert superset.api("admin", "/api/v1/sqllab/") == 200
    assert superset.api("leader", "/api/v1/sqllab/") == 403
    assert superset.api("street_leader", "/api/v1/sqllab/") == 403


SQL_LAB_PROBE = """
import json, sys
import sqlalchemy as sa
import yaml

database = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
uri = database["sqlalchemy_uri"].replace("__GRIDWATCH_SERVING__", sys.argv[2])
engine = sa.create_engine(uri, **database["extra"]["engine_params"])
outcome = {}
with engine.connect() as con:
    outcome["marts"] = con.execute(sa.text("select count(*) from marts.dim_person")).scalar()
    for name, sql in {
        "read_text": "select content from read_text('/etc/hostname')",
        "read_csv": "select * from read_csv('/etc/passwd')",
        "attach": "attach '/tmp/gridwatch-probe.duckdb' as probe",
        "unlock": "set enable_external_access = true",
    }.items():
        try:
            con.execute(sa.text(sql)).fetchall()
            outcome[name] = "allowed"
        except Exception as exc:
            outcome[name] = type(exc).__name__
print(json.dumps(outcome))
"""


def test_sql_lab_connection_reads_the_marts_and_no_other_file(serving) -> None:
    """The connection Superset builds from the database asset (SQL Lab's too), in its venv."""
    res = subprocess.run(
        [str(PY), "-c", SQL_LAB_PROBE, str(SD / "assets/databases/gridwatch_serving.yaml"),
         str(serving)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr[-3000:]
    outcome = json.loads(res.stdout)
    assert outcome.pop("marts") > 0
    assert "allowed" not in outcome.values(), outcome


def test_no_default_passwords(superset) -> None:
    pw = json.loads((superset.home / "passwords.json").read_text())
    assert set(pw) == {"admin", "leader", "analyst", "street_leader"}
    assert len(set(pw.values())) == 4 and all(len(p) >= 20 for p in pw.values())
    assert (superset.home / "passwords.json").stat().st_mode & 0o077 == 0
    assert (superset.home / "secret_key").stat().st_mode & 0o077 == 0
    tracked = subprocess.run(
        ["git", "ls-files", "superset_dashboards"], cwd=REPO, capture_output=True, text=True
    ).stdout
    assert "passwords" not in tracked and "secret_key" not in tracked


def test_the_changes_panel_has_the_corrected_redelivery(serving) -> None:
    rows = mart(serving, "select feed, change, changed_columns from marts.mart_delivery_changes")
    assert rows == [("push_list", "changed", "phone")]
