"""Quality gates: suites as code, severities, crafted bad batches, PII scan.

Every test works on a private copy of the worked example's warehouse (built once
per session by conftest) and breaks it on purpose: each blocking expectation must
fail on the bad batch, mart or serving file made for it, and a failed gate must
leave the serving file at its last good version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from gridwatch import quality
from gridwatch.config import REPO_ROOT, Settings
from gridwatch.ingest.feeds import FEEDS
from gridwatch.quality import gates
from gridwatch.quality.frames import (
    MOBILE_PATTERN,
    NAME_PATTERN,
    RIC_PATTERN,
    batch_delivery,
    batch_files,
    batch_rows,
    coverage_totals,
    enterprise_completeness,
    mart_frame,
    parameters,
    pii_scan,
    push_record_completeness,
    thresholds,
)
from gridwatch.quality.suites import (
    MART_KEYS,
    MART_NON_NEGATIVE,
    MART_ORDERINGS,
    MART_RATES,
    suite_specs,
)
from gridwatch.warehouse.publish import publish

D2, D3, D4 = dt.date(2021, 8, 2), dt.date(2021, 8, 3), dt.date(2021, 8, 4)
SPECS = {s.name: s for s in suite_specs()}
MART_COLUMNS = [
    ("suite", "VARCHAR"),
    ("run_date", "DATE"),
    ("expectation", "VARCHAR"),
    ("column_name", "VARCHAR"),
    ("severity", "VARCHAR"),
    ("success", "BOOLEAN"),
    ("observed_value", "VARCHAR"),
    ("validated_at", "TIMESTAMP"),
]


pytestmark = pytest.mark.usefixtures("gx_local_dirs")


def sql(settings: Settings, *statements: str, path: Path | None = None) -> None:
    con = duckdb.connect(str(path or settings.warehouse))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_suite(settings: Settings, name: str, day: dt.date, frame_of) -> quality.GateReport:
    """Validate one suite on the frame ``frame_of(con)`` of the (possibly broken) warehouse."""
    spec = SPECS[name]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return gates.run_suites(settings, spec.gate, day, [(spec, lambda: frame_of(con))])
    finally:
        con.close()


def failed(report: quality.GateReport) -> set[tuple[str, str | None, str]]:
    return {(r.expectation, r.column_name, r.severity) for r in report.rows if not r.success}


def blocking_checks(name: str) -> set[tuple[str, str | None, str]]:
    return {
        (c.type, c.column_name, c.severity) for c in SPECS[name].checks if c.severity == "blocking"
    }


# --- suites as code --------------------------------------------------------------------


def test_every_expectation_has_a_severity_notes_and_a_unique_name():
    for spec in SPECS.values():
        keys = [(c.type, c.column_name, c.severity) for c in spec.checks]
        assert len(keys) == len(set(keys)), spec.name  # mart_quality_results' key
        for check in spec.checks:
            assert check.severity in ("blocking", "warning")
            assert len(check.notes) > 30, (spec.name, check)
    assert {s.gate for s in SPECS.values()} == {"batches", "marts", "serving"}


def test_suite_catalogue_is_up_to_date():
    from gridwatch.quality.suites import catalogue

    committed = (REPO_ROOT / "expectations" / "SUITES.md").read_text(encoding="utf-8")
    assert committed == catalogue(), "run `python -m gridwatch.quality --catalogue`"


def test_row_frames_carry_no_personal_value(wh):
    con = duckdb.connect(str(wh.warehouse), read_only=True)
    try:
        frame = batch_rows(con, "push_list", D2)
        names = {n for (n,) in con.execute("select name from raw.push_list").fetchall()}
    finally:
        con.close()
    assert len(frame) and not names & {str(v) for v in frame.to_numpy().ravel()}


def test_thresholds_file_gives_every_parameter():
    limits = thresholds()
    for spec in SPECS.values():
        values = parameters(spec, D3, limits)
        assert set(values) == spec.parameters, spec.name
    rows = parameters(SPECS["batch.push_list.rows"], D3, limits)
    assert (rows["issued_at_min_days"], rows["issued_at_max_days"]) == (-14.0, 2.0)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_suite_creation_is_idempotent(tmp_path):
    from gridwatch.quality import gx as quality_gx

    # a fresh project from the committed configuration alone: created, then unchanged
    project = tmp_path / "gx"
    project.mkdir()
    config = (quality_gx.GX_PROJECT / "great_expectations.yml").read_text(encoding="utf-8")
    config = config.split("fluent_datasources:")[0]
    (project / "great_expectations.yml").write_text(config, encoding="utf-8")
    context = quality_gx.open_context(tmp_path / "r", tmp_path / "d", project)
    _, changed = quality_gx.ensure_suites(context, suite_specs())
    assert len([c for c in changed if c.startswith("suite ")]) == len(SPECS)
    first = _snapshot(project)
    context = quality_gx.open_context(tmp_path / "r", tmp_path / "d", project)
    _, changed = quality_gx.ensure_suites(context, suite_specs())
    assert changed == []
    assert _snapshot(project) == first

    # the committed project is up to date with the code: nothing to write, no churn
    before = _snapshot(quality_gx.GX_PROJECT)
    for _ in range(2):
        context = quality_gx.open_context(tmp_path / "r", tmp_path / "d")
        _, changed = quality_gx.ensure_suites(context, suite_specs())
        assert changed == [], "run `python -m gridwatch.quality --init` and commit expectations/"
    assert _snapshot(quality_gx.GX_PROJECT) == before


# --- a clean day -----------------------------------------------------------------------


def test_clean_days_pass_every_blocking_gate(wh):
    for day in (D2, D3):
        report = quality.validate_batches(wh, day)
        assert report.ok and report.rows
        assert {r.suite for r in report.rows} == {n for n in SPECS if n.startswith("batch.")}
    # the example's quarantined rows and invalid USCCs are recorded as warnings
    assert report.warnings
    # 08-04 (readme.txt rejected) must have been through the batch gate too: its other
    # files are in the marts. Its REJECTED file fails it, but only warns in the marts gate.
    assert not quality.check_batches(wh, D4).ok
    marts = quality.validate_marts(wh, D3)
    assert marts.ok
    assert [(w.suite, w.column_name) for w in marts.warnings] == [
        ("marts.held_deliveries", "rejected_files")
    ]
    tables = publish(wh.warehouse, wh.serving, check=quality.serving_check(wh, D3))
    assert "mart_quality_results" in tables
    con = duckdb.connect(str(wh.serving), read_only=True)
    try:
        gates = con.execute(
            "select split_part(suite, '.', 1), count(*), bool_and(success or severity = 'warning') "
            "from marts.mart_quality_results where run_date = ? group by 1 order by 1",
            [D3],
        ).fetchall()
    finally:
        con.close()
    # the published file carries the results of all three gates of the day
    assert [(g, ok) for g, _, ok in gates] == [("batch", True), ("marts", True), ("serving", True)]


# --- crafted bad batches: each blocking expectation fails on the batch made for it ------


def _break_rows(settings: Settings, feed: str, day: dt.date) -> None:
    """One extra row per blocking expectation, each wrong in just that way."""
    statements = []
    for n, check in enumerate(SPECS[f"batch.{feed}.rows"].checks):
        if check.severity != "blocking":
            continue
        column = check.kwargs["column"]
        if check.type == "expect_column_values_to_not_be_null":
            bad = "null"
        elif check.type == "expect_column_values_to_be_in_set":
            bad = "'BOGUS'"
        elif column == "temperature":
            bad = "99.5"
        elif column.endswith("_days_from_delivery"):  # a timestamp typed with a wrong year
            column = column.removesuffix("_days_from_delivery")
            bad = f"timestamp '{day.year + 10}-{day:%m-%d} 10:00:00'"
        else:  # an integer minimum
            bad = "-5"
        statements.append(
            f"insert into raw.{feed} select * replace ({bad} as {column}, "
            f"{100_000 + n} as row_number) from raw.{feed} where delivery_date = '{day}' limit 1"
        )
    sql(settings, *statements)


@pytest.mark.parametrize("feed", list(FEEDS))
def test_bad_rows_fail_every_blocking_row_expectation(wh, feed):
    name = f"batch.{feed}.rows"
    clean = run_suite(wh, name, D3, lambda con: batch_rows(con, feed, D3))
    assert not clean.blocking_failures
    _break_rows(wh, feed, D3)
    report = run_suite(wh, name, D3, lambda con: batch_rows(con, feed, D3))
    assert blocking_checks(name) <= failed(report)
    # each failure names the file and row of the bad value
    assert all("row_number=10" in r.observed_value for r in report.blocking_failures)


@pytest.mark.parametrize("feed", list(FEEDS))
def test_broken_file_accounting_fails_every_blocking_file_expectation(wh, feed):
    name = f"batch.{feed}.files"
    assert not run_suite(wh, name, D3, lambda con: batch_files(con, feed, D3)).blocking_failures
    sql(
        wh,
        # a rejected file whose rows do not add up
        f"update raw.load_log set status = 'REJECTED', rows_read = rows_read + 1 "
        f"where feed = '{feed}' and delivery_date = '{D3}'",
        # a loaded row lost, a quarantined row that the log does not count
        f"delete from raw.{feed} where rowid = (select min(rowid) from raw.{feed} "
        f"where delivery_date = '{D3}')",
        f"insert into raw.quarantine select '{feed}', '{D3}', file_name, 99999, 'X', null "
        f"from raw.load_log where feed = '{feed}' and delivery_date = '{D3}' limit 1",
    )
    report = run_suite(wh, name, D3, lambda con: batch_files(con, feed, D3))
    assert blocking_checks(name) <= failed(report)


@pytest.mark.parametrize("feed", list(FEEDS))
def test_bad_delivery_fails_every_blocking_delivery_expectation(wh, feed):
    name = f"batch.{feed}.delivery"
    limits = thresholds()
    clean = run_suite(wh, name, D3, lambda con: batch_delivery(con, feed, D3, limits))
    assert not clean.blocking_failures
    # nothing delivered on D4 although the feed delivered on D3
    sql(
        wh,
        f"delete from raw.{feed} where delivery_date = '{D4}'",
        f"delete from raw.load_log where feed = '{feed}' and delivery_date = '{D4}'",
        f"delete from raw.quarantine where feed = '{feed}' and delivery_date = '{D4}'",
    )
    empty = run_suite(wh, name, D4, lambda con: batch_delivery(con, feed, D4, limits))
    assert {
        ("expect_column_values_to_be_between", "files_delivered_if_expected", "blocking"),
        ("expect_column_values_to_be_between", "rows_loaded_if_expected", "warning"),
    } <= failed(empty)
    assert "files_delivered_if_expected" in quality.QualityGateError(empty).args[0]
    # D3: every row quarantined or with an invalid identity number / credit code
    valid = "uscc_valid = false" if feed == "enterprise_filing" else "id_valid = false"
    ids = "" if feed == "enterprise_filing" else ", id_number = coalesce(id_number, 'X1')"
    sql(
        wh,
        f"update raw.load_log set rows_quarantined = rows_read, rows_loaded = 0 "
        f"where feed = '{feed}' and delivery_date = '{D3}'",
        f"update raw.{feed} set {valid}{ids} where delivery_date = '{D3}'",
    )
    shares = run_suite(wh, name, D3, lambda con: batch_delivery(con, feed, D3, limits))
    # the volume check needs days of history and blocks only when configured to (its default
    # threshold 0 never blocks): test_volume_far_below_the_recent_median_is_a_finding covers it
    volume = ("expect_column_values_to_be_between", "rows_read_share_of_median", "blocking")
    assert limits["feeds"][feed]["volume"]["blocking"] == 0
    assert blocking_checks(name) - {volume} <= failed(empty) | failed(shares)


def test_the_example_d4_is_stopped_by_its_rejected_file(wh):
    """2021-08-04 brings only a re-sent (duplicate) push list and a stray readme.txt."""
    report = quality.check_batches(wh, D4)
    assert {(r.suite, r.column_name) for r in report.blocking_failures} == {
        ("batch.push_list.files", "status"),
    }
    # the re-sent push list is a delivery without new rows: a warning, not a stop
    assert ("batch.push_list.delivery", "rows_loaded_if_expected") in {
        (r.suite, r.column_name) for r in report.warnings
    }
    with pytest.raises(quality.QualityGateError) as error:
        quality.validate_batches(wh, D4)
    message = str(error.value)
    for part in ("batch.push_list.files", "readme.txt", "REJECTED", "what to do", "re-run"):
        assert part in message


# --- crafted bad marts -----------------------------------------------------------------


# marts the worked example leaves empty (it re-delivers nothing): one plausible row to break
SEED_ROWS = {
    "mart_delivery_changes": "('push_list', date '2021-08-03', 'list.csv', "
    "timestamp '2021-08-04 23:30:00', 'changed', 'SZ-0803-01 | 1', 'phone')",
}


def _break_mart(settings: Settings, mart: str) -> None:
    one = f"from marts.{mart} limit 1"
    statements = [f"insert into marts.{mart} values {SEED_ROWS[mart]}"] if mart in SEED_ROWS else []
    statements += [f"insert into marts.{mart} select * {one}"]  # a duplicate key
    statements += [
        f"insert into marts.{mart} select * replace (null as {c}) {one}" for c in MART_KEYS[mart]
    ]
    statements += [
        f"insert into marts.{mart} select * replace (1.5 as {rate}) {one}"
        for rate in MART_RATES.get(mart, {})
    ]
    statements += [
        f"insert into marts.{mart} select * replace (1 as {larger}, 7 as {smaller}) {one}"
        for larger, smaller in MART_ORDERINGS.get(mart, ())
    ]
    statements += [
        f"insert into marts.{mart} select * replace (-1 as {c}) {one}"
        for c in MART_NON_NEGATIVE.get(mart, ())
    ]
    if mart == "mart_load_status":
        statements.append(
            f"insert into marts.{mart} select * replace (rows_read + 1 as rows_read) {one}"
        )
    sql(settings, *statements)


@pytest.mark.parametrize("mart", list(MART_KEYS))
def test_bad_mart_fails_every_blocking_mart_expectation(wh, mart):
    name = f"marts.{mart}"
    assert not run_suite(wh, name, D3, lambda con: mart_frame(con, mart)).blocking_failures
    _break_mart(wh, mart)
    report = run_suite(wh, name, D3, lambda con: mart_frame(con, mart))
    assert blocking_checks(name) <= failed(report)


def test_community_counts_not_adding_up_fail(wh):
    name = "marts.coverage_totals"
    assert not run_suite(wh, name, D3, coverage_totals).blocking_failures
    sql(
        wh,
        "update marts.mart_coverage_daily set pushed_persons = pushed_persons + 1 "
        "where rowid = (select min(rowid) from marts.mart_coverage_daily)",
    )
    report = run_suite(wh, name, D3, coverage_totals)
    assert blocking_checks(name) <= failed(report)


def test_push_record_missing_or_extra_in_fct_fails(wh):
    name = "marts.push_record_completeness"
    assert not run_suite(wh, name, D3, push_record_completeness).blocking_failures
    sql(
        wh,
        "delete from marts.fct_push_record "
        "where rowid = (select min(rowid) from marts.fct_push_record)",
        "insert into marts.fct_push_record select * replace ('NOT-PUSHED' as batch_id) "
        "from marts.fct_push_record limit 1",
    )
    report = run_suite(wh, name, D3, push_record_completeness)
    assert blocking_checks(name) <= failed(report)


def test_enterprise_missing_or_extra_in_status_fails(wh):
    name = "marts.enterprise_completeness"
    assert not run_suite(wh, name, D3, enterprise_completeness).blocking_failures
    sql(
        wh,
        "delete from marts.mart_enterprise_status "
        "where rowid = (select min(rowid) from marts.mart_enterprise_status)",
        "insert into marts.mart_enterprise_status select * replace ('NEVER-FILED' as uscc) "
        "from marts.mart_enterprise_status limit 1",
    )
    report = run_suite(wh, name, D3, enterprise_completeness)
    assert blocking_checks(name) <= failed(report)


# --- serving: the PII scan and the marts-only rule -------------------------------------


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        ("110101199003077777", "ric"),
        ("身份证11010119900307777X号", "ric"),
        ("RIC:110101900307777", "ric"),  # 15 digits, before 1999
        ("13812345678", "mobile"),
        ("+8613812345678", "mobile"),
        ("PHN:13812345678:张三", "mobile"),
        ("张三", "name"),
        ("欧阳娜娜", "name"),
        ("买买提·艾力", "name"),
        ("张*", None),
        ("138****5678", None),
        ("110***********7777", None),
        ("0.41666666666666663", None),  # decimals of a rate
        ("e0b13812345678a9110101199003077777c1", None),  # inside a hex pseudonym
        ("SZ-0802-01", None),
        ("MANAGED", None),
    ],
)
def test_pii_shapes(value, shape):
    con = duckdb.connect()
    found = con.execute(
        "select regexp_matches($v, $ric), regexp_matches($v, $mobile), regexp_matches($v, $name)",
        {"v": value, "ric": RIC_PATTERN, "mobile": MOBILE_PATTERN, "name": NAME_PATTERN},
    ).fetchone()
    con.close()
    assert dict(zip(("ric", "mobile", "name"), found, strict=True)) == {
        k: k == shape for k in ("ric", "mobile", "name")
    }


def test_pii_scan_reads_numbers_as_numbers():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.t as select * from (values "
        "(13812345678.0, 0.4166666666666666, 110101199003077777, '平湖社区', '张*'), "
        "(2.5, 1.0, 12, '待分拨', '张三'), "
        "(13812345678.0, 0.5, null, '待分拨', '张三')) as v (phone_like, rate, ric_like, "
        "community_name, name_masked)"
    )
    scan = pii_scan(con, thresholds(), has_raw_names=False).set_index("column_name")
    con.close()
    # counts are rows (each distinct value is tested once, weighted by its rows)
    assert scan.loc["phone_like", "mobile_like_values"] == 2
    assert scan.loc["phone_like", "values_scanned"] == 2  # 2.5 cannot be a phone
    assert scan.loc["rate", ["ric_like_values", "mobile_like_values"]].sum() == 0
    assert scan.loc["rate", "values_scanned"] == 1  # only 1.0 is a whole number
    assert scan.loc["ric_like", "ric_like_values"] == 1
    assert scan.loc["ric_like", "values_scanned"] == 2
    assert scan.loc["community_name", "name_like_values"] == 0  # a label column
    assert scan.loc["name_masked", "unmasked_values"] == 2


def test_pii_scan_reads_free_text_and_registration_numbers_for_what_they_are():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.t as select * from (values "
        "('第一批次', '张三密接(138-0000-0002)', '440301101215678', '440301101215678', "
        "'赵六_138 1111 4444.csv'), "
        "('SZ-0802-01', '病例 440307 20010203 456X 同楼栋', '91440300MA5D12345W', null, "
        "'2021-08-02 推送-01.csv')) as v (batch_id, topic, uscc, other_code, file_name)"
    )
    scan = pii_scan(con, thresholds(), has_raw_names=False).set_index("column_name")
    con.close()
    # a Chinese batch name is a label, not a person's name
    assert scan.loc["batch_id", ["name_like_values", "mobile_like_values"]].sum() == 0
    # free text is also read with spaces and dashes removed
    assert scan.loc["topic", "mobile_like_values"] == 1
    assert scan.loc["topic", "ric_like_values"] == 1
    assert scan.loc["file_name", "mobile_like_values"] == 1
    assert scan.loc["file_name", "ric_like_values"] == 0
    # an old 15-digit business registration number is not an ID in the uscc column only
    assert scan.loc["uscc", "ric_like_values"] == 0
    assert scan.loc["other_code", "ric_like_values"] == 1


def test_bad_serving_file_fails_every_blocking_serving_expectation(wh, tmp_path):
    publish(wh.warehouse, wh.serving)
    bad = tmp_path / "bad_serving.duckdb"
    shutil.copy(wh.serving, bad)
    first = "where rowid = (select min(rowid) from marts.{t})"
    sql(
        wh,
        "create schema raw",
        "create table raw.push_list as select 1 as x",
        "create view marts.v_backlog as select * from marts.mart_backlog",
        "update marts.fct_push_record set batch_id = 'ID:110101199003077777' "
        + first.format(t="fct_push_record"),
        "update marts.mart_backlog set grid_code = '13812345678' " + first.format(t="mart_backlog"),
        "update marts.mart_checkpoint_daily set checkpoint_code = '欧阳娜娜' "
        + first.format(t="mart_checkpoint_daily"),
        # a label column, exempt from the name shape, still may not hold a raw name
        "update marts.mart_coverage_daily set community_name = '张三' "
        + first.format(t="mart_coverage_daily"),
        "update marts.dim_person set name_masked = '张三' " + first.format(t="dim_person"),
        path=bad,
    )
    report = quality.check_serving_file(wh, D3, bad, update_file=False)
    assert {
        (r.suite, r.expectation, r.column_name, r.severity) for r in report.blocking_failures
    } == {
        (n, c.type, c.column_name, c.severity)
        for n in ("serving.tables", "serving.pii_scan")
        for c in SPECS[n].checks
        if c.severity == "blocking"
    }
    observed = " ".join(r.observed_value for r in report.rows)
    for where in ("fct_push_record", "mart_backlog", "mart_checkpoint_daily", "dim_person"):
        assert where in observed
    # the scan reports where, never what: no personal value in any result
    for value in ("110101199003077777", "13812345678", "张三", "欧阳娜娜"):
        assert value not in observed


def test_phone_or_ric_planted_in_a_mart_is_caught_and_not_published(wh):
    publish(wh.warehouse, wh.serving, check=quality.serving_check(wh, D3))
    last_good = digest(wh.serving)
    con = duckdb.connect(str(wh.warehouse), read_only=True)
    phone, ric = con.execute(
        "select min(phone), min(id_number) from raw.push_list where phone_valid and id_valid "
        "and id_type = 'RIC'"
    ).fetchone()
    con.close()
    sql(
        wh,
        f"update marts.mart_backlog set phone_masked = '{phone}' "
        "where rowid = (select min(rowid) from marts.mart_backlog)",
        f"update marts.mart_verified_person set grid_code = '{ric}' "
        "where rowid = (select min(rowid) from marts.mart_verified_person)",
    )
    with pytest.raises(quality.QualityGateError) as error:
        publish(wh.warehouse, wh.serving, check=quality.serving_check(wh, D3))
    message = str(error.value)
    assert "serving.pii_scan" in message
    assert "table_name='mart_backlog', column_name='phone_masked'" in message
    assert "table_name='mart_verified_person', column_name='grid_code'" in message
    assert phone not in message and ric not in message
    assert digest(wh.serving) == last_good
    assert not list(wh.serving.parent.glob(".*publishing"))


# --- the daily run stops before publishing ---------------------------------------------


def _landing_copy(settings: Settings, tmp_path: Path) -> Settings:
    landing = tmp_path / "landing"
    shutil.copytree(settings.landing_dir, landing)
    return Settings(landing, settings.reference_dir, settings.warehouse, settings.serving)


def test_a_blocking_batch_failure_stops_the_day_before_publish(wh, tmp_path):
    from gridwatch.ops.pipeline import run_day

    settings = _landing_copy(wh, tmp_path)
    publish(settings.warehouse, settings.serving)
    last_good = digest(settings.serving)
    # a verification typed with the wrong year: report dates would span a decade
    (settings.landing_dir / "verification" / "2021-08-03" / "late.csv").write_text(
        "批次号,序号,核查时间,核查社区,核查方式,核查结果\n"
        "SZ-0802-01,1,2012-08-03 10:00,平湖社区,电话,已纳管\n",
        encoding="utf-8",
    )
    outcome = run_day(settings, D3)
    assert not outcome.ok
    assert "QualityGateError" in outcome.message
    assert "batch.verification.rows" in outcome.message
    assert "verified_at" in outcome.message and "late.csv" in outcome.message
    assert digest(settings.serving) == last_good


def test_a_blocking_mart_failure_stops_the_day_before_publish(wh, tmp_path, monkeypatch):
    from gridwatch.ops import pipeline

    settings = _landing_copy(wh, tmp_path)
    publish(settings.warehouse, settings.serving)
    last_good = digest(settings.serving)

    def broken_build(s: Settings) -> str:  # a build that duplicates a push record
        sql(s, "insert into marts.fct_push_record select * from marts.fct_push_record limit 1")
        return "Done."

    monkeypatch.setattr(pipeline, "build", broken_build)
    outcome = pipeline.run_day(settings, D3)
    assert not outcome.ok
    assert "marts.fct_push_record" in outcome.message
    assert "marts.push_record_completeness" in outcome.message
    assert digest(settings.serving) == last_good
    # the failure is on record for the dashboard (shown from the next build or publish)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        failures = con.execute(
            "select suite from raw.quality_results "
            "where run_date = ? and not success and severity = 'blocking' order by 1",
            [D3],
        ).fetchall()
    finally:
        con.close()
    assert ("marts.fct_push_record",) in failures


# --- results ---------------------------------------------------------------------------


def test_results_are_stored_once_per_suite_and_date_and_reach_the_mart(wh):
    first = quality.check_batches(wh, D3)
    again = quality.check_batches(wh, D3)
    quality.check_marts(wh, D3, refresh_mart=True)  # dbt run --select mart_quality_results
    con = duckdb.connect(str(wh.warehouse), read_only=True)
    try:
        stored = con.execute(
            "select count(*) from raw.quality_results where run_date = ? and gate = 'batches'",
            [D3],
        ).fetchone()[0]
        columns = con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = 'marts' and table_name = 'mart_quality_results' "
            "order by column_index"
        ).fetchall()
        in_mart = con.execute(
            "select count(*) filter (where suite like 'batch.%'), "
            "count(*) filter (where suite like 'marts.%'), "
            "count(*) filter (where suite like 'batch.%' and severity = 'warning' "
            "and not success) "
            "from marts.mart_quality_results where run_date = ?",
            [D3],
        ).fetchone()
        sample = con.execute(
            "select observed_value from marts.mart_quality_results where run_date = ? "
            "and suite = 'batch.checkpoint.delivery' and column_name = 'quarantine_share' "
            "and severity = 'warning'",
            [D3],
        ).fetchone()[0]
    finally:
        con.close()
    assert stored == len(first.rows) == len(again.rows)
    assert columns == MART_COLUMNS
    assert in_mart[0] == len(first.rows) and in_mart[1] > 0 and in_mart[2] == len(first.warnings)
    assert sample == "0.3333, expected between 0 and 0.05"


def test_data_docs_are_built(wh):
    report = quality.check_batches(wh, D3)
    assert report.docs is not None and report.docs.exists()
    page = report.docs.read_text(encoding="utf-8")
    assert "batch.push_list.rows" in page or "batch/push_list/rows" in page


# --- expected deliveries: empty days, holidays, volume ---------------------------------

EMPTY_DAY = dt.date(2021, 8, 20)  # the example delivers nothing on it


def test_a_day_with_nothing_delivered_is_blocking(wh):
    with pytest.raises(quality.QualityGateError) as caught:
        quality.validate_batches(wh, EMPTY_DAY)
    failed = {(r.suite, r.column_name) for r in caught.value.report.blocking_failures}
    assert ("batch.day", "core_feeds_delivered_unless_holiday") in failed
    assert "no push list and no checkpoint log" in str(caught.value)


def test_a_holiday_expects_nothing(wh, tmp_path, monkeypatch):
    import yaml

    from gridwatch.quality import frames as quality_frames

    limits = yaml.safe_load(quality_frames.THRESHOLDS_FILE.read_text(encoding="utf-8"))
    limits["calendar"]["holidays"] = [EMPTY_DAY.isoformat()]
    custom = tmp_path / "thresholds.yml"
    custom.write_text(yaml.safe_dump(limits), encoding="utf-8")
    monkeypatch.setattr(quality_frames, "THRESHOLDS_FILE", custom)
    report = quality.validate_batches(wh, EMPTY_DAY)
    assert report.ok
    assert not [r for r in report.warnings if r.column_name == "rows_read_share_of_median"]


def test_volume_far_below_the_recent_median_is_a_finding():
    limits = thresholds()
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.load_log (feed varchar, delivery_date date, file_name varchar, "
        "status varchar, rows_read bigint, rows_loaded bigint, rows_quarantined bigint)"
    )
    con.execute("create table raw.enterprise_filing (delivery_date date, uscc_valid boolean)")
    day = dt.date(2021, 8, 10)
    for back, rows in ((1, 100), (2, 120), (3, 90), (4, 0), (20, 5)):  # 4: empty, 20: too old
        con.execute(
            "insert into raw.load_log values ('enterprise_filing', ?, 'f.csv', 'LOADED', ?, ?, 0)",
            [day - dt.timedelta(days=back), rows, rows],
        )
    con.execute(
        "insert into raw.load_log values ('enterprise_filing', ?, 'f.csv', 'LOADED', 10, 10, 0)",
        [day],
    )
    frame = batch_delivery(con, "enterprise_filing", day, limits)
    assert frame["median_rows_read"][0] == 100
    assert frame["rows_read_share_of_median"][0] == pytest.approx(0.1)
    spec = SPECS["batch.enterprise_filing.delivery"]
    params = parameters(spec, day, limits)
    assert params["rows_read_share_of_median_warning"] == 0.3
    volume = [c for c in spec.checks if c.column_name == "rows_read_share_of_median"]
    assert {c.severity for c in volume} == {"warning", "blocking"}
    # fewer than min_days delivered dates before D: not checked
    frame = batch_delivery(con, "enterprise_filing", dt.date(2021, 8, 8), limits)
    assert frame["rows_read_share_of_median"].isna().all()
