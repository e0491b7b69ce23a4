"""Property: whatever the generator writes loads with exactly the outcome it intended
(status, rows read, quarantine counts per reason) — for any seed."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter

import duckdb
from conftest import make_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridwatch.ingest.load import RejectedFilesError
from gridwatch.ops.pipeline import load_feeds
from gridwatch_generator import generate

START = dt.date(2021, 8, 2)
DAYS = 3


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=0, max_value=10_000))
def test_generated_delivery_loads_as_the_manifest_says(tmp_path_factory, seed):
    root = tmp_path_factory.mktemp(f"gen{seed}")
    manifest = generate("mini", DAYS, seed, root / "out", start=START)
    config = make_settings(
        root, landing=root / "out" / "landing", reference=root / "out" / "reference"
    )
    for offset in range(DAYS):
        with contextlib.suppress(RejectedFilesError):  # intended rejections are compared below
            load_feeds(config, START + dt.timedelta(days=offset))
    con = duckdb.connect(str(config.warehouse), read_only=True)
    try:
        status = {
            (feed, str(day), name): (st_, read, quarantined)
            for feed, day, name, st_, read, quarantined in con.execute(
                "select feed, delivery_date, file_name, status, rows_read, rows_quarantined from raw.load_log"
            ).fetchall()
        }
        reasons = Counter(
            {
                (feed, str(day), name, reason): n
                for feed, day, name, reason, n in con.execute(
                    "select feed, delivery_date, file_name, reason, count(*) from raw.quarantine group by all"
                ).fetchall()
            }
        )
    finally:
        con.close()
    expected_status = {
        (f.feed, str(f.delivery_date), f.file_name): (
            f.status,
            f.rows_read,
            sum(f.quarantine.values()),
        )
        for f in manifest.files
    }
    expected_reasons = Counter(
        {
            (f.feed, str(f.delivery_date), f.file_name, reason): n
            for f in manifest.files
            for reason, n in f.quarantine.items()
        }
    )
    assert status == expected_status
    assert reasons == expected_reasons
    assert any(f.status == "REJECTED" for f in manifest.files)
    assert sum(expected_reasons.values()) > 0


def test_rows_sent_again_on_the_next_day_load_with_the_same_dedup_key(tmp_path):
    """A verification or filing event re-sent in the next day's file (in that file's own
    timestamp style) has the same contract dedup key once loaded, so it counts once."""
    days = 4
    generate("mini", days, 7, tmp_path / "out", start=START)
    config = make_settings(
        tmp_path, landing=tmp_path / "out" / "landing", reference=tmp_path / "out" / "reference"
    )
    for offset in range(days):
        with contextlib.suppress(RejectedFilesError):
            load_feeds(config, START + dt.timedelta(days=offset))
    con = duckdb.connect(str(config.warehouse), read_only=True)
    try:
        # the same row on two delivery dates: alike but for a time less than a minute off
        verifications = con.execute(
            """select a.verified_at, b.verified_at from raw.verification a
               join raw.verification b using (batch_id, record_no, outcome)
               where a.delivery_date < b.delivery_date
                 and abs(epoch(b.verified_at) - epoch(a.verified_at)) < 60"""
        ).fetchall()
        events = con.execute(
            """select a.event_time, b.event_time from raw.enterprise_filing a
               join raw.enterprise_filing b using (filing_id, event)
               where a.delivery_date < b.delivery_date
                 and abs(epoch(b.event_time) - epoch(a.event_time)) < 60"""
        ).fetchall()
    finally:
        con.close()
    assert verifications and events, "a dirty run re-sends rows on the next day"
    assert [(a, b) for a, b in verifications if a != b] == []
    assert [(a, b) for a, b in events if a != b] == []
