"""The contract's worked example: every mart equals expected/ (examples/README.md rules)."""

from __future__ import annotations

import duckdb
import pytest
from mart_compare import compare

from gridwatch.warehouse.mart_facts import marts

# the contract's marts: every dbt mart but the pipeline's own records (quality, re-deliveries)
MARTS = sorted(
    name for name in marts() if name not in ("mart_quality_results", "mart_delivery_changes")
)


def test_every_expected_mart_is_covered(examples):
    assert sorted(p.stem for p in (examples / "expected").glob("*.csv")) == sorted(MARTS)


@pytest.mark.parametrize("mart", MARTS)
def test_mart_matches_expected(example_settings, examples, mart):
    con = duckdb.connect(str(example_settings.warehouse), read_only=True)
    try:
        problems = compare(con, f"marts.{mart}", examples / "expected" / f"{mart}.csv")
    finally:
        con.close()
    assert problems == [], "\n".join(problems)


def test_marts_hold_no_raw_identities(example_settings):
    """Masked values only: no RIC, phone or full name of the example appears in any mart."""
    con = duckdb.connect(str(example_settings.warehouse), read_only=True)
    try:
        raw_values = {
            v
            for (v,) in con.execute(
                "select name from raw.push_list union select id_number from raw.push_list "
                "union select phone from raw.push_list union select id_number from raw.checkpoint "
                "union select phone from raw.checkpoint"
            ).fetchall()
            if v
        }
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        ]
        leaks = []
        for table in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where schema_name = 'marts' "
                    "and table_name = ? and data_type = 'VARCHAR'",
                    [table],
                ).fetchall()
            ]
            for column in columns:
                values = {
                    v
                    for (v,) in con.execute(
                        f'select distinct "{column}" from marts.{table}'
                    ).fetchall()
                }
                leaks += [f"{table}.{column}={v}" for v in values & raw_values]
    finally:
        con.close()
    assert len(raw_values) > 10
    assert leaks == []
