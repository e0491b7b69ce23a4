"""The output folder: what a generator run may delete, and the log that makes an
interrupted run cleanable.

A finished run leaves ``manifest.json``, which lists every file it wrote. While a
run is under way, ``generate.in-progress`` lists each file before it is written.
The next run deletes exactly the files these two list; any other file under
``landing/`` or ``reference/`` makes it stop before deleting anything.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import TextIO

MANIFEST_NAME = "manifest.json"
IN_PROGRESS_NAME = "generate.in-progress"
OWNED_FOLDERS = ("landing", "reference", "corrections")
_HEADER = (
    "# gridwatch generate is writing (or was interrupted writing) this folder.\n"
    "# Files it wrote so far, each listed before it was written; the next run deletes them.\n"
)


class OutputFolderError(FileExistsError):
    """The output folder ``path`` holds data the generator did not write, or is not a
    folder: ``detail`` says which and what to do."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path} {detail}")
        self.path = path
        self.detail = detail


class OutputLog:
    """``generate.in-progress`` of a run: every path is listed before it is written."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out / IN_PROGRESS_NAME
        self._fh: TextIO | None = self.path.open("w", encoding="utf-8")
        self._fh.write(_HEADER)
        self._fh.flush()

    def claim(self, path: Path) -> Path:
        """Record ``path`` (inside the output folder) as the run's own; returns it."""
        if self._fh is None:
            raise RuntimeError("the output log is already finished")
        self._fh.write(path.relative_to(self.out).as_posix() + "\n")
        self._fh.flush()
        return path

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def finish(self) -> None:
        """The run is complete (its manifest is written): the log is no longer needed."""
        self.close()
        self.path.unlink()


def _safe(rel: str) -> str | None:
    """``rel`` if it names a file inside an owned folder (never outside the output folder)."""
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts or len(p.parts) < 2:
        return None
    return p.as_posix() if p.parts[0] in OWNED_FOLDERS else None


def _manifest_paths(path: Path) -> set[str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    listed = [f["path"] for f in data.get("files", [])]
    listed += [f"reference/{name}" for name in data.get("reference", {})]
    listed += [c["path"] for c in data.get("corrections", [])]
    return {p for p in map(_safe, listed) if p}


def _log_paths(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return {p for p in map(_safe, lines) if p}


def owned_paths(out: Path) -> set[str]:
    """Files under landing/ and reference/ a previous run wrote (relative paths)."""
    owned: set[str] = set()
    log = out / IN_PROGRESS_NAME
    if log.is_file():
        owned |= _log_paths(log)
    manifest = out / MANIFEST_NAME
    if manifest.is_file():
        try:
            owned |= _manifest_paths(manifest)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if not log.is_file():  # else the interrupted run was writing it
                raise OutputFolderError(
                    out,
                    f"has a {MANIFEST_NAME} the generator cannot read ({exc}): "
                    "move it and landing/ and reference/ away or choose another folder",
                ) from exc
    return owned


def _present(out: Path) -> list[str]:
    """Everything but folders under landing/ and reference/ (relative paths)."""
    found: list[str] = []
    for name in OWNED_FOLDERS:
        top = out / name
        if top.is_symlink() or (top.exists() and not top.is_dir()):
            found.append(name)
            continue
        for folder, dirs, files in os.walk(top):
            here = Path(folder)
            links = [d for d in dirs if (here / d).is_symlink()]
            dirs[:] = sorted(d for d in dirs if d not in links)
            found += [(here / f).relative_to(out).as_posix() for f in sorted(files + links)]
    return found


def check_out(out: Path) -> set[str]:
    """Raise OutputFolderError unless ``out`` can take a generator run; the files an
    earlier run left there (to be deleted). Deletes nothing."""
    if out.exists() and not out.is_dir():
        raise OutputFolderError(out, "is a file, not a folder: choose a folder to write to")
    if not out.exists():
        return set()
    owned = owned_paths(out)
    present = _present(out)
    foreign = [p for p in present if p not in owned]
    if foreign:
        more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
        raise OutputFolderError(
            out,
            f"holds files the generator did not write ({foreign[0]}{more}): "
            "move them away or choose another folder; nothing was deleted",
        )
    return set(present)


def prepare_out(out: Path) -> None:
    """Delete what an earlier run left in ``out`` (never anything else) and create it."""
    leftovers = check_out(out)
    out.mkdir(parents=True, exist_ok=True)
    for rel in sorted(leftovers):
        path = out / rel
        path.unlink()
        _prune_empty_parents(path.parent, out)
    (out / MANIFEST_NAME).unlink(missing_ok=True)
    (out / IN_PROGRESS_NAME).unlink(missing_ok=True)


def _prune_empty_parents(folder: Path, out: Path) -> None:
    """Remove ``folder`` and its parents up to ``out`` while they are empty."""
    while folder != out and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
