"""person_key's SQL macro is HMAC-SHA256 under GRIDWATCH_PII_KEY (contract §7), and a
warehouse that would clash with dbt's scratch database is refused before dbt runs.
The keys of the built worked example are checked in integration/test_pseudonyms.py."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest
import yaml

from gridwatch.config import Settings
from gridwatch.warehouse.build import DBT_PROJECT, SCRATCH_DATABASE, BuildError, build
from gridwatch.warehouse.dbt_plugin import register


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


def test_a_warehouse_named_like_the_scratch_database_is_refused_before_dbt_runs(tmp_path):
    profile = yaml.safe_load((DBT_PROJECT / "profiles.yml").read_text(encoding="utf-8"))
    attached = profile["gridwatch"]["outputs"]["warehouse"]["attach"]
    assert [a["alias"] for a in attached] == [SCRATCH_DATABASE]
    for name in ("scratch.duckdb", "Scratch.db"):
        clash = Settings(tmp_path, tmp_path, tmp_path / name, tmp_path / "serving.duckdb")
        with pytest.raises(BuildError, match="Rename the warehouse file") as refused:
            build(clash)
        assert str(clash.warehouse) in str(refused.value) and not refused.value.transient
        assert not clash.warehouse.exists()
