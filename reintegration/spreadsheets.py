"""Every cell of every CSV and XLSX export goes through here, so that no export carries a formula.

A name typed as ``=HYPERLINK("http://…","…")`` must reach the reader as that text, never as a
live formula that a spreadsheet program evaluates (OWASP "CSV injection"). Numbers, amounts
and dates stay numbers and dates, so that a negative amount still adds up.

- CSV has no types: a spreadsheet program decides what a value is from its first character.
  Text that starts with a formula trigger is prefixed with a single quote, as OWASP advises;
  the quote shows, which is the price of a format that cannot say "this is text".
- XLSX says what each cell is: text is written as a string cell holding exactly what was
  stored, never as a formula cell (openpyxl makes one of any text starting with ``=``), and is
  marked "quote prefix" so that Excel keeps it text even when someone edits the cell. No
  visible quote is added: the reader sees the value as stored.
"""

from __future__ import annotations

import csv
import datetime
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# The OWASP list (= + - @ tab CR), line feed, and the full-width forms that spreadsheet
# programs in East Asian locales also read as the start of a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")

_KEPT_TYPES = (bool, int, float, Decimal, datetime.date, datetime.datetime, datetime.time)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, _KEPT_TYPES):
        return value
    # Lazy translations, choices and model instances are written as their text.
    return str(value)


def csv_cell(value: Any) -> Any:
    """The value as a CSV cell: numbers and dates unchanged, text made inert."""
    value = _plain(value)
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_writer(buffer):
    """A ``csv.writer`` whose rows go through ``csv_cell``."""
    return _InertCsvWriter(buffer)


class _InertCsvWriter:
    def __init__(self, buffer):
        self._writer = csv.writer(buffer)

    def writerow(self, row):
        return self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def xlsx_cell(sheet, value: Any):
    """The value as an XLSX cell of ``sheet``: numbers and dates typed, text a string cell."""
    value = _plain(value)
    if isinstance(value, str):
        # Control characters make openpyxl refuse the whole workbook; typed text is cleaned
        # of them, but text stored before that may hold one.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        # openpyxl has just typed text beginning with "=" as a formula: it is text.
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    return cell


def xlsx_append(sheet, row) -> list:
    """Append ``row`` to ``sheet`` (write-only or not), every value through ``xlsx_cell``;
    returns the cells, for formatting."""
    cells = [xlsx_cell(sheet, value) for value in row]
    sheet.append(cells)
    return cells
