"""One query, one DataFrame: how every frame is read from DuckDB."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

# raw columns that hold personal values: frames never read them
PERSONAL_COLUMNS = ("name", "id_number", "phone", "verifier", "address", "plate")


def query_frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None
) -> pd.DataFrame:
    return con.execute(sql, params or []).df()
