"""What the generator meant each landing file to be (serialised to manifest.json)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

STATUSES = ("LOADED", "REJECTED", "DUPLICATE")


@dataclass
class FileEntry:
    """One written landing file and the load outcome it is built to produce.

    ``rows_read`` counts data rows (wholly empty rows not counted) and
    ``quarantine`` maps contract §4 reason codes to row counts; both are 0 /
    empty for ``REJECTED`` and ``DUPLICATE`` files. ``flags`` holds counts of
    loaded rows with values that are kept but flagged (e.g. ``id_invalid``),
    computed with the contract's §3 normalisation; informational.
    """

    feed: str
    delivery_date: str  # YYYY-MM-DD (the folder date)
    file_name: str
    status: str
    rows_read: int
    quarantine: dict[str, int] = field(default_factory=dict)
    format: str = "csv"  # csv, xlsx, txt
    encoding: str | None = "utf-8"  # utf-8, utf-8-sig, gb18030; None for xlsx
    kind: str = "regular"  # regular, resent, correction, late, stray, summary
    duplicate_of: str | None = None  # relative path of the original, for DUPLICATE
    flags: dict[str, int] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"landing/{self.feed}/{self.delivery_date}/{self.file_name}"

    @property
    def rows_quarantined(self) -> int:
        return sum(self.quarantine.values())

    @property
    def rows_loaded(self) -> int:
        return self.rows_read - self.rows_quarantined


@dataclass
class Manifest:
    preset: str
    days: int
    seed: int
    start: str
    dirty: bool
    reference: dict[str, int] = field(default_factory=dict)  # file -> data rows
    files: list[FileEntry] = field(default_factory=list)
    stats: dict[str, dict[str, int]] = field(default_factory=dict)  # feed -> date -> rows
    # corrected re-deliveries written after the run (gridwatch_generator.corrections)
    corrections: list[dict[str, str]] = field(default_factory=list)

    def add(self, entry: FileEntry) -> FileEntry:
        self.files.append(entry)
        self.stats.setdefault(entry.feed, {})
        day = self.stats[entry.feed]
        day[entry.delivery_date] = day.get(entry.delivery_date, 0) + entry.rows_read
        return entry

    def entry(self, feed: str, delivery_date: str, file_name: str) -> FileEntry:
        for e in self.files:
            if (e.feed, e.delivery_date, e.file_name) == (feed, delivery_date, file_name):
                return e
        raise KeyError((feed, delivery_date, file_name))

    def reasons(self) -> dict[str, int]:
        """Total intended quarantine rows per reason code over all files."""
        out: dict[str, int] = {}
        for e in self.files:
            for reason, n in e.quarantine.items():
                out[reason] = out.get(reason, 0) + n
        return dict(sorted(out.items()))

    def to_dict(self) -> dict:
        d = asdict(self)
        for f, e in zip(d["files"], self.files, strict=True):
            f["path"] = e.path
            f["rows_loaded"] = e.rows_loaded
            f["rows_quarantined"] = e.rows_quarantined
        return d

    def write(self, path: Path) -> None:
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
        path.write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        files = []
        for f in d.pop("files"):
            for k in ("path", "rows_loaded", "rows_quarantined"):
                f.pop(k, None)
            files.append(FileEntry(**f))
        return cls(files=files, **d)
