"""`make bench`: what recording a corrected re-delivery's changes costs.

For each feed of one generated day (BENCH_PRESET, default ``city``: ~5M checkpoint
rows): load the partition, correct its largest file that has the corrected column
(CHANGED rows get another value in one column, DROPPED rows are removed), re-load the
partition and compare, in the same run, the seconds of that re-load with the seconds its
diff took inside it (``PartitionResult.diff_seconds``). Target: the diff costs at most
10% of the re-load. A re-load with unchanged files is timed too (no diff runs), and the
worst case: every checkpoint log corrected, so all its rows are compared.

BENCH_DIR keeps the generated day (BENCH_REUSE=1 reuses it); figures go to
data/bench/changes-<preset>.json. Nothing is asserted but that an unchanged re-load
runs no diff.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from gridwatch.config import REPO_ROOT
from gridwatch.ingest.feeds import FEEDS
from gridwatch.ingest.load import load_partition
from gridwatch.ingest.reference import load_reference
from gridwatch.warehouse.schema import connect

DAY = dt.date(2021, 8, 2)
CHANGED = 100
DROPPED = 100
TARGET = 0.10


# the column a correction changes in each feed, and its corrected value
CORRECTIONS = {
    "push_list": ("phone", "13912345678"),
    "verification": ("verifier", "王某某"),
    "checkpoint": ("temperature", "37.1"),
    "enterprise_filing": ("employees_total", "99"),
}


def _read(path: Path) -> tuple[list[list[str]], str]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            with path.open(encoding=encoding, newline="") as handle:
                return list(csv.reader(handle)), encoding
        except UnicodeDecodeError:
            continue
    return [], ""


def correct(feed: str, path: Path, changed: int = CHANGED, dropped: int = DROPPED) -> bool:
    """Change and drop rows of one delivered CSV, as a sender's correction would.

    False (the file untouched) when the file has no header naming the corrected column.
    """
    rows, encoding = _read(path)
    column, value = CORRECTIONS[feed]
    names = FEEDS[feed].column(column).header_names
    found = [
        (top, at)
        for top, header in enumerate(rows[:10])
        for at, cell in enumerate(header)
        if cell.strip() in names
    ]
    if not found:
        return False
    top, at = found[0]
    data = rows[top + 1 :]
    step = max(1, len(data) // (changed + dropped + 1))
    picked = data[::step][: changed + dropped]
    for row in picked[:changed]:
        if len(row) > at:
            row[at] = value
    gone = {id(row) for row in picked[changed:]}
    kept = [row for row in data if id(row) not in gone]
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows(rows[: top + 1])
        writer.writerows(kept)
    return True


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    from gridwatch_generator import generate

    preset = os.environ.get("BENCH_PRESET", "city")
    work = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="gridwatch-bench-"))
    source = work / "generated"
    if not ((source / "manifest.json").exists() and os.environ.get("BENCH_REUSE")):
        shutil.rmtree(source, ignore_errors=True)
        print(f"generating one {preset} day into {source} …", flush=True)
        generate(preset, 1, 7, source, start=DAY, dirty=False)
    landing = work / "landing"
    shutil.rmtree(landing, ignore_errors=True)
    shutil.copytree(source / "landing", landing)
    warehouse = work / "changes.duckdb"
    warehouse.unlink(missing_ok=True)
    con = connect(warehouse)
    load_reference(con, source / "reference")
    figures: dict[str, dict[str, float]] = {}
    print(f"\ndiff of a corrected re-delivery ({preset}, {DAY}, 2 cores)")
    for feed in FEEDS:
        files = sorted((landing / feed / DAY.isoformat()).glob("*.csv"))
        if not files:
            continue
        first, load_seconds = _timed(lambda feed=feed: load_partition(con, landing, feed, DAY))
        rows = sum(f.rows_loaded for f in first.files)
        same, same_seconds = _timed(lambda feed=feed: load_partition(con, landing, feed, DAY))
        assert same.diff_seconds is None, "a re-load with unchanged files runs no diff"
        by_size = sorted(files, key=lambda f: -f.stat().st_size)
        next(f for f in by_size if correct(feed, f))
        result, reload_seconds = _timed(lambda feed=feed: load_partition(con, landing, feed, DAY))
        diff = result.diff_seconds or 0.0
        figures[feed] = {
            "rows": rows,
            "load_seconds": load_seconds,
            "reload_unchanged_seconds": same_seconds,
            "reload_corrected_seconds": reload_seconds,
            "diff_seconds": diff,
            "change_rows": result.changes,
            "diff_share_of_reload": diff / reload_seconds,
        }
        print(
            f"  {feed:18s} {rows:>10,} rows  re-load {reload_seconds:6.1f}s  diff {diff:5.2f}s "
            f"({diff / reload_seconds:5.1%} of the re-load; target <= {TARGET:.0%})  "
            f"{result.changes} change rows; unchanged re-load {same_seconds:.1f}s"
        )
    # the worst case: every checkpoint log corrected (one row each), all ~5M rows compared
    files = sorted((landing / "checkpoint" / DAY.isoformat()).glob("*.csv"))
    touched = sum(correct("checkpoint", f, changed=1, dropped=0) for f in files)
    result, seconds = _timed(lambda: load_partition(con, landing, "checkpoint", DAY))
    diff = result.diff_seconds or 0.0
    figures["checkpoint_every_file"] = {
        "files_corrected": touched,
        "reload_corrected_seconds": seconds,
        "diff_seconds": diff,
        "change_rows": result.changes,
        "diff_share_of_reload": diff / seconds,
    }
    print(
        f"  checkpoint, all {touched} files corrected: re-load {seconds:6.1f}s  diff {diff:5.2f}s "
        f"({diff / seconds:5.1%} of the re-load)  {result.changes} change rows"
    )
    con.close()
    out = REPO_ROOT / "data" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"changes-{preset}.json").write_text(
        json.dumps({"preset": preset, "day": DAY.isoformat(), "feeds": figures}, indent=1),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
