"""Synthetic data generator for gridwatch: realistic, deliberately messy deliveries.

``generate(preset, days, seed, out, start=date(2021, 8, 2), dirty=True, progress=None)``
writes

- ``out/reference/{areas,grids,checkpoints}.csv`` (contract §6, UTF-8),
- ``out/landing/<feed>/<YYYY-MM-DD>/<file>`` for push_list, verification, checkpoint and
  enterprise_filing (contract §2, §5),
- ``out/manifest.json``: for every landing file the load status (LOADED / REJECTED /
  DUPLICATE), rows_read and quarantine counts per §4 reason code it is built to produce,

and returns the same ``Manifest``. Same arguments give byte-identical output (all
randomness comes from ``random.Random`` streams seeded from ``seed`` and, for checkpoint
logs, DuckDB ``hash()``; never the clock). A previous generator output in ``out``
(finished, or interrupted: ``generate.in-progress`` lists each file before it is
written) is replaced, deleting only the files it lists; any other file under
``landing``/``reference`` is refused before anything is deleted (``output.py``).

Presets (``PRESETS``): ``mini`` (1 street, 3 communities, a few dozen rows a day),
``street`` (平湖街道-like: 12 communities, 452 grids, 11 checkpoints, ~2,500 pushes on the
peak day of a wave), ``district`` (10 streets), ``city`` (74 streets, ~50k pushes and
~5M checkpoint events a day). A wave ramps up over a few days and decays; longer runs
repeat waves with other topics.

``dirty=True`` adds, deterministically: GB18030 and UTF-8-BOM CSVs, an xlsx push list
with merged title rows and typed cells, rows with exactly one defect for every reason
code of §4, including integers below their minimum as BAD_NUMBER (all owed by the
first files, so a 2–3 day ``mini`` run covers them), a push list delivered the day
after it was issued, a re-sent identical file (DUPLICATE), a verification and a filing
row sent again in the next day's file (same dedup key), a corrected re-delivery of
earlier keys, a stray ``readme.txt`` and a summary sheet without the required columns (REJECTED), quoted
fields with commas / line breaks, short rows, wholly empty rows and unknown columns.
Invalid IDs, phones, temperatures, USCCs and unresolved areas (flags, not errors) are
present in both modes.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from .arguments import FIRST_START, LAST_DAY, ArgumentError, check_arguments
from .manifest import FileEntry, Manifest
from .output import OutputFolderError, check_out
from .presets import PRESETS, Preset

if TYPE_CHECKING:
    from .core import ALL_REASON_CODES, DIRTY_KINDS, generate, wave_profile

# The simulation (and DuckDB, which it needs) loads on first use, so reading PRESETS,
# e.g. to build the command line's choices, stays cheap.
_FROM_CORE = frozenset(("ALL_REASON_CODES", "DIRTY_KINDS", "generate", "wave_profile"))


def __getattr__(name: str) -> object:
    if name in _FROM_CORE:
        return getattr(import_module(".core", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ALL_REASON_CODES",
    "DIRTY_KINDS",
    "FIRST_START",
    "LAST_DAY",
    "PRESETS",
    "ArgumentError",
    "FileEntry",
    "Manifest",
    "OutputFolderError",
    "Preset",
    "check_arguments",
    "check_out",
    "generate",
    "wave_profile",
]
