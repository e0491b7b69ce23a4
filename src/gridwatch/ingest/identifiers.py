"""Identity numbers (RIC) and credit codes (USCC) checked with python-stdnum.

The checks run in Python on the *distinct* values of a load only, and their
results are cached in ``raw.identifier_checks`` so a number seen yesterday is
not checked again today: a city's checkpoint log repeats the same residents.
"""

from __future__ import annotations

import datetime as dt

import duckdb
from stdnum.cn import ric, uscc

CACHE_DDL = """
create table if not exists raw.identifier_checks (
    kind varchar not null,          -- 'RIC' or 'USCC'
    value varchar not null,         -- the normalised input (RIC: 15 or 18 characters)
    normalised varchar,             -- RIC converted to 18 characters
    valid boolean not null,         -- python-stdnum's verdict
    birth_date date,                -- RIC only
    primary key (kind, value)
)
"""


def ric_to_18(number: str) -> str:
    """Convert a 15-digit RIC to 18 digits (insert '19', append the check character)."""
    if len(number) == 15 and number.isdigit():
        body = number[:6] + "19" + number[6:]
        return body + ric.calc_check_digit(body + "0")
    return number


def check_ric(value: str) -> tuple[str, bool, dt.date | None]:
    number = ric_to_18(value)
    if not ric.is_valid(number):
        return number, False, None
    return number, True, ric.get_birth_date(number)


def check_uscc(value: str) -> tuple[str, bool, dt.date | None]:
    return value, uscc.is_valid(value), None


CHECKS = {"RIC": check_ric, "USCC": check_uscc}


def refresh_checks(con: duckdb.DuckDBPyConnection, kind: str, values_sql: str) -> int:
    """Check every value of ``values_sql`` (one column) not yet in the cache; return the count."""
    new = con.execute(
        f"""
        select distinct v from ({values_sql}) as s(v)
        where v is not null
          and v not in (select value from raw.identifier_checks where kind = ?)
        """,
        [kind],
    ).fetchall()
    if not new:
        return 0
    import pandas as pd  # here, not at import: `gridwatch person` starts without it

    check = CHECKS[kind]
    rows = [(kind, v, *check(v)) for (v,) in new]
    frame = pd.DataFrame(rows, columns=["kind", "value", "normalised", "valid", "birth_date"])
    frame["birth_date"] = pd.to_datetime(frame["birth_date"])
    con.register("gw_new_checks", frame)
    try:
        con.execute(
            "insert into raw.identifier_checks "
            "select kind, value, normalised, valid, cast(birth_date as date) from gw_new_checks"
        )
    finally:
        con.unregister("gw_new_checks")
    return len(rows)
