"""The landing folder as the loader sees it: which entries are files to load, and staged copies.

Every entry of ``<landing>/<feed>/<date>/`` gets a verdict before anything is read:
a data file to load, an office lock or system file to ignore (§2), or something
that cannot be loaded (a folder, a named pipe, a link out of the landing root),
rejected by name. A data file is then copied once into the staging folder inside
the project's state folder; the copy is hashed as it is written and is what gets
loaded, so the sha256 recorded is exactly that of the rows loaded, and a file
that changes while it is copied is refused rather than half-loaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 22
STAGING_SUFFIX = ".staging"

# Office lock/owner files and the system files file shares leave beside the data (§2).
_IGNORED_NAMES = re.compile(r"^(~\$.*|\.~lock\..*#|\..*|thumbs\.db|desktop\.ini)$", re.IGNORECASE)
_DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class StagingError(Exception):
    """The file could not be staged (it changed while copied, or vanished)."""


@dataclass(frozen=True)
class Entry:
    """One entry of a partition folder and what the loader does with it."""

    path: Path
    name: str  # the name as text for operators (undecodable bytes decoded as GB18030)
    verdict: str  # LOAD, IGNORED or REJECTED
    reason: str | None = None  # why it is ignored or rejected


def display_name(path: Path) -> str:
    """A file name as text, whatever bytes the file system holds.

    Names extracted from a Windows zip arrive as GBK bytes, which Python keeps as
    surrogate escapes; they are decoded as GB18030 so the operator reads the name
    the sender typed.
    """
    name = path.name
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = os.fsencode(name)
        for encoding in ("gb18030", "big5"):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError:
                continue
        return raw.decode("utf-8", errors="backslashreplace")


def is_ignored_name(name: str) -> bool:
    return bool(_IGNORED_NAMES.match(name))


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return (
            "a folder (files inside sub-folders are not loaded: move them up into the date folder)"
        )
    if stat.S_ISFIFO(mode):
        return "a named pipe, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    return "not a regular file"


def classify(path: Path, landing_root: Path) -> Entry:
    """The loader's verdict on one entry of a partition folder (never reads its content)."""
    name = display_name(path)
    if is_ignored_name(name):
        return Entry(path, name, "IGNORED", "an office lock file or system file, not a delivery")
    try:
        if path.is_symlink():
            target = path.resolve(strict=True)
            if not target.is_relative_to(landing_root.resolve()):
                return Entry(
                    path,
                    name,
                    "REJECTED",
                    f"{name}: a link to {target}, outside the landing folder; deliver the "
                    "file itself into the date folder",
                )
        mode = path.stat().st_mode
    except (OSError, RuntimeError) as exc:  # a dangling or looping link
        return Entry(
            path,
            name,
            "REJECTED",
            f"{name}: cannot be opened ({exc.__class__.__name__}: {exc}); deliver the file again",
        )
    if not stat.S_ISREG(mode):
        return Entry(path, name, "REJECTED", f"{name}: {_kind(mode)}; remove it from the folder")
    return Entry(path, name, "LOAD")


def partition_entries(landing: Path, feed: str, day: dt.date) -> list[Entry]:
    """Every entry of ``<landing>/<feed>/<day>/`` with its verdict, in name order."""
    folder = landing / feed / day.isoformat()
    if not folder.is_dir():
        return []
    entries = [classify(p, landing) for p in folder.iterdir()]
    return sorted(entries, key=lambda e: os.fsencode(e.path.name))


def odd_date_folders(landing: Path, feeds: tuple[str, ...]) -> list[str]:
    """Entries under ``<landing>/<feed>/`` that are not a delivery date folder (never loaded)."""
    odd: list[str] = []
    for feed in feeds:
        folder = landing / feed
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir()):
            name = display_name(entry)
            if is_ignored_name(name):
                continue
            if entry.is_dir() and _DATE_FOLDER.match(name):
                try:
                    dt.date.fromisoformat(name)
                    continue
                except ValueError:
                    pass
            odd.append(f"{feed}/{name}")
    return odd


def date_folder_hint(name: str) -> str:
    """What to rename an odd date folder to, if it reads as a date (2021-8-7 → 2021-08-07)."""
    match = re.fullmatch(r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?", name)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups())).isoformat()
        except ValueError:
            return ""
    return ""


def staging_dir(warehouse: Path) -> Path:
    """The warehouse's staging folder beside it, emptied of what a killed load left behind.

    Only the process holding the warehouse's write lock calls this, so anything
    already there is a leftover.
    """
    folder = warehouse.with_name(f".{warehouse.stem}{STAGING_SUFFIX}")
    if folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)  # staged copies hold personal data
    return folder


def stage_copy(entry: Entry, target: Path) -> str:
    """Copy ``entry`` to ``target`` and return the sha256 of exactly the bytes copied.

    Raises StagingError when the file's size or modification time changed while
    it was copied (a file still being written): load it on a re-run once complete.
    """
    before = entry.path.stat()
    digest = hashlib.sha256()
    with entry.path.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
    after = entry.path.stat()
    copied = target.stat().st_size
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or (
        copied != after.st_size
    ):
        target.unlink(missing_ok=True)
        raise StagingError(
            f"{entry.name}: the file changed while it was being read (size {before.st_size} → "
            f"{after.st_size} bytes); it is probably still being copied in. Nothing of it was "
            "loaded: re-run the date once the delivery is complete"
        )
    return digest.hexdigest()
