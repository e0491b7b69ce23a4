"""Synthetic data generator for gridwatch: realistic, deliberately messy deliveries.

``generate(preset, days, seed, out)`` writes ``out/reference/*.csv`` (contract §6),
``out/landing/<feed>/<YYYY-MM-DD>/<file>`` for the four feeds (contract §2, §5) and
``out/manifest.json``: for every landing file the load status, rows read and
quarantine reason counts it is built to produce. Same arguments -> byte-identical
output.
"""

from .core import ALL_REASON_CODES, DIRTY_KINDS, generate, wave_profile
from .manifest import FileEntry, Manifest
from .presets import PRESETS, Preset

__all__ = [
    "ALL_REASON_CODES",
    "DIRTY_KINDS",
    "PRESETS",
    "FileEntry",
    "Manifest",
    "Preset",
    "generate",
    "wave_profile",
]
