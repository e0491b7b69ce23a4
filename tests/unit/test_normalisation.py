"""Value normalisation (contract §3), one rule at a time, on the SQL macros the loader uses."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from gridwatch.ingest.feeds import ID_TYPES
from gridwatch.ingest.identifiers import check_ric, check_uscc, ric_to_18
from gridwatch.ingest.normalize import _id_type_case, macros_sql


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    for macro in macros_sql():
        connection.execute(macro)
    yield connection
    connection.close()


def one(con, sql: str, *params):
    return con.execute(f"select {sql}", list(params)).fetchall()[0][0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-08-03 09:05:07", dt.datetime(2021, 8, 3, 9, 5, 7)),
        ("2021-08-03 09:05", dt.datetime(2021, 8, 3, 9, 5)),
        ("2021/08/03 09:05:07", dt.datetime(2021, 8, 3, 9, 5, 7)),
        ("2021/8/3 9:05", dt.datetime(2021, 8, 3, 9, 5)),
        ("2021年08月03日 09:05:07", dt.datetime(2021, 8, 3, 9, 5, 7)),
        ("2021年08月03日 20时15分", dt.datetime(2021, 8, 3, 20, 15)),
        ("2021年8月3日20时15分", dt.datetime(2021, 8, 3, 20, 15)),
        ("2021-08-03T09:05:07", dt.datetime(2021, 8, 3, 9, 5, 7)),
        ("2021-08-03T01:05:07Z", dt.datetime(2021, 8, 3, 9, 5, 7)),  # UTC -> Asia/Shanghai
        ("2021-08-03T09:05:07+08:00", dt.datetime(2021, 8, 3, 9, 5, 7)),
        ("2021-08-03", dt.datetime(2021, 8, 3)),  # a date alone means 00:00
        ("2021年08月03日", dt.datetime(2021, 8, 3)),
        ("2021-13-45 09:00", None),
        ("2021-02-30", None),
        ("yesterday", None),
    ],
)
def test_timestamps(con, text, expected):
    assert one(con, "gw_ts(gw_text(?))", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), ("12.0", 12), (" 7 ", 7), ("12.5", None), ("abc", None), ("1e400", None)],
)
def test_integers(con, text, expected):
    assert one(con, "gw_int(gw_text(?))", text) == expected


@pytest.mark.parametrize(
    ("text", "normalised", "valid"),
    [
        ("13800000001", "13800000001", True),
        ("138-0000-0002", "13800000002", True),
        ("+8613800000003", "13800000003", True),
        ("8613800000003", "13800000003", True),
        ("138 0000 0004", "13800000004", True),
        ("12800000001", "12800000001", False),
        ("0755-12345678", "075512345678", False),
    ],
)
def test_phones(con, text, normalised, valid):
    assert one(con, "gw_phone(?)", text) == normalised
    assert one(con, "gw_phone_valid(gw_phone(?))", text) is valid


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("36.5", 36.5),
        ("37.5℃", 37.5),
        ("36.8度", 36.8),
        (" 36.6 °C", 36.6),
        ("36.5° C", 36.5),  # white space inside the unit: stripped before the unit
        ("36 .7 度", 36.7),
        ("abc", None),
    ],
)
def test_temperatures(con, text, value):
    assert one(con, "gw_temperature(?)", text) == value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, "RIC"),
        ("居民身份证", "RIC"),
        ("身份证", "RIC"),
        ("ric", "RIC"),
        ("护照", "PASSPORT"),
        ("Passport", "PASSPORT"),
        ("港澳通行证", "HKMO"),
        ("台胞证", "TW"),
        ("军官证", "OTHER"),
    ],
)
def test_id_types(con, raw, expected):
    sql = f"select {_id_type_case('v')} from (select cast(? as varchar) as v)"
    assert con.execute(sql, [raw]).fetchall()[0][0] == expected
    assert set(ID_TYPES.values()) == {"RIC", "PASSPORT", "HKMO", "TW"}


def test_ric_numbers(con):
    assert one(con, "gw_id('RIC', ?)", "440307 20010203 456x") == "44030720010203456X"
    assert one(con, "gw_id('PASSPORT', ?)", "e 1234-5678") == "E1234-5678"
    # 15 digits -> 18: '19' inserted before the two-digit year, check character appended
    assert ric_to_18("420111850101123") == "420111198501011234"
    number, valid, birth = check_ric("420111850101123")
    assert (number, valid, birth) == ("420111198501011234", True, dt.date(1985, 1, 1))
    assert check_ric("440301199207081230")[1] is False  # wrong check character
    assert check_ric("110101198502301238")[1] is False  # no such birth date
    assert check_ric("990101198503121232")[1] is False  # unknown region


def test_uscc(con):
    assert one(con, "gw_uscc(?)", "92440300L 12345678r") == "92440300L12345678R"
    assert check_uscc("91440300MA5D12345W")[1] is True
    assert check_uscc("91440300MA5D999990")[1] is False


def test_birth_date_must_not_follow_the_row_date(tmp_path):
    """A RIC born after the row's own date is invalid (contract §3)."""
    from conftest import make_settings
    from test_ingest import PUSH_HEADER, deliver, load, query

    settings = make_settings(tmp_path)
    row = "SZ-1,专项,{when},24,{no},张三,,110101202108040016,,平湖街道,"
    rows = [row.format(when="2021-08-02 09:00", no=1), row.format(when="2021-08-05 09:00", no=2)]
    deliver(settings, "push_list", "a.csv", PUSH_HEADER + "\n" + "\n".join(rows) + "\n")
    load(settings, "push_list")
    assert query(settings, "select record_no, id_valid from raw.push_list order by 1") == [
        (1, False),
        (2, True),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [(" 张三 ", "张三"), ("\t张三\u3000", "张三"), ("\u3000", None), ("", None), ("a b", "a b")],
)
def test_text_is_trimmed_of_ascii_and_ideographic_spaces(con, text, expected):
    assert one(con, "gw_text(?)", text) == expected
