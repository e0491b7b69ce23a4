"""One partition's staged cells typed, flagged and given their quarantine reason (§3, §4).

The loader stages every file (or sheet) as text and hands this module one SELECT
per part. The partition is then read in two passes:

1. one scan gathers, per column, the distinct raw values of the columns whose
   values repeat (timestamps, enumerations, phones, identity numbers, checkpoint
   codes) and, of the other columns, the few values NFKC would change;
2. one query types every row: repeating columns by a join to a small map built
   from their distinct values (NFKC, trim and parse done once per value), the
   others cell by cell; it names each row's first quarantine reason and writes
   the ``gw_norm`` table the loader swaps into the warehouse.
"""

from __future__ import annotations

import duckdb

from gridwatch.ingest.feeds import ROW_DATE_COLUMN, Column, Feed
from gridwatch.ingest.identifiers import refresh_checks
from gridwatch.ingest.normalize import nfkc_pattern, reason_case, typed_expr

RAW = "gw_raw"
NORM = "gw_norm"
DISTINCT = "gw_distinct"
# Kinds parsed once per distinct value: few values repeat over millions of rows.
MAPPED_KINDS = {"timestamp", "date", "temperature", "enum", "id_type"}
MAPPED_COLUMNS = {"phone", "id_number", "checkpoint_code", "uscc"}


def mapped(col: Column) -> bool:
    return col.kind in MAPPED_KINDS or col.name in MAPPED_COLUMNS


def create_raw(con: duckdb.DuckDBPyConnection, feed: Feed, selects: list[str]) -> None:
    """A view over the staged parts with their cells named by the feed's columns."""
    if selects:
        con.execute(f"create or replace temp view {RAW} as " + " union all ".join(selects))
        return
    columns = ", ".join(f"cast(null as varchar) as v_{c.name}" for c in feed.columns)
    con.execute(
        f"create or replace temp view {RAW} as select cast(null as integer) as file_index, "
        "cast(null as integer) as file_number, cast(null as bigint) as row_number, "
        f"{columns}, cast(null as varchar) as unknown_text, cast(null as json) as extras "
        "where false"
    )


def _nfkc_table(con: duckdb.DuckDBPyConnection, name: str, values: list[str]) -> str | None:
    """A table (v, n) of values and their NFKC forms; None when there are none."""
    import unicodedata

    if not values:
        return None
    table = f"gw_nfkc_{name}"
    con.execute(f"create or replace temp table {table} (v varchar, n varchar)")
    con.executemany(
        f"insert into {table} values (?, ?)",
        [(v, unicodedata.normalize("NFKC", v)) for v in values],
    )
    return table


def _gather(con: duckdb.DuckDBPyConnection, feed: Feed) -> dict[str, str]:
    """Pass 1: distinct values of mapped columns; NFKC tables of the other columns' cells."""
    pattern = nfkc_pattern()
    lists = [
        f"list(distinct v_{c.name}) as d_{c.name}"
        if mapped(c)
        else f"list(distinct v_{c.name}) filter (where regexp_matches(v_{c.name}, '{pattern}')) "
        f"as d_{c.name}"
        for c in feed.columns
    ]
    con.execute(f"create or replace temp table {DISTINCT} as select {', '.join(lists)} from {RAW}")
    unmapped = [c for c in feed.columns if not mapped(c)]
    if not unmapped:
        return {}
    found = con.execute(
        f"select {', '.join(f'd_{c.name}' for c in unmapped)} from {DISTINCT}"
    ).fetchone()
    tables: dict[str, str] = {}
    for col, values in zip(unmapped, found, strict=True):
        table = _nfkc_table(con, col.name, values or [])
        if table:
            tables[col.name] = table
    return tables


def _typed_of(col: Column, value: str) -> str:
    """The column's typed expression over ``value`` (its default applies to NULL)."""
    return typed_expr(col).replace(f"v_{col.name}", value)


def _build_map(con: duckdb.DuckDBPyConnection, col: Column) -> str:
    """gw_map_<col>: each distinct raw value with its clean text ``c`` and typed values."""
    name = col.name
    (candidates,) = con.execute(
        f"select list(v) filter (where regexp_matches(v, '{nfkc_pattern()}')) "
        f"from (select unnest(d_{name}) as v from {DISTINCT})"
    ).fetchone()
    nfkc = _nfkc_table(con, name, candidates or [])
    clean = f"gw_text(coalesce({nfkc}.n, u.v))" if nfkc else "gw_text(u.v)"
    join = f"left join {nfkc} on {nfkc}.v = u.v" if nfkc else ""
    outputs = [f"{_typed_of(col, 'c')} as t"]
    if name == "phone":
        outputs += ["gw_phone(c) as phone", "gw_phone_valid(gw_phone(c)) as phone_valid"]
    elif name == "id_number":
        outputs += ["gw_id('RIC', c) as ric", "gw_id('OTHER', c) as other"]
    elif name == "uscc":
        outputs.append("gw_uscc(c) as uscc")
    elif name == "checkpoint_code":  # by code, else by name (the smallest code of that name)
        outputs.append(
            """coalesce(
                (select checkpoint_code from raw.ref_checkpoints r where r.checkpoint_code = c),
                (select min(checkpoint_code) from raw.ref_checkpoints r
                 where r.checkpoint_name = c)) as resolved"""
        )
    table = f"gw_map_{name}"
    con.execute(
        f"""create or replace temp table {table} as
            select v, c, {", ".join(outputs)} from (
                select u.v, {clean} as c
                from (select unnest(d_{name}) as v from {DISTINCT}) as u {join}
                where u.v is not null
            )"""
    )
    if nfkc:
        con.execute(f"drop table {nfkc}")
    checked = {"id_number": ("RIC", "ric"), "uscc": ("USCC", "uscc")}
    if name in checked:  # python-stdnum's verdicts on the distinct numbers only
        kind, value = checked[name]
        refresh_checks(con, kind, f"select {value} from {table}")
        con.execute(
            f"create or replace temp table {table} as select m.*, k.normalised, k.valid, "
            f"k.birth_date from {table} as m left join raw.identifier_checks as k "
            f"on k.kind = '{kind}' and k.value = m.{value}"
        )
    return table


def _final_exprs(feed: Feed) -> list[str]:
    """The expressions that give a typed row its ``raw.<feed>`` columns."""
    row_date = f"cast(t_{ROW_DATE_COLUMN[feed.name]} as date)"
    exprs: list[str] = []
    for col in feed.columns:
        name = col.name
        if name == "id_number":
            id_type = "t_id_type" if feed.name == "push_list" else "'RIC'"
            exprs.append(
                f"case when {id_type} = 'RIC' then coalesce(n_ric_normalised, n_id_ric) "
                f"else n_id_other end as id_number"
            )
            exprs.append(
                f"""case when v_id_number is null then false
                     when {id_type} = 'RIC' then coalesce(n_ric_valid, false)
                          and n_ric_birth_date between date '1900-01-01' and {row_date}
                     else length(regexp_replace(n_id_other, '[^A-Z0-9]', '', 'g')) >= 5
                end as id_valid"""
            )
        elif name == "phone":
            exprs += ["n_phone as phone", "n_phone_valid as phone_valid"]
        elif name == "uscc":
            exprs += ["n_uscc as uscc", "coalesce(n_uscc_valid, false) as uscc_valid"]
        elif name == "temperature":
            valid = "t_temperature between 34.0 and 43.0"
            exprs += [
                f"case when {valid} then t_temperature end as temperature",
                f"coalesce({valid}, false) as temperature_valid",
                "v_temperature as temperature_text",
            ]
        elif name == "checkpoint_code":
            exprs.append("resolved_checkpoint as checkpoint_code")
        elif name == "inspection_passed":
            exprs.append("cast(t_inspection_passed as boolean) as inspection_passed")
        else:
            exprs.append(f"t_{name} as {name}")
    return exprs


def build_norm(con: duckdb.DuckDBPyConnection, feed: Feed, selects: list[str]) -> None:
    """Type the partition's staged parts into the ``gw_norm`` table (with ``reason``)."""
    create_raw(con, feed, selects)
    nfkc = _gather(con, feed)
    cleaned: list[str] = []  # v_<col>: the clean text of every column
    typed: list[str] = []  # t_<col> and the flags taken from the maps
    joins: list[str] = []
    drops: list[str] = [DISTINCT, *nfkc.values()]
    for col in feed.columns:
        name = col.name
        if not mapped(col):
            if name in nfkc:
                joins.append(f"left join {nfkc[name]} on {nfkc[name]}.v = {RAW}.v_{name}")
                cleaned.append(f"gw_text(coalesce({nfkc[name]}.n, {RAW}.v_{name})) as v_{name}")
            else:
                cleaned.append(f"gw_text({RAW}.v_{name}) as v_{name}")
            typed.append(f"{typed_expr(col)} as t_{name}")
            continue
        table = _build_map(con, col)
        drops.append(table)
        joins.append(f"left join {table} on {table}.v = {RAW}.v_{name}")
        cleaned += [f"{table}.c as v_{name}", f"{table}.v as k_{name}", f"{table}.t as m_{name}"]
        # no map row: the cell was empty, and the column's default applies
        typed.append(
            f"case when k_{name} is null then {_typed_of(col, 'null')} else m_{name} end "
            f"as t_{name}"
        )
        if name == "phone":
            cleaned += [
                f"{table}.phone as n_phone",
                f"coalesce({table}.phone_valid, false) as n_phone_valid",
            ]
        elif name == "id_number":
            cleaned += [
                f"{table}.ric as n_id_ric",
                f"{table}.other as n_id_other",
                f"{table}.normalised as n_ric_normalised",
                f"{table}.valid as n_ric_valid",
                f"{table}.birth_date as n_ric_birth_date",
            ]
        elif name == "checkpoint_code":
            cleaned.append(f"{table}.resolved as resolved_checkpoint")
        elif name == "uscc":
            cleaned += [f"{table}.uscc as n_uscc", f"{table}.valid as n_uscc_valid"]
    extra_reasons: list[tuple[str, str]] = []
    if "checkpoint_code" in {c.name for c in feed.columns}:
        extra_reasons.append(("resolved_checkpoint is null", "UNKNOWN_CHECKPOINT"))
    names = [f"v_{c.name}" for c in feed.columns]
    query = f"""
        with cleaned as (
            select file_index, file_number, row_number, extras,
                gw_text(unknown_text) as u, {", ".join(cleaned)}
            from {RAW} {" ".join(joins)}
        ),
        typed as (
            select cleaned.* exclude (u), {", ".join(typed)}
            from cleaned
            where coalesce({", ".join(names)}, u) is not null  -- wholly empty rows (§2)
        )
        select *, {reason_case(feed, extra_reasons)} as reason from typed
    """
    if feed.name == "push_list":
        # the same (batch_id, record_no) again in the same file: the first row stays
        query = f"""
            with rows as ({query})
            select * replace (
                case when reason is null and row_number() over (
                    partition by file_number, reason is null, v_batch_id, t_record_no
                    order by row_number) > 1
                then 'DUPLICATE_KEY' else reason end as reason)
            from rows
        """
    con.execute(
        f"create or replace temp table {NORM} as with reasoned as ({query}) "
        f"select file_index, row_number, reason, {', '.join(_final_exprs(feed))}, extras "
        "from reasoned"
    )
    con.execute(f"drop view {RAW}")
    for table in drops:
        con.execute(f"drop table if exists {table}")
