"""What a re-load of a (feed, date) partition changed against the load before it.

A load replaces its partition (contract §2); before the old rows are deleted, in the
same transaction, :func:`record_changes` compares them with the rows replacing them,
in SQL on the typed rows, and appends one row per difference to
``raw.delivery_changes``:

- a feed with a natural key (``Feed.key``: (batch_id, record_no) for the push list, …)
  is compared key by key (full outer join): a key only in the new rows is ``added``,
  only in the old ``removed``, in both with a value that differs (``is distinct from``)
  ``changed``, with the names of the columns that differ. Where a key occurs more than
  once in a partition, its winning row is compared: the greatest file name, then the
  last row (contract §5);
- a feed without one (checkpoint) is compared by whole rows (counted, so a repeated
  row counts): a corrected row is a ``removed`` old row and an ``added`` new one.

``key`` never carries a personal value: a natural key is kept as text (its columns
joined by `` | ``); a whole row is keyed by ``row:`` and its HMAC under the PII key
(``gw_pseudonym``, which no one without the key can recompute from a guessed row).
Only column names are kept, never values.

A load is compared only when it *re-loads*: the partition held LOADED files before, and
the bytes now loaded differ from them (sha256, whatever the file names). A first load,
or a re-run with the same files, records nothing.
"""

from __future__ import annotations

import time

import duckdb

from gridwatch.ingest.feeds import Feed
from gridwatch.warehouse.schema import raw_columns

TABLE = "raw.delivery_changes"
LINEAGE = ("delivery_date", "file_name", "row_number")


def compared_columns(feed: Feed) -> list[str]:
    """The columns of ``raw.<feed>`` a change is looked for in.

    The feed's own columns (and the temperature as delivered); not the lineage, the
    unknown columns (``extras``) or the validity flags, which follow from the values.
    """
    names = [c.split()[0] for c in raw_columns(feed)]
    return [n for n in names if n not in (*LINEAGE, "extras") and not n.endswith("_valid")]


def _held(con: duckdb.DuckDBPyConnection, feed: Feed, day) -> dict[str, str]:
    """The files loaded into (feed, day) so far: name -> sha256."""
    return dict(
        con.execute(
            "select file_name, sha256 from raw.load_log where feed = ? and delivery_date = ? "
            "and status = 'LOADED'",
            [feed.name, day],
        ).fetchall()
    )


def is_reload(con: duckdb.DuckDBPyConnection, feed: Feed, day, loaded_digests: list[str]) -> bool:
    """Whether replacing (feed, day) with files of ``loaded_digests`` changes what was loaded."""
    held = sorted(_held(con, feed, day).values())
    return bool(held) and held != sorted(loaded_digests)


def _keyed_sql(feed: Feed, old: str, new: str) -> str:
    key = list(feed.key)
    values = [c for c in compared_columns(feed) if c not in key]
    keys = ", ".join(key)
    winner = (
        f"qualify row_number() over (partition by {keys} "
        "order by file_name desc, row_number desc) = 1"
    )
    columns = ", ".join(["file_name", "row_number", *key, *values])
    on = " and ".join(f"o.{k} = n.{k}" for k in key)
    key_text = ", ".join(f"cast(coalesce(n.{k}, o.{k}) as varchar)" for k in key)
    differing = ", ".join(f"case when o.{c} is distinct from n.{c} then '{c}' end" for c in values)
    return f"""
        select * from (
            select
                coalesce(n.file_name, o.file_name) as file_name,
                case when o.file_name is null then 'added'
                     when n.file_name is null then 'removed'
                     else 'changed' end as change,
                concat_ws(' | ', {key_text}) as key,
                case when o.file_name is not null and n.file_name is not null then
                    array_to_string(list_filter([{differing}], lambda x: x is not null), ', ')
                end as changed_columns
            from (select {columns} from ({old}) {winner}) as o
            full outer join (select {columns} from ({new}) {winner}) as n on {on}
        )
        where change <> 'changed' or changed_columns <> ''
    """


def _whole_row_changes(
    con: duckdb.DuckDBPyConnection, feed: Feed, old: str, new: str, params: list
) -> str:
    """The change rows of a feed without a natural key, as a SELECT over ``gw_changed``.

    Every row is reduced to a 64-bit hash of its values first (a wide GROUP BY of the
    city's ~5M checkpoint rows would not fit the loader's memory), the rows of each hash
    are counted on both sides, and only the few whose counts differ are read again, for
    their file and their keyed hash.
    """
    values = compared_columns(feed)
    # 64 bits: two *differing* rows would have to collide for a change to go unseen
    hashes = f"hash({', '.join(values)}) as h"
    con.execute(
        f"""create or replace temp table gw_changed as
            select h, cast(count_if(side = 'o') as bigint) as old_n,
                cast(count_if(side = 'n') as bigint) as new_n
            from (
                select 'o' as side, {hashes} from ({old})
                union all
                select 'n' as side, {hashes} from ({new})
            )
            group by h
            having old_n <> new_n""",
        params,
    )
    row = "struct_pack(" + ", ".join(f"{c} := {c}" for c in values) + ")"
    changed_rows = (
        f"select h, min(file_name) as file_name, "
        f"min(cast(to_json({row}) as varchar)) as row_text from ("
        f"select {hashes}, * from ({old}) union all by name select {hashes}, * from ({new})"
        ") semi join gw_changed using (h) group by h"
    )
    return f"""
        select
            file_name,
            change,
            'row:' || gw_pseudonym(row_text)
                || case when occurrence > 1 then '#' || occurrence else '' end as key,
            cast(null as varchar) as changed_columns
        from (
            select
                r.file_name,
                r.row_text,
                case when c.new_n > c.old_n then 'added' else 'removed' end as change,
                unnest(range(least(c.old_n, c.new_n) + 1, greatest(c.old_n, c.new_n) + 1))
                    as occurrence
            from gw_changed as c
            join ({changed_rows}) as r using (h)
        )
    """


def record_changes(
    con: duckdb.DuckDBPyConnection,
    feed: Feed,
    day,
    new_rows: str | None,
    new_params: list,
    loaded_at,
    loaded_files: dict[str, str],
) -> tuple[int, float]:
    """Append to ``raw.delivery_changes`` what ``new_rows`` change in (feed, day).

    Call inside the loader's transaction, before the partition's rows are deleted.
    ``new_rows``: the SELECT of the rows about to be inserted (None: no rows), with
    ``new_params``; ``loaded_files``: the files it loads, name -> sha256.

    Without a natural key, rows are compared as a multiset, so the rows of a file whose
    bytes were loaded before as well cancel out (the same bytes give the same rows): only
    the files whose bytes changed are compared, a few of the city's ~75 checkpoint logs
    rather than its ~5M rows. (A key's winning row may come from another file, so keyed
    feeds, much smaller, are compared whole.)
    Returns the number of change rows and the seconds the comparison took.
    """
    from gridwatch.config import pii_key
    from gridwatch.warehouse.pseudonym import register

    start = time.perf_counter()
    old = f"select * from raw.{feed.name} where delivery_date = ?"
    new = new_rows or f"select * from raw.{feed.name} where false"
    params = [day, *(new_params if new_rows else [])]
    if feed.key:
        diff = _keyed_sql(feed, old, new)
    else:
        held = _held(con, feed, day)
        same = set(held.values()) & set(loaded_files.values())
        old += " and list_contains(?, file_name)"
        new = f"select * from ({new}) where list_contains(?, file_name)"
        params = [
            day,
            [name for name, digest in held.items() if digest not in same],
            *(new_params if new_rows else []),
            [name for name, digest in loaded_files.items() if digest not in same],
        ]
        register(con, pii_key())
        diff = _whole_row_changes(con, feed, old, new, params)
    (count,) = con.execute(
        f"""insert into {TABLE}
            (feed, delivery_date, loaded_at, file_name, change, key, changed_columns)
            select ?, ?, ?, file_name, change, key, changed_columns from ({diff})""",
        [feed.name, day, loaded_at, *params],
    ).fetchone()
    con.execute("drop table if exists gw_changed")
    return count, time.perf_counter() - start
