"""What refusing a hostile spreadsheet costs the import: time and peak memory of reading an
upload the way a dry run does before it plans anything (check, store, read), for an XLSX of
about 200 KB that unpacks to 1.5 million rows, and in the same run the floor: the same steps
for a tiny valid sheet.

    .venv/bin/python benchmarks/imports.py [--rows 1500000]

Each case runs in a fresh process, twice: once timed (with the growth of the process's peak
resident memory), once under tracemalloc (peak of Python allocations, which slows it down).
No database is needed: nothing here reaches the rows' matching with stored files.

The workbooks are written here without openpyxl, streaming the sheet's XML into a deflated
zip, so that a sheet of millions of rows costs seconds and a few megabytes to build.
``beneficiaries/tests/test_import_limits.py`` builds smaller ones with ``write_workbook``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent.parent

HEADER = ("first_name_ar", "last_name_ar", "first_name_latin", "last_name_latin", "sex")
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
CONTENT_TYPES = (
    f'{XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{SPREADSHEET}.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{SPREADSHEET}.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    f'{XML}<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
    f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'{XML}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
    '<bookViews><workbookView activeTab="0"/></bookViews>'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'{XML}<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" '
    f'Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def _cell(value: str | int) -> str:
    if isinstance(value, int):
        return f"<c><v>{value}</v></c>"
    return f'<c t="inlineStr"><is><t>{value}</t></is></c>'


def write_workbook(
    target: BinaryIO,
    *,
    rows: int,
    declared_rows: int | None = -1,
    cells: tuple[str | int, ...] = ("x",),
) -> None:
    """An XLSX workbook whose one sheet holds the import's required columns and ``rows``
    identical rows of ``cells`` (one short text by default: small rows). Its <dimension>
    declares ``declared_rows`` rows besides the header (by default the true number; None: no
    dimension at all, as some programs write). Identical rows without row numbers compress
    about a thousand times."""
    declared = rows if declared_rows == -1 else declared_rows
    dimension = "" if declared is None else f'<dimension ref="A1:E{declared + 1}"/>'
    header = "<row>" + "".join(_cell(name) for name in HEADER) + "</row>"
    row = ("<row>" + "".join(_cell(value) for value in cells) + "</row>").encode()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as xlsx:
        xlsx.writestr("[Content_Types].xml", CONTENT_TYPES)
        xlsx.writestr("_rels/.rels", ROOT_RELS)
        xlsx.writestr("xl/workbook.xml", WORKBOOK)
        xlsx.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with xlsx.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}">{dimension}<sheetData>{header}'.encode())
            block = 10_000
            for start in range(0, rows, block):
                sheet.write(row * min(block, rows - start))
            sheet.write(b"</sheetData></worksheet>")


def setup_django(media: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reintegration.settings")
    os.environ.setdefault("DEBUG", "false")
    os.environ["MEDIA_ROOT"] = media
    import django

    django.setup()


def read_upload(path: Path) -> str:
    """The steps of ``importing.prepare`` before it plans: check, store, read. Returns the
    number of rows read, or the refusal."""
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation

    from beneficiaries import importing

    upload = SimpleUploadedFile(path.name, path.read_bytes())
    with translation.override("en"):
        try:
            importing.check_upload(upload)
            stored = importing._store(upload)
            try:
                return f"read {len(importing._read(stored))} rows"
            finally:
                stored.unlink(missing_ok=True)
        except ValidationError as refusal:
            return f"refused: {' '.join(refusal.messages)}"


def child(path: Path) -> None:
    """One case, in this fresh process: timed, then traced, after a first read of a tiny
    sheet has loaded what a running server has loaded."""
    with tempfile.TemporaryDirectory() as media:
        setup_django(media)
        warm_up = Path(media, "warm-up.xlsx")
        with open(warm_up, "wb") as handle:
            write_workbook(handle, rows=3)
        read_upload(warm_up)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        outcome = read_upload(path)
        seconds = time.perf_counter() - started
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        tracemalloc.start()
        read_upload(path)
        traced = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    figures = {"seconds": seconds, "rss_mb": grown / 1024, "traced_mb": traced / 2**20}
    print(json.dumps({**figures, "outcome": outcome}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_500_000, help="rows of the large sheet")
    parser.add_argument(
        "--compact-rows",
        type=int,
        default=200_000,
        help="rows of a sheet without dimension that unpacks to less than the import's limit",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    compact = args.compact_rows
    cases = {
        "floor: 3 valid rows": {"rows": 3},
        f"{args.rows:,} rows": {"rows": args.rows},
        f"{compact:,} rows, no dimension": {"rows": compact, "declared_rows": None},
    }
    columns = "Sheet | KB | Unpacked (MB) | Time (ms) | Peak RSS growth (MB) | Peak traced (MB)"
    print(f"| {columns} | Outcome |")
    print("|---|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as folder:
        for number, (name, shape) in enumerate(cases.items()):
            path = Path(folder, f"sheet{number}.xlsx")
            with open(path, "wb") as handle:
                write_workbook(handle, **shape)
            with zipfile.ZipFile(path) as xlsx:
                unpacked = sum(member.file_size for member in xlsx.infolist())
            result = subprocess.run(
                [sys.executable, __file__, "--child", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(result.stdout.strip().splitlines()[-1])
            print(
                f"| {name} | {path.stat().st_size / 1024:.0f} | {unpacked / 2**20:.1f} "
                f"| {figures['seconds'] * 1000:,.1f} | {figures['rss_mb']:.1f} "
                f"| {figures['traced_mb']:.1f} | {figures['outcome']} |"
            )


if __name__ == "__main__":
    main()
