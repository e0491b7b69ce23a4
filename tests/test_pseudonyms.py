"""person_key is HMAC-SHA256 of the identity under GRIDWATCH_PII_KEY (contract §7),
computed in SQL by a temporary macro that never reaches the warehouse or dbt's files."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest

from gridwatch.build import DBT_PROJECT
from gridwatch.config import pii_key
from gridwatch.dbt_plugin import hmac_pads, register


@pytest.mark.parametrize("key", ["k", "x" * 100, "密钥-ключ-🔑"])
def test_the_sql_macro_is_hmac_sha256(key):
    con = duckdb.connect()
    register(con, key)
    for identity in ["RIC:11010119900307777X", "PHN:13800000000:张三", "REC:B1:7", ""]:
        (pseudonym,) = con.execute("select gw_pseudonym(?)", [identity]).fetchone()
        assert (
            pseudonym == hmac.new(key.encode(), identity.encode(), hashlib.sha256).hexdigest()[:32]
        )
    assert con.execute("select gw_pseudonym(null)").fetchone() == (None,)


def test_person_keys_of_the_example_are_keyed_hashes_of_identities(example_settings):
    con = duckdb.connect(str(example_settings.warehouse), read_only=True)
    try:
        pairs = con.execute(
            "select distinct identity, person_key from intermediate.int_push_records__identified"
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
