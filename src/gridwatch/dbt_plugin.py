"""dbt-duckdb plugin: registers ``gw_pseudonym(identity)`` on dbt's connection.

``person_key`` is HMAC-SHA256 of the identity string (contract §7) under
GRIDWATCH_PII_KEY, so a pseudonym cannot be recomputed, or reversed by trying
every ID number, without the key.
"""

from __future__ import annotations

import hashlib
import hmac

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from gridwatch.config import pii_key


def pseudonymiser(key: str):
    secret = key.encode("utf-8")

    def pseudonym(identity: str | None) -> str | None:
        if identity is None:
            return None
        return hmac.new(secret, identity.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    return pseudonym


def register(conn: DuckDBPyConnection, key: str) -> None:
    conn.create_function(
        "gw_pseudonym", pseudonymiser(key), ["VARCHAR"], "VARCHAR", null_handling="special"
    )


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn, pii_key())
