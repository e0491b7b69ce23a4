"""People and the push records that name them (the simulation side of a push list).

A person is drawn once and may be pushed again later; each record shows the person as
the list's sender typed them (ID label, formatting, mistyped or missing ID).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .. import identities as ids
from .. import names
from ..model import Person, Record

if TYPE_CHECKING:
    from ..context import RunContext

ID_TYPE_LABELS: dict[str, tuple[tuple[str, float], ...]] = {
    "RIC": (("居民身份证", 50.0), ("身份证", 25.0), ("", 20.0), ("RIC", 5.0)),
    "PASSPORT": (("护照", 85.0), ("passport", 10.0), ("Passport", 5.0)),
    "HKMO": (("港澳通行证", 90.0), ("HKMO", 10.0)),
    "TW": (("台胞证", 90.0), ("TW", 10.0)),
    "OTHER": (("军官证", 50.0), ("外国人永久居留身份证", 50.0)),
    "": (("", 100.0),),
}


def new_person(ctx: RunContext, rng: random.Random) -> Person:
    """A new person: name, ID document (some invalid or missing), phone, home grid."""
    male = rng.random() < 0.53
    u = rng.random()
    name = names.chinese_name(rng, male)
    if u < 0.86:
        id_type, number = "RIC", ids.make_ric(rng, male, ctx.max_birth_year)
    elif u < 0.89:
        id_type, number = "RIC", ids.make_old_ric(rng, male, ctx.max_birth_year)
    elif u < 0.915:
        good = ids.make_ric(rng, male, ctx.max_birth_year)
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
    ci = ctx.pick_community(rng)
    com = ctx.geo.communities[ci]
    grid = rng.randrange(len(com.grids))
    id_ok = None if not number else not (0.89 <= u < 0.915)
    address = names.address(rng, com.name)
    return Person(name, male, id_type, number, phone, ci, grid, address, id_ok)


def make_record(
    ctx: RunContext,
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
    if ctx.dirty and address and rng.random() < 0.01:
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
        street_shown=ctx.street_shown(rng, person.community),
        community_shown=""
        if rng.random() < 0.06
        else ctx.community_shown(rng, person.community, 0.03),
        address=address,
        source=rng.choice(sources) if rng.random() < 0.85 else "",
        reason=rng.choice(names.PUSH_REASONS) if rng.random() < 0.7 else "",
        arrived=arrived,
        id_valid=id_valid,
    )


def ids_label(rng: random.Random, id_type: str) -> str:
    opts = ID_TYPE_LABELS[id_type]
    return rng.choices([o for o, _ in opts], weights=[w for _, w in opts])[0]
