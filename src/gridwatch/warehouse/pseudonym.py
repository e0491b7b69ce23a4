"""``gw_pseudonym(text)``: HMAC-SHA256 under GRIDWATCH_PII_KEY, as a temporary SQL macro.

One definition for every connection that needs it: dbt's (``person_key``, contract §7,
through :mod:`gridwatch.warehouse.dbt_plugin`), the person look-up's and the purge's
(:func:`register`), and the loader's (:mod:`gridwatch.ingest.changes`: the key of a
changed row of a feed without a natural key). Kept free of dbt imports: the look-up
starts in a fraction of a second. The HMAC is written in SQL (RFC 2104 over DuckDB's
built-in ``sha256``) as a *temporary* macro: it runs vectorised inside DuckDB, and a
temporary macro lives only in the connection that defines it, so the key never
reaches the warehouse file, dbt's logs or its compiled SQL.
"""

from __future__ import annotations

import hashlib

from duckdb import DuckDBPyConnection

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
