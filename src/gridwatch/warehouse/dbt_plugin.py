"""dbt-duckdb plugin: defines ``gw_pseudonym(identity)`` on each of dbt's connections.

``person_key`` is HMAC-SHA256 of the identity string (contract §7) under
GRIDWATCH_PII_KEY, so a pseudonym cannot be recomputed, or reversed by trying
every ID number, without the key. The macro itself: :mod:`gridwatch.warehouse.pseudonym`
(a Python UDF cost a call per identity, about a second per build on the city preset).
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from gridwatch.config import pii_key
from gridwatch.warehouse.pseudonym import SHA256_BLOCK_BYTES, hmac_pads, register

__all__ = ["SHA256_BLOCK_BYTES", "Plugin", "hmac_pads", "register"]


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn, pii_key())

    def configure_cursor(self, cursor) -> None:
        # each dbt thread works on a cursor, a connection of its own: define it there too
        register(cursor, pii_key())
