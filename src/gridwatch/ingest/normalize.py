"""Value normalisation of the contract (§3) and quarantine reasons (§4) as DuckDB SQL.

The loader stages a file's cells as text; :func:`normalise_sql` builds one
SELECT over that staging table that cleans and types every column and names
the first quarantine reason of each row. Identity numbers and USCCs are checked
with python-stdnum on distinct values only (:mod:`gridwatch.ingest.identifiers`).
"""

from __future__ import annotations

import functools
import unicodedata

from gridwatch.ingest.feeds import ID_TYPES, Column, Feed

TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M:%S",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日 %H时%M分%S秒",
    "%Y年%m月%d日 %H时%M分",
    "%Y年%m月%d日%H时%M分%S秒",
    "%Y年%m月%d日%H时%M分",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
)

# Trimmed characters: ASCII white space and the ideographic space U+3000.
_TRIM = " \t\r\n\u3000"


@functools.cache
def nfkc_pattern() -> str:
    """An RE2 class of the characters NFKC may change: compatibility forms and combining marks.

    A cell without any of them is already NFKC (ASCII and common CJK ideographs are
    stable), so only the few cells that hold one are normalised, in Python.
    """
    ranges: list[list[int]] = []
    for code in range(0x80, 0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        if (
            unicodedata.normalize("NFKC", char) != char
            or unicodedata.combining(char)
            or 0x1100 <= code <= 0x11FF  # Hangul jamo compose with their neighbours
        ):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    body = "".join(f"\\x{{{a:X}}}" + (f"-\\x{{{b:X}}}" if b > a else "") for a, b in ranges)
    return f"[{body}]"


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal (a quote in it doubled)."""
    return "'" + text.replace("'", "''") + "'"


def macros_sql() -> list[str]:
    """Temporary macros the normalisation SQL uses (created per connection)."""
    formats = "[" + ", ".join(sql_literal(f) for f in TIMESTAMP_FORMATS) + "]"
    return [
        # trim(s, chars) is 3x slower than trim(s): use it only when a cell needs it.
        "create or replace temp macro gw_text(s) as nullif(case when contains(s, '\t') "
        "or contains(s, '\u3000') or contains(s, '\r') or contains(s, '\n') "
        f"then trim(s, {sql_literal(_TRIM)}) else trim(s) end, '')",
        # ISO 8601 with an offset ('Z', '+08:00', '+0800') is converted to local time
        # (Asia/Shanghai, UTC+8); everything else is already local time.
        f"""create or replace temp macro gw_ts(s) as (
            case
              when regexp_matches(s, 'T.*(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$') then
                try_strptime(regexp_replace(s, '(Z|[+-][0-9]{{2}}:?[0-9]{{2}})$', ''), {formats})
                + to_minutes(cast(480 - coalesce(
                    (case when substr(regexp_extract(s, '([+-])[0-9]{{2}}:?[0-9]{{2}}$', 1), 1, 1)
                       = '-' then -1 else 1 end)
                    * (cast(nullif(regexp_extract(s, '[+-]([0-9]{{2}}):?[0-9]{{2}}$', 1), '')
                            as integer) * 60
                       + cast(nullif(regexp_extract(s, '[+-][0-9]{{2}}:?([0-9]{{2}})$', 1), '')
                            as integer)),
                    0) as bigint))
              else try_strptime(s, {formats})
            end)""",
        """create or replace temp macro gw_int(s) as (
            case when try_cast(s as double) is not null
                  and isfinite(try_cast(s as double))
                  and try_cast(s as double) = trunc(try_cast(s as double))
                  and abs(try_cast(s as double)) < 1e15
                 then cast(try_cast(s as double) as bigint) end)""",
        # Excel's keep-as-text markers on numbers typed as text: 'x and ="x" (§3)
        """create or replace temp macro gw_unmark(s) as (
            case when s like '="%"' then substr(s, 3, length(s) - 3)
                 when starts_with(s, chr(39)) then substr(s, 2) else s end)""",
        """create or replace temp macro gw_phone_digits(s) as (
            case
              when regexp_replace(s, '[\\s\\-]', '', 'g') like '+86%'
                then substr(regexp_replace(s, '[\\s\\-]', '', 'g'), 4)
              when length(regexp_replace(s, '[\\s\\-]', '', 'g')) = 13
                   and regexp_replace(s, '[\\s\\-]', '', 'g') like '86%'
                then substr(regexp_replace(s, '[\\s\\-]', '', 'g'), 3)
              else regexp_replace(s, '[\\s\\-]', '', 'g')
            end)""",
        "create or replace temp macro gw_phone(s) as gw_phone_digits(gw_unmark(s))",
        "create or replace temp macro gw_phone_valid(p) as "
        "coalesce(regexp_full_match(p, '1[3-9][0-9]{9}'), false)",
        # RIC numbers lose white space and '-'; other identity numbers only white space.
        """create or replace temp macro gw_id(id_type, s) as (
            case when id_type = 'RIC' then upper(regexp_replace(gw_unmark(s), '[\\s\\-]', '', 'g'))
                 else upper(regexp_replace(gw_unmark(s), '\\s', '', 'g')) end)""",
        "create or replace temp macro gw_uscc(s) as "
        "upper(regexp_replace(gw_unmark(s), '[\\s\\-]', '', 'g'))",
        # white space first, so that a unit written apart ('36.5° C') is stripped too
        """create or replace temp macro gw_temperature(s) as
            try_cast(regexp_replace(regexp_replace(s, '\\s', '', 'g'), '(℃|°C|°c|度)', '', 'g') as double)""",
    ]


def _enum_case(expr: str, values: dict[str, str]) -> str:
    whens = " ".join(
        f"when {sql_literal(k)} then {sql_literal(v)}" for k, v in sorted(values.items())
    )
    return f"(case lower({expr}) {whens} end)"


def _id_type_case(expr: str) -> str:
    return f"(case when {expr} is null then 'RIC' else coalesce({_enum_case(expr, ID_TYPES)}, 'OTHER') end)"


def typed_expr(col: Column) -> str:
    """The SQL that turns cleaned text ``v_<col>`` into the column's typed value."""
    v = f"v_{col.name}"
    if col.default is not None:
        v = f"coalesce({v}, {sql_literal(col.default)})"
    match col.kind:
        case "timestamp":
            return f"gw_ts({v})"
        case "date":
            return f"cast(gw_ts({v}) as date)"
        case "integer":
            return f"gw_int({v})"
        case "enum":
            return _enum_case(v, col.values)
        case "id_type":
            return _id_type_case(v)
        case "temperature":
            return f"gw_temperature({v})"
        case _:
            return v


def _bad_value_condition(col: Column) -> str | None:
    """When the cleaned text is present but does not parse as the column's type."""
    v = f"v_{col.name}"
    match col.kind:
        case "timestamp" | "date":
            return f"{v} is not null and t_{col.name} is null"
        case "enum":
            return f"{v} is not null and t_{col.name} is null"
        case "integer":
            floor = f" or t_{col.name} < {col.minimum}" if col.minimum is not None else ""
            return f"{v} is not null and (t_{col.name} is null{floor})"
    return None


_REASON_PREFIX = {
    "timestamp": "BAD_TIMESTAMP",
    "date": "BAD_TIMESTAMP",
    "enum": "BAD_ENUM",
    "integer": "BAD_NUMBER",
}


def reason_case(feed: Feed, extra: list[tuple[str, str]] = ()) -> str:
    """The first quarantine reason that applies to a row (§4), NULL for a good row.

    Order: MISSING_REQUIRED by column; then BAD_TIMESTAMP / BAD_ENUM / BAD_NUMBER
    by column position in the contract's table; then feed-specific reasons
    (``extra``: condition, reason) such as UNKNOWN_CHECKPOINT.
    """
    whens = [f"when v_{c.name} is null then 'MISSING_REQUIRED:{c.name}'" for c in feed.required]
    for col in feed.columns:
        condition = _bad_value_condition(col)
        if condition:
            whens.append(f"when {condition} then '{_REASON_PREFIX[col.kind]}:{col.name}'")
    whens.extend(f"when {cond} then {sql_literal(reason)}" for cond, reason in extra)
    return "case " + " ".join(whens) + " end"
