"""dbt-duckdb plugin: defines ``gw_pseudonym(identity)`` on each of dbt's connections.

``person_key`` is HMAC-SHA256 of the identity string (contract §7) under
GRIDWATCH_PII_KEY, so a pseudonym cannot be recomputed, or reversed by trying
every ID number, without the key.

The HMAC is written in SQL (RFC 2104 over DuckDB's built-in ``sha256``) as a
*temporary* macro (:mod:`gridwatch.warehouse.pseudonym`, which the person look-up
and the purge use too): it runs vectorised inside DuckDB (a Python UDF cost a call
per identity, about a second per build on the city preset), and a temporary
macro lives only in the connection that defines it, so the key never reaches
the warehouse file, dbt's logs or its compiled SQL.
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
