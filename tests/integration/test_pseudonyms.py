"""person_key is HMAC-SHA256 of the identity under GRIDWATCH_PII_KEY (contract §7),
computed in SQL by a temporary macro that never reaches the warehouse or dbt's files."""

from __future__ import annotations

import hashlib
import hmac
import shutil

import duckdb
from test_marts_rerun import snapshot

from gridwatch.config import Settings, pii_key
from gridwatch.warehouse.build import DBT_PROJECT, build
from gridwatch.warehouse.dbt_plugin import hmac_pads


def test_person_keys_of_the_example_are_keyed_hashes_of_identities(example_settings):
    con = duckdb.connect(str(example_settings.warehouse), read_only=True)
    try:
        # identities are not persisted (int_push_records__identified lives in dbt's
        # in-memory scratch database): rebuild the RIC ones from each record's
        # winning raw row, and read the person_key the marts hold for it
        pairs = con.execute(
            """
            with winning_rows as (
                select batch_id, record_no, id_type, id_number, id_valid
                from raw.push_list
                qualify row_number() over (
                    partition by batch_id, record_no
                    order by delivery_date desc, file_name desc, row_number desc
                ) = 1
            )
            select distinct winning_rows.id_type || ':' || winning_rows.id_number, fct.person_key
            from winning_rows
            inner join marts.fct_push_record as fct using (batch_id, record_no)
            where winning_rows.id_valid
            """
        ).fetchall()
        # the macro was temporary: a new connection to the warehouse does not know it
        defined = con.execute(
            "select count(*) from duckdb_functions() where function_name = 'gw_pseudonym'"
        ).fetchone()
    finally:
        con.close()
    key = pii_key()
    assert len(pairs) > 5
    for identity, person_key in pairs:
        assert (
            person_key == hmac.new(key.encode(), identity.encode(), hashlib.sha256).hexdigest()[:32]
        )
    assert defined == (0,)


def test_the_key_is_in_no_file_dbt_or_the_warehouse_wrote(example_settings):
    secrets = [pii_key().encode(), *(pad.encode() for pad in hmac_pads(pii_key()))]
    files = [example_settings.warehouse, *(DBT_PROJECT / "target").rglob("*.sql")]
    files += list((DBT_PROJECT / "logs").glob("*.log"))
    assert len(files) > 10
    for path in files:
        content = path.read_bytes()
        assert not any(secret in content for secret in secrets), path


# The only intermediate models the warehouse file keeps: incremental state that
# carries over between builds. Every other intermediate model (identities, raw
# names, ID numbers and phones among them) lives in dbt's in-memory `scratch`
# database for one build.
PERSISTED_INTERMEDIATE = {
    "int_checkpoint_events__daily",
    "int_checkpoint_events__matched",
    "int_checkpoint_key_partitions",
    "int_person_days",
    "int_persons",
    "int_push_records__enriched",
}


def intermediate_tables(warehouse) -> set[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select table_name from information_schema.tables where table_schema = 'intermediate'"
        ).fetchall()
    finally:
        con.close()
    return {name for (name,) in rows}


def test_the_warehouse_keeps_only_incremental_intermediate_state(example_settings, tmp_path):
    assert intermediate_tables(example_settings.warehouse) == PERSISTED_INTERMEDIATE
    # a warehouse built before the move still holds old copies with raw values:
    # the next build drops them
    copy = Settings(
        example_settings.landing_dir,
        example_settings.reference_dir,
        tmp_path / "warehouse.duckdb",
        tmp_path / "serving.duckdb",
    )
    shutil.copy(example_settings.warehouse, copy.warehouse)
    con = duckdb.connect(str(copy.warehouse))
    try:
        con.execute(
            "create table intermediate.int_push_records__identified as "
            "select '110101198503121239' as id_number, '张三' as person_name"
        )
        con.execute("create view intermediate.int_push_records__satisfied as select 1 as x")
        # and the person-level models as they were before they kept input fingerprints
        for model in ("int_push_records__enriched", "int_persons"):
            con.execute(
                f"create or replace table intermediate.{model} as "
                f"select * exclude (input_fingerprint) from intermediate.{model}"
            )
    finally:
        con.close()
    build(copy)
    assert intermediate_tables(copy.warehouse) == PERSISTED_INTERMEDIATE
    con = duckdb.connect(str(copy.warehouse), read_only=True)
    try:
        for model in ("int_push_records__enriched", "int_persons"):
            columns = [d[0] for d in con.execute(f"select * from intermediate.{model}").description]
            assert "input_fingerprint" in columns, model
    finally:
        con.close()
    assert snapshot(copy) == snapshot(example_settings)
