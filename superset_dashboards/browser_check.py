"""Open gridwatch dashboards in real headless Chromium (Debian's) and report what shows.

Run with the Superset venv (it has Playwright; the browser is /usr/bin/chromium, never a
downloaded one). Prints one JSON document on stdout:

    browser_check.py --url http://127.0.0.1:8088 --user leader --password-file F \
        --dashboards gridwatch-coverage,gridwatch-pipeline --out DIR [--sqllab] \
        [--create-buttons]

For each dashboard: the charts it holds, the chart-data responses (saved under
DIR/responses/) with their row counts, errors or "no results" shown by any chart, the
big-number values by chart title, a full-page screenshot, and the chart-data request
payloads (for the benchmark). With --create-buttons: the buttons that create something
(a "+" icon: "+ 看板", "+ 图表", the menu's "+") on the pages a user lands on.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1600, "height": 1000}
SLICE_ID = re.compile(r"%22slice_id%22%3A(\d+)|\"slice_id\":\s*(\d+)")
# Pages with create buttons: where a user lands after login, and the lists.
CREATE_PAGES = ["/superset/welcome/", "/dashboard/list/", "/chart/list/"]

WAIT_JS = """
() => {
  const charts = [...document.querySelectorAll('[data-test="chart-grid-component"]')];
  const pending = charts.filter(c =>
    c.querySelector('[data-test="loading-indicator"]') ||
    !c.querySelector('[data-test="slice-container"], .ant-alert, [role="alert"]'));
  const numbers = [...document.querySelectorAll(
    '[data-test="chart-grid-component"] .header-line')].filter(e => e.innerText.trim());
  return {total: charts.length, pending: pending.length, numbers: numbers.length};
}
"""

READ_JS = """
() => [...document.querySelectorAll('[data-test="chart-grid-component"]')].map(c => {
  const title = c.querySelector('[data-test="editable-title"], [data-test="span-title"]');
  const big = c.querySelector('.header-line');
  const err = c.querySelector('.ant-alert-error, .ant-alert-warning, [role="alert"]');
  const canvas = c.querySelector('canvas, svg, table, .header-line, .ant-empty');
  // Superset's empty state: "No results were returned for this query" (zh: 此查询没有数据返回)
  const text = c.innerText;
  return {
    title: title ? title.innerText.trim() : null,
    big_number: big ? big.innerText.trim() : null,
    error: err ? err.innerText.trim().slice(0, 500) : null,
    empty: !!c.querySelector('.ant-empty, [data-test="empty-state"]'),
    no_data: /没有数据返回|No results/i.test(text),
    rendered: !!canvas,
  };
})
"""

# Anything clickable with a "+" icon: create a dashboard, a chart, a query...
CREATE_JS = """
() => [...document.querySelectorAll('button, a, [role="button"], [role="menuitem"]')]
  .filter(e => e.querySelector('[aria-label="plus"], .anticon-plus, .fa-plus'))
  .map(e => e.innerText.trim() || e.getAttribute('data-test') || 'plus')
"""


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def new_page(browser: Any, base: str) -> Any:
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(60_000)

    # Nothing but the local Superset (Superset's telemetry pixel, fonts...): offline.
    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith((base, "data:", "blob:")):
            r.continue_()
        else:
            r.abort()

    page.route("**/*", route)
    return page


def login(page: Any, base: str, user: str, password: str, attempts: int = 2) -> None:
    """Log in through the form; once more if the first attempt is bounced back to it
    (seen now and then right after a worker starts)."""
    for _ in range(attempts):
        page.goto(base + "/login/")
        page.fill("#username", user)
        page.fill("#password", password)
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.wait_for_load_state("load")
        if "/login" not in page.url:
            return
    raise SystemExit(f"login as {user} failed (still at {page.url})")


def open_dashboard(page: Any, base: str, slug: str, out: Path, timeout: float) -> dict[str, Any]:
    info = page.request.get(f"{base}/api/v1/dashboard/{slug}")
    if info.status != 200:
        return {"slug": slug, "status": info.status, "error": f"HTTP {info.status}"}
    dash = info.json()["result"]
    charts = page.request.get(f"{base}/api/v1/dashboard/{slug}/charts").json()["result"]
    expected = {c["id"]: c["slice_name"] for c in charts}
    big = sum(
        1
        for c in charts
        if (c.get("form_data") or {}).get("viz_type") in ("big_number", "big_number_total")
    )

    responses: dict[int, dict[str, Any]] = {}
    payloads: list[dict[str, Any]] = []
    resp_dir = out / "responses" / slug
    resp_dir.mkdir(parents=True, exist_ok=True)

    def on_response(r: Any) -> None:
        if "/api/v1/chart/data" not in r.url:
            return
        m = SLICE_ID.search(r.url) or SLICE_ID.search(r.request.post_data or "")
        try:
            body = r.text()
        except Exception as exc:
            body = json.dumps({"error": f"no body: {exc}"})
        key = int(m.group(1) or m.group(2)) if m else -len(payloads) - 1
        (resp_dir / f"{key}.json").write_text(body)
        errors = []
        rows = 0
        try:
            for result in json.loads(body).get("result") or []:
                rows += result.get("rowcount") or 0
                if result.get("error") or result.get("status") == "failed":
                    errors.append(result.get("error") or result.get("status"))
        except (ValueError, AttributeError):
            errors.append(body[:300])
        if r.status != 200:
            errors.append(f"HTTP {r.status}: {body[:300]}")
        if m:
            responses[key] = {"status": r.status, "errors": errors, "rows": rows}
        payloads.append(
            {"slug": slug, "slice_id": key if m else None, "url": r.url.replace(base, ""),
             "method": r.request.method, "body": r.request.post_data}
        )  # fmt: skip

    page.on("response", on_response)
    t0 = time.monotonic()
    page.set_viewport_size(VIEWPORT)
    page.goto(f"{base}/superset/dashboard/{slug}/")
    deadline = t0 + timeout

    def settle() -> dict[str, int]:
        state = {"total": 0, "pending": -1}
        while time.monotonic() < deadline:
            state = page.evaluate(WAIT_JS)
            n = len(expected)
            if (
                state["total"] >= n
                and state["pending"] == 0
                and state["numbers"] >= big
                and len(responses) >= n
            ):
                break
            page.wait_for_timeout(250)
        return state

    state = settle()
    seconds = time.monotonic() - t0
    # Superset virtualises the dashboard: charts outside the viewport are not drawn.
    # Make the viewport as tall as the page so that every chart is drawn at once.
    height = page.evaluate("document.documentElement.scrollHeight")
    if height > VIEWPORT["height"]:
        page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
        state = settle()
    page.wait_for_timeout(800)  # let the last chart finish its animation
    cards = page.evaluate(READ_JS)
    shot = out / f"{slug}.png"
    page.screenshot(path=str(shot), full_page=True)
    page.remove_listener("response", on_response)
    return {
        "slug": slug,
        "title": dash["dashboard_title"],
        "seconds": round(seconds, 2),
        "charts_expected": len(expected),
        "charts_on_page": state["total"],
        "charts_pending": state["pending"],
        "big_numbers_expected": big,
        "chart_data": {str(k): v for k, v in sorted(responses.items())},
        "missing_chart_data": sorted(set(expected) - set(responses)),
        "cards": cards,
        "big_numbers": {c["title"]: c["big_number"] for c in cards if c["big_number"]},
        "screenshot": str(shot),
        "payloads": payloads,
        "page_text": page.inner_text("body")[:20000],
    }


# Placeholders the single-page app shows while its lists load.
LOADING = '.ant-skeleton, [data-test="loading-indicator"], .ant-spin-spinning'


def settled(page: Any) -> None:
    """Wait until the single-page app has drawn its lists: no placeholder left."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # the app's first render replaces the server's page
    page.wait_for_function(f"() => !document.querySelector('{LOADING}')")
    page.wait_for_timeout(500)


def create_buttons(page: Any, base: str, out: Path) -> dict[str, Any]:
    """The create buttons on the landing page and on CREATE_PAGES (path -> texts)."""
    found = {"landing": page.evaluate(CREATE_JS)}
    for path in CREATE_PAGES:
        page.goto(base + path)
        settled(page)
        found[path] = page.evaluate(CREATE_JS)
        page.screenshot(path=str(out / f"page{path.rstrip('/').replace('/', '_')}.png"))
    return found


def check_sqllab(page: Any, base: str, shot: Path) -> dict[str, Any]:
    api = page.request.get(f"{base}/api/v1/sqllab/")
    resp = page.goto(f"{base}/sqllab/")
    page.wait_for_timeout(1500)
    editor = page.locator(".ace_editor, [data-test='sql-editor-tabs'], .SqlEditor").count()
    page.screenshot(path=str(shot))
    return {
        "api_status": api.status,
        "page_status": resp.status if resp else None,
        "final_url": page.url,
        "editor_elements": editor,
        "text": page.inner_text("body")[:2000],
        "screenshot": str(shot),
    }


def dashboard_list(page: Any, base: str) -> list[str]:
    """The slugs of the dashboards the logged-in user's dashboard list shows."""
    lst = page.request.get(f"{base}/api/v1/dashboard/?q=(page_size:100)")
    return sorted(d["slug"] for d in lst.json()["result"]) if lst.status == 200 else []


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True, type=Path)
    ap.add_argument("--dashboards", default="", help="slugs, or 'listed': every dashboard "
                    "the user's dashboard list shows")  # fmt: skip
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--sqllab", action="store_true")
    ap.add_argument("--create-buttons", action="store_true")
    ap.add_argument("--timeout", type=float, default=90)
    args = ap.parse_args(argv)
    password = json.loads(args.password_file.read_text())[args.user]
    args.out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"user": args.user, "dashboards": []}
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = new_page(browser, args.url)
            login(page, args.url, args.user, password)
            settled(page)
            report["landing_url"] = page.url
            report["landing_text"] = page.inner_text("body")[:5000]
            if args.create_buttons:
                report["create_buttons"] = create_buttons(page, args.url, args.out / args.user)
            report["dashboard_list"] = dashboard_list(page, args.url)
            slugs = args.dashboards.split(",")
            if args.dashboards == "listed":
                slugs = report["dashboard_list"]
            for slug in filter(None, slugs):
                report["dashboards"].append(
                    open_dashboard(page, args.url, slug, args.out / args.user, args.timeout)
                )
            if args.sqllab:
                report["sqllab"] = check_sqllab(page, args.url, args.out / args.user / "sqllab.png")
        finally:
            browser.close()
    json.dump(report, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
