"""Benchmark: `gridwatch person` look-up time against a plain count, on a built warehouse.

    GRIDWATCH_WAREHOUSE=... python -m benchmarks.person [--samples 20]

Copies the warehouse of the GRIDWATCH_* settings (e.g. a ``gridwatch generate --preset
district --days 14`` output after ``gridwatch backfill``) to a temporary file, so the
benchmark's audit rows never reach the real audit trail, then times on that copy:

- baseline: ``select count(*) from marts.fct_push_record`` (same connection, same run);
- look-up: ``person_file.look_up`` (normalise, HMAC, find, the whole file, audit row) for
  ``--samples`` persons by RIC and as many by phone + name;
- the CLI end to end (``gridwatch person ID --json``: interpreter start, imports, the
  writer lock, connect, look-up) for a few of them.

Prints the median and maximum of each, and the warehouse's size.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gridwatch.config import Settings
from gridwatch.warehouse.audit import Actor
from gridwatch.warehouse.person_file import look_up
from gridwatch.warehouse.schema import connect


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms, max {max(values) * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--cli-samples", type=int, default=5)
    args = parser.parse_args()
    measure(Settings.from_env(), args.samples, args.cli_samples)


def measure(settings: Settings, samples: int = 20, cli_samples: int = 5) -> None:
    """Time look-ups on a copy of ``settings.warehouse`` and print them with the baseline."""
    work = Path(tempfile.mkdtemp(prefix="gridwatch-bench-person-"))
    try:
        copy = work / "warehouse.duckdb"
        shutil.copyfile(settings.warehouse, copy)
        con = connect(copy)
        persons = con.execute("select count(*) from intermediate.int_persons").fetchone()[0]
        records = con.execute(
            "select count(*) from intermediate.int_push_records__enriched"
        ).fetchone()[0]
        events = con.execute("select count(*) from raw.checkpoint").fetchone()[0]
        ids = [
            r[0]
            for r in con.execute(
                "select id_number from intermediate.int_persons where identity_kind = 'RIC' "
                f"using sample {samples} rows (reservoir, 7)"
            ).fetchall()
        ]
        phones = con.execute(
            "select phone, person_name from intermediate.int_push_records__enriched "
            f"where phone_valid using sample {samples} rows (reservoir, 7)"
        ).fetchall()
        actor = Actor.current("benchmark", "benchmarks/person.py")
        baseline = []
        for _ in range(max(samples, 5)):
            started = time.perf_counter()
            con.execute("select count(*) from marts.fct_push_record").fetchall()
            baseline.append(time.perf_counter() - started)
        by_id = [look_up(con, actor, id_number=i).seconds for i in ids]
        found = sum(bool(look_up(con, actor, id_number=i).files) for i in ids[:3])
        by_phone = [look_up(con, actor, phone=p, name=n).seconds for p, n in phones]
        con.close()
        cli = []
        env = settings.env() | {"GRIDWATCH_WAREHOUSE": str(copy)}
        for i in ids[:cli_samples]:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "gridwatch.cli", "person", i, "--json", "--reason", "bench"],
                env=env,
                capture_output=True,
                check=True,
            )
            cli.append(time.perf_counter() - started)
        size = copy.stat().st_size / 1e9
        print(
            f"\nperson look-up on {settings.warehouse}: {size:.2f} GB, {persons:,} persons, "
            f"{records:,} push records, {events:,} checkpoint events; {os.cpu_count()} CPUs"
        )
        print(f"  baseline select count(*) from fct_push_record: {_ms(baseline)}")
        print(f"  look-up by RIC ({len(by_id)}, {found}/3 found): {_ms(by_id)}")
        print(f"  look-up by phone + name ({len(by_phone)}): {_ms(by_phone)}")
        print(f"  CLI end to end, gridwatch person ID --json ({len(cli)}): {_ms(cli)}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
