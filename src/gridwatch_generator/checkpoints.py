"""Checkpoint logs written by DuckDB straight from ``range(n)``.

Every column is derived from ``hash(i, file_seed, k)``, so a file is a pure
function of its parameters (byte-identical per seed) and millions of rows are
written in seconds without ever being held in Python. Pools of identity
numbers, phones and plates come in as DuckDB variables; timestamps follow a
diurnal curve and are non-decreasing down the file, like a real export.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from gridwatch.ingest.normalize import sql_literal

# Relative traffic per hour of day (people going to work, shopping, coming home).
HOURLY = (
    0.25, 0.12, 0.06, 0.05, 0.05, 0.2, 0.8, 2.5, 3.2, 2.0, 1.5, 1.5,
    2.0, 1.6, 1.3, 1.3, 1.5, 2.2, 3.0, 2.6, 2.0, 1.5, 1.0, 0.5,
)  # fmt: skip
TIME_POOL = 4096


def diurnal_seconds(rng: random.Random, k: int = TIME_POOL) -> list[int]:
    """``k + 1`` sorted seconds-of-day drawn from the diurnal curve, ending at 86399."""
    hours = rng.choices(range(24), weights=HOURLY, k=k)
    secs = sorted(h * 3600 + rng.randrange(3600) for h in hours)
    return [*secs, 86399]


def _lit(values: list[str]) -> str:
    return "[" + ", ".join(sql_literal(v) for v in values) + "]"


@dataclass
class CheckpointFileSpec:
    path: Path
    n: int
    seed: int  # 0 <= seed < 2**31
    day: date
    ts_format: str
    codes: list[str]
    names: list[str]
    kinds: list[str]
    weights: list[int]  # 100 one-based indexes into codes, repeated by traffic share
    headers: list[str]  # 10 labels in contract column order
    directions: list[str]  # IN, OUT
    subjects: list[str]  # RESIDENT, VISITOR, RETURNEE, VEHICLE
    health: list[str]  # GREEN, YELLOW, RED
    actions: list[str]  # PASS, TURNED_BACK, REGISTERED, SENT_TO_CLINIC
    temp_suffixes: list[str]  # appended to readable temperatures, e.g. ['', '', '℃']
    match_permille: int  # share of person rows carrying a recently pushed person's ID/phone
    name_every: int  # one row in this many names the checkpoint instead of coding it


class CheckpointWriter:
    """Owns the DuckDB connection and the per-run / per-day pools."""

    def __init__(self, threads: int = 2) -> None:
        self.con = duckdb.connect()
        self.con.execute(f"SET threads={int(threads)}")
        self.con.execute("SET preserve_insertion_order=true")

    def set_pool(self, name: str, values: list[str]) -> None:
        self.con.execute(f"SET VARIABLE {name} = ?::VARCHAR[]", [values or ["-"]])

    def set_times(self, seconds: list[int]) -> None:
        self.con.execute("SET VARIABLE secs = ?::BIGINT[]", [seconds])

    def close(self) -> None:
        self.con.close()

    def write(self, spec: CheckpointFileSpec) -> None:
        s, n, k = spec.seed, spec.n, TIME_POOL
        h = spec.headers
        d, sub, hc, act = spec.directions, spec.subjects, spec.health, spec.actions
        lw = len(spec.weights)
        sql = f"""
COPY (
WITH b AS (
  SELECT
    (hash(i, {s}, 1) >> 1)::BIGINT AS h1,
    (hash(i, {s}, 2) >> 1)::BIGINT AS h2,
    (hash(i, {s}, 3) >> 1)::BIGINT AS h3,
    (hash(i, {s}, 4) >> 1)::BIGINT AS h4,
    (hash(i, {s}, 5) >> 1)::BIGINT AS h5,
    ((i * {k}) // {n})::BIGINT AS j,
    ((i * {k}) % {n})::DOUBLE / {n} AS fr
  FROM range({n}) t(i)
), c AS (
  SELECT *, {_lit([str(w) for w in spec.weights])}[1 + h1 % {lw}]::BIGINT AS cpi FROM b
), e AS (
  SELECT *,
    {_lit(spec.kinds)}[cpi] = 'VEHICLE' AND h2 % 100 < 70 AS veh,
    (h2 >> 8) % 1000 AS subj_r,
    (h2 >> 20) % 100 < 53 AS is_in,
    h3 % 1000 < {spec.match_permille} AS matched,
    (h4 >> 8) % 100000 AS temp_r,
    (h5 >> 16) % 1000 AS hc_r
  FROM c
), f AS (
  SELECT *,
    CASE WHEN veh THEN 4 WHEN subj_r < 790 THEN 1 WHEN subj_r < 905 THEN 2 ELSE 3 END AS subj,
    CASE WHEN veh THEN 0
         WHEN NOT is_in THEN CASE WHEN h4 % 100 < 15 THEN 1 ELSE 0 END
         WHEN temp_r < 120 THEN 2
         WHEN temp_r < 420 THEN 3
         WHEN temp_r < 440 THEN 4
         ELSE 1 END AS tk,
    CASE WHEN veh THEN 0 WHEN hc_r < 3 THEN 3 WHEN hc_r < 14 THEN 2
         WHEN hc_r < 30 THEN 0 ELSE 1 END AS hc
  FROM e
)
SELECT
  CASE WHEN h5 % {spec.name_every} = 7 THEN {_lit(spec.names)}[cpi]
       ELSE {_lit(spec.codes)}[cpi] END AS "{h[0]}",
  strftime(TIMESTAMP '{spec.day.isoformat()}' + to_seconds((
      getvariable('secs')[j + 1]
      + (getvariable('secs')[j + 2] - getvariable('secs')[j + 1]) * fr)::BIGINT),
    '{spec.ts_format}') AS "{h[1]}",
  {_lit(d)}[CASE WHEN is_in THEN 1 ELSE 2 END] AS "{h[2]}",
  {_lit(sub)}[subj] AS "{h[3]}",
  CASE WHEN subj < 4 AND (h3 >> 10) % 100 < 55 THEN
    CASE WHEN matched
      THEN getvariable('pushed_ids')[1 + (h3 >> 20) % len(getvariable('pushed_ids'))]
      ELSE getvariable('ids')[1 + (h3 >> 20) % len(getvariable('ids'))] END
  END AS "{h[4]}",
  CASE WHEN (subj < 4 AND (h3 >> 40) % 100 < 35) OR (subj = 4 AND (h3 >> 40) % 100 < 15) THEN
    CASE WHEN matched
      THEN getvariable('pushed_phones')[1 + (h3 >> 47) % len(getvariable('pushed_phones'))]
      ELSE getvariable('phones')[1 + (h3 >> 47) % len(getvariable('phones'))] END
  END AS "{h[5]}",
  CASE WHEN subj = 4 THEN getvariable('plates')[1 + h4 % len(getvariable('plates'))]
  END AS "{h[6]}",
  CASE tk
    WHEN 1 THEN printf('%.1f', 35.9 + ((h5 % 7) + ((h5 >> 4) % 7)) / 10.0)
         || {_lit(spec.temp_suffixes)}[1 + (h4 >> 40) % {len(spec.temp_suffixes)}]
    WHEN 2 THEN printf('%.1f', 37.3 + ((h5 >> 8) % 17) / 10.0)
         || {_lit(spec.temp_suffixes)}[1 + (h4 >> 40) % {len(spec.temp_suffixes)}]
    WHEN 3 THEN ['LO', '--', '无法测量', NULL, NULL, NULL][1 + (h5 >> 8) % 6]
    WHEN 4 THEN ['32.5', '33.8', '43.6', '45.0'][1 + (h5 >> 8) % 4]
  END AS "{h[7]}",
  CASE WHEN hc > 0 THEN {_lit(hc)}[hc] END AS "{h[8]}",
  CASE WHEN hc = 3 THEN '{act[1]}'
       WHEN tk = 2 AND (h5 >> 30) % 10 < 6 THEN '{act[3]}'
       WHEN tk = 2 OR hc = 2 OR (subj = 3 AND is_in) THEN '{act[2]}'
       WHEN (h5 >> 30) % 10 < 7 THEN '{act[0]}'
  END AS "{h[9]}"
FROM f
) TO '{str(spec.path).replace("'", "''")}' (FORMAT csv, HEADER true, DELIMITER ',')
"""
        spec.path.parent.mkdir(parents=True, exist_ok=True)
        self.con.execute(sql)
