"""The worked example, loaded and built once per session (conftest): every file's rows
are conserved (read = loaded + quarantined, and the quarantine holds each file's share)."""

from __future__ import annotations

from conftest import query


def test_every_file_conserves_its_rows(example_settings):
    rows = query(
        example_settings,
        "select file_name, rows_read, rows_loaded, rows_quarantined, status from raw.load_log",
    )
    assert rows
    for name, read, loaded, quarantined, _status in rows:
        assert read == loaded + quarantined, name
    per_file = dict(
        query(
            example_settings,
            "select file_name || delivery_date, count(*) from raw.quarantine group by 1",
        )
    )
    for name, date_, quarantined in query(
        example_settings, "select file_name, delivery_date, rows_quarantined from raw.load_log"
    ):
        assert per_file.get(f"{name}{date_}", 0) == quarantined
