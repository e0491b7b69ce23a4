"""The generator: simulates a wave of push lists and the work it causes, day by day.

Each simulated day writes that day's delivery folders and forgets what it no
longer needs, so memory stays bounded by a few days of push records however
long the run. All randomness comes from ``random.Random`` streams seeded from
``seed`` (and DuckDB ``hash`` for checkpoint logs), never from the clock, so
the same arguments give byte-identical files.
"""

from __future__ import annotations

import csv
import math
import random
import shutil
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from . import identities as ids
from . import names
from .arguments import check_arguments, check_span
from .checkpoints import CheckpointFileSpec, CheckpointWriter, diurnal_seconds
from .feeds import BAD_ENUM_VALUES, FEEDS, REFERENCE_HEADERS, EnumStyle
from .manifest import FileEntry, Manifest
from .output import MANIFEST_NAME, OutputLog, prepare_out
from .presets import PRESETS, Geography, Preset, build_geography
from .writers import CsvFile, Layout, TimeStyle, transcode, write_text, write_xlsx

Progress = Callable[[str, int, int], None]
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)

# Variant of a BAD_NUMBER kind: an integer below the column's minimum (§5), not a non-number.
OUT_OF_RANGE = "~out_of_range"
OUT_OF_RANGE_VALUES: dict[str, tuple[str, ...]] = {
    "deadline_hours": ("0", "-24", "-6", "0.0"),  # integer > 0
    "employees_total": ("-1", "-12", "-3"),  # integers >= 0
    "employees_returned": ("-1", "-5"),
    "employees_from_risk_areas": ("-1", "-2"),
}

# Defects the dirty knobs write, per feed: a contract §4 reason code each (all that
# apply), plus "<reason code>~out_of_range" for integers below their minimum.
DIRTY_KINDS: dict[str, tuple[str, ...]] = {
    "push_list": (
        "MISSING_REQUIRED:batch_id",
        "MISSING_REQUIRED:topic",
        "MISSING_REQUIRED:issued_at",
        "MISSING_REQUIRED:record_no",
        "MISSING_REQUIRED:name",
        "MISSING_REQUIRED:street",
        "BAD_TIMESTAMP:issued_at",
        "BAD_TIMESTAMP:arrived_at",
        "BAD_NUMBER:deadline_hours",
        "BAD_NUMBER:deadline_hours" + OUT_OF_RANGE,
        "BAD_NUMBER:record_no",
        "DUPLICATE_KEY",
    ),
    "verification": (
        "MISSING_REQUIRED:batch_id",
        "MISSING_REQUIRED:record_no",
        "MISSING_REQUIRED:verified_at",
        "MISSING_REQUIRED:community",
        "MISSING_REQUIRED:method",
        "MISSING_REQUIRED:outcome",
        "BAD_TIMESTAMP:verified_at",
        "BAD_TIMESTAMP:measure_until",
        "BAD_ENUM:method",
        "BAD_ENUM:outcome",
        "BAD_ENUM:measure",
        "BAD_ENUM:health_code",
        "BAD_ENUM:nat_result",
        "BAD_NUMBER:record_no",
    ),
    "checkpoint": (
        "MISSING_REQUIRED:checkpoint_code",
        "MISSING_REQUIRED:event_time",
        "MISSING_REQUIRED:direction",
        "MISSING_REQUIRED:subject",
        "BAD_TIMESTAMP:event_time",
        "BAD_ENUM:direction",
        "BAD_ENUM:subject",
        "BAD_ENUM:health_code",
        "BAD_ENUM:action",
        "UNKNOWN_CHECKPOINT",
    ),
    "enterprise_filing": (
        "MISSING_REQUIRED:filing_id",
        "MISSING_REQUIRED:uscc",
        "MISSING_REQUIRED:enterprise_name",
        "MISSING_REQUIRED:community",
        "MISSING_REQUIRED:category",
        "MISSING_REQUIRED:event",
        "MISSING_REQUIRED:event_time",
        "BAD_TIMESTAMP:event_time",
        "BAD_TIMESTAMP:planned_resume_date",
        "BAD_ENUM:category",
        "BAD_ENUM:event",
        "BAD_ENUM:inspection_passed",
        "BAD_NUMBER:employees_total",
        "BAD_NUMBER:employees_total" + OUT_OF_RANGE,
        "BAD_NUMBER:employees_returned",
        "BAD_NUMBER:employees_returned" + OUT_OF_RANGE,
        "BAD_NUMBER:employees_from_risk_areas",
        "BAD_NUMBER:employees_from_risk_areas" + OUT_OF_RANGE,
    ),
}


def reason_of(kind: str) -> str:
    """The §4 reason code a dirty kind makes the loader give its row."""
    return kind.removesuffix(OUT_OF_RANGE)


def column_of(kind: str) -> str:
    """The column a dirty kind spoils ('' for DUPLICATE_KEY and UNKNOWN_CHECKPOINT)."""
    return reason_of(kind).partition(":")[2]


ALL_REASON_CODES = tuple(sorted({reason_of(k) for kinds in DIRTY_KINDS.values() for k in kinds}))

DIRTY_ROW_RATE = 0.002  # share of rows with a defect, after the first file of a feed

HARD_TO_REACH = 0.03  # share of push records whose person is hard to reach
HARD_TO_REACH_HOURS = (72.0, 216.0)  # their result comes 3-9 days after issue


def _bad_timestamp(rng: random.Random, year: int) -> str:
    return rng.choice(
        (f"{year}-13-45 09:00", f"{year}-02-30 10:00", "下午3点", "待定", "yesterday", "--")
    )


BAD_NUMBERS = ("12.5", "二十四", "约50", "若干", "3/4", "N/A")


def _with_defect(
    values: dict[str, str],
    defect: str,
    rng: random.Random,
    year: int,
    bad_numbers: tuple[str, ...],
) -> dict[str, str]:
    """A copy of a row's cells with the one defect a dirty kind names."""
    bad = dict(values)
    code, _, col = reason_of(defect).partition(":")
    if defect.endswith(OUT_OF_RANGE):
        bad[col] = rng.choice(OUT_OF_RANGE_VALUES[col])
    elif code == "MISSING_REQUIRED":
        bad[col] = ""
    elif code == "BAD_TIMESTAMP":
        bad[col] = _bad_timestamp(rng, year)
    elif code == "BAD_ENUM":
        bad[col] = rng.choice(BAD_ENUM_VALUES[col])
    else:
        bad[col] = rng.choice(bad_numbers)
    return bad


OFFICE_OPENS, OFFICE_CLOSES = time(8, 30), time(18, 0)


def office_time(t: datetime) -> datetime:
    """``t`` on a whole minute (rounded up) inside office hours, 08:30-18:00: a time
    outside them moves to the next opening, spread over its first hour by the minute."""
    whole = t.replace(second=0, microsecond=0)
    if whole < t:
        whole += timedelta(minutes=1)
    if OFFICE_OPENS <= whole.time() <= OFFICE_CLOSES:
        return whole
    day = whole.date() + (DAY if whole.time() > OFFICE_CLOSES else timedelta(0))
    return datetime.combine(day, OFFICE_OPENS) + timedelta(minutes=whole.minute)


def wave_profile(days: int, wave_days: int) -> list[float]:
    """Push intensity per day (peak = 1): a quick ramp up, then exponential decay."""
    out: list[float] = []
    for d in range(days):
        t = d % wave_days
        length = min(wave_days, days - (d - t))
        peak = round(0.15 * (length - 1))
        v = 0.45 ** (peak - t) if t <= peak else max(0.5 ** (t - peak), 0.02)
        out.append(v)
    return out


# ---------------------------------------------------------------------------
# people and records


@dataclass(slots=True)
class Person:
    name: str
    male: bool
    id_type: str  # canonical RIC / PASSPORT / HKMO / TW / OTHER, '' = no document
    id_number: str  # as on the document (RIC 18, old RIC 15, or a wrong number)
    phone: str  # 11-digit mobile, a bad number, or ''
    community: int
    grid: int
    address: str
    id_ok: bool | None  # None: no document; else whether the number is valid (§3)
    outcome: str | None = None  # last terminal outcome
    measure: str | None = None


ID_TYPE_LABELS: dict[str, tuple[tuple[str, float], ...]] = {
    "RIC": (("居民身份证", 50.0), ("身份证", 25.0), ("", 20.0), ("RIC", 5.0)),
    "PASSPORT": (("护照", 85.0), ("passport", 10.0), ("Passport", 5.0)),
    "HKMO": (("港澳通行证", 90.0), ("HKMO", 10.0)),
    "TW": (("台胞证", 90.0), ("TW", 10.0)),
    "OTHER": (("军官证", 50.0), ("外国人永久居留身份证", 50.0)),
    "": (("", 100.0),),
}
_ID_TYPE_CANON = {
    "": "RIC",
    "居民身份证": "RIC",
    "身份证": "RIC",
    "ric": "RIC",
    "护照": "PASSPORT",
    "passport": "PASSPORT",
    "港澳通行证": "HKMO",
    "hkmo": "HKMO",
    "台胞证": "TW",
    "tw": "TW",
}


@dataclass(slots=True)
class Record:
    batch_id: str
    record_no: int
    topic: str
    issued: datetime
    deadline: int | None  # None = left empty (default 24)
    person: Person
    id_type_label: str
    id_shown: str
    phone_shown: str
    street_shown: str
    community_shown: str
    address: str
    source: str
    reason: str
    arrived: datetime | None
    id_valid: bool | None  # whether id_shown is valid (§3); None when empty
    defect: str | None = None  # dirty kind when this row is written broken


@dataclass
class Batch:
    batch_id: str
    topic: str
    issued: datetime
    deadline: int
    records: list[Record]
    delivery_day: int
    file_name: str = ""
    delivered: bool = False


@dataclass(slots=True)
class Verif:
    """One verification row (semantic values; formatted per file when written)."""

    verified: datetime
    batch_id: str
    record_no: int
    id_shown: str
    community: int
    grid: int | None
    verifier: str
    method: str
    outcome: str
    measure: str | None
    measure_until: date | None
    health: str | None
    nat: str | None
    late: bool = False  # delivered the day after it was made


@dataclass
class Enterprise:
    uscc_shown: str
    name: str
    community: int
    community_shown: str
    category: str
    employees: int
    individual: bool


@dataclass(slots=True)
class EntEvent:
    when: datetime
    ent: Enterprise
    filing_id: str
    event: str
    total: int | None
    returned: int | None
    from_risk: int | None
    planned: date | None
    inspection: str | None


@dataclass
class _State:
    """Bookkeeping of what the dirty knobs still owe (so a short run covers them all)."""

    deck: dict[str, list[str]] = field(default_factory=dict)
    special_formats: list[str] = field(default_factory=list)
    loaded_files: list[FileEntry] = field(default_factory=list)
    late_split_done: bool = False
    late_list_done: bool = False  # a push list delivered the day after it was issued
    resent_rows: set[str] = field(default_factory=set)  # feeds with a row sent again


# ---------------------------------------------------------------------------


class Generator:
    def __init__(
        self,
        preset: Preset,
        days: int,
        seed: int,
        out: Path,
        start: date,
        dirty: bool,
        progress: Progress | None,
    ) -> None:
        check_span(days, start)
        self.p = preset
        self.days = days
        self.seed = seed
        self.out = Path(out)
        self.start = start
        self.dirty = dirty
        self.progress = progress
        self.max_birth_year = start.year - 1

        def stream(name: str) -> random.Random:
            return random.Random(f"gridwatch:{seed}:{name}")

        self.rng_geo = stream("geo")
        self.rng_people = stream("people")
        self.rng_push = stream("push")
        self.rng_ver = stream("verification")
        self.rng_cp = stream("checkpoint")
        self.rng_ent = stream("enterprise")
        self.rng_fmt = stream("format")
        self.rng_dirty = stream("dirty")

        self.geo: Geography = build_geography(preset, self.rng_geo)
        self.manifest = Manifest(
            preset=preset.name, days=days, seed=seed, start=start.isoformat(), dirty=dirty
        )
        self.state = _State()
        self.log: OutputLog | None = None
        if dirty:
            for feed, kinds in DIRTY_KINDS.items():
                deck = list(kinds)
                self.rng_dirty.shuffle(deck)
                self.state.deck[feed] = deck
            self.state.special_formats = ["deck", "xlsx", "gbk", "bom"]

        # area presentation helpers
        geo = self.geo
        self._known_area_values = {c.code for c in geo.communities} | {
            c.name for c in geo.communities
        }
        self._known_area_values |= {s.code for s in geo.streets} | {s.name for s in geo.streets}
        com_w = [self.rng_geo.lognormvariate(0, 0.5) for _ in geo.communities]
        self._com_cum = list(_accumulate(com_w))
        self._workers: dict[int, list[str]] = {}

        self.profile = wave_profile(days, preset.wave_days)
        per_wave = sum(wave_profile(preset.wave_days, preset.wave_days))
        self.mean_batch = max(4.0, preset.push_peak * per_wave / preset.batches_per_wave)
        self.recent: deque[Person] = deque(maxlen=max(500, preset.push_peak * 2))
        self.recent_batches: dict[int, list[Batch]] = {}
        self.late_batches: dict[int, list[Batch]] = {}
        self.pending_ver: dict[int, list[Verif]] = {}
        self.pending_ent: dict[int, list[EntEvent]] = {}
        self.cp_pushed: deque[tuple[str, str]] = deque(maxlen=8192)
        self.batch_fmt = "%y%m%d" if days > 300 else "%m%d"

    # -- helpers -------------------------------------------------------------

    def _claim(self, path: Path) -> Path:
        """List ``path`` in the in-progress log before it is written (see output.py)."""
        if self.log is None:
            raise RuntimeError("the generator writes files only inside Generator.run")
        return self.log.claim(path)

    def _tick(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _date(self, d: int) -> date:
        return self.start + timedelta(days=d)

    def _folder(self, feed: str, d: int) -> Path:
        return self.out / "landing" / feed / self._date(d).isoformat()

    def _pick_community(self, rng: random.Random, street: int | None = None) -> int:
        if street is None:
            return rng.choices(range(len(self.geo.communities)), cum_weights=self._com_cum)[0]
        return rng.choice(self.geo.streets[street].communities)

    def _community_shown(self, rng: random.Random, ci: int, unresolved: float) -> str:
        c = self.geo.communities[ci]
        u = rng.random()
        if u < unresolved:
            for cand in (
                c.name.removesuffix("社区") + rng.choice(("村", "小区", "")),
                "某某社区",
                c.name + "（旧）",
            ):
                if cand not in self._known_area_values:
                    return cand
        return c.code if u < unresolved + 0.22 else c.name

    def _street_shown(self, rng: random.Random, ci: int) -> str:
        st = self.geo.streets[self.geo.communities[ci].street_index]
        u = rng.random()
        if u < 0.015:
            cand = st.name.removesuffix("街道") + rng.choice(("镇", "街"))
            if cand not in self._known_area_values:
                return cand
        return st.code if u < 0.3 else st.name

    def _worker(self, ci: int, grid: int) -> str:
        ws = self._workers.get(ci)
        if ws is None:
            r = random.Random(f"gridwatch:{self.seed}:workers:{ci}")
            ws = [names.chinese_name(r, r.random() < 0.4) for _ in range(r.randint(3, 8))]
            self._workers[ci] = ws
        return ws[grid % len(ws)]

    def _encoding(self, rng: random.Random) -> str:
        if not self.dirty:
            return "utf-8"
        u = rng.random()
        return "gb18030" if u < 0.15 else "utf-8-sig" if u < 0.3 else "utf-8"

    def _take_dirty(self, feed: str, n_rows: int, capacity: int) -> list[str]:
        """Defects for one file: what the deck still owes first, then a trickle."""
        if not self.dirty or capacity <= 0:
            return []
        deck = self.state.deck[feed]
        kinds: list[str] = []
        while deck and len(kinds) < capacity:
            kinds.append(deck.pop())
        expected = n_rows * DIRTY_ROW_RATE * (0.25 if feed == "checkpoint" else 1.0)
        k = int(expected) + (1 if self.rng_dirty.random() < expected - int(expected) else 0)
        for _ in range(min(k, 25, capacity - len(kinds))):
            kinds.append(self.rng_dirty.choice(DIRTY_KINDS[feed]))
        return kinds

    def _register(self, entry: FileEntry) -> FileEntry:
        self.manifest.add(entry)
        if entry.status == "LOADED" and entry.format == "csv":
            self.state.loaded_files.append(entry)
        return entry

    # -- people ----------------------------------------------------------------

    def _new_person(self, rng: random.Random) -> Person:
        male = rng.random() < 0.53
        u = rng.random()
        name = names.chinese_name(rng, male)
        if u < 0.86:
            id_type, number = "RIC", ids.make_ric(rng, male, self.max_birth_year)
        elif u < 0.89:
            id_type, number = "RIC", ids.make_old_ric(rng, male, self.max_birth_year)
        elif u < 0.915:
            good = ids.make_ric(rng, male, self.max_birth_year)
            id_type, number = "RIC", ids.break_check_digit(good)
        elif u < 0.923:
            id_type, number = "PASSPORT", ids.make_passport(rng, chinese=True)
        elif u < 0.93:
            id_type, number = "PASSPORT", ids.make_passport(rng, chinese=False)
            name = names.foreign_name(rng)
        elif u < 0.94:
            id_type, number = "HKMO", ids.make_hkmo(rng)
        elif u < 0.943:
            id_type, number = "TW", ids.make_tw(rng)
        elif u < 0.945:
            id_type, number = "OTHER", f"{rng.randint(10_000_000, 99_999_999)}"
        else:
            id_type, number = "", ""
        v = rng.random()
        if v < 0.93 or not number:
            phone = ids.make_phone(rng)
        elif v < 0.95:
            phone = ids.bad_phone(rng)
        else:
            phone = ""
        ci = self._pick_community(rng)
        com = self.geo.communities[ci]
        grid = rng.randrange(len(com.grids))
        id_ok = None if not number else not (0.89 <= u < 0.915)
        address = names.address(rng, com.name)
        return Person(name, male, id_type, number, phone, ci, grid, address, id_ok)

    def _make_record(
        self,
        rng: random.Random,
        person: Person,
        repeat: bool,
        batch_id: str,
        no: int,
        topic: str,
        issued: datetime,
        deadline: int,
    ) -> Record:
        id_type = person.id_type
        label = ids_label(rng, id_type)
        id_shown = person.id_number
        id_valid = person.id_ok
        phone_shown = person.phone
        if repeat:
            u = rng.random()
            if u < 0.12 and id_type == "RIC" and len(id_shown) == 18 and person.phone:
                id_shown = ids.mistype_ric(rng, id_shown)  # same phone + name, mistyped ID
                id_valid = False
            elif u < 0.2 and person.phone:
                id_shown, label, id_valid = "", "", None  # ID left out, same phone + name
        if id_type == "RIC" and id_shown:
            id_shown = ids.format_ric(rng, id_shown)
        if phone_shown and ids.PHONE_RE.match(phone_shown):
            phone_shown = ids.format_phone(rng, phone_shown)
        sources = names.TOPIC_SOURCES.get(topic, names.DEFAULT_SOURCES)
        arrived = None
        if rng.random() < 0.6:
            arrived = issued - timedelta(minutes=rng.randint(60, 14 * 24 * 60))
        address = person.address if rng.random() < 0.8 else ""
        if self.dirty and address and rng.random() < 0.01:
            address = address.replace("号", rng.choice(("号,", '号"东区"', "号\n")), 1)
        return Record(
            batch_id=batch_id,
            record_no=no,
            topic=topic,
            issued=issued,
            deadline=deadline,
            person=person,
            id_type_label=label,
            id_shown=id_shown,
            phone_shown=phone_shown,
            street_shown=self._street_shown(rng, person.community),
            community_shown=""
            if rng.random() < 0.06
            else self._community_shown(rng, person.community, 0.03),
            address=address,
            source=rng.choice(sources) if rng.random() < 0.85 else "",
            reason=rng.choice(names.PUSH_REASONS) if rng.random() < 0.7 else "",
            arrived=arrived,
            id_valid=id_valid,
        )

    # -- push lists ---------------------------------------------------------------

    def _topics_for(self, d: int) -> tuple[list[str], int]:
        wave = d // self.p.wave_days
        t = d % self.p.wave_days
        pool = list(names.TOPICS)
        offset = (wave * 9) % len(pool)
        topics = (pool[offset:] + pool[:offset])[: self.p.topics_per_wave]
        return topics, t

    def _simulate_push(self, d: int) -> list[Batch]:
        rng = self.rng_push
        people = self.rng_people
        day = self._date(d)
        n_records = max(1, round(self.p.push_peak * self.profile[d] * rng.uniform(0.9, 1.1)))
        n_batches = max(1, round(n_records / self.mean_batch * rng.uniform(0.8, 1.2)))
        if self.dirty and d == 0:
            # room for the owed late list (see _forces_late) beside a regular one
            n_batches = max(n_batches, min(4, n_records // 8), 2 if self.days > 1 else 1)
        weights = [rng.lognormvariate(0, 0.6) for _ in range(n_batches)]
        total_w = sum(weights)
        sizes = [max(1, round(n_records * w / total_w)) for w in weights]
        topics, t = self._topics_for(d)
        wave_len = self.p.wave_days
        active = [
            tp
            for i, tp in enumerate(topics)
            if i == 0 or i * 0.6 * wave_len / len(topics) <= t or self.days <= 3
        ]
        topic_w = [1.0 / (i + 1) ** 0.9 for i in range(len(active))]
        hours = rng.choices(
            range(7, 24),
            weights=(1, 2, 3, 3, 2, 2, 2, 3, 3, 2, 2, 2, 1.5, 1, 0.8, 0.6, 0.4),
            k=n_batches,
        )
        times = sorted(
            datetime(
                day.year, day.month, day.day, h, rng.choice((0, 0, 15, 30, 45, rng.randrange(60)))
            )
            for h in hours
        )
        repeat_p = min(0.6, 0.15 + 0.12 * (d % wave_len)) if self.recent else 0.0
        batches: list[Batch] = []
        for b, (size, issued) in enumerate(zip(sizes, times, strict=True)):
            force_late = self._forces_late(d, b, n_batches)
            if force_late:
                issued = max(issued, issued.replace(hour=22, minute=40))
            batch_id = f"SZ-{day.strftime(self.batch_fmt)}-{b + 1:02d}"
            topic = rng.choices(active, weights=topic_w)[0]
            deadline = rng.choices((24, 12, 48, 6, 2), weights=(80, 12, 3, 3, 2))[0]
            recs: list[Record] = []
            seen: set[int] = set()
            for no in range(1, size + 1):
                person = None
                if self.recent and people.random() < repeat_p:
                    cand = self.recent[people.randrange(len(self.recent))]
                    if id(cand) not in seen:
                        person = cand
                repeat = person is not None
                if person is None:
                    person = self._new_person(people)
                    self.recent.append(person)
                seen.add(id(person))
                recs.append(
                    self._make_record(people, person, repeat, batch_id, no, topic, issued, deadline)
                )
            late = issued.hour >= 22 and (rng.random() < 0.8 or force_late)
            if late and d + 1 < self.days:
                self.state.late_list_done = True
            batches.append(Batch(batch_id, topic, issued, deadline, recs, d + (1 if late else 0)))
        return batches

    def _forces_late(self, d: int, b: int, n_batches: int) -> bool:
        """Whether batch ``b`` of day ``d`` must land a day late: a dirty run always has
        one such list, the last of the first day with two or more (one stays regular)."""
        return (
            self.dirty
            and not self.state.late_list_done
            and d + 1 < self.days
            and n_batches >= 2
            and b == n_batches - 1
        )

    def _push_layout(self, rng: random.Random, need: set[str], xlsx: bool) -> Layout:
        always = {"id_type", "id_number", "phone", "community"} | need
        return Layout.choose(
            "push_list",
            rng,
            always=always,
            drop_share=0.2,
            chinese_only=xlsx,
            extra_share=0.0 if xlsx else 0.15,
        )

    def _push_values(
        self, r: Record, ts: TimeStyle, layout: Layout, deadline_float: bool
    ) -> dict[str, str]:
        deadline = "" if r.deadline is None else str(r.deadline)
        if deadline and deadline_float:
            deadline += ".0"
        return {
            "batch_id": r.batch_id,
            "topic": r.topic,
            "issued_at": ts(r.issued),
            "deadline_hours": deadline,
            "record_no": str(r.record_no),
            "name": r.person.name,
            "id_type": r.id_type_label,
            "id_number": r.id_shown,
            "phone": r.phone_shown,
            "street": r.street_shown,
            "community": r.community_shown,
            "address": r.address,
            "source_area": r.source,
            "reason": r.reason,
            "arrived_at": ts(r.arrived),
        }

    @staticmethod
    def _flags(r: Record, flags: dict[str, int]) -> None:
        """Count the flags a loaded row carries (known by construction; the tests
        re-derive them from the files with stdnum)."""
        key = "id_missing" if r.id_valid is None else "id_valid" if r.id_valid else "id_invalid"
        flags[key] = flags.get(key, 0) + 1
        if not r.phone_shown:
            pk = "phone_missing"
        elif ids.PHONE_RE.match(ids.normalise_phone(r.phone_shown)):
            pk = "phone_valid"
        else:
            pk = "phone_invalid"
        flags[pk] = flags.get(pk, 0) + 1

    def _write_push(self, batch: Batch) -> None:
        rng = self.rng_fmt
        d = batch.delivery_day
        late = (batch.issued.date() - self.start).days != d
        special = ""
        if self.dirty and not late:
            if self.state.special_formats:
                special = self.state.special_formats.pop(0)
            elif rng.random() < 0.08:
                special = "xlsx"
        xlsx = special == "xlsx"
        defects: list[str] = []
        if special in ("deck", "") and not late:
            n = len(batch.records)
            # the deck (every defect kind, owed by the first files) takes at most half a file
            cap = min(n - 1, max(1, (n - 1) // 2)) if special == "deck" else n - 1
            defects = self._take_dirty("push_list", n, cap)
            if special == "deck" and self.state.deck["push_list"]:
                self.state.special_formats.insert(0, "deck")  # did not all fit: next file
        if special == "gbk":
            encoding = "gb18030"
        elif special == "bom":
            encoding = "utf-8-sig"
        elif special in ("deck", "xlsx"):
            encoding = "utf-8"
        else:
            encoding = self._encoding(rng)
        need = {column_of(k) for k in defects} - {""}
        if special == "deck":
            need.add("address")
        layout = self._push_layout(rng, need, xlsx or encoding == "gb18030")
        stem_choice = rng.random()
        if xlsx:
            fname = f"{batch.topic}专项_{batch.batch_id}.xlsx"
        elif stem_choice < 0.5:
            fname = f"batch_{batch.batch_id}.csv"
        elif stem_choice < 0.8:
            fname = f"大数据推送名单_{batch.topic}_{batch.batch_id}.csv"
        else:
            fname = f"{batch.batch_id}_{batch.topic}.csv"
        folder = self._folder("push_list", d)
        ts = TimeStyle(rng)
        deadline_float = rng.random() < 0.06
        drop_deadline = rng.random() < 0.05 and batch.deadline == 24
        for r in batch.records:
            if drop_deadline or (batch.deadline == 24 and rng.random() < 0.03):
                r.deadline = None
        # Defects go to distinct records, never the first one. A DUPLICATE_KEY row
        # repeats the key of an earlier clean row; the record it displaces is lost.
        n = len(batch.records)
        positions = sorted(rng.sample(range(1, n), k=len(defects))) if defects else []
        kinds = dict(zip(positions, defects, strict=True))
        for pos, kind in kinds.items():
            if kind != "DUPLICATE_KEY":
                batch.records[pos].defect = kind
        dup_of: dict[int, int] = {}
        for pos, kind in kinds.items():
            if kind == "DUPLICATE_KEY":
                clean = [i for i in range(pos) if i not in kinds]  # 0 is always clean
                dup_of[pos] = clean[rng.randrange(len(clean))]
                batch.records[pos].defect = "DUPLICATE_KEY"
        flags: dict[str, int] = {}
        if xlsx:
            rows_read, quarantine = self._write_push_xlsx(folder / fname, batch, layout, rng)
            for r in batch.records:
                self._flags(r, flags)
        else:
            f = CsvFile(self._claim(folder / fname), layout, encoding)
            short_share = 0.1 if self.dirty and rng.random() < 0.3 else 0.0
            blank_at = n // 2 if self.dirty and (special == "deck" or rng.random() < 0.05) else -1
            forced_short = special == "deck"
            for i, r in enumerate(batch.records):
                if i == blank_at:
                    f.blank(with_commas=special == "deck" or rng.random() < 0.5)
                    if special == "deck":
                        f.blank(with_commas=False)
                if i in dup_of:
                    src = batch.records[dup_of[i]]
                    values = self._push_values(src, ts, layout, deadline_float)
                    if rng.random() < 0.5:
                        values["phone"] = r.phone_shown
                    f.write(values, "DUPLICATE_KEY", short=rng.random() < short_share)
                    continue
                values = self._push_values(r, ts, layout, deadline_float)
                if r.defect:
                    bad = _with_defect(values, r.defect, rng, self.start.year, BAD_NUMBERS)
                    f.write(bad, reason_of(r.defect))
                    continue
                short = rng.random() < short_share
                if forced_short and i > 0:
                    # a row with fewer fields than the header: trailing optional fields cut
                    forced_short, short = False, True
                    for k in reversed(layout.keys[-3:]):
                        if k in _REQUIRED["push_list"]:
                            break
                        values[k] = ""
                if special == "deck" and i == 0:
                    values["address"] = (values["address"] or "平湖大街1号") + ",3栋\n502室"
                f.write(values, short=short)
                self._flags(r, flags)
            f.close()
            rows_read, quarantine = f.rows_read, f.quarantine
        batch.file_name = fname
        batch.delivered = True
        self._register(
            FileEntry(
                feed="push_list",
                delivery_date=self._date(d).isoformat(),
                file_name=fname,
                status="LOADED",
                rows_read=rows_read,
                quarantine=dict(sorted(quarantine.items())),
                format="xlsx" if xlsx else "csv",
                encoding=None if xlsx else encoding,
                kind="late" if late else "regular",
                flags=dict(sorted(flags.items())),
            )
        )

    def _write_push_xlsx(
        self, path: Path, batch: Batch, layout: Layout, rng: random.Random
    ) -> tuple[int, dict[str, int]]:
        st_names = {
            self.geo.streets[self.geo.communities[r.person.community].street_index].name
            for r in batch.records
        }
        area = next(iter(st_names)) if len(st_names) == 1 else self.geo.streets[0].district_name
        titles = [f"{area}重点人员核查名单（{batch.topic}）"]
        if rng.random() < 0.5:
            titles.append(f"下发单位：区疫情防控指挥部    批次：{batch.batch_id}")
        rows: list[list[object]] = []
        blank_at = len(batch.records) // 2 if self.dirty and rng.random() < 0.5 else -1
        float_no = rng.random() < 0.2
        for i, r in enumerate(batch.records):
            typed: dict[str, object] = {
                "batch_id": r.batch_id,
                "topic": r.topic,
                "issued_at": r.issued,
                "deadline_hours": r.deadline,
                "record_no": float(r.record_no) if float_no else r.record_no,
                "name": r.person.name,
                "id_type": r.id_type_label or None,
                "id_number": r.id_shown or None,
                "phone": r.phone_shown or None,
                "street": r.street_shown,
                "community": r.community_shown or None,
                "address": r.address or None,
                "source_area": r.source or None,
                "reason": r.reason or None,
                "arrived_at": r.arrived,
            }
            rows.append([typed.get(k) for k in layout.keys])
            if i == blank_at:
                rows.append([None] * len(layout.keys))
        write_xlsx(self._claim(path), titles, layout, rows, sheet=batch.topic[:28])
        return len(batch.records), {}

    # -- verification -----------------------------------------------------------

    def _plan_verification(
        self, r: Record, earliest: datetime | None = None, quick: bool = False
    ) -> None:
        """Decide now when and how this record will be verified, and queue the rows."""
        rng = self.rng_ver
        p = r.person
        base = earliest or r.issued
        # hard to reach: several unreachable attempts, the result days later (a long tail
        # of the backlog that still clears; only records of the last days stay open)
        hard = not quick and rng.random() < HARD_TO_REACH
        if quick:  # before midnight, i.e. before the list is delivered
            midnight = datetime.combine(base.date() + DAY, datetime.min.time())
            room = (midnight - base).total_seconds() / 3600
            lag = rng.uniform(0.1, max(0.1, min(1.0, room - 0.05)))
        elif hard:
            lag = rng.uniform(*HARD_TO_REACH_HOURS)
        elif rng.random() < 0.004:
            lag = -rng.uniform(0.5, 3.0)  # verified (via another list) before this push
        else:
            lag = min(rng.lognormvariate(math.log(5.0), 1.0), 96.0)
        when = base + timedelta(hours=lag)
        if not quick and 0 <= when.hour < 7 and rng.random() < 0.8:
            when = when.replace(hour=rng.randint(7, 9), minute=rng.randrange(60))
            if when < base:
                when += DAY
        when = when.replace(second=0, microsecond=0) + timedelta(
            seconds=rng.choice((0, 0, 0, rng.randrange(60)))
        )
        # earlier unreachable attempts
        if hard:
            attempts = rng.randint(2, 4)
        else:
            attempts = 0 if quick else rng.choices((0, 1, 2), weights=(75, 20, 5))[0]
        ci, grid = p.community, p.grid
        if r.community_shown and rng.random() < 0.04:  # checked by a neighbouring community
            ci = self._pick_community(rng, self.geo.communities[ci].street_index)
            grid = rng.randrange(len(self.geo.communities[ci].grids))
        worker = self._worker(ci, grid)
        if rng.random() < 0.2:
            grid = None
        id_shown = r.id_shown if rng.random() < 0.35 else ""
        for a in range(attempts):
            t = base + (when - base) * (a + 1) / (attempts + 1)
            if t <= base:
                continue
            if hard and t.hour < 7:  # attempts are days apart: call in the morning instead
                t += 8 * HOUR
            self._queue_verif(
                Verif(
                    t.replace(microsecond=0),
                    r.batch_id,
                    r.record_no,
                    "",
                    ci,
                    grid,
                    worker,
                    "PHONE",
                    "UNREACHABLE",
                    None,
                    None,
                    None,
                    None,
                )
            )
        # the result
        if p.outcome == "MANAGED" and rng.random() < 0.8:
            outcome = "MANAGED"
        else:
            outcome = rng.choices(
                ("MANAGED", "NOT_IN_JURISDICTION", "LEFT", "NOT_FOUND"), weights=(42, 32, 15, 11)
            )[0]
        if not p.phone and outcome == "MANAGED" and rng.random() < 0.3:
            outcome = "NOT_FOUND"
        measure = until = None
        if outcome == "MANAGED":
            if p.measure and rng.random() < 0.7:
                measure = p.measure
            else:
                measure = rng.choices(
                    ("HOME_QUARANTINE", "CENTRAL_QUARANTINE", "HEALTH_MONITORING", "NONE"),
                    weights=(35, 10, 40, 15),
                )[0]
            span = {"HOME_QUARANTINE": 14, "CENTRAL_QUARANTINE": 14, "HEALTH_MONITORING": 7}
            if measure in span and rng.random() < 0.85:
                until = when.date() + timedelta(days=span[measure] - rng.randint(0, 3))
        elif rng.random() < 0.3:
            measure = "NONE"
        p.outcome, p.measure = outcome, measure
        method = rng.choices(("PHONE", "VISIT", "VIDEO", "CHECKPOINT"), weights=(58, 27, 9, 6))[0]
        health = (
            rng.choices(("GREEN", "YELLOW", "RED"), weights=(90, 8, 2))[0]
            if rng.random() < 0.7
            else None
        )
        nat = (
            rng.choices(("NEGATIVE", "PENDING", "POSITIVE"), weights=(85, 15, 0.05))[0]
            if rng.random() < 0.55
            else None
        )
        self._queue_verif(
            Verif(
                when,
                r.batch_id,
                r.record_no,
                id_shown,
                ci,
                grid,
                worker,
                method,
                outcome,
                measure,
                until,
                health,
                nat,
            ),
            on_time=quick,
        )

    def _queue_verif(self, v: Verif, on_time: bool = False) -> None:
        d = (v.verified.date() - self.start).days
        d = max(d, 0)
        if self.rng_ver.random() < 0.15 and not on_time:
            d += 1
            v.late = True
        if d < self.days:
            self.pending_ver.setdefault(d, []).append(v)
            d2 = self._resend_day(d, self.rng_ver, 0.004, "verification")
            if d2 is not None:
                # the same row sent again: each file writes times in its own style, and
                # only a whole-minute time reads the same in every style (the dedup key)
                v.verified = v.verified.replace(second=0)
                self.pending_ver.setdefault(d2, []).append(v)

    def _orphans(self, d: int, batches: list[Batch]) -> None:
        """Verifications of records that were never pushed (wrong batch or number)."""
        rng = self.rng_ver
        n = sum(len(b.records) for b in batches)
        k = int(n * 0.003) + (1 if rng.random() < 0.5 or (self.dirty and d == 0) else 0)
        day = self._date(d)
        for _ in range(k):
            if batches and rng.random() < 0.6:
                b = rng.choice(batches)
                batch_id, no = b.batch_id, len(b.records) + rng.randint(1, 5)
            else:
                seq = len(batches) + rng.randint(50, 60)  # a batch number never issued
                batch_id = f"SZ-{day.strftime(self.batch_fmt)}-{seq:02d}"
                no = rng.randint(1, 50)
            ci = self._pick_community(rng)
            grid = rng.randrange(len(self.geo.communities[ci].grids))
            when = datetime(day.year, day.month, day.day, rng.randint(9, 21), rng.randrange(60))
            outcome = rng.choice(("MANAGED", "NOT_IN_JURISDICTION", "NOT_FOUND"))
            measure = "HEALTH_MONITORING" if outcome == "MANAGED" else None
            self._queue_verif(
                Verif(
                    when,
                    batch_id,
                    no,
                    "",
                    ci,
                    grid,
                    self._worker(ci, grid),
                    "PHONE",
                    outcome,
                    measure,
                    None,
                    None,
                    None,
                )
            )

    def _verif_values(self, v: Verif, ts: TimeStyle, es: EnumStyle, rng: random.Random) -> dict:
        com = self.geo.communities[v.community]
        grid = ""
        if v.grid is not None:
            code, gname = com.grids[v.grid]
            grid = code if rng.random() < 0.6 else gname
        measure = "" if v.measure is None else es.label("measure", v.measure)
        if v.measure == "NONE" and rng.random() < 0.5:
            measure = ""
        return {
            "batch_id": v.batch_id,
            "record_no": str(v.record_no),
            "id_number": v.id_shown,
            "verified_at": ts(v.verified),
            "community": com.name if rng.random() < 0.75 else com.code,
            "grid": grid,
            "verifier": v.verifier,
            "method": es.label("method", v.method),
            "outcome": es.label("outcome", v.outcome),
            "measure": measure,
            "measure_until": TimeStyle.day(v.measure_until),
            "health_code": "" if v.health is None else es.label("health_code", v.health),
            "nat_result": "" if v.nat is None else es.label("nat_result", v.nat),
            "_note": "",
            "_contact": "",
        }

    def _write_verifications(self, d: int) -> None:
        rows = self.pending_ver.pop(d, [])
        if not rows:
            return
        rng = self.rng_fmt
        by_street: dict[int, list[Verif]] = {}
        for v in rows:
            by_street.setdefault(self.geo.communities[v.community].street_index, []).append(v)
        day = self._date(d)
        for si in sorted(by_street):
            st = self.geo.streets[si]
            vs = sorted(
                by_street[si], key=lambda v: (v.verified, v.batch_id, v.record_no, v.outcome)
            )
            groups: list[tuple[str, list[Verif], str]] = []
            late = [v for v in vs if v.late]
            split = rng.random() < 0.5 or (self.dirty and not self.state.late_split_done)
            if late and split:
                self.state.late_split_done = True
                vs = [v for v in vs if not v.late]
                groups.append((f"核查反馈_{st.name}_{day:%Y%m%d}_补报.csv", late, "late"))
            if vs:
                u = rng.random()
                name = (
                    f"核查反馈_{st.name}_{day:%Y%m%d}.csv"
                    if u < 0.5
                    else f"feedback_{st.code}_{day:%Y%m%d}.csv"
                    if u < 0.8
                    else f"{st.name}核查结果{day:%m%d}.csv"
                )
                groups.insert(0, (name, vs, "regular"))
            for fname, group, kind in groups:
                self._write_verif_file(d, fname, group, kind)

    def _write_verif_file(self, d: int, fname: str, group: list[Verif], kind: str) -> None:
        rng = self.rng_fmt
        defects = self._take_dirty("verification", len(group), len(group) * 2)
        need = {column_of(k) for k in defects} - {""}
        enc = self._encoding(rng)
        if self.dirty and not self.manifest.stats.get("verification"):
            enc = "utf-8-sig"  # the first feedback of a dirty run comes with a BOM
        layout = Layout.choose(
            "verification",
            rng,
            always={"measure", "measure_until", "grid", "health_code", "nat_result"} | need,
            drop_share=0.3,
            chinese_only=enc == "gb18030",
        )
        es = EnumStyle(rng)
        ts = TimeStyle(rng)
        f = CsvFile(self._claim(self._folder("verification", d) / fname), layout, enc)
        at = {}
        for kind_ in defects:
            at.setdefault(rng.randrange(len(group)), []).append(kind_)
        for i, v in enumerate(group):
            values = self._verif_values(v, ts, es, rng)
            f.write(values)
            for defect in at.get(i, ()):
                bad = _with_defect(values, defect, rng, self.start.year, ("三", "2.5", "#7"))
                f.write(bad, reason_of(defect))
        if self.dirty and rng.random() < 0.05:
            f.blank(with_commas=True)
        f.close()
        self._register(
            FileEntry(
                feed="verification",
                delivery_date=self._date(d).isoformat(),
                file_name=fname,
                status="LOADED",
                rows_read=f.rows_read,
                quarantine=dict(sorted(f.quarantine.items())),
                encoding=enc,
                kind=kind,
            )
        )

    # -- checkpoints ------------------------------------------------------------

    def _init_checkpoint_pools(self, cw: CheckpointWriter) -> None:
        rng = self.rng_cp
        n = min(20_000, max(300, self.p.checkpoint_events // 10))
        pop_ids = []
        for _ in range(n):
            male = rng.random() < 0.52
            if rng.random() < 0.97:
                pop_ids.append(ids.make_ric(rng, male, self.max_birth_year))
            else:
                pop_ids.append(ids.break_check_digit(ids.make_ric(rng, male, self.max_birth_year)))
        phones = [ids.make_phone(rng) for _ in range(n)]
        plates = [names.plate(rng) for _ in range(max(100, n // 4))]
        # DuckDB indexes constant lists fast only while they are small (<= ~5k
        # entries), so each street's file draws from its own window of these pools.
        self._cp_pools = (pop_ids, phones, plates)
        self._cp_street_share = [rng.uniform(0.6, 1.4) for _ in self.geo.streets]
        self._cp_weights: list[list[int]] = []
        for st in self.geo.streets:
            w = [rng.uniform(0.3, 1.7) for _ in st.checkpoints]
            tot = sum(w)
            counts = [max(1, round(100 * x / tot)) for x in w]
            self._cp_weights.append([i + 1 for i, c in enumerate(counts) for _ in range(c)])

    def _write_checkpoints(self, d: int, cw: CheckpointWriter) -> None:
        rng = self.rng_cp
        fmt = self.rng_fmt
        day = self._date(d)
        pushed = list(self.cp_pushed)
        cw.set_pool("pushed_ids", [i for i, _ in pushed if i][-POOL_WINDOW:] or ["-"])
        cw.set_pool("pushed_phones", [p for _, p in pushed if p][-POOL_WINDOW:] or ["-"])
        cw.set_times(diurnal_seconds(rng))
        weekend = 0.9 if day.weekday() >= 5 else 1.0
        total = self.p.checkpoint_events * weekend * (1 + 0.1 * self.profile[d])
        share_sum = sum(self._cp_street_share)
        for si, st in enumerate(self.geo.streets):
            n = max(
                1, round(total * self._cp_street_share[si] / share_sum * rng.uniform(0.95, 1.05))
            )
            cps = [self.geo.checkpoints[i] for i in st.checkpoints]
            for name, pool in zip(("ids", "phones", "plates"), self._cp_pools, strict=True):
                cw.set_pool(name, _window(pool, si * 997))
            es = EnumStyle(fmt, english_share=0.08)
            enc = "utf-8"
            if self.dirty and n <= 200_000:
                u = fmt.random()
                if (d == 0 and si == 0) or u < 0.1:
                    enc = "gb18030"
                elif u < 0.2:
                    enc = "utf-8-sig"
            layout = Layout.choose(
                "checkpoint",
                fmt,
                always=set(_CP_COLS),
                drop_share=0,
                extra_share=0,
                chinese_only=enc == "gb18030",
            )
            ts_fmt = fmt.choices(
                ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"), weights=(7, 2, 1)
            )[0]
            u = fmt.random()
            fname = (
                f"卡点登记_{st.name}_{day:%Y%m%d}.csv"
                if u < 0.5
                else f"gate_log_{st.code}_{day:%Y%m%d}.csv"
                if u < 0.8
                else f"{st.name}卡点通行记录{day:%m%d}.csv"
            )
            path = self._claim(self._folder("checkpoint", d) / fname)
            spec = CheckpointFileSpec(
                path=path,
                n=n,
                seed=rng.randrange(2**31),
                day=day,
                ts_format=ts_fmt,
                codes=[c.code for c in cps],
                names=[c.name for c in cps],
                kinds=[c.kind for c in cps],
                weights=self._cp_weights[si],
                headers=layout.labels,
                directions=[es.label("direction", x) for x in ("IN", "OUT")],
                subjects=[
                    es.label("subject", x) for x in ("RESIDENT", "VISITOR", "RETURNEE", "VEHICLE")
                ],
                health=[es.label("health_code", x) for x in ("GREEN", "YELLOW", "RED")],
                actions=[
                    es.label("action", x)
                    for x in ("PASS", "TURNED_BACK", "REGISTERED", "SENT_TO_CLINIC")
                ],
                temp_suffixes=fmt.choice(
                    (["", "", "", ""], ["", "", "℃"], ["℃"], ["", "度"], ["°C", ""])
                ),
                match_permille=20,
                name_every=2000 if n > 2000 else max(10, n // 3),
            )
            cw.write(spec)
            # hand-written extras appended to the DuckDB output
            extra = self._checkpoint_extras(d, cps, n, es, ts_fmt, layout)
            if extra:
                with path.open("a", encoding="utf-8", newline="") as fh:
                    w = csv.writer(fh, lineterminator="\n")
                    for values, _ in extra:
                        w.writerow(
                            [values.get(k, "") for k in layout.keys] if values is not None else []
                        )
            transcode(path, enc)
            quarantine: dict[str, int] = {}
            rows = n
            for values, reason in extra:
                if values is None:
                    continue
                rows += 1
                if reason:
                    quarantine[reason] = quarantine.get(reason, 0) + 1
            self._register(
                FileEntry(
                    feed="checkpoint",
                    delivery_date=day.isoformat(),
                    file_name=fname,
                    status="LOADED",
                    rows_read=rows,
                    quarantine=dict(sorted(quarantine.items())),
                    encoding=enc,
                )
            )

    def _checkpoint_extras(
        self, d: int, cps: list, n: int, es: EnumStyle, ts_fmt: str, layout: Layout
    ) -> list[tuple[dict[str, str] | None, str | None]]:
        """Rows appended by hand: one defect each (and a blank line now and then)."""
        defects = self._take_dirty("checkpoint", n, 10**9)
        if not defects:
            return []
        rng = self.rng_dirty
        day = self._date(d)
        all_codes = {c.code.lower() for c in self.geo.checkpoints} | {
            c.name.lower() for c in self.geo.checkpoints
        }
        out: list[tuple[dict[str, str] | None, str | None]] = []
        for kind in defects:
            cp = rng.choice(cps)
            t = datetime(day.year, day.month, day.day, rng.randint(6, 23), rng.randrange(60))
            values = {
                "checkpoint_code": cp.code,
                "event_time": t.strftime(ts_fmt),
                "direction": es.label("direction", "IN"),
                "subject": es.label("subject", "RESIDENT"),
                "id_number": "",
                "phone": ids.make_phone(rng) if rng.random() < 0.5 else "",
                "plate": "",
                "temperature": f"{rng.choice((36.2, 36.5, 36.7))}",
                "health_code": es.label("health_code", "GREEN"),
                "action": es.label("action", "PASS"),
            }
            code, _, col = kind.partition(":")
            if code == "MISSING_REQUIRED":
                values[col] = ""
            elif code == "BAD_TIMESTAMP":
                values[col] = _bad_timestamp(rng, self.start.year)
            elif code == "BAD_ENUM":
                values[col] = rng.choice(BAD_ENUM_VALUES[col])
            elif code == "UNKNOWN_CHECKPOINT":
                for cand in ("CP999", "CP9999", "临时卡点", f"{cp.name}（临时）"):
                    if cand.lower() not in all_codes:
                        values["checkpoint_code"] = cand
                        break
            out.append((values, reason_of(kind)))
        if rng.random() < 0.3:
            out.insert(rng.randrange(len(out) + 1), (None, None))
        return out

    # -- enterprises ----------------------------------------------------------------

    def _init_enterprises(self) -> None:
        rng = self.rng_ent
        kinds = [(k[0], k[1]) for k in names.ENTERPRISE_KINDS]
        kind_w = [k[2] for k in names.ENTERPRISE_KINDS]
        used_names: set[str] = set()
        seq = 0
        for st in self.geo.streets:
            n = max(3, round(self.p.enterprises_per_street * rng.uniform(0.8, 1.2)))
            for _ in range(n):
                ci = rng.choice(st.communities)
                com = self.geo.communities[ci]
                suffix, category = rng.choices(kinds, weights=kind_w)[0]
                base = com.name.removesuffix("社区")
                name = f"{base}{rng.choice(names.ENTERPRISE_TRADE)}{suffix}"
                while name in used_names:
                    name = f"{base}{rng.choice(names.ENTERPRISE_TRADE)}{rng.randint(2, 99)}{suffix}"
                used_names.add(name)
                individual = suffix.endswith(("部", "工作室", "商行", "服务站", "厂")) and (
                    rng.random() < 0.7
                )
                region = st.district_code if rng.random() < 0.6 else "440300"
                uscc = ids.make_uscc(rng, region, individual)
                if rng.random() < 0.03:
                    uscc = ids.break_uscc(uscc)
                uscc = ids.format_uscc(rng, uscc)
                if individual:
                    employees = rng.randint(1, 15)
                else:
                    employees = max(3, min(3000, round(rng.lognormvariate(math.log(40), 1.0))))
                ent = Enterprise(
                    uscc_shown=uscc,
                    name=name,
                    community=ci,
                    community_shown=self._community_shown(rng, ci, 0.02),
                    category=category,
                    employees=employees,
                    individual=individual,
                )
                # first filing: front-loaded over the run
                first = int(self.days * rng.random() ** 2.2)
                seq = self._enterprise_history(ent, first, st.code, seq)

    def _enterprise_history(self, ent: Enterprise, first: int, street_code: str, seq: int) -> int:
        rng = self.rng_ent
        day = self._date(first)
        t = datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randrange(60))
        total = ent.employees
        for _attempt in range(3):
            seq += 1
            fid = f"FB{street_code[-6:]}{seq:05d}"
            planned = t.date() + timedelta(days=rng.randint(1, 5)) if rng.random() < 0.8 else None
            risk = rng.randint(0, max(0, total // 25)) if rng.random() < 0.7 else None
            ret = round(total * rng.uniform(0.05, 0.5))
            self._ent_event(EntEvent(t, ent, fid, "FILED", total, ret, risk, planned, None))
            t = office_time(t + timedelta(hours=rng.uniform(2, 40)))
            u = rng.random()
            if u < 0.05:
                return seq  # still waiting for review
            if u < 0.15:
                self._ent_event(EntEvent(t, ent, fid, "REJECTED", total, ret, risk, None, None))
                t = office_time(t + timedelta(hours=rng.uniform(20, 72)))
                continue  # files again under a new number
            ret = round(total * rng.uniform(0.2, 0.6))
            self._ent_event(EntEvent(t, ent, fid, "APPROVED", total, ret, risk, None, None))
            if rng.random() < 0.12:
                return seq
            t = office_time(t + timedelta(hours=rng.uniform(10, 72)))
            ret = round(total * rng.uniform(0.7, 1.0))
            passed = "true" if rng.random() < 0.9 else None
            self._ent_event(EntEvent(t, ent, fid, "RESUMED", total, ret, 0, None, passed))
            if rng.random() < 0.06:
                t = office_time(t + timedelta(days=rng.uniform(1, 10)))
                self._ent_event(EntEvent(t, ent, fid, "SUSPENDED", total, 0, None, None, "false"))
                if rng.random() < 0.6:
                    t = office_time(t + timedelta(days=rng.uniform(3, 7)))
                    ret = round(total * rng.uniform(0.6, 1.0))
                    self._ent_event(EntEvent(t, ent, fid, "RESUMED", total, ret, 0, None, "true"))
            return seq
        return seq

    def _ent_event(self, ev: EntEvent) -> None:
        rng = self.rng_ent
        d = (ev.when.date() - self.start).days
        if rng.random() < 0.1:
            d += 1
        if d < self.days:
            self.pending_ent.setdefault(d, []).append(ev)
            d2 = self._resend_day(d, rng, 0.01, "enterprise_filing")
            if d2 is not None:  # the same row sent again (event times are whole minutes)
                self.pending_ent.setdefault(d2, []).append(ev)

    def _resend_day(self, d: int, rng: random.Random, rate: float, feed: str) -> int | None:
        """The day a row delivered on day ``d`` is sent again (the same day or the next),
        or None. A dirty run re-sends at least one row of ``feed`` on the next day."""
        if self.dirty and feed not in self.state.resent_rows and d + 1 < self.days:
            self.state.resent_rows.add(feed)
            return d + 1
        if rng.random() >= rate:
            return None
        d2 = d + rng.choice((0, 1))
        return d2 if d2 < self.days else None

    def _write_enterprises(self, d: int) -> None:
        events = self.pending_ent.pop(d, [])
        if not events:
            return
        rng = self.rng_fmt
        by_street: dict[int, list[EntEvent]] = {}
        for ev in events:
            si = self.geo.communities[ev.ent.community].street_index
            by_street.setdefault(si, []).append(ev)
        day = self._date(d)
        for si in sorted(by_street):
            st = self.geo.streets[si]
            evs = sorted(by_street[si], key=lambda e: (e.when, e.filing_id, e.event))
            defects = self._take_dirty("enterprise_filing", len(evs), len(evs) * 3)
            need = {column_of(k) for k in defects} - {""}
            enc = self._encoding(rng)
            if self.dirty and not self.manifest.stats.get("enterprise_filing"):
                enc = "gb18030"  # the first filing export of a dirty run is GBK
            layout = Layout.choose(
                "enterprise_filing",
                rng,
                always={"employees_total", "employees_returned"} | need,
                drop_share=0.15,
                chinese_only=enc == "gb18030",
            )
            es = EnumStyle(rng)
            ts = TimeStyle(rng)
            u = rng.random()
            fname = (
                f"复工复产报备_{st.name}_{day:%Y%m%d}.csv"
                if u < 0.6
                else f"filings_{st.code}_{day:%Y%m%d}.csv"
            )
            f = CsvFile(self._claim(self._folder("enterprise_filing", d) / fname), layout, enc)
            at: dict[int, list[str]] = {}
            for k in defects:
                at.setdefault(rng.randrange(len(evs)), []).append(k)
            for i, ev in enumerate(evs):
                values = self._ent_values(ev, ts, es)
                f.write(values, short=self.dirty and rng.random() < 0.03)
                for defect in at.get(i, ()):
                    bad = _with_defect(values, defect, rng, self.start.year, BAD_NUMBERS)
                    f.write(bad, reason_of(defect))
            f.close()
            self._register(
                FileEntry(
                    feed="enterprise_filing",
                    delivery_date=day.isoformat(),
                    file_name=fname,
                    status="LOADED",
                    rows_read=f.rows_read,
                    quarantine=dict(sorted(f.quarantine.items())),
                    encoding=enc,
                )
            )

    def _ent_values(self, ev: EntEvent, ts: TimeStyle, es: EnumStyle) -> dict[str, str]:
        def num(x: int | None) -> str:
            return "" if x is None else str(x)

        ent = ev.ent
        return {
            "filing_id": ev.filing_id,
            "uscc": ent.uscc_shown,
            "enterprise_name": ent.name,
            "community": ent.community_shown,
            "category": es.label("category", ent.category),
            "event": es.label("event", ev.event),
            "event_time": ts(ev.when),
            "employees_total": num(ev.total),
            "employees_returned": num(ev.returned),
            "employees_from_risk_areas": num(ev.from_risk),
            "planned_resume_date": TimeStyle.day(ev.planned),
            "inspection_passed": ""
            if ev.inspection is None
            else es.label("inspection_passed", ev.inspection),
            "_note": "",
            "_contact": "",
        }

    # -- dirty specials ------------------------------------------------------------

    def _write_specials(self, d: int) -> None:
        if not self.dirty:
            return
        rng = self.rng_dirty
        day = self._date(d)
        folder = self._folder("push_list", d)
        if d == 0 or rng.random() < 0.05:
            write_text(
                self._claim(folder / "readme.txt"),
                f"sent by mistake {day:%Y-%m-%d}\r\n本批次名单请于24小时内完成核查并反馈。\r\n",
                rng.choice(("utf-8", "gb18030")),
            )
            self._register(
                FileEntry(
                    "push_list",
                    day.isoformat(),
                    "readme.txt",
                    "REJECTED",
                    0,
                    format="txt",
                    encoding=None,
                    kind="stray",
                )
            )
        if d == 0 or rng.random() < 0.05:
            # a summary sheet sent instead of a list: required columns missing
            fname = f"推送汇总_{day:%Y%m%d}.csv"
            layout = Layout(
                [
                    ("topic", "专项"),
                    ("batch_id", "批次号"),
                    ("_n", "下发人数"),
                    ("_v", "已核查人数"),
                ]
            )
            f = CsvFile(self._claim(folder / fname), layout, "utf-8")
            for b in self.recent_batches.get(d, [])[:10] or []:
                f.write(
                    {
                        "topic": b.topic,
                        "batch_id": b.batch_id,
                        "_n": str(len(b.records)),
                        "_v": str(len(b.records) * 3 // 4),
                    }
                )
            f.close()
            self._register(
                FileEntry("push_list", day.isoformat(), fname, "REJECTED", 0, kind="summary")
            )
        if d >= 1 and (d == 1 or rng.random() < 0.15):
            self._resend(d)
        if d >= 1 and (d == 1 or rng.random() < 0.2):
            self._correction(d)

    def _resend(self, d: int) -> None:
        rng = self.rng_dirty
        cands = [
            e
            for e in self.state.loaded_files
            if e.delivery_date < self._date(d).isoformat()
            and e.feed != "checkpoint"
            and (e.feed == "push_list" or rng.random() < 0.3)
        ]
        if not cands:
            return
        src = cands[0] if d == 1 else rng.choice(cands)
        stem, _, ext = src.file_name.rpartition(".")
        fname = f"{stem}_resent.{ext}" if rng.random() < 0.6 else src.file_name
        dst = self._folder(src.feed, d) / fname
        if dst.exists():
            return
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.out / src.path, self._claim(dst))
        self._register(
            FileEntry(
                src.feed,
                self._date(d).isoformat(),
                fname,
                "DUPLICATE",
                0,
                encoding=src.encoding,
                kind="resent",
                duplicate_of=src.path,
            )
        )

    def _correction(self, d: int) -> None:
        """Re-deliver some records of an earlier batch with corrected values."""
        rng = self.rng_dirty
        cands = [
            b for b in self.recent_batches.get(d - 1, []) if b.delivered and len(b.records) > 1
        ]
        if not cands:
            return
        # prefer the batch that carried the defects
        cands.sort(key=lambda b: -sum(1 for r in b.records if r.defect))
        b = cands[0] if d == 1 else rng.choice(cands)
        fixes: list[Record] = []
        for r in b.records:
            if r.defect in (None, "DUPLICATE_KEY"):
                invalid_id = (
                    r.defect is None
                    and r.person.id_type == "RIC"
                    and r.id_shown
                    and ids.normalise_ric(r.id_shown) != ids.normalise_ric(r.person.id_number)
                )
                if invalid_id or (r.defect is None and rng.random() < 0.05):
                    if invalid_id:
                        r.id_shown, r.id_valid = r.person.id_number, r.person.id_ok
                    fixes.append(r)
                continue
            r.defect = None  # fixable: the corrected row is clean
            fixes.append(r)
            self._plan_verification(
                r, earliest=datetime.combine(self._date(d), datetime.min.time()) + 9 * HOUR
            )
        if not fixes:
            return
        fname = f"{b.file_name.rpartition('.')[0]}_更正.csv"
        layout = self._push_layout(self.rng_fmt, set(), xlsx=False)
        ts = TimeStyle(self.rng_fmt)
        f = CsvFile(self._claim(self._folder("push_list", d) / fname), layout, "utf-8")
        flags: dict[str, int] = {}
        for r in fixes:
            f.write(self._push_values(r, ts, layout, False))
            self._flags(r, flags)
        f.close()
        self._register(
            FileEntry(
                "push_list",
                self._date(d).isoformat(),
                fname,
                "LOADED",
                f.rows_read,
                kind="correction",
                flags=dict(sorted(flags.items())),
            )
        )

    # -- main loop ------------------------------------------------------------------

    def write_reference(self) -> None:
        ref = self.out / "reference"
        ref.mkdir(parents=True, exist_ok=True)
        tables = {
            "areas.csv": self.geo.area_rows(),
            "grids.csv": self.geo.grid_rows(),
            "checkpoints.csv": self.geo.checkpoint_rows(),
        }
        for fname, rows in tables.items():
            with self._claim(ref / fname).open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(REFERENCE_HEADERS[fname])
                w.writerows(rows)
            self.manifest.reference[fname] = len(rows)

    def run(self) -> Manifest:
        prepare_out(self.out)
        self.log = OutputLog(self.out)
        try:
            self._simulate()
            self.manifest.files.sort(key=lambda e: (e.feed, e.delivery_date, e.file_name))
            self.manifest.write(self.out / MANIFEST_NAME)
        finally:
            self.log.close()
        self.log.finish()
        return self.manifest

    def _simulate(self) -> None:
        """Write the reference and every day's landing files."""
        self.write_reference()
        self._init_enterprises()
        cw = CheckpointWriter()
        try:
            self._init_checkpoint_pools(cw)
            steps = self.days * 4
            for d in range(self.days):
                day = self._date(d).isoformat()
                # push lists: today's batches (late ones land tomorrow) + yesterday's late ones
                batches = self._simulate_push(d)
                self.recent_batches[d] = batches
                self.recent_batches.pop(d - 2, None)
                for b in self.late_batches.pop(d, []):
                    self._write_push(b)
                for b in batches:
                    for r in b.records:
                        person = r.person
                        ric = ""
                        if person.id_type == "RIC" and person.id_ok:  # as scanned from the card
                            ric = ids.normalise_ric(person.id_number)
                        if ric or person.phone:
                            self.cp_pushed.append((ric, person.phone))
                    if b.delivery_day == d:
                        self._write_push(b)
                    elif b.delivery_day < self.days:
                        self.late_batches.setdefault(b.delivery_day, []).append(b)
                # verification plans for the records that will load (defects are set on
                # write; batches delivered late carry none)
                for b in batches:
                    for i, r in enumerate(b.records):
                        if r.defect is None:
                            # a late list's first person is often checked before it lands
                            self._plan_verification(r, quick=i == 0 and b.delivery_day != d)
                self._orphans(d, batches)
                self._write_specials(d)
                self._tick(f"{day} push_list", d * 4 + 1, steps)
                self._write_verifications(d)
                self._tick(f"{day} verification", d * 4 + 2, steps)
                self._write_checkpoints(d, cw)
                self._tick(f"{day} checkpoint", d * 4 + 3, steps)
                self._write_enterprises(d)
                self._tick(f"{day} enterprise_filing", d * 4 + 4, steps)
        finally:
            cw.close()


_REQUIRED = {feed: frozenset(c.name for c in cols if c.required) for feed, cols in FEEDS.items()}
_CP_COLS = (
    "checkpoint_code", "event_time", "direction", "subject", "id_number",
    "phone", "plate", "temperature", "health_code", "action",
)  # fmt: skip


def ids_label(rng: random.Random, id_type: str) -> str:
    opts = ID_TYPE_LABELS[id_type]
    return rng.choices([o for o, _ in opts], weights=[w for _, w in opts])[0]


POOL_WINDOW = 4096


def _window(pool: list[str], offset: int) -> list[str]:
    """``POOL_WINDOW`` consecutive entries of ``pool`` (wrapping), starting at ``offset``."""
    if len(pool) <= POOL_WINDOW:
        return pool
    start = offset % len(pool)
    out = pool[start : start + POOL_WINDOW]
    return out + pool[: POOL_WINDOW - len(out)]


def _accumulate(xs: list[float]) -> list[float]:
    out, s = [], 0.0
    for x in xs:
        s += x
        out.append(s)
    return out


def generate(
    preset: str,
    days: int,
    seed: int,
    out: Path,
    start: date = date(2021, 8, 2),
    dirty: bool = True,
    progress: Progress | None = None,
) -> Manifest:
    """Write a synthetic delivery (reference data, landing files, manifest) to ``out``.

    Same arguments -> byte-identical files. See the package docstring for details.
    """
    check_arguments(preset, days, start)
    gen = Generator(PRESETS[preset], days, seed, Path(out), start, dirty, progress)
    return gen.run()


__all__ = ["ALL_REASON_CODES", "DIRTY_KINDS", "generate", "wave_profile"]
