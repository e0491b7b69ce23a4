"""What the simulation produces: people, push records and batches, verification rows,
enterprises and their filing events, plus what the dirty knobs still owe.

Values are semantic (datetimes, canonical codes); each delivery module formats them
per file when it writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .manifest import FileEntry


@dataclass(slots=True)
class Person:
    """A person who can be pushed (more than once); outcome and measure carry over."""

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


@dataclass(slots=True)
class Record:
    """One row of a push list: the person as the sender showed them."""

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
    """One push list: its records and the day it is delivered."""

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
    """An enterprise that files to return to work."""

    uscc_shown: str
    name: str
    community: int
    community_shown: str
    category: str
    employees: int
    individual: bool


@dataclass(slots=True)
class EntEvent:
    """One filing event (filed, approved, rejected, resumed, suspended)."""

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
class DirtyState:
    """Bookkeeping of what the dirty knobs still owe (so a short run covers them all)."""

    deck: dict[str, list[str]] = field(default_factory=dict)
    special_formats: list[str] = field(default_factory=list)
    loaded_files: list[FileEntry] = field(default_factory=list)
    late_split_done: bool = False
    late_list_done: bool = False  # a push list delivered the day after it was issued
    resent_rows: set[str] = field(default_factory=set)  # feeds with a row sent again
