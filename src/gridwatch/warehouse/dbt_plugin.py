"""dbt-duckdb plugin: defines ``gw_pseudonym(identity)`` on each of dbt's connections.

``person_key`` is HMAC-SHA256 of the identity string (contract §7) under
GRIDWATCH_PII_KEY, so a pseudonym cannot be recomputed, or reversed by trying
every ID number, without the key.

The HMAC is written in SQL (RFC 2104 over DuckDB's built-in ``sha256``) as a
*temporary* macro: it runs vectorised inside DuckDB (a Python UDF cost a call
per identity, about a second per build on the city preset), and a temporary
macro lives only in the connection that defines it, so the key never reaches
the warehouse file, dbt's logs or its compiled SQL.
"""

from __future__ import annotations

import hashlib

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from gridwatch.config import pii_key

SHA256_BLOCK_BYTES = 64


def hmac_pads(key: str) -> tuple[str, str]:
    """The inner and outer padded keys of HMAC-SHA256 (RFC 2104), as hex."""
    secret = key.encode("utf-8")
    if len(secret) > SHA256_BLOCK_BYTES:
        secret = hashlib.sha256(secret).digest()
    secret = secret.ljust(SHA256_BLOCK_BYTES, b"\0")
    inner = bytes(byte ^ 0x36 for byte in secret)
    outer = bytes(byte ^ 0x5C for byte in secret)
    return inner.hex(), outer.hex()


def register(conn: DuckDBPyConnection, key: str) -> None:
    """Define gw_pseudonym(identity) -> the first 32 hex digits of HMAC-SHA256(key, identity)."""
    inner, outer = hmac_pads(key)
    conn.execute(
        "create or replace temporary macro gw_pseudonym(identity) as "
        f"left(sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode(identity)))), 32)"
    )


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        register(conn, pii_key())

    def configure_cursor(self, cursor) -> None:
        # each dbt thread works on a cursor, a connection of its own: define it there too
        register(cursor, pii_key())
