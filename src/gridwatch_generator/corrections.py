"""A corrected re-delivery for the demo: one push-list file sent again.

``write(out)`` takes a generated delivery (``out/manifest.json``) and writes a corrected
copy of one of its push-list files to ``out/corrections/push_list/<date>/<file>``, under
the landing file's own name: one record's phone and another's deadline corrected, one
record withdrawn and one added. It lists it in manifest.json under ``corrections`` (so
the next ``generate`` deletes it like any file it wrote). ``apply(out)`` copies it over
the landing file and returns its date, which ``make demo`` then re-runs, so the
pipeline-health dashboard's diff panel (mart_delivery_changes) has something to show.

The file is chosen and corrected from the generated files alone (no randomness): the
same generated delivery gives the same correction. Its date is one on which no file is
built to be rejected, so its re-run succeeds.

    python -m gridwatch_generator.corrections write data/generated
    python -m gridwatch_generator.corrections apply data/generated   # prints the date
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
import unicodedata
from pathlib import Path

from .manifest import FileEntry, Manifest
from .output import MANIFEST_NAME

FOLDER = "corrections"
# the header names of the columns the correction touches (contract §5, as generated)
PHONE = {"手机号", "手机号码", "联系电话", "phone"}
DEADLINE = {"反馈时限", "反馈时限(小时)", "时限(小时)", "deadline_hours"}
RECORD_NO = {"序号", "record_no"}


def _cell(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _column(header: list[str], names: set[str]) -> int | None:
    return next((i for i, cell in enumerate(header) if _cell(cell) in names), None)


def _corrected(rows: list[list[str]]) -> tuple[list[list[str]], str] | None:
    """The rows with a phone and a deadline corrected, a record dropped and one added."""
    header, data = rows[0], [r for r in rows[1:] if any(c.strip() for c in r)]
    phone, deadline, record_no = (_column(header, n) for n in (PHONE, DEADLINE, RECORD_NO))
    if phone is None or deadline is None or record_no is None:
        return None
    width = len(header)
    plain = [r for r in data if len(r) == width and r[record_no].isdigit()]
    with_phone = [r for r in plain if r[phone].isdigit() and len(r[phone]) == 11]
    if len(plain) < 4 or not with_phone:
        return None
    first = with_phone[0]
    second, dropped, model = [r for r in plain if r is not first][:3]
    first[phone] = first[phone][:-1] + str((int(first[phone][-1]) + 1) % 10)
    second[deadline] = "72" if second[deadline].strip() != "72" else "48"
    added = list(model)
    added[record_no] = str(max(int(r[record_no]) for r in plain) + 1)
    kept = [r for r in data if r is not dropped] + [added]
    what = (
        f"record {first[record_no]}: phone corrected; record {second[record_no]}: deadline "
        f"{second[deadline]} h; record {dropped[record_no]} withdrawn; record "
        f"{added[record_no]} added"
    )
    return [header, *kept], what


def _candidates(manifest: Manifest) -> list[FileEntry]:
    """Loaded, clean push-list CSVs of dates on which no file is built to be rejected."""
    failing = {e.delivery_date for e in manifest.files if e.status == "REJECTED"}
    dates = sorted({e.delivery_date for e in manifest.files})
    # a date inside the run (its third, or the last of a shorter one), then later ones
    first = dates[min(2, len(dates) - 1)] if dates else ""
    return sorted(
        (
            e
            for e in manifest.files
            if e.feed == "push_list"
            and e.status == "LOADED"
            and e.format == "csv"
            and e.kind == "regular"
            and not e.quarantine
            and e.delivery_date not in failing
        ),
        key=lambda e: (e.delivery_date < first, e.delivery_date, e.file_name),
    )


def write(out: Path) -> dict[str, str] | None:
    """Write the corrected re-delivery into ``out/corrections``; its manifest entry."""
    manifest_path = out / MANIFEST_NAME
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in _candidates(Manifest.read(manifest_path)):
        encoding = entry.encoding or "utf-8"
        with (out / entry.path).open(encoding=encoding, newline="") as handle:
            rows = list(csv.reader(handle))
        corrected = _corrected(rows) if rows else None
        if corrected is None:
            continue
        rows, what = corrected
        path = f"{FOLDER}/{entry.feed}/{entry.delivery_date}/{entry.file_name}"
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", encoding=encoding, newline="") as handle:
            csv.writer(handle, lineterminator="\r\n").writerows(rows)
        correction = {
            "feed": entry.feed,
            "delivery_date": entry.delivery_date,
            "file_name": entry.file_name,
            "path": path,
            "replaces": entry.path,
            "change": what,
        }
        data["corrections"] = [correction]
        text = json.dumps(data, ensure_ascii=False, indent=2)
        manifest_path.write_text(text + "\n", encoding="utf-8")
        return correction
    return None


def apply(out: Path) -> dict[str, str]:
    """Copy the corrected file over its landing file; its manifest entry."""
    data = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    (correction,) = data.get("corrections") or [None]
    if correction is None:
        raise SystemExit(f"{out}: no corrected re-delivery; run `... corrections write {out}`")
    shutil.copyfile(out / correction["path"], out / correction["replaces"])
    return correction


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("write", "apply"):
        print("\n".join(__doc__.strip().splitlines()[-2:]), file=sys.stderr)
        return 2
    out = Path(argv[1])
    if argv[0] == "write":
        found = write(out)
        if found is None:
            print(f"{out}: no push-list file to correct", file=sys.stderr)
            return 1
        print(f"corrected re-delivery: {found['path']} ({found['change']})", file=sys.stderr)
        return 0
    found = apply(out)
    print(
        f"re-delivered {found['replaces']} corrected ({found['change']})",
        file=sys.stderr,
    )
    print(found["delivery_date"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
