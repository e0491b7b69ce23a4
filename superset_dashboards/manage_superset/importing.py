"""``manage.py import`` and ``dashboards``: render and zip ``assets/``, post it to
Superset's import API, then sync roles and check the serving file against the marts."""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from assets_build import SERVING_URI_PLACEHOLDER
from marts_schema import MARTS

from manage_superset.app import cmd_init, get_app
from manage_superset.home import ASSETS, HOME, INIT_MARKER, Fail, log, passwords, serving_path
from manage_superset.inventory import inventory
from manage_superset.roles import sync_access


def render_bundle(assets: Path, serving: Path) -> bytes:
    """Zip the YAML tree (with a root folder, as exports have) with the URI rendered."""
    import yaml

    files = sorted(p for p in assets.rglob("*") if p.is_file())
    if not (assets / "metadata.yaml").exists():
        raise Fail(f"{assets}: no metadata.yaml (an assets bundle needs one)")
    problems = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            rel = p.relative_to(assets).as_posix()
            if p.suffix not in (".yaml", ".yml"):
                problems.append(f"{rel}: not a YAML file")
                continue
            text = p.read_text(encoding="utf-8")
            try:
                doc = yaml.safe_load(text)
            except yaml.YAMLError as exc:
                problems.append(f"{rel}: invalid YAML: {exc}")
                continue
            if not isinstance(doc, dict):
                problems.append(f"{rel}: not a mapping")
                continue
            if rel.startswith("databases/"):
                if doc.get("sqlalchemy_uri") != SERVING_URI_PLACEHOLDER:
                    problems.append(f"{rel}: sqlalchemy_uri must be {SERVING_URI_PLACEHOLDER}")
                text = text.replace("__GRIDWATCH_SERVING__", serving.as_posix())
            zf.writestr(f"gridwatch_assets/{rel}", text)
    if problems:
        raise Fail("invalid asset bundle:\n  " + "\n  ".join(problems))
    return buf.getvalue()


class Api:
    """Logged-in JSON client: the Flask test client (in process) or HTTP (``--url``)."""

    def __init__(self, url: str | None, username: str, password: str) -> None:
        self.url = url
        if url is None:
            self.client = get_app().test_client()
        else:
            import requests

            self.session = requests.Session()
        r = self.request("POST", "/api/v1/security/login",
                         json={"username": username, "password": password,
                               "provider": "db", "refresh": False})  # fmt: skip
        if r[0] != 200:
            raise Fail(f"login as {username} failed: {r}")
        self.headers = {"Authorization": f"Bearer {r[1]['access_token']}"}
        status, body = self.request("GET", "/api/v1/security/csrf_token/")
        if status != 200:
            raise Fail(f"no CSRF token: {status} {body}")
        self.headers["X-CSRFToken"] = body["result"]
        self.headers["Referer"] = url or "http://localhost/"

    def request(self, method: str, path: str, **kw: Any) -> tuple[int, Any]:
        headers = {**getattr(self, "headers", {}), **kw.pop("headers", {})}
        if self.url is None:
            if "files" in kw:
                data = kw.pop("data", {})
                for name, (fname, content) in kw.pop("files").items():
                    data[name] = (io.BytesIO(content), fname)
                kw["data"] = data
                kw["content_type"] = "multipart/form-data"
            r = self.client.open(path, method=method, headers=headers, **kw)
            try:
                body = r.get_json()
            except Exception:
                body = None
            return r.status_code, body if body is not None else r.get_data(as_text=True)
        import requests

        try:
            r = self.session.request(method, self.url + path, headers=headers, timeout=300, **kw)
        except requests.ConnectionError as exc:
            raise Fail(f"cannot reach Superset at {self.url}: {exc}") from exc
        try:
            return r.status_code, r.json()
        except ValueError:
            return r.status_code, r.text


def format_import_errors(body: Any) -> str:
    if not isinstance(body, dict):
        return str(body)[:3000]
    lines = []
    for err in body.get("errors") or [body]:
        lines.append(str(err.get("message", err)))
        extra = err.get("extra") or {}
        for key, value in extra.items():
            if key in ("issue_codes",):
                continue
            lines.append(f"  {key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines)


def cmd_import(args: argparse.Namespace) -> None:
    t0 = time.monotonic()
    serving = serving_path()
    if not serving.exists():
        raise Fail(
            f"serving file {serving} does not exist: run the pipeline (make demo) or set "
            "GRIDWATCH_SERVING (for development: superset_dashboards/devdata.py FILE)"
        )
    if not INIT_MARKER.exists():
        raise Fail("Superset is not initialised here: run `manage.py init` first")
    assets = Path(args.assets).resolve() if args.assets else ASSETS
    bundle = render_bundle(assets, serving)
    pw = passwords()
    api = Api(args.url, "admin", pw["admin"])
    status, body = api.request(
        "POST",
        "/api/v1/assets/import/",
        files={"bundle": ("gridwatch_assets.zip", bundle)},
        data={"passwords": "{}"},
    )
    if status != 200:
        raise Fail(f"assets import rejected (HTTP {status}):\n{format_import_errors(body)}")
    log(f"imported {assets} into {args.url or 'Superset (in process)'}: {body}")
    with get_app().app_context():
        sync_access(serving, pw)
        inv = inventory()
    (HOME / "inventory.json").write_text(json.dumps(inv, ensure_ascii=False, indent=1))
    counts = inv["counts"]
    problems = check_serving(serving)
    for p in problems:
        print(f"WARNING: serving file: {p}", file=sys.stderr)
    log(
        "objects: "
        + ", ".join(f"{v} {k}" for k, v in counts.items())
        + f"; import took {time.monotonic() - t0:.1f}s"
    )


def cmd_dashboards(args: argparse.Namespace) -> None:
    cmd_init(args)
    cmd_import(args)


def check_serving(serving: Path) -> list[str]:
    """Tables and columns the dashboards need that the serving file lacks."""
    import duckdb

    con = duckdb.connect(str(serving), read_only=True)
    try:
        rows = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'marts'"
        ).fetchall()
    finally:
        con.close()
    have: dict[str, set[str]] = {}
    for t, c in rows:
        have.setdefault(t, set()).add(c)
    problems = []
    for table, cols in MARTS.items():
        if table not in have:
            problems.append(f"missing table marts.{table}")
            continue
        missing = [c for c, _ in cols if c not in have[table]]
        if missing:
            problems.append(f"marts.{table} lacks {', '.join(missing)}")
    return problems
