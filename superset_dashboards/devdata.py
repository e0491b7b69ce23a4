"""Build a serving-file-shaped DuckDB file with plausible marts (development only).

The real serving file is published by the pipeline (CONTRACT §9). This one has the
same schema ``marts``, every table and column of §9 plus ``mart_quality_results``,
and internally consistent numbers (coverage is derived from the generated push
records, so the backlog on the last day equals the persons in ``mart_backlog``).

    python superset_dashboards/devdata.py OUT.duckdb              # ~2 streets, 10 days
    python superset_dashboards/devdata.py OUT.duckdb --preset city  # ~a year, a city

Deterministic: values come from hashes of the row keys, not from a random state.
Runs with any Python that has duckdb 2.0 (the main venv or the Superset venv).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from marts_schema import MARTS

STREETS = [
    ("440307001", "平湖街道"),
    ("440307002", "南湾街道"),
    ("440307003", "布吉街道"),
    ("440307004", "坂田街道"),
    ("440307005", "吉华街道"),
    ("440307006", "横岗街道"),
    ("440307007", "龙城街道"),
    ("440307008", "龙岗街道"),
    ("440307009", "坪地街道"),
    ("440307010", "宝龙街道"),
    ("440307011", "园山街道"),
    ("440307012", "坪山街道"),
]
COMMUNITY_NAMES = [
    "华南", "山厦", "良安田", "鹅公岭", "白坭坑", "新南", "上水径", "大芬", "木棉湾",
    "南岭村", "丹竹头", "樟树布", "岗头", "杨美", "象角塔", "马蹄山", "五联", "南联",
    "愉园", "爱联", "龙东", "保安", "宝龙", "同心", "六约", "四联", "西坑", "安良",
]  # fmt: skip
TOPICS = ["涉疫风险地区来深人员", "密切接触者", "次密切接触者", "入境人员"]
CATEGORIES = ["SENSITIVE", "GATHERING", "DOOR_TO_DOOR", "INDEPENDENT", "OTHER"]
FEEDS = ["push_list", "verification", "checkpoint", "enterprise_filing"]


@dataclass(frozen=True)
class Preset:
    days: int
    streets: int
    communities_per_street: int
    records_per_community_day: int
    checkpoints_per_community: int
    enterprises_per_community: int


PRESETS = {
    "dev": Preset(10, 2, 3, 6, 2, 6),
    "city": Preset(365, 10, 8, 8, 3, 25),
}


def h(expr: str, salt: str) -> str:
    """SQL for a deterministic pseudo-random DOUBLE in [0, 1) from a key expression."""
    return f"((hash({expr}, '{salt}') % 1000003) / 1000003.0)"


def build(out: Path, preset: Preset, end: date) -> None:
    start = end - timedelta(days=preset.days - 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".devdata-", suffix=".duckdb", dir=out.parent)
    os.close(fd)
    os.unlink(tmp_name)
    con = duckdb.connect(tmp_name)
    try:
        _build(con, preset, start, end)
        con.close()
        os.replace(tmp_name, out)
    finally:
        con.close()
        for p in (tmp_name, tmp_name + ".wal"):
            if os.path.exists(p):
                os.unlink(p)


def _build(con: duckdb.DuckDBPyConnection, p: Preset, start: date, end: date) -> None:
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA scratch;")
    areas = []
    for si, (scode, sname) in enumerate(STREETS[: p.streets]):
        for ci in range(p.communities_per_street):
            n = si * p.communities_per_street + ci
            base = COMMUNITY_NAMES[n % len(COMMUNITY_NAMES)]
            suffix = "" if n < len(COMMUNITY_NAMES) else str(n // len(COMMUNITY_NAMES) + 1)
            areas.append((scode, sname, f"{scode}{ci + 1:03d}", f"{base}{suffix}社区"))
    # The contract's pseudo-community for records no community took yet.
    areas.append((STREETS[0][0], STREETS[0][1], "_UNDISPATCHED", "待分拨"))
    con.execute(
        "CREATE TABLE scratch.areas (street_code VARCHAR, street_name VARCHAR,"
        " community_code VARCHAR, community_name VARCHAR)"
    )
    con.executemany("INSERT INTO scratch.areas VALUES (?, ?, ?, ?)", areas)
    con.execute(
        "CREATE TABLE scratch.days AS SELECT CAST(d AS DATE) AS d FROM range("
        f"DATE '{start}', DATE '{end}' + INTERVAL 1 DAY, INTERVAL 1 DAY) t(d)"
    )
    con.execute("CREATE TABLE scratch.topics (topic VARCHAR)")
    con.executemany("INSERT INTO scratch.topics VALUES (?)", [(t,) for t in TOPICS])
    e_l = f"(DATE '{end}' + INTERVAL 1 DAY)"
    n_rec = p.records_per_community_day

    # --- push records -------------------------------------------------------------
    con.execute(f"""
    CREATE TABLE scratch.rec AS
    WITH base AS (
      SELECT d.d, a.street_code, a.community_code, i,
             a.community_code || strftime(d.d, '%Y%m%d') || i AS k
      FROM scratch.days d, scratch.areas a, range({n_rec}) r(i)
      WHERE a.community_code <> '_UNDISPATCHED' OR i < 1
    ), r AS (
      SELECT *,
        'B' || strftime(d, '%Y%m%d') || '-' || (hash(k, 'b') % 3) AS batch_id,
        CAST(d AS TIMESTAMP) + INTERVAL 7 HOUR
          + to_minutes(CAST(floor({h("k", "t")} * 780) AS BIGINT)) AS issued_at,
        (SELECT list(topic) FROM scratch.topics)[1 + CAST(floor({h("k", "tp")} * 4) AS INT)]
          AS topic,
        {h("k", "sat")} AS u_sat, {h("k", "out")} AS u_out, {h("k", "ms")} AS u_ms
      FROM base
    )
    SELECT *,
      issued_at + to_hours(CASE WHEN topic = '密切接触者' THEN 12 ELSE 24 END) AS deadline_at,
      CASE WHEN u_sat < 0.08 THEN issued_at + to_hours(CAST(30 + floor(u_sat * 2000) AS BIGINT))
           ELSE issued_at + to_minutes(CAST(floor(-ln(1 - u_sat) * 14 * 60) AS BIGINT))
      END AS sat_raw,
      CASE WHEN u_out < 0.72 THEN 'MANAGED' WHEN u_out < 0.84 THEN 'NOT_IN_JURISDICTION'
           WHEN u_out < 0.94 THEN 'LEFT' ELSE 'NOT_FOUND' END AS outcome
    FROM r
    """)
    con.execute(f"""
    CREATE TABLE scratch.rec2 AS
    SELECT *,
      row_number() OVER (PARTITION BY batch_id ORDER BY issued_at, k) AS record_no,
      'pk_' || substr(md5(k), 1, 16) AS person_key,
      CASE WHEN sat_raw < {e_l} THEN sat_raw END AS satisfied_at,
      CASE WHEN outcome <> 'MANAGED' THEN 'NONE'
           WHEN u_ms < 0.45 THEN 'HOME_QUARANTINE' WHEN u_ms < 0.6 THEN 'CENTRAL_QUARANTINE'
           WHEN u_ms < 0.85 THEN 'HEALTH_MONITORING' ELSE 'NONE' END AS measure
    FROM scratch.rec
    """)
    con.execute(f"""
    CREATE TABLE marts.fct_push_record AS
    SELECT batch_id, CAST(record_no AS BIGINT) AS record_no, topic, person_key, issued_at,
      deadline_at, street_code, community_code,
      CASE WHEN satisfied_at IS NOT NULL AND community_code <> '_UNDISPATCHED'
           THEN community_code || '-G' || (hash(k, 'g') % 4 + 1) END AS grid_code,
      false AS is_repeat_push, satisfied_at,
      CASE WHEN satisfied_at IS NOT NULL THEN outcome END AS satisfying_outcome,
      date_diff('second', issued_at, satisfied_at) / 3600.0 AS hours_to_verify,
      CASE WHEN satisfied_at IS NOT NULL THEN satisfied_at <= deadline_at END AS met_deadline,
      {h("k", "idv")} > 0.03 AS id_valid, {h("k", "phv")} > 0.05 AS phone_valid
    FROM scratch.rec2
    ORDER BY issued_at, batch_id, record_no
    """)
    con.execute("""
    CREATE TABLE scratch.rec3 AS
    SELECT r.*, CAST(r.satisfied_at AS DATE) AS sat_date,
      CASE WHEN measure IN ('HOME_QUARANTINE', 'CENTRAL_QUARANTINE')
             THEN CAST(satisfied_at AS DATE) + 14
           WHEN measure = 'HEALTH_MONITORING' THEN CAST(satisfied_at AS DATE) + 7
      END AS measure_until
    FROM scratch.rec2 r
    """)

    # --- coverage -----------------------------------------------------------------
    con.execute("""
    CREATE TABLE marts.mart_coverage_daily AS
    WITH x AS (
      SELECT d.d AS report_date, r.*, CAST(d.d + 1 AS TIMESTAMP) AS e_d
      FROM scratch.days d JOIN scratch.rec3 r ON r.issued_at < CAST(d.d + 1 AS TIMESTAMP)
    )
    SELECT x.report_date, a.street_code, a.street_name, a.community_code, a.community_name,
      count(*) AS pushed_persons,
      count(*) FILTER (WHERE CAST(issued_at AS DATE) = report_date) AS new_persons,
      count(*) FILTER (WHERE satisfied_at < e_d) AS verified_persons,
      count(*) FILTER (WHERE satisfied_at < e_d AND outcome = 'MANAGED') AS managed_persons,
      count(*) FILTER (WHERE satisfied_at < e_d AND outcome = 'MANAGED'
                        AND measure <> 'NONE' AND measure_until >= report_date)
        AS under_management,
      count(*) FILTER (WHERE satisfied_at IS NULL OR satisfied_at >= e_d) AS backlog_persons,
      count(*) FILTER (WHERE (satisfied_at IS NULL OR satisfied_at >= e_d)
                        AND deadline_at < e_d) AS overdue_persons,
      (count(*) - count(*) FILTER (WHERE satisfied_at IS NULL OR satisfied_at >= e_d))
        / count(*)::DOUBLE AS coverage_rate,
      count(*) FILTER (WHERE CAST(issued_at AS DATE) = report_date) AS records_issued,
      count(*) FILTER (WHERE sat_date = report_date) AS records_satisfied,
      quantile_cont(date_diff('second', issued_at, satisfied_at) / 3600.0, 0.5)
        FILTER (WHERE sat_date = report_date) AS median_hours_to_verify,
      count(*) FILTER (WHERE CAST(deadline_at AS DATE) = report_date) AS due_records,
      avg(CASE WHEN satisfied_at <= deadline_at THEN 1.0 ELSE 0.0 END)
        FILTER (WHERE CAST(deadline_at AS DATE) = report_date) AS deadline_met_rate
    FROM x JOIN scratch.areas a USING (community_code)
    GROUP BY ALL
    ORDER BY 1, 2, 4
    """)
    con.execute("""
    CREATE TABLE marts.mart_coverage_by_topic_daily AS
    WITH x AS (
      SELECT d.d AS report_date, r.*, CAST(d.d + 1 AS TIMESTAMP) AS e_d
      FROM scratch.days d JOIN scratch.rec3 r ON r.issued_at < CAST(d.d + 1 AS TIMESTAMP)
    )
    SELECT report_date, topic,
      count(*) AS pushed_persons,
      count(*) FILTER (WHERE satisfied_at IS NULL OR satisfied_at >= e_d) AS backlog_persons,
      count(*) FILTER (WHERE (satisfied_at IS NULL OR satisfied_at >= e_d)
                        AND deadline_at < e_d) AS overdue_persons,
      (count(*) - count(*) FILTER (WHERE satisfied_at IS NULL OR satisfied_at >= e_d))
        / count(*)::DOUBLE AS coverage_rate,
      count(*) FILTER (WHERE CAST(issued_at AS DATE) = report_date) AS records_issued,
      count(*) FILTER (WHERE sat_date = report_date) AS records_satisfied
    FROM x GROUP BY ALL ORDER BY 1, 2
    """)

    # --- persons ------------------------------------------------------------------
    con.execute("""
    CREATE TABLE marts.dim_person AS
    SELECT person_key, 'RIC' AS identity_kind,
      ['张', '李', '王', '陈', '刘', '黄'][CAST(1 + hash(k, 'n') % 6 AS BIGINT)] || '**' AS name_masked,
      '440' || '***********' || lpad(CAST(hash(k, 'id') % 10000 AS VARCHAR), 4, '0')
        AS id_masked,
      '138****' || lpad(CAST(hash(k, 'ph') % 10000 AS VARCHAR), 4, '0') AS phone_masked,
      CASE WHEN hash(k, 'sx') % 2 = 0 THEN '男' ELSE '女' END AS gender,
      CAST(1950 + hash(k, 'by') % 55 AS INTEGER) AS birth_year,
      issued_at AS first_pushed_at, issued_at AS last_pushed_at,
      CAST(1 AS BIGINT) AS push_records, CAST(1 AS BIGINT) AS topics,
      CASE WHEN satisfied_at IS NULL THEN 'OPEN' ELSE outcome END AS status,
      CASE WHEN satisfied_at IS NOT NULL THEN measure END AS measure,
      CASE WHEN satisfied_at IS NOT NULL THEN measure_until END AS measure_until,
      street_code, community_code
    FROM scratch.rec3
    """)
    con.execute(f"""
    CREATE TABLE marts.mart_verified_person AS
    SELECT person_key, satisfied_at AS first_verified_at, satisfied_at AS last_verified_at,
      outcome AS last_outcome, measure, measure_until,
      CASE WHEN {h("k", "hc")} < 0.9 THEN 'GREEN' WHEN {h("k", "hc")} < 0.97 THEN 'YELLOW'
           ELSE 'RED' END AS health_code,
      CASE WHEN {h("k", "nat")} < 0.97 THEN 'NEGATIVE' ELSE 'PENDING' END AS nat_result,
      CAST(1 + hash(k, 'v') % 2 AS BIGINT) AS verifications,
      community_code, community_code || '-G' || (hash(k, 'g') % 4 + 1) AS grid_code,
      CAST(NULL AS TIMESTAMP) AS last_seen_at_checkpoint
    FROM scratch.rec3 WHERE satisfied_at IS NOT NULL
    """)
    con.execute(f"""
    CREATE TABLE marts.mart_backlog AS
    SELECT r.batch_id, CAST(r.record_no AS BIGINT) AS record_no, r.topic, r.person_key,
      p.name_masked, p.id_masked, p.phone_masked, r.street_code, r.community_code,
      CAST(NULL AS VARCHAR) AS grid_code, r.issued_at, r.deadline_at,
      date_diff('second', r.issued_at, {e_l}) / 3600.0 AS age_hours,
      r.deadline_at < {e_l} AS is_overdue,
      CAST(hash(r.k, 'att') % 3 AS BIGINT) AS attempts,
      CASE WHEN hash(r.k, 'att') % 3 > 0 THEN r.issued_at + INTERVAL 3 HOUR END
        AS last_attempt_at,
      CAST(NULL AS TIMESTAMP) AS last_seen_at_checkpoint
    FROM scratch.rec3 r JOIN marts.dim_person p USING (person_key)
    WHERE r.satisfied_at IS NULL
    ORDER BY r.issued_at
    """)

    # --- grid backlog (placed as coverage: one record per person here) --------------
    con.execute("""
    CREATE TABLE marts.mart_grid_backlog_daily AS
    WITH x AS (
      SELECT d.d AS report_date, r.*, CAST(d.d AS TIMESTAMP) AS s_d,
        CAST(d.d + 1 AS TIMESTAMP) AS e_d,
        CASE WHEN r.community_code = '_UNDISPATCHED' OR hash(r.k, 'ga') % 10 = 0
             THEN '_UNASSIGNED' ELSE r.community_code || '-G' || (hash(r.k, 'g') % 4 + 1)
        END AS grid_code
      FROM scratch.days d JOIN scratch.rec3 r
        ON r.issued_at < CAST(d.d + 1 AS TIMESTAMP)
        AND (r.satisfied_at IS NULL OR r.satisfied_at >= CAST(d.d AS TIMESTAMP))
    ), y AS (
      SELECT *, satisfied_at IS NULL OR satisfied_at >= e_d AS open_end,
        issued_at < s_d AS open_start,
        CASE WHEN satisfied_at IS NULL OR satisfied_at >= e_d
             THEN date_diff('second', issued_at, e_d) / 3600.0 END AS age
      FROM x
    )
    SELECT y.report_date, a.street_code, a.street_name, a.community_code, a.community_name,
      y.grid_code,
      CASE WHEN y.grid_code = '_UNASSIGNED' THEN '未分配网格'
           ELSE a.community_name || '第' || right(y.grid_code, 1) || '网格' END AS grid_name,
      count(*) FILTER (WHERE open_start) AS backlog_at_start,
      count(*) FILTER (WHERE open_end AND NOT open_start) AS entered_backlog,
      count(*) FILTER (WHERE open_start AND NOT open_end) AS cleared_backlog,
      count(*) FILTER (WHERE open_end) AS backlog_persons,
      count(*) FILTER (WHERE open_end AND deadline_at < e_d) AS overdue_persons,
      count(*) FILTER (WHERE age < 12) AS open_under_12h,
      count(*) FILTER (WHERE age >= 12 AND age < 24) AS open_12_24h,
      count(*) FILTER (WHERE age >= 24 AND age < 48) AS open_1_2d,
      count(*) FILTER (WHERE age >= 48 AND age < 72) AS open_2_3d,
      count(*) FILTER (WHERE age >= 72) AS open_over_3d,
      max(age) AS oldest_open_hours
    FROM y JOIN scratch.areas a USING (community_code)
    GROUP BY ALL
    HAVING count(*) FILTER (WHERE open_start OR open_end) > 0
    ORDER BY 1, 2, 4, 6
    """)

    # --- checkpoints --------------------------------------------------------------
    con.execute(f"""
    CREATE TABLE marts.mart_checkpoint_daily AS
    WITH cp AS (
      SELECT street_code, community_code,
        community_code || '-KD' || lpad(CAST(i + 1 AS VARCHAR), 2, '0') AS checkpoint_code
      FROM scratch.areas, range({p.checkpoints_per_community}) r(i)
      WHERE community_code <> '_UNDISPATCHED'
    ), x AS (
      SELECT d.d AS report_date, cp.*, cp.checkpoint_code || d.d AS k FROM scratch.days d, cp
    )
    SELECT report_date, checkpoint_code, community_code, street_code,
      CAST(200 + floor({h("k", "in")} * 400) AS BIGINT) AS events_in,
      CAST(180 + floor({h("k", "out")} * 400) AS BIGINT) AS events_out,
      CAST(floor({h("k", "fev")} * 3) AS BIGINT) AS fever_alerts,
      CAST(floor({h("k", "unr")} * 5) AS BIGINT) AS unreadable_temperatures,
      CAST(floor({h("k", "ng")} * 6) AS BIGINT) AS non_green_codes,
      CAST(floor({h("k", "tb")} * 4) AS BIGINT) AS turned_back,
      CAST(floor({h("k", "ret")} * 25) AS BIGINT) AS returnees,
      CAST(floor({h("k", "bs")} * 3) AS BIGINT) AS backlog_sightings
    FROM x ORDER BY 1, 2
    """)

    # --- enterprises --------------------------------------------------------------
    con.execute(f"""
    CREATE TABLE scratch.ent AS
    WITH b AS (
      SELECT a.street_code, a.community_code, i, a.community_code || '-E' || i AS k
      FROM scratch.areas a, range({p.enterprises_per_community}) r(i)
      WHERE a.community_code <> '_UNDISPATCHED'
    )
    SELECT *,
      '91440300' || upper(substr(md5(k), 1, 10)) AS uscc,
      ['深圳市', '深圳'][CAST(1 + hash(k, 'p') % 2 AS BIGINT)]
        || ['华创', '鹏达', '安泰', '宏远', '新联', '恒信', '金穗', '德胜'][CAST(1 + hash(k, 'n') % 8 AS BIGINT)]
        || ['电子', '物流', '餐饮', '五金', '科技', '服装'][CAST(1 + hash(k, 'm') % 6 AS BIGINT)]
        || '有限公司' AS enterprise_name,
      {CATEGORIES}[CAST(1 + hash(k, 'c') % 5 AS BIGINT)] AS category,
      DATE '{start}' + CAST(floor({h("k", "f")} * {max(p.days - 2, 1)}) AS INT) AS filed_d,
      CAST(1 + floor({h("k", "ap")} * 3) AS INT) AS approve_lag,
      CAST(1 + floor({h("k", "rs")} * 4) AS INT) AS resume_lag,
      {h("k", "rj")} < 0.08 AS rejected, {h("k", "sp")} < 0.05 AS suspended,
      CAST(10 + floor({h("k", "emp")} * 190) AS BIGINT) AS employees_total,
      {h("k", "ret")} AS ret_share
    FROM b
    """)
    con.execute("""
    CREATE TABLE scratch.ent_ev AS
    SELECT k, 'FILED' AS event, CAST(filed_d AS TIMESTAMP) + INTERVAL 9 HOUR AS event_time
      FROM scratch.ent
    UNION ALL
    SELECT k, CASE WHEN rejected THEN 'REJECTED' ELSE 'APPROVED' END,
      CAST(filed_d + approve_lag AS TIMESTAMP) + INTERVAL 10 HOUR FROM scratch.ent
    UNION ALL
    SELECT k, 'RESUMED', CAST(filed_d + approve_lag + resume_lag AS TIMESTAMP) + INTERVAL 8 HOUR
      FROM scratch.ent WHERE NOT rejected
    UNION ALL
    SELECT k, 'SUSPENDED',
      CAST(filed_d + approve_lag + resume_lag + 2 AS TIMESTAMP) + INTERVAL 15 HOUR
      FROM scratch.ent WHERE NOT rejected AND suspended
    """)
    con.execute(f"DELETE FROM scratch.ent_ev WHERE event_time >= {e_l}")
    con.execute("""
    CREATE TABLE marts.mart_enterprise_status AS
    WITH last AS (
      SELECT k, arg_max(event, event_time) AS status, max(event_time) AS status_since,
        min(event_time) AS first_filed_at,
        min(event_time) FILTER (WHERE event = 'RESUMED') AS resumed_at
      FROM scratch.ent_ev GROUP BY k
    )
    SELECT e.uscc, true AS uscc_valid, e.enterprise_name, e.street_code, e.community_code,
      e.category, l.status, l.status_since, l.first_filed_at, l.resumed_at,
      e.employees_total,
      CASE WHEN l.status = 'RESUMED' THEN CAST(round(e.employees_total * (0.5 + 0.5 * e.ret_share))
           AS BIGINT) ELSE 0 END AS employees_returned,
      CASE WHEN l.status = 'RESUMED' THEN round(e.employees_total * (0.5 + 0.5 * e.ret_share))
           / e.employees_total ELSE 0.0 END AS staff_return_rate,
      CASE WHEN l.status IN ('APPROVED', 'RESUMED', 'SUSPENDED') THEN l.status <> 'SUSPENDED'
      END AS inspection_passed
    FROM scratch.ent e JOIN last l USING (k)
    ORDER BY e.uscc
    """)
    con.execute("""
    CREATE TABLE marts.mart_enterprise_resumption_daily AS
    WITH st AS (
      SELECT d.d AS report_date, e.k, e.street_code, e.community_code, e.category,
        e.employees_total, e.ret_share,
        arg_max(v.event, v.event_time) AS status
      FROM scratch.days d
      JOIN scratch.ent_ev v ON v.event_time < CAST(d.d + 1 AS TIMESTAMP)
      JOIN scratch.ent e ON e.k = v.k
      GROUP BY ALL
    )
    SELECT report_date, community_code, category, street_code,
      count(*) AS enterprises,
      count(*) FILTER (WHERE status = 'FILED') AS filed,
      count(*) FILTER (WHERE status = 'APPROVED') AS approved,
      count(*) FILTER (WHERE status = 'REJECTED') AS rejected,
      count(*) FILTER (WHERE status = 'RESUMED') AS resumed,
      count(*) FILTER (WHERE status = 'SUSPENDED') AS suspended,
      count(*) FILTER (WHERE status = 'RESUMED') / count(*)::DOUBLE AS resumption_rate,
      CAST(sum(employees_total) AS BIGINT) AS employees_total,
      CAST(sum(CASE WHEN status = 'RESUMED'
                    THEN round(employees_total * (0.5 + 0.5 * ret_share)) ELSE 0 END)
           AS BIGINT) AS employees_returned
    FROM st GROUP BY ALL ORDER BY 1, 2, 3
    """)

    # --- pipeline health ----------------------------------------------------------
    con.execute(f"""
    CREATE TABLE marts.mart_load_status AS
    WITH x AS (
      SELECT f.feed, d.d AS delivery_date, i, f.feed || d.d || i AS k
      FROM scratch.days d, (SELECT unnest({FEEDS}) AS feed) f, range(2) r(i)
    ), y AS (
      SELECT *,
        CASE WHEN {h("k", "st")} < 0.04 THEN 'REJECTED' WHEN {h("k", "st")} < 0.08
             THEN 'DUPLICATE' ELSE 'LOADED' END AS status,
        CAST(50 + floor({h("k", "rows")} * 900) AS BIGINT) AS n
      FROM x
    )
    SELECT feed, delivery_date,
      feed || '_' || strftime(delivery_date, '%Y%m%d') || '_' || i
        || CASE WHEN i = 1 THEN '.xlsx' ELSE '.csv' END AS file_name,
      status,
      CASE WHEN status = 'LOADED' THEN n ELSE 0 END AS rows_read,
      CASE WHEN status = 'LOADED' THEN n - CAST(floor({h("k", "q")} * 6) AS BIGINT) ELSE 0 END
        AS rows_loaded,
      CASE WHEN status = 'LOADED' THEN CAST(floor({h("k", "q")} * 6) AS BIGINT) ELSE 0 END
        AS rows_quarantined,
      md5(k) || md5(k || 'x') AS sha256,
      CAST(delivery_date AS TIMESTAMP) + INTERVAL 23 HOUR + to_minutes(i * 3) AS loaded_at,
      CASE WHEN status = 'REJECTED' THEN file_name || ': 缺少必填列 name/姓名' END AS error,
      CASE WHEN status = 'LOADED' AND i = 1 AND {h("k", "nt")} < 0.1
           THEN '未读取的工作表：填表说明' END AS note
    FROM y ORDER BY delivery_date, feed, file_name
    """)
    con.execute("""
    CREATE TABLE marts.mart_quarantine_summary AS
    WITH reasons(feed, reason) AS (VALUES
      ('push_list', 'MISSING_REQUIRED:name'), ('push_list', 'DUPLICATE_KEY'),
      ('push_list', 'BAD_TIMESTAMP:issued_at'), ('verification', 'BAD_ENUM:outcome'),
      ('verification', 'MISSING_REQUIRED:verified_at'), ('checkpoint', 'UNKNOWN_CHECKPOINT'),
      ('checkpoint', 'BAD_ENUM:direction'), ('enterprise_filing', 'BAD_NUMBER:employees_total')
    ), q AS (
      SELECT feed, delivery_date, sum(rows_quarantined) AS n
      FROM marts.mart_load_status WHERE rows_quarantined > 0 GROUP BY ALL
    ), j AS (
      SELECT q.feed, q.delivery_date, r.reason, q.n,
        row_number() OVER (PARTITION BY q.feed, q.delivery_date ORDER BY
          hash(r.reason, q.delivery_date)) AS rn,
        count(*) OVER (PARTITION BY q.feed, q.delivery_date) AS nr
      FROM q JOIN reasons r USING (feed)
    )
    SELECT feed, delivery_date, reason,
      CAST(CASE WHEN rn = 1 THEN n - (n // nr) * (nr - 1) ELSE n // nr END AS BIGINT) AS rows
    FROM j WHERE (CASE WHEN rn = 1 THEN n - (n // nr) * (nr - 1) ELSE n // nr END) > 0
    ORDER BY 2, 1, 3
    """)
    con.execute("""
    CREATE TABLE marts.mart_delivery_changes AS
    WITH reloads AS (
      SELECT feed, delivery_date, file_name, loaded_at + INTERVAL 1 DAY AS loaded_at
      FROM marts.mart_load_status
      WHERE status = 'LOADED' AND feed = 'push_list' AND day(delivery_date) % 5 = 0
    )
    SELECT feed, delivery_date, file_name, loaded_at,
      CAST(['added', 'removed', 'changed'][1 + i % 3] AS VARCHAR) AS change,
      'SZ-' || strftime(delivery_date, '%m%d') || ' | ' || CAST(i + 1 AS VARCHAR) AS key,
      CASE WHEN i % 3 = 2 THEN 'phone, deadline_hours' END AS changed_columns
    FROM reloads, range(4) r(i)
    ORDER BY loaded_at, key
    """)
    con.execute(f"""
    CREATE TABLE marts.mart_quality_results AS
    WITH e(suite, expectation, severity) AS (VALUES
      ('push_list', 'expect_column_values_to_not_be_null(batch_id)', 'critical'),
      ('push_list', 'expect_compound_columns_to_be_unique(batch_id, record_no)', 'critical'),
      ('push_list', 'expect_column_values_to_be_in_set(street_code)', 'warning'),
      ('verification', 'expect_column_values_to_be_in_set(outcome)', 'critical'),
      ('verification', 'expect_column_values_to_not_be_null(verified_at)', 'critical'),
      ('checkpoint', 'expect_column_values_to_be_between(temperature, 34, 43)', 'warning'),
      ('marts', 'expect_column_values_to_be_between(coverage_rate, 0, 1)', 'critical'),
      ('marts', 'expect_table_row_count_to_be_between(mart_coverage_daily)', 'warning')
    ), x AS (
      SELECT e.*, d.d AS run_date, e.expectation || d.d AS k FROM e, scratch.days d
    )
    SELECT suite, run_date, expectation,
      regexp_extract(expectation, '\\(([a-z_]+)', 1) AS column_name, severity,
      {h("k", "ok")} > CASE WHEN severity = 'warning' THEN 0.1 ELSE 0.02 END AS success,
      CAST(round({h("k", "obs")} * 100, 1) AS VARCHAR) || '%' AS observed_value,
      CAST(run_date AS TIMESTAMP) + INTERVAL 23 HOUR + INTERVAL 30 MINUTE AS validated_at
    FROM x ORDER BY run_date, suite, expectation
    """)
    con.execute("DROP SCHEMA scratch CASCADE")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="DuckDB file to write (replaced atomically)")
    ap.add_argument("--preset", choices=sorted(PRESETS), default="dev")
    ap.add_argument("--end", type=date.fromisoformat, default=date(2022, 3, 31))
    args = ap.parse_args(argv)
    build(args.out, PRESETS[args.preset], args.end)
    con = duckdb.connect(str(args.out), read_only=True)
    rows = con.execute(
        "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'marts'"
        " ORDER BY 1"
    ).fetchall()
    have = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'marts' ORDER BY table_name, ordinal_position"
    ).fetchall()
    con.close()
    for name, n in rows:
        print(f"marts.{name}: {n} rows")
    got: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in have:
        got.setdefault(table, []).append((column, dtype))
    wrong = {t: got.get(t) for t, cols in MARTS.items() if got.get(t) != cols}
    if wrong or set(got) != set(MARTS):
        raise SystemExit(f"devdata does not match marts_schema.py: {sorted(wrong)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
