"""`make bench`: throughput of the ingest against baselines measured in the same run.

1. ingest: gridwatch's load of one generated checkpoint day (decode, header
   match, normalise, quarantine, partition replace);
2. bare DuckDB: ``create table as select * from read_csv(file)`` on the same file;
3. naive pandas: the same normalisation done row by row in Python (on a sample).

Ratios are printed; nothing is asserted. Sizes come from BENCH_PRESET
(default ``city``: ~5M checkpoint rows) so a quick run can use ``street``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
import time
from pathlib import Path

import duckdb

from gridwatch.config import REPO_ROOT
from gridwatch.load import load_partition
from gridwatch.reference import load_reference
from gridwatch.warehouse import connect

DAY = dt.date(2021, 8, 2)
SAMPLE_ROWS = 200_000


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def naive_row_by_row(path: Path, limit: int) -> int:
    """What a first script would do: read with pandas, normalise each row in Python."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, nrows=limit, encoding="utf-8-sig")
    out = []
    for _, row in frame.iterrows():
        values = list(row.values)
        when = None
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"):
            try:
                when = dt.datetime.strptime(values[1].strip(), fmt)
                break
            except ValueError:
                continue
        temp = re.sub(r"(℃|°C|°c|度)", "", re.sub(r"\s", "", values[7] if len(values) > 7 else ""))
        try:
            temperature = float(temp)
        except ValueError:
            temperature = None
        out.append((values[0].strip(), when, temperature))
    return len(out)


def main() -> None:
    from gridwatch.generator import generate

    preset = os.environ.get("BENCH_PRESET", "city")
    work = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="gridwatch-bench-"))
    if (work / "manifest.json").exists() and os.environ.get("BENCH_REUSE"):
        gen_seconds = 0.0
    else:
        print(f"generating one {preset} day into {work} …", flush=True)
        _, gen_seconds = _timed(lambda: generate(preset, 1, 7, work, start=DAY, dirty=False))
    files = sorted((work / "landing" / "checkpoint" / DAY.isoformat()).glob("*.csv"))
    rows = sum(1 for f in files for _ in f.open("rb")) - len(files)
    size_mb = sum(f.stat().st_size for f in files) / 1e6
    print(
        f"  generated in {gen_seconds:.1f}s: {len(files)} checkpoint file(s), ~{rows:,} rows, {size_mb:.0f} MB"
    )

    bare = duckdb.connect()
    _, bare_seconds = _timed(
        lambda: [
            bare.execute(
                f"create or replace table t{i} as select * from read_csv('{f}', all_varchar = true)"
            )
            for i, f in enumerate(files)
        ]
    )
    bare.close()

    con = connect(work / "bench.duckdb")
    load_reference(con, work / "reference")
    result, ingest_seconds = _timed(
        lambda: load_partition(con, work / "landing", "checkpoint", DAY)
    )
    loaded = sum(f.rows_read for f in result.files)
    _, rerun_seconds = _timed(lambda: load_partition(con, work / "landing", "checkpoint", DAY))
    con.close()

    sample = min(SAMPLE_ROWS, rows)
    _, naive_seconds = _timed(lambda: naive_row_by_row(files[0], sample))

    rates = {
        "gridwatch_ingest": loaded / ingest_seconds,
        "gridwatch_ingest_rerun": loaded / rerun_seconds,
        "bare_duckdb_read_csv": rows / bare_seconds,
        "naive_pandas_row_by_row": sample / naive_seconds,
    }
    print(f"\ningest benchmark ({preset}, {rows:,} checkpoint rows, 2 cores)")
    for name, rate in rates.items():
        print(f"  {name:26s} {rate:>12,.0f} rows/s")
    print(
        f"  ratio ingest / bare read_csv      {rates['gridwatch_ingest'] / rates['bare_duckdb_read_csv']:.2f}x"
        " (target >= 0.5x)"
    )
    print(
        f"  ratio ingest / naive pandas       {rates['gridwatch_ingest'] / rates['naive_pandas_row_by_row']:.1f}x"
    )
    out = REPO_ROOT / "data" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"ingest-{preset}.json").write_text(
        json.dumps({"preset": preset, "rows": rows, "rates": rates}, indent=1), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
