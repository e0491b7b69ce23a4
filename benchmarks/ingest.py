"""`make bench`: throughput of the ingest against baselines measured in the same run.

1. ingest: gridwatch's load of one generated checkpoint day (decode, header
   match, normalise, quarantine, partition replace);
2. bare DuckDB: ``create table as select * from read_csv(file)`` on the same file;
3. naive pandas: the same normalisation done row by row in Python (on a sample);
4. workbooks: a city-size push-list workbook read by the loader (python-calamine,
   from the cells) against openpyxl's read-only mode with its sizes recomputed;
5. peak memory of the whole daily run of the generated day (``gridwatch run``
   under ``/usr/bin/time -v``: the largest resident set of any of its processes).

Ratios are printed; nothing is asserted. Sizes come from BENCH_PRESET
(default ``city``: ~5M checkpoint rows) so a quick run can use ``street``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from gridwatch.config import REPO_ROOT
from gridwatch.ingest.load import load_partition
from gridwatch.ingest.reference import load_reference
from gridwatch.warehouse.schema import connect

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


WORKBOOK_ROWS = 100_000


def workbook_readers(work: Path) -> dict[str, float]:
    """Seconds to turn a city-size push-list workbook into CSV: calamine and openpyxl."""
    import csv

    from openpyxl import Workbook, load_workbook

    from gridwatch.ingest.feeds import FEEDS
    from gridwatch.ingest.workbooks import cell_text, prepare_workbook

    path = work / "push_list_city.xlsx"
    if not path.exists():
        book = Workbook(write_only=True)
        sheet = book.create_sheet("名单")
        sheet.append(["批次号", "专项", "下发时间", "反馈时限(小时)", "序号", "姓名", "证件类型", "身份证号", "手机号", "所属街道", "所属社区", "现住址", "来源地", "推送原因", "抵达时间"])  # fmt: skip
        when = dt.datetime(2021, 8, 2, 9, 30)
        for i in range(WORKBOOK_ROWS):
            sheet.append(["SZ-0802-01", "测试专项", when, 24, i + 1, "张三", "身份证", f"11010119850312{i % 10000:04d}", 13800000000 + i, "平湖街道", "平湖社区", "平湖街道某小区3栋", "北京市", "时空伴随", when])  # fmt: skip
        book.save(path)
    out = work / "workbook-out"
    out.mkdir(exist_ok=True)
    staged = out / "book.xlsx"
    shutil.copy(path, staged)
    _, calamine_seconds = _timed(lambda: prepare_workbook(FEEDS["push_list"], staged, path.name))

    def openpyxl_read() -> None:
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # read-only mode trusts the declared size otherwise
        with (out / "openpyxl.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, quoting=csv.QUOTE_ALL)
            for row in sheet.iter_rows(values_only=True):
                writer.writerow([cell_text(v) for v in row])
        book.close()

    _, openpyxl_seconds = _timed(openpyxl_read)
    return {"calamine": calamine_seconds, "openpyxl_read_only": openpyxl_seconds}


def daily_run_peak(work: Path) -> tuple[float, float]:
    """Peak RSS (MiB) and seconds of ``gridwatch run DAY`` on the generated day, or (0, 0)."""
    time_cmd = Path("/usr/bin/time")
    if not time_cmd.exists():
        print("  /usr/bin/time not found (Debian package 'time'): peak memory not measured")
        return 0.0, 0.0
    run_dir = work / "daily-run"
    shutil.rmtree(run_dir, ignore_errors=True)
    env = dict(
        os.environ,
        GRIDWATCH_LANDING_DIR=str(work / "landing"),
        GRIDWATCH_REFERENCE_DIR=str(work / "reference"),
        GRIDWATCH_WAREHOUSE=str(run_dir / "warehouse.duckdb"),
        GRIDWATCH_SERVING=str(run_dir / "serving.duckdb"),
    )
    start = time.perf_counter()
    done = subprocess.run(
        [str(time_cmd), "-v", sys.executable, "-m", "gridwatch.cli", "run", DAY.isoformat()],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    if done.returncode != 0 or not peak:
        print(f"  gridwatch run {DAY} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
        return 0.0, seconds
    return int(peak.group(1)) / 1024, seconds


def main() -> None:
    from gridwatch_generator import generate

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

    readers = workbook_readers(work)
    peak_mib, run_seconds = daily_run_peak(work)

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
    print(
        f"\nworkbook of {WORKBOOK_ROWS:,} push-list rows to CSV: calamine "
        f"{readers['calamine']:.1f}s, openpyxl read-only {readers['openpyxl_read_only']:.1f}s "
        f"({readers['openpyxl_read_only'] / readers['calamine']:.1f}x the calamine time)"
    )
    if peak_mib:
        print(
            f"daily run of the {preset} day (gridwatch run {DAY}): {run_seconds:.0f}s, "
            f"peak RSS {peak_mib:,.0f} MiB (target <= 1,536 MiB)"
        )
    out = REPO_ROOT / "data" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"ingest-{preset}.json").write_text(
        json.dumps(
            {
                "preset": preset,
                "rows": rows,
                "rates": rates,
                "workbook_seconds": readers,
                "daily_run_peak_mib": peak_mib,
                "daily_run_seconds": run_seconds,
            },
            indent=1,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
