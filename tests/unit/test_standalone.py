"""A clone of the repository stands on its own: nothing it runs or documents reaches
outside it (the worked example lives in tests/fixtures/, the contract in docs/)."""

from __future__ import annotations

import subprocess

from conftest import EXAMPLES

from gridwatch.config import REPO_ROOT


def test_no_tracked_file_points_outside_the_repository():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    outside = ("../" + "shared", "shared" + "/spec")  # split: this file is tracked too
    offenders = []
    for name in tracked:
        path = REPO_ROOT / name
        if path.suffix in {".xlsx", ".xls", ".lock", ".png"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if any(needle in text for needle in outside):
            offenders.append(name)
    assert offenders == []


def test_the_worked_example_is_inside_the_repository():
    assert EXAMPLES.is_relative_to(REPO_ROOT)
    for part in ("landing", "reference", "expected"):
        assert any((EXAMPLES / part).rglob("*.csv")), part
