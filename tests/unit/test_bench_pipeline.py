"""`make bench-city` reuses the generated days of BENCH_DIR, never a previous run's warehouses."""

from __future__ import annotations

from benchmarks.pipeline import RUN_DIRS, clear_previous_run


def test_a_second_run_starts_from_empty_warehouses_and_keeps_the_generated_days(tmp_path):
    (tmp_path / "gen" / "landing").mkdir(parents=True)
    (tmp_path / "gen" / "manifest.json").write_text("{}", encoding="utf-8")
    for name in RUN_DIRS:
        (tmp_path / name).mkdir()
        (tmp_path / name / "warehouse.duckdb").write_bytes(b"day 60")
    (tmp_path / "growth" / "before-day-2.duckdb").write_bytes(b"state")
    clear_previous_run(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen"]
    assert (tmp_path / "gen" / "manifest.json").exists()
    assert set(RUN_DIRS) >= {"direct", "airflow", "growth", "measured"}
    clear_previous_run(tmp_path)  # nothing left to remove: no error
