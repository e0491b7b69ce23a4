"""One person's whole file (一人一档) from the warehouse, by identity number or phone + name.

The query is normalised as the loader normalises a cell (contract §3: NFKC, trimmed,
Excel markers, RIC 15 -> 18 digits, ``+86`` phones), then turned into the identities
of contract §7 and their ``person_key`` with the same HMAC dbt uses
(:mod:`gridwatch.warehouse.pseudonym`). The file is read from the state dbt keeps in
the warehouse (``intermediate.int_persons``, ``int_push_records__enriched``,
``int_person_days``, ``int_checkpoint_events__matched``) and the raw verifications,
so a look-up costs a few filtered scans, not a build.

Records whose personal values were purged (:mod:`gridwatch.warehouse.purge`) are not
part of any file: a person whose records were all purged has no file.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import duckdb

from gridwatch.config import pii_key
from gridwatch.ingest.identifiers import check_ric
from gridwatch.warehouse.pseudonym import register

# Purged values start with this character (gridwatch.warehouse.purge); no normalised
# name, identity number or phone does.
PURGED_PREFIX = "~"
OTHER_ID_TYPES = ("PASSPORT", "HKMO", "TW", "OTHER")
ID_KINDS = ("RIC", *OTHER_ID_TYPES)
MAX_NEAR_MATCHES = 5


class QueryError(ValueError):
    """The look-up was asked wrongly (usage problem): the message says how to ask."""


@dataclass(frozen=True)
class Query:
    """A look-up, normalised: the identities to try and what the operator typed."""

    identities: tuple[str, ...]
    phone: str | None
    name: str | None
    kind: str  # 'id' or 'phone+name'
    typed: tuple[str, ...] = field(default=(), repr=False)


def _text(con: duckdb.DuckDBPyConnection, value: str | None) -> str | None:
    """A typed value as the loader reads a cell: NFKC, then trimmed (gw_text); '' is None."""
    if value is None:
        return None
    return con.execute("select gw_text(?)", [unicodedata.normalize("NFKC", value)]).fetchone()[0]


def parse_query(
    con: duckdb.DuckDBPyConnection,
    id_number: str | None,
    phone: str | None,
    name: str | None,
) -> Query:
    """The identities (contract §7) a look-up by ID, or by phone and name, can mean."""
    typed = tuple(v for v in (id_number, phone, name) if v)
    id_text, phone_text, name_text = (_text(con, v) for v in (id_number, phone, name))
    if id_text:
        identities: list[str] = []
        ric_number = con.execute("select gw_id('RIC', ?)", [id_text]).fetchone()[0]
        number, valid, _ = check_ric(ric_number)
        if valid:
            identities.append(f"RIC:{number}")
        other = con.execute("select gw_id('OTHER', ?)", [id_text]).fetchone()[0]
        if sum(c.isalnum() for c in other) >= 5:
            identities.extend(f"{kind}:{other}" for kind in OTHER_ID_TYPES)
        if not identities:
            raise QueryError(
                f"{'*' * len(id_text)} is not a valid identity number (an 18- or 15-digit RIC "
                "with a correct check character, or a passport/permit number of 5 or more "
                "letters and digits): check it, or look up by --phone and --name"
            )
        numbers = {identity.split(":", 1)[1] for identity in identities} | {ric_number, id_text}
        if len(ric_number) == 18:  # the 15-digit form of the number typed in 18
            numbers.add(ric_number[:6] + ric_number[8:17])
        return Query(tuple(identities), None, None, "id", typed + tuple(numbers))
    if phone_text and name_text:
        number = con.execute("select gw_phone(?)", [phone_text]).fetchone()[0]
        if not con.execute("select gw_phone_valid(?)", [number]).fetchone()[0]:
            raise QueryError(
                "the phone is not an 11-digit mobile number (contract §3): check it, "
                "or look up by identity number"
            )
        return Query(
            (f"PHN:{number}:{name_text}",),
            number,
            name_text,
            "phone+name",
            (*typed, number, phone_text, name_text),
        )
    raise QueryError(
        "give an identity number (gridwatch person 110101198503121239), or --phone and --name"
    )


def connect_for_lookup(con: duckdb.DuckDBPyConnection) -> None:
    """Define gw_pseudonym on ``con`` (temporary: the key never reaches the file)."""
    register(con, pii_key())


def person_keys(con: duckdb.DuckDBPyConnection, query: Query) -> tuple[list[str], str | None]:
    """(the person_keys of live files the query finds, the key to audit when none does)."""
    keys = [
        con.execute("select gw_pseudonym(?)", [identity]).fetchone()[0]
        for identity in query.identities
    ]
    params: list = [keys]
    # a phone + name also finds the person it was linked to by an identity number (rule 2)
    by_phone = ""
    if query.kind == "phone+name":
        by_phone = " or (phone = ? and person_name = ?)"
        params += [query.phone, query.name]
    found = [
        row[0]
        for row in con.execute(
            f"""select distinct person_key from intermediate.int_push_records__enriched
                where (list_contains(?, person_key){by_phone})
                  and not starts_with(person_name, '{PURGED_PREFIX}')
                order by person_key""",
            params,
        ).fetchall()
    ]
    return found, (found[0] if found else keys[0])


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def person_file(con: duckdb.DuckDBPyConnection, person_key: str) -> dict:
    """Everything the warehouse knows of one person (raw values: authorised eyes only)."""
    live = f"not starts_with(person_name, '{PURGED_PREFIX}')"
    (person,) = _rows(
        con,
        """select person_key, identity_kind, person_name, id_number, phone, gender, birth_year,
                  first_pushed_at, last_pushed_at, push_records, topics,
                  last_terminal_outcome, measure, measure_until
           from intermediate.int_persons where person_key = ?""",
        [person_key],
    ) or [None]
    records = _rows(
        con,
        f"""select batch_id, record_no, topic, issued_at, deadline_at, person_name, id_number,
                   id_valid, phone, phone_valid, street_code, community_code, grid_code,
                   is_repeat_push, satisfied_at, satisfying_outcome, hours_to_verify,
                   met_deadline
            from intermediate.int_push_records__enriched
            where person_key = ? and {live}
            order by person_record_seq""",
        [person_key],
    )
    if person is None or not records:
        return {}
    for record in records:
        record["link"] = _link(person, record)
    verifications = _rows(
        con,
        """select v.batch_id, v.record_no, v.verified_at, v.method, v.outcome, v.measure,
                  v.measure_until, v.community, v.grid, v.verifier, v.health_code, v.nat_result,
                  v.delivery_date
           from raw.verification as v
           inner join (select unnest(?) as batch_id, unnest(?) as record_no) as r
               using (batch_id, record_no)
           qualify row_number() over (
               partition by v.batch_id, v.record_no, v.verified_at, v.outcome
               order by v.delivery_date desc, v.file_name desc, v.row_number desc) = 1
           order by v.verified_at""",
        [[r["batch_id"] for r in records], [r["record_no"] for r in records]],
    )
    ric = person["id_number"] if person["identity_kind"] == "RIC" else None
    phones = sorted({r["phone"] for r in records if r["phone_valid"]})
    sightings = _rows(
        con,
        """select m.event_time, m.checkpoint_code, c.checkpoint_name, m.direction,
                  list(distinct m.key_kind order by m.key_kind) as matched_by
           from intermediate.int_checkpoint_events__matched as m
           left join raw.ref_checkpoints as c using (checkpoint_code)
           where m.delivery_date is not null
             and ((m.key_kind = 'RIC' and m.key_value = ?)
                  or (m.key_kind = 'PHONE' and list_contains(?, m.key_value)))
           group by all
           order by m.event_time""",
        [ric, phones],
    )
    return {
        "person": person,
        "records": records,
        "verifications": verifications,
        "sightings": sightings,
        "responsible": _responsible(con, person_key, records),
    }


def _link(person: dict, record: dict) -> str:
    """Why the record is in this file (contract §7's rule that joined it)."""
    kind = person["identity_kind"]
    if kind in ID_KINDS:
        if record["id_valid"] and record["id_number"] == person["id_number"]:
            return "本人有效证件号 (rule 1: own valid ID)"
        return "手机号+姓名关联证件号 (rule 2: phone and name linked to the ID)"
    if kind == "PHN":
        return "手机号+姓名 (rule 3: phone and name)"
    return "单条记录 (rule 4: no valid ID or phone)"


def _responsible(con: duckdb.DuckDBPyConnection, person_key: str, records: list[dict]) -> dict:
    """The community (and its street) counting the person on the latest report date,
    and the grid of the latest verification that named one."""
    day = _rows(
        con,
        """select d.report_date, d.street_code, d.community_code, a.community_name, a.street_name
           from intermediate.int_person_days as d
           left join (select distinct street_code, street_name, community_code, community_name
                      from raw.ref_areas) as a using (community_code)
           where d.person_key = ? order by d.report_date desc limit 1""",
        [person_key],
    )
    grid_code = next((r["grid_code"] for r in reversed(records) if r["grid_code"]), None)
    grid = _rows(con, "select grid_name from raw.ref_grids where grid_code = ?", [grid_code])
    now = day[0] if day else {}
    return {
        **now,
        "grid_code": grid_code,
        "grid_name": grid[0]["grid_name"] if grid else None,
    }


def near_matches(con: duckdb.DuckDBPyConnection, query: Query) -> list[dict]:
    """Live persons with the phone asked, or one digit off it (masked: the operator asked
    for someone else)."""
    if query.phone is None:
        return []
    return _rows(
        con,
        f"""select person_key,
                   left(any_value(person_name), 1)
                       || repeat('*', length(any_value(person_name)) - 1) as name_masked,
                   left(phone, 3) || '****' || right(phone, 4) as phone_masked,
                   hamming(phone, ?) as digits_off,
                   count(*) as records
            from intermediate.int_push_records__enriched
            where phone_valid and length(phone) = 11 and hamming(phone, ?) <= 1
              and not starts_with(person_name, '{PURGED_PREFIX}')
            group by person_key, phone
            order by digits_off, records desc, person_key
            limit {MAX_NEAR_MATCHES}""",
        [query.phone, query.phone],
    )


@dataclass
class LookUp:
    """A look-up's answer: the files found (usually one), or near matches when none."""

    query: Query
    files: list[dict]
    near: list[dict]
    seconds: float = 0.0


def look_up(
    con: duckdb.DuckDBPyConnection,
    actor,  # gridwatch.warehouse.audit.Actor
    id_number: str | None = None,
    phone: str | None = None,
    name: str | None = None,
) -> LookUp:
    """Find the person, write the audit row, return the file(s). ``con`` is read-write."""
    import time

    from gridwatch.warehouse import audit

    started = time.perf_counter()
    connect_for_lookup(con)
    query = parse_query(con, id_number, phone, name)
    _require_person_state(con)
    keys, audited_key = person_keys(con, query)
    files = [f for f in (person_file(con, key) for key in keys) if f]
    near = [] if files else near_matches(con, query)
    audit.record(
        con,
        actor,
        "person",
        audited_key,
        bool(files),
        {"query": query.kind, "files": len(files)},
        typed=list(query.typed),
    )
    return LookUp(query, files, near, time.perf_counter() - started)


def _require_person_state(con: duckdb.DuckDBPyConnection) -> None:
    held = con.execute(
        "select count(*) from duckdb_tables() where schema_name = 'intermediate' "
        "and table_name in ('int_persons', 'int_push_records__enriched', 'int_person_days', "
        "'int_checkpoint_events__matched')"
    ).fetchone()[0]
    if held < 4:
        raise QueryError(
            "the warehouse holds no built person files yet: build it first "
            "(gridwatch build, or gridwatch run YYYY-MM-DD)"
        )
