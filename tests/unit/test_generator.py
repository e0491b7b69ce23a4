"""Tests of the synthetic data generator (``gridwatch_generator``).

The contract facts used here (reference headers, column tables, enumerations,
timestamp forms, integer minimums; reason codes follow from the tables) are
written out again from CONTRACT.md on purpose, so that a mistake in the generator's own tables shows up here. The
small "oracle" below re-derives every file's rows_read and quarantine counts
from the written bytes; it is a check of the generator's manifest, not the
real loader.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import openpyxl
import pytest
from stdnum.cn import ric, uscc

from gridwatch_generator import (
    FIRST_START,
    LAST_DAY,
    PRESETS,
    ArgumentError,
    Manifest,
    generate,
    wave_profile,
)
from gridwatch_generator import identities as ids

FEEDS = ("push_list", "verification", "checkpoint", "enterprise_filing")
REFERENCE_HEADERS = {
    "areas.csv": [
        "district_code",
        "district_name",
        "street_code",
        "street_name",
        "community_code",
        "community_name",
    ],
    "grids.csv": ["grid_code", "grid_name", "community_code"],
    "checkpoints.csv": ["checkpoint_code", "checkpoint_name", "community_code", "kind"],
}

# (column, aliases, kind, required) per contract §5; kind: text/ts/int/enum:<name>/cp
TABLES: dict[str, list[tuple[str, str, str, bool]]] = {
    "push_list": [
        ("batch_id", "批次号|下发批次|批次", "text", True),
        ("topic", "专项|专项名称", "text", True),
        ("issued_at", "下发时间", "ts", True),
        ("deadline_hours", "反馈时限|反馈时限(小时)|时限(小时)", "int", False),
        ("record_no", "序号", "int", True),
        ("name", "姓名", "text", True),
        ("id_type", "证件类型", "text", False),
        ("id_number", "证件号码|身份证号|身份证号码", "text", False),
        ("phone", "手机号|手机号码|联系电话", "text", False),
        ("street", "街道|所属街道", "text", True),
        ("community", "社区|所属社区", "text", False),
        ("address", "现住址|居住地址", "text", False),
        ("source_area", "来源地|途经地", "text", False),
        ("reason", "推送原因|风险原因", "text", False),
        ("arrived_at", "抵达时间|抵深时间", "ts", False),
    ],
    "verification": [
        ("batch_id", "批次号|下发批次|批次", "text", True),
        ("record_no", "序号", "int", True),
        ("id_number", "证件号码|身份证号|身份证号码", "text", False),
        ("verified_at", "核查时间", "ts", True),
        ("community", "核查社区|社区", "text", True),
        ("grid", "网格|网格编号", "text", False),
        ("verifier", "核查人", "text", False),
        ("method", "核查方式", "enum:电话 PHONE|上门 VISIT|视频 VIDEO|卡点 CHECKPOINT", True),
        (
            "outcome",
            "核查结果",
            "enum:已纳管 MANAGED|不在辖区 NOT_IN_JURISDICTION|已离开 已离深 LEFT|"
            "查无此人 NOT_FOUND|未联系上 UNREACHABLE",
            True,
        ),
        (
            "measure",
            "管控措施",
            "enum:居家隔离 HOME_QUARANTINE|集中隔离 CENTRAL_QUARANTINE|"
            "居家健康监测 健康监测 HEALTH_MONITORING|无 NONE",
            False,
        ),
        ("measure_until", "管控截止|解除日期", "ts", False),
        ("health_code", "健康码", "enum:绿 GREEN|黄 YELLOW|红 RED", False),
        ("nat_result", "核酸结果", "enum:阴性 NEGATIVE|阳性 POSITIVE|待出 PENDING", False),
    ],
    "checkpoint": [
        ("checkpoint_code", "卡点编码|卡点", "cp", True),
        ("event_time", "时间|通行时间", "ts", True),
        ("direction", "方向", "enum:进 IN|出 OUT", True),
        (
            "subject",
            "人员类型|类型",
            "enum:居民 RESIDENT|访客 VISITOR|返深人员 返回人员 RETURNEE|车辆 VEHICLE",
            True,
        ),
        ("id_number", "证件号码|身份证号", "text", False),
        ("phone", "手机号", "text", False),
        ("plate", "车牌|车牌号", "text", False),
        ("temperature", "体温", "text", False),
        ("health_code", "健康码", "enum:绿 GREEN|黄 YELLOW|红 RED", False),
        (
            "action",
            "处置",
            "enum:放行 PASS|劝返 TURNED_BACK|登记 REGISTERED|送医 SENT_TO_CLINIC",
            False,
        ),
    ],
    "enterprise_filing": [
        ("filing_id", "报备编号", "text", True),
        ("uscc", "统一社会信用代码", "text", True),
        ("enterprise_name", "企业名称", "text", True),
        ("community", "所属社区|社区", "text", True),
        (
            "category",
            "企业类型",
            "enum:重点敏感型 SENSITIVE|聚集接触型 GATHERING|上门服务型 DOOR_TO_DOOR|"
            "独立办公型 INDEPENDENT|其他 其他类型 OTHER",
            True,
        ),
        (
            "event",
            "状态",
            "enum:已报备 FILED|已审核 审核通过 APPROVED|未通过 驳回 REJECTED|已复工 RESUMED|"
            "停工整改 SUSPENDED",
            True,
        ),
        ("event_time", "时间|报备时间", "ts", True),
        ("employees_total", "员工总数", "int", False),
        ("employees_returned", "到岗人数|返岗人数", "int", False),
        ("employees_from_risk_areas", "来自风险地区人数", "int", False),
        ("planned_resume_date", "计划复工日期", "ts", False),
        ("inspection_passed", "检查结果", "enum:通过 true|不通过 false", False),
    ],
}
# Smallest accepted integer per column (contract §5: deadline_hours > 0, head counts >= 0).
MINIMUM = {
    "deadline_hours": 1,
    "employees_total": 0,
    "employees_returned": 0,
    "employees_from_risk_areas": 0,
}


def contract_reason_codes(feed: str) -> set[str]:
    """Every §4 reason code a row of ``feed`` can get, from the contract tables above
    (not from the generator's own list)."""
    prefix = {"ts": "BAD_TIMESTAMP", "int": "BAD_NUMBER", "enum": "BAD_ENUM"}
    codes = {f"MISSING_REQUIRED:{col}" for col, _, _, req in TABLES[feed] if req}
    for col, _, kind, _ in TABLES[feed]:
        if kind.partition(":")[0] in prefix:
            codes.add(f"{prefix[kind.partition(':')[0]]}:{col}")
    codes |= {"checkpoint": {"UNKNOWN_CHECKPOINT"}, "push_list": {"DUPLICATE_KEY"}}.get(feed, set())
    return codes


def loader_reason_codes(feed: str) -> set[str]:
    """The same, from the loader's feed tables (``gridwatch.ingest.feeds``)."""
    from gridwatch.ingest import feeds

    prefix = {"timestamp": "BAD_TIMESTAMP", "date": "BAD_TIMESTAMP", "enum": "BAD_ENUM"}
    prefix["integer"] = "BAD_NUMBER"
    columns = feeds.FEEDS[feed].columns
    codes = {f"MISSING_REQUIRED:{c.name}" for c in columns if c.required}
    codes |= {f"{prefix[c.kind]}:{c.name}" for c in columns if c.kind in prefix}
    codes |= {"checkpoint": {"UNKNOWN_CHECKPOINT"}, "push_list": {"DUPLICATE_KEY"}}.get(feed, set())
    return codes


DAYS = 3
SEED = 20210802


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("mini")
    seen: list[tuple[str, int, int]] = []
    manifest = generate("mini", DAYS, SEED, out, progress=lambda s, i, n: seen.append((s, i, n)))
    assert seen and seen[-1][1] == seen[-1][2], "progress reaches its total"
    return out, manifest


# -- determinism ------------------------------------------------------------------


def test_same_arguments_give_byte_identical_output(mini, tmp_path: Path) -> None:
    out, _ = mini
    again = tmp_path / "again"
    generate("mini", DAYS, SEED, again)
    first, second = tree(out), tree(again)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == []
    assert any(name.endswith(".xlsx") for name in first), "xlsx is covered by the comparison"


def test_another_seed_gives_other_data(mini, tmp_path: Path) -> None:
    out, _ = mini
    other = tmp_path / "other"
    generate("mini", DAYS, SEED + 1, other)
    a, b = tree(out), tree(other)
    landing_a = {k: v for k, v in a.items() if k.startswith("landing/")}
    landing_b = {k: v for k, v in b.items() if k.startswith("landing/")}
    assert landing_a != landing_b
    common = set(landing_a) & set(landing_b)
    assert all(landing_a[k] != landing_b[k] for k in common if "checkpoint" in k)


# -- layout -----------------------------------------------------------------------


def test_layout_matches_the_contract(mini) -> None:
    out, _ = mini
    assert sorted(p.name for p in (out / "reference").iterdir()) == sorted(REFERENCE_HEADERS)
    for name, header in REFERENCE_HEADERS.items():
        rows = list(csv.reader((out / "reference" / name).open(encoding="utf-8", newline="")))
        assert rows[0] == header, name
        assert len(rows) > 1
        assert all(len(r) == len(header) for r in rows)
    feeds = sorted(p.name for p in (out / "landing").iterdir())
    assert feeds == sorted(FEEDS)
    dates = {(date(2021, 8, 2) + timedelta(days=i)).isoformat() for i in range(DAYS)}
    for feed in FEEDS:
        folders = {p.name for p in (out / "landing" / feed).iterdir()}
        assert folders <= dates, feed
        assert all(p.is_dir() for p in (out / "landing" / feed).iterdir())
        for folder in (out / "landing" / feed).iterdir():
            assert all(p.is_file() for p in folder.iterdir())
    assert (out / "manifest.json").is_file()


def test_reference_is_consistent_and_names_unique(mini) -> None:
    out, _ = mini

    def read(name: str) -> list[dict[str, str]]:
        with (out / "reference" / name).open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    areas, grids, cps = read("areas.csv"), read("grids.csv"), read("checkpoints.csv")
    communities = {a["community_code"] for a in areas}
    assert len(communities) == len(areas) == 3
    assert {a["street_code"] for a in areas} == {"440307011"}
    assert len({a["community_name"] for a in areas}) == len(areas)
    assert {g["community_code"] for g in grids} <= communities
    assert {c["community_code"] for c in cps} <= communities
    assert {c["kind"] for c in cps} <= {"PEDESTRIAN", "VEHICLE"}
    names = [c["checkpoint_name"] for c in cps] + [c["checkpoint_code"] for c in cps]
    assert len(set(names)) == len(names)


def test_manifest_covers_every_written_file(mini) -> None:
    out, manifest = mini
    on_disk = {k for k in tree(out) if k.startswith("landing/")}
    listed = [e.path for e in manifest.files]
    assert len(listed) == len(set(listed))
    assert set(listed) == on_disk
    assert Manifest.read(out / "manifest.json").to_dict() == manifest.to_dict()
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"preset", "days", "seed", "start", "dirty", "files"} <= set(data)
    for e in manifest.files:
        assert e.status in ("LOADED", "REJECTED", "DUPLICATE")
        assert e.feed in FEEDS
        if e.status != "LOADED":
            assert e.rows_read == 0 and e.quarantine == {}
        assert 0 <= e.rows_quarantined <= e.rows_read


def test_every_reason_code_appears_in_a_dirty_mini_run(mini) -> None:
    _, manifest = mini
    assert contract_reason_codes("verification") >= {"BAD_TIMESTAMP:measure_until"}
    assert contract_reason_codes("enterprise_filing") >= {"BAD_TIMESTAMP:planned_resume_date"}
    for feed in FEEDS:
        codes = contract_reason_codes(feed)
        assert codes == loader_reason_codes(feed), feed
        got = set()
        for e in manifest.files:
            if e.feed == feed:
                got |= set(e.quarantine)
        assert got == codes, feed
    statuses = {e.status for e in manifest.files}
    assert statuses == {"LOADED", "REJECTED", "DUPLICATE"}
    kinds = {e.kind for e in manifest.files}
    assert {"resent", "correction", "stray", "summary"} <= kinds


# -- encodings and formats --------------------------------------------------------------


def test_gbk_files_really_are_gbk_and_bom_files_have_a_bom(mini) -> None:
    out, manifest = mini
    gbk = [e for e in manifest.files if e.encoding == "gb18030"]
    bom = [e for e in manifest.files if e.encoding == "utf-8-sig"]
    assert gbk and bom
    for e in gbk:
        data = (out / e.path).read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        text = data.decode("gb18030")
        assert re.search(r"[\u4e00-\u9fff]", text.splitlines()[0]), "a Chinese header"
    for e in bom:
        data = (out / e.path).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        data.decode("utf-8-sig")
    for e in manifest.files:
        if e.encoding == "utf-8":
            assert not (out / e.path).read_bytes().startswith(b"\xef\xbb\xbf")


def test_xlsx_push_list_has_a_title_row_above_the_header_and_typed_cells(mini) -> None:
    out, manifest = mini
    books = [e for e in manifest.files if e.format == "xlsx"]
    assert books
    aliases = alias_map("push_list")
    for e in books:
        ws = openpyxl.load_workbook(out / e.path).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        header_at = next(
            i for i, r in enumerate(rows) if sum(norm(c) in aliases for c in r if c) >= 2
        )
        assert header_at >= 1, "a title row stands above the header"
        title = rows[0][0]
        assert isinstance(title, str) and norm(title) not in aliases
        assert any(str(rng.coord) == "A1" or rng.min_row == 1 for rng in ws.merged_cells.ranges)
        body = [r for r in rows[header_at + 1 :] if any(c is not None for c in r)]
        assert body
        cells = [c for r in body for c in r]
        assert any(isinstance(c, datetime) for c in cells)
        assert any(isinstance(c, (int, float)) and not isinstance(c, bool) for c in cells)


def test_stray_and_duplicate_files(mini) -> None:
    out, manifest = mini
    by_path = {e.path: e for e in manifest.files}
    rejected = [e for e in manifest.files if e.status == "REJECTED"]
    assert any(e.file_name.endswith(".txt") for e in rejected)
    for e in rejected:
        if e.format != "csv":
            continue
        header = next(csv.reader(io.StringIO((out / e.path).read_text(encoding="utf-8"))))
        aliases = alias_map(e.feed)
        present = {aliases.get(norm(h)) for h in header}
        required = {c for c, _, _, req in TABLES[e.feed] if req}
        assert required - present, "a rejected CSV lacks a required column"
    dups = [e for e in manifest.files if e.status == "DUPLICATE"]
    assert dups
    for e in dups:
        original = by_path[e.duplicate_of]
        assert original.status == "LOADED" and original.feed == e.feed
        assert original.delivery_date < e.delivery_date
        assert (out / e.path).read_bytes() == (out / original.path).read_bytes()
    # all other files are distinct, so nothing else is a duplicate by accident
    seen: dict[bytes, str] = {}
    for e in sorted(manifest.files, key=lambda e: (e.delivery_date, e.file_name)):
        if e.status == "DUPLICATE":
            continue
        data = (out / e.path).read_bytes()
        assert data not in seen, (e.path, seen.get(data))
        seen[data] = e.path


# -- the oracle: rows_read and quarantine counts re-derived from the bytes -----------------


def norm(value: object) -> str:
    return str(value).strip().lower()


def alias_map(feed: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for col, aliases, _, _ in TABLES[feed]:
        for a in (col, *aliases.split("|")):
            out[a.lower()] = col
    return out


def enum_values(kind: str) -> set[str]:
    return {v.lower() for group in kind[5:].split("|") for v in group.split()}


_TS = [
    re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$"),
    re.compile(r"^(\d{4})/(\d{2})/(\d{2})(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$"),
    re.compile(r"^(\d{4})年(\d{2})月(\d{2})日(?: (\d{2}):(\d{2})(?::(\d{2}))?)?$"),
    re.compile(r"^(\d{4})年(\d{2})月(\d{2})日 (\d{2})时(\d{2})分()$"),
]


def parse_timestamp(value: object) -> datetime | None:
    """A §3 timestamp (one of the forms the generator writes) as a datetime, else None."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    for rx in _TS:
        m = rx.match(str(value).strip())
        if m:
            parts = [int(g) if g else 0 for g in m.groups()]
            try:
                return datetime(*parts)
            except ValueError:
                return None
    return None


def parses_as_timestamp(value: object) -> bool:
    return parse_timestamp(value) is not None


def parses_as_integer(value: object, minimum: int | None = None) -> bool:
    try:
        number = float(str(value).strip())
    except ValueError:
        return False
    return number.is_integer() and (minimum is None or number >= minimum)


def read_rows(path: Path, fmt: str, encoding: str | None, feed: str) -> list[dict[str, object]]:
    aliases = alias_map(feed)
    if fmt == "xlsx":
        ws = openpyxl.load_workbook(path).worksheets[0]
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
        at = next(
            i for i, r in enumerate(grid[:10]) if sum(norm(c) in aliases for c in r if c) >= 2
        )
        header, body = grid[at], grid[at + 1 :]
    else:
        text = path.read_bytes().decode(encoding or "utf-8")
        records = list(csv.reader(io.StringIO(text, newline="")))
        header, body = records[0], records[1:]
    keys = [aliases.get(norm(h)) if h is not None else None for h in header]
    rows = []
    for r in body:
        cells = ["" if c is None else c for c in r]
        if all(str(c).strip() == "" for c in cells):
            continue  # wholly empty rows are skipped and not counted
        cells += [""] * (len(keys) - len(cells))
        rows.append({k: c for k, c in zip(keys, cells, strict=False) if k})
    return rows


def classify(feed: str, rows: list[dict[str, object]], checkpoints: set[str]) -> list[str | None]:
    """The contract §4 reason of every row (None: the row loads)."""
    table = TABLES[feed]
    out: list[str | None] = []
    keys: set[tuple[str, str]] = set()
    for row in rows:

        def val(col: str, row: dict[str, object] = row) -> str:
            v = row.get(col, "")
            return v if isinstance(v, (datetime, date)) else str(v).strip()  # type: ignore[return-value]

        reason = None
        for col, _, _, req in table:
            if req and val(col) == "":
                reason = f"MISSING_REQUIRED:{col}"
                break
        for prefix, test in (
            ("BAD_TIMESTAMP", lambda k, v, c: k == "ts" and not parses_as_timestamp(v)),
            ("BAD_ENUM", lambda k, v, c: k.startswith("enum:") and v.lower() not in enum_values(k)),
            ("BAD_NUMBER", lambda k, v, c: k == "int" and not parses_as_integer(v, MINIMUM.get(c))),
        ):
            if reason:
                break
            for col, _, kind, _ in table:
                v = val(col)
                if v != "" and test(kind, v, col):
                    reason = f"{prefix}:{col}"
                    break
        if (
            not reason
            and feed == "checkpoint"
            and val("checkpoint_code").lower() not in checkpoints
        ):
            reason = "UNKNOWN_CHECKPOINT"
        if not reason and feed == "push_list":
            key = (val("batch_id"), str(int(float(val("record_no")))))
            if key in keys:
                reason = "DUPLICATE_KEY"
            keys.add(key)
        out.append(reason)
    return out


def counts(reasons: list[str | None]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in reasons:
        if r:
            out[r] = out.get(r, 0) + 1
    return out


def checkpoint_names(out: Path) -> set[str]:
    with (out / "reference" / "checkpoints.csv").open(encoding="utf-8", newline="") as fh:
        return {
            v.lower()
            for r in csv.DictReader(fh)
            for v in (r["checkpoint_code"], r["checkpoint_name"])
        }


def test_manifest_counts_match_the_files(mini) -> None:
    out, manifest = mini
    cps = checkpoint_names(out)
    checked = 0
    for e in manifest.files:
        if e.status != "LOADED":
            continue
        rows = read_rows(out / e.path, e.format, e.encoding, e.feed)
        assert len(rows) == e.rows_read, e.path
        assert counts(classify(e.feed, rows, cps)) == e.quarantine, e.path
        checked += 1
    assert checked >= 12


def test_out_of_range_numbers_are_quarantined_as_bad_number(mini) -> None:
    """deadline_hours <= 0 and negative head counts are integers, but BAD_NUMBER (§5)."""
    out, manifest = mini
    cps = checkpoint_names(out)
    out_of_range: set[str] = set()
    for e in manifest.files:
        if e.status != "LOADED" or e.feed not in ("push_list", "enterprise_filing"):
            continue
        rows = read_rows(out / e.path, e.format, e.encoding, e.feed)
        for row, reason in zip(rows, classify(e.feed, rows, cps), strict=True):
            col = (reason or "").removeprefix("BAD_NUMBER:")
            if col in MINIMUM and parses_as_integer(row[col]):
                assert float(str(row[col])) < MINIMUM[col], (e.path, row)
                out_of_range.add(col)
    assert out_of_range == set(MINIMUM)


def test_quoted_fields_short_rows_and_blank_rows_are_present(mini) -> None:
    out, manifest = mini
    multiline = short = blank = False
    for e in manifest.files:
        if e.format != "csv" or e.status != "LOADED":
            continue
        text = (out / e.path).read_bytes().decode(e.encoding or "utf-8")
        records = list(csv.reader(io.StringIO(text, newline="")))
        width = len(records[0])
        multiline |= any("\n" in c or "," in c for r in records for c in r)
        short |= any(0 < len(r) < width and any(c.strip() for c in r) for r in records)
        blank |= any(all(c == "" for c in r) for r in records[1:])
    assert multiline and short and blank


def test_orphan_and_late_deliveries(mini) -> None:
    """Verifications of records never pushed, and of records whose list lands later."""
    out, manifest = mini
    pushed_on: dict[tuple[str, str], str] = {}
    for e in manifest.files:
        if e.feed == "push_list" and e.status == "LOADED":
            for r in read_rows(out / e.path, e.format, e.encoding, "push_list"):
                try:
                    key = (str(r["batch_id"]), str(int(float(str(r["record_no"])))))
                except ValueError:
                    continue
                pushed_on[key] = min(pushed_on.get(key, "9999"), e.delivery_date)
    never = early = 0
    for e in manifest.files:
        if e.feed == "verification" and e.status == "LOADED":
            for r in read_rows(out / e.path, e.format, e.encoding, "verification"):
                key = (str(r["batch_id"]), str(r["record_no"]))
                if key not in pushed_on:
                    never += 1
                elif pushed_on[key] > e.delivery_date:
                    early += 1
    assert never > 0 and early > 0
    assert any(e.kind == "late" and e.feed == "push_list" for e in manifest.files)
    assert any(e.kind == "late" and e.feed == "verification" for e in manifest.files)


# -- identities ----------------------------------------------------------------------------


def test_push_list_identity_flags_agree_with_stdnum(mini) -> None:
    """Every ID the generator meant valid passes stdnum after the contract's
    normalisation, and every one it meant invalid fails (manifest ``flags``)."""
    out, manifest = mini
    totals = identity_flags(out, manifest)
    assert totals["id_valid"] > 5 * totals["id_invalid"]


def identity_flags(out: Path, manifest: Manifest) -> dict[str, int]:
    """Identity flags of the loaded push rows re-derived with stdnum, checked against
    each file's manifest ``flags``; the totals."""
    first_day = date.fromisoformat(manifest.start)
    canon = {"": "RIC", "居民身份证": "RIC", "身份证": "RIC", "ric": "RIC"}
    totals = {"id_valid": 0, "id_invalid": 0, "id_missing": 0}
    for e in manifest.files:
        if e.feed != "push_list" or e.status != "LOADED":
            continue
        rows = read_rows(out / e.path, e.format, e.encoding, "push_list")
        reasons = classify("push_list", rows, set())
        flags = dict.fromkeys(totals, 0)
        for r, reason in zip(rows, reasons, strict=True):
            if reason:
                continue
            number = str(r.get("id_number", "") or "").strip()
            if not number:
                flags["id_missing"] += 1
                continue
            if canon.get(norm(r.get("id_type", "") or ""), "OTHER") == "RIC":
                n = re.sub(r"[\s-]", "", number).upper()
                if len(n) == 15:
                    body = n[:6] + "19" + n[6:]
                    n = body + ric.calc_check_digit(body + "0")
                ok = ric.is_valid(n) and date(1900, 1, 1) <= ric.get_birth_date(n) <= first_day
            else:
                ok = sum(c.isascii() and c.isalnum() for c in number) >= 5
            flags["id_valid" if ok else "id_invalid"] += 1
        assert flags == {k: e.flags.get(k, 0) for k in totals}, e.path
        for k in totals:
            totals[k] += flags[k]
    return totals


def test_meant_valid_identities_pass_stdnum() -> None:
    import random

    rng = random.Random(5)
    for _ in range(3000):
        number = ids.make_ric(rng, rng.random() < 0.5, 2020)
        assert ric.is_valid(number), number
        assert int(number[16]) % 2 in (0, 1)
        old = ids.make_old_ric(rng, True, 2020)
        assert len(old) == 15 and ric.is_valid(ids.normalise_ric(old)), old
        assert not ric.is_valid(ids.mistype_ric(rng, number))
        assert not ric.is_valid(ids.break_check_digit(number))
        assert ric.is_valid(ids.normalise_ric(ids.format_ric(rng, number)))
        code = ids.make_uscc(rng, "440307", individual=rng.random() < 0.3)
        assert uscc.is_valid(code), code
        assert not uscc.is_valid(ids.break_uscc(code))
        assert uscc.is_valid(ids.format_uscc(rng, code).replace(" ", "").upper())
        phone = ids.make_phone(rng)
        assert re.fullmatch(r"1[3-9]\d{9}", ids.normalise_phone(ids.format_phone(rng, phone)))
        assert not re.fullmatch(r"1[3-9]\d{9}", ids.normalise_phone(ids.bad_phone(rng)))
    male = ids.make_ric(rng, True, 2020)
    assert int(male[16]) % 2 == 1


def test_checkpoint_ids_are_mostly_valid_rics(mini) -> None:
    out, manifest = mini
    numbers = []
    for e in manifest.files:
        if e.feed == "checkpoint" and e.status == "LOADED":
            for r in read_rows(out / e.path, e.format, e.encoding, "checkpoint"):
                if r.get("id_number"):
                    numbers.append(str(r["id_number"]))
    assert len(numbers) > 20
    valid = sum(ric.is_valid(n) for n in numbers)
    assert valid >= 0.8 * len(numbers)


# -- presets and clean runs ------------------------------------------------------------------


def test_clean_run_has_no_defects(tmp_path: Path) -> None:
    manifest = generate("mini", 2, 3, tmp_path / "clean", dirty=False)
    assert manifest.files
    for e in manifest.files:
        assert e.status == "LOADED", e.path
        assert e.quarantine == {}
        assert e.encoding == "utf-8" and e.format == "csv"


def test_refuses_to_overwrite_foreign_data(tmp_path: Path) -> None:
    (tmp_path / "landing" / "push_list").mkdir(parents=True)
    (tmp_path / "landing" / "push_list" / "keep.csv").write_text("x")
    with pytest.raises(FileExistsError):
        generate("mini", 1, 1, tmp_path)
    assert (tmp_path / "landing" / "push_list" / "keep.csv").exists()
    with pytest.raises(ValueError):
        generate("nope", 1, 1, tmp_path / "x")


def test_regenerating_into_the_same_folder_replaces_it(tmp_path: Path) -> None:
    generate("mini", 2, 1, tmp_path)
    manifest = generate("mini", 1, 2, tmp_path)
    on_disk = {k for k in tree(tmp_path) if k.startswith("landing/")}
    assert on_disk == {e.path for e in manifest.files}


def test_wave_ramps_up_then_decays() -> None:
    profile = wave_profile(21, 21)
    peak = profile.index(max(profile))
    assert 0 < peak < 7 and max(profile) == 1.0
    assert all(a <= b for a, b in pairwise(profile[: peak + 1]))
    assert all(a >= b for a, b in pairwise(profile[peak:]))
    assert wave_profile(1, 21) == [1.0]


def test_street_preset_geography_and_volumes(tmp_path: Path) -> None:
    p = PRESETS["street"]
    assert (p.communities_per_street, p.grids_per_street, p.checkpoints_per_street) == (
        (12, 12),
        (452, 452),
        11,
    )
    manifest = generate("street", 1, 1, tmp_path)
    assert manifest.reference == {"areas.csv": 12, "grids.csv": 452, "checkpoints.csv": 11}
    with (tmp_path / "reference" / "areas.csv").open(encoding="utf-8") as fh:
        areas = list(csv.DictReader(fh))
    assert {a["street_name"] for a in areas} == {"平湖街道"}
    assert {a["street_code"] for a in areas} == {"440307011"}
    push = manifest.stats["push_list"]["2021-08-02"]
    assert 2000 <= push <= 3000  # one day at the peak of a wave
    assert 25_000 <= manifest.stats["checkpoint"]["2021-08-02"] <= 40_000
    topics = set()
    for e in manifest.files:
        if e.feed == "push_list" and e.status == "LOADED":
            rows = read_rows(tmp_path / e.path, e.format, e.encoding, "push_list")
            topics |= {str(r.get("topic", "")) for r in rows if r.get("topic")}
    assert 3 <= len(topics) <= 24


# -- start dates -------------------------------------------------------------------------


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter, failing the test (not hanging it) after ``timeout``."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=True
    )


def test_old_ric_for_an_early_birth_year_ends() -> None:
    code = """
import random
from stdnum.cn import ric
from gridwatch_generator import identities as ids
rng = random.Random(1)
for max_year in (1900, 1920, 1934, 1935, 1936):
    old = ids.make_old_ric(rng, True, max_year)
    full = ids.normalise_ric(old)
    assert len(old) == 15 and ric.is_valid(full), old
    assert 1900 <= ric.get_birth_date(full).year <= max_year, (old, max_year)
for max_year in (1800, 1899):
    try:
        ids.make_old_ric(rng, True, max_year)
    except ValueError as exc:
        assert "later start date" in str(exc), exc
    else:
        raise AssertionError(max_year)
"""
    run_python(code)


def test_an_unsupported_start_is_refused_at_once(tmp_path: Path) -> None:
    code = f"""
import datetime as dt
from gridwatch_generator import generate
from gridwatch_generator import ArgumentError
for start in (dt.date(1930, 1, 1), dt.date(1989, 12, 31), dt.date(2100, 1, 1)):
    try:
        generate("mini", 1, 1, {str(tmp_path / "out")!r}, start=start)
    except ArgumentError as exc:
        assert "use a date from 1990-01-01 to 2099-12-31" in str(exc), exc
    else:
        raise AssertionError(start)
"""
    run_python(code)
    assert not (tmp_path / "out").exists(), "nothing is written for a refused start"
    with pytest.raises(ArgumentError, match="use at most 2"):
        generate("mini", 3, 1, tmp_path / "late", start=date(2099, 12, 30))


@pytest.mark.parametrize("start", [FIRST_START, LAST_DAY])
def test_the_first_and_last_supported_start_give_valid_identities(
    tmp_path: Path, start: date
) -> None:
    manifest = generate("mini", 1, 4, tmp_path, start=start)
    totals = identity_flags(tmp_path, manifest)
    assert totals["id_valid"] > 5 * totals["id_invalid"]


# -- the promised late push list -----------------------------------------------------------


@pytest.mark.parametrize("days", [2, 5, 7, 14])
def test_a_dirty_run_always_has_a_push_list_delivered_the_day_after_issue(
    tmp_path: Path, days: int
) -> None:
    manifest = generate("mini", days, 7, tmp_path)
    late = []
    for e in manifest.files:
        if e.feed != "push_list" or e.status != "LOADED" or e.kind == "correction":
            continue  # a correction re-delivers earlier records on purpose
        rows = read_rows(tmp_path / e.path, e.format, e.encoding, "push_list")
        times = [parse_timestamp(r.get("issued_at", "")) for r in rows]
        issued = {t.date() for t in times if t is not None}
        delivered = date.fromisoformat(e.delivery_date)
        if issued and max(issued) < delivered:
            assert issued == {delivered - timedelta(days=1)}, e.path
            assert e.kind == "late", e.path
            late.append(e.path)
    assert late, f"no push list of the {days}-day run lands the day after it was issued"


# -- the backlog clears ----------------------------------------------------------------------

TERMINAL = {"已纳管", "managed", "不在辖区", "not_in_jurisdiction", "已离开", "已离深", "left"}
TERMINAL |= {"查无此人", "not_found"}


def loaded_rows(out: Path, manifest: Manifest, feed: str) -> list[tuple[str, dict[str, object]]]:
    """(delivery date, row) of every row of ``feed`` that loads (oracle: no reason)."""
    cps = checkpoint_names(out)
    rows: list[tuple[str, dict[str, object]]] = []
    for e in sorted(manifest.files, key=lambda e: (e.delivery_date, e.file_name)):
        if e.feed == feed and e.status == "LOADED":
            read = read_rows(out / e.path, e.format, e.encoding, feed)
            for row, reason in zip(read, classify(feed, read, cps), strict=True):
                if reason is None:
                    rows.append((e.delivery_date, row))
    return rows


def record_key(row: dict[str, object]) -> tuple[str, int]:
    return str(row["batch_id"]).strip(), int(float(str(row["record_no"])))


def test_every_record_but_the_last_days_gets_a_result(tmp_path: Path) -> None:
    """No push record stays open for good: the hard-to-reach ones are a long tail
    (unreachable attempts, then a result days later) that clears."""
    days = 14
    manifest = generate("mini", days, 7, tmp_path)
    last = date.fromisoformat(manifest.start) + timedelta(days=days - 1)
    issued = {
        record_key(row): parse_timestamp(row["issued_at"])
        for _, row in loaded_rows(tmp_path, manifest, "push_list")
    }
    verifications = loaded_rows(tmp_path, manifest, "verification")
    terminal = {record_key(r) for _, r in verifications if norm(r["outcome"]) in TERMINAL}
    attempts = {record_key(r) for _, r in verifications if norm(r["outcome"]) not in TERMINAL}
    old = {k for k, t in issued.items() if (last - t.date()).days > 10}
    assert len(old) > 30
    assert sorted(old - terminal) == []
    assert old & attempts & terminal, "some were unreachable first, then got a result"


# -- rows sent again -------------------------------------------------------------------------


def canonical(feed: str, col: str, value: object) -> str:
    """The canonical value of an enumeration cell (contract §5 tables above)."""
    kind = next(k for c, _, k, _ in TABLES[feed] if c == col)
    for group in kind[5:].split("|"):
        spellings = group.split()
        if norm(value) in {s.lower() for s in spellings}:
            return spellings[-1]
    raise AssertionError((feed, col, value))


def resent_pairs(
    rows: list[tuple[str, dict[str, object]]], identity: tuple[str, ...], time_col: str
) -> list[tuple[datetime, datetime]]:
    """Times of one row as delivered on two different days: rows alike in ``identity``
    whose times lie less than a minute apart (what a style without seconds makes of it)."""
    seen: dict[tuple[str, ...], list[tuple[str, datetime]]] = {}
    pairs = []
    for day, row in rows:
        key = tuple(str(row.get(c, "")) for c in identity)
        when = parse_timestamp(row[time_col])
        for other_day, other in seen.get(key, []):
            if other_day != day and abs((when - other).total_seconds()) < 60:
                pairs.append((other, when))
        seen.setdefault(key, []).append((day, when))
    return pairs


@pytest.fixture(scope="module")
def fortnight(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Manifest]:
    out = tmp_path_factory.mktemp("fortnight")
    return out, generate("mini", 14, 7, out)


def test_a_row_sent_again_the_next_day_keeps_its_dedup_key(fortnight) -> None:
    """(batch_id, record_no, verified_at, outcome) and (filing_id, event, event_time)
    of a re-sent row read the same in both days' files, whatever their time styles."""
    out, manifest = fortnight
    ver = [
        (day, {**r, "outcome": canonical("verification", "outcome", r["outcome"])})
        for day, r in loaded_rows(out, manifest, "verification")
    ]
    ver_pairs = resent_pairs(ver, ("batch_id", "record_no", "outcome"), "verified_at")
    ent = [
        (day, {**r, "event": canonical("enterprise_filing", "event", r["event"])})
        for day, r in loaded_rows(out, manifest, "enterprise_filing")
    ]
    ent_pairs = resent_pairs(ent, ("filing_id", "event"), "event_time")
    assert ver_pairs and ent_pairs, "a dirty run re-sends rows on the next day"
    assert [(a, b) for a, b in ver_pairs if a != b] == []
    assert [(a, b) for a, b in ent_pairs if a != b] == []


# -- enterprise events in office hours ---------------------------------------------------------


def test_enterprise_reviews_happen_in_office_hours(fortnight) -> None:
    out, manifest = fortnight
    events = 0
    for _, row in loaded_rows(out, manifest, "enterprise_filing"):
        event = canonical("enterprise_filing", "event", row["event"])
        when = parse_timestamp(row["event_time"])
        assert when is not None
        if event in ("APPROVED", "RESUMED"):
            assert not (when.hour >= 22 or when.hour < 7), row
        if event != "FILED":
            events += 1
            assert (8, 30) <= (when.hour, when.minute) <= (18, 0), row
    assert events > 10


# -- regenerating into a folder ----------------------------------------------------------------


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under ``root``."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


@pytest.mark.parametrize(
    "foreign",
    [
        "landing/push_list/2021-08-02/手工补录.csv",  # beside generated files
        "landing/checkpoint/2021-09-30/gate.csv",  # a folder the generator never wrote
        "reference/streets_extra.csv",
    ],
)
def test_regenerating_refuses_files_it_did_not_write_and_deletes_nothing(
    tmp_path: Path, foreign: str
) -> None:
    generate("mini", 2, 1, tmp_path)
    (tmp_path / foreign).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / foreign).write_text("batch_id\nmine\n", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(FileExistsError, match="did not write") as caught:
        generate("mini", 1, 2, tmp_path)
    assert foreign in str(caught.value) and "nothing was deleted" in str(caught.value)
    assert snapshot(tmp_path) == before


def test_regenerating_keeps_files_beside_landing_and_reference(tmp_path: Path) -> None:
    generate("mini", 2, 1, tmp_path)
    (tmp_path / "notes.md").write_text("mine", encoding="utf-8")
    (tmp_path / "landing" / "push_list" / "empty").mkdir()
    manifest = generate("mini", 1, 2, tmp_path)
    assert (tmp_path / "notes.md").read_text(encoding="utf-8") == "mine"
    landing = {k for k, v in snapshot(tmp_path).items() if k.startswith("landing/") and v}
    assert landing == {e.path for e in manifest.files}


def test_an_output_folder_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    with pytest.raises(FileExistsError, match="is a file, not a folder"):
        generate("mini", 1, 1, tmp_path / "out")
    assert (tmp_path / "out").read_text(encoding="utf-8") == "not a folder"


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("stage", ["push_list", "checkpoint", "enterprise_filing"])
def test_an_interrupted_run_can_be_regenerated(tmp_path: Path, stage: str) -> None:
    def stop(done: str, i: int, n: int) -> None:
        if done.endswith(stage) and i > n // 2:
            raise Interrupted(done)

    with pytest.raises(Interrupted):
        generate("mini", 4, 1, tmp_path, progress=stop)
    assert not (tmp_path / "manifest.json").exists()
    log = (tmp_path / "generate.in-progress").read_text(encoding="utf-8").splitlines()
    written = {k for k, v in snapshot(tmp_path).items() if v is not None}
    assert written - {"generate.in-progress"} <= set(log), "each file is listed first"
    assert any(k.startswith("landing/") for k in written)

    manifest = generate("mini", 2, 3, tmp_path)
    on_disk = {k for k, v in snapshot(tmp_path).items() if v is not None}
    expected = {e.path for e in manifest.files} | {f"reference/{n}" for n in manifest.reference}
    assert on_disk == expected | {"manifest.json"}


# -- the command line -----------------------------------------------------------------------------


def cli_generate(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gridwatch.cli", "generate", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "--days must be at least 1 (got 0)"),
        (["--days", "-3"], "--days must be at least 1 (got -3)"),
        (["--start", "1930-01-01"], "--start 1930-01-01 is out of range: use a date from 1990"),
        (["--start", "2100-01-01"], "use a date from 1990-01-01 to 2099-12-31"),
        (["--out", "afile"], "--out afile is a file, not a folder"),
        (["--out", "theirs"], "--out theirs holds files the generator did not write"),
    ],
)
def test_cli_mistakes_are_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    (tmp_path / "theirs" / "reference").mkdir(parents=True)
    (tmp_path / "theirs" / "reference" / "areas.csv").write_text("x", encoding="utf-8")
    before = snapshot(tmp_path)
    result = cli_generate(tmp_path, "--preset", "mini", *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], "one line"
    assert message in result.stderr and "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before, "nothing written or deleted"


def test_cli_generate_prints_what_to_run_next(tmp_path: Path) -> None:
    result = cli_generate(tmp_path, "--preset", "mini", "--days", "3", "--out", "gen")
    assert result.returncode == 0, result.stderr
    out = (tmp_path / "gen").resolve()
    assert f"GRIDWATCH_LANDING_DIR={out / 'landing'} " in result.stdout
    assert f"GRIDWATCH_REFERENCE_DIR={out / 'reference'} " in result.stdout
    assert "gridwatch backfill 2021-08-02 2021-08-04" in result.stdout
    assert (out / "manifest.json").is_file()


def test_cli_generate_options_are_documented() -> None:
    from gridwatch.cli import parser

    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    generate_parser = sub.choices["generate"]
    options = [a for a in generate_parser._actions if a.dest != "help"]
    assert {a.dest for a in options} == {"preset", "days", "seed", "start", "out"}
    assert all(a.help for a in options)
    preset = next(a for a in options if a.dest == "preset")
    assert list(preset.choices) == list(PRESETS)
