"""Cell values and file writers for exports: CSV streamed row by row, XLSX write-only.

Pure apart from openpyxl: values in, text or files out. Dates are ISO 8601; aware datetimes
are shown in the centre's time zone with their offset.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection,
# OWASP "CSV Injection"): such text gets a leading apostrophe. Numbers are never text here,
# so a negative number keeps its sign.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# XML 1.0 forbids these control characters; openpyxl refuses them.
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def escape_text(text: str) -> str:
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def cell_value(value, *, tz: tzinfo | None = None):
    """A value as it goes into a cell: numbers stay numbers, everything else is text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, Decimal):
        return value
    if isinstance(value, datetime):
        if tz is not None and value.tzinfo is not None:
            value = value.astimezone(tz)
        return value.isoformat(timespec="seconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    return escape_text(str(value))


class _Echo:
    """A file-like object that hands back what is written: csv.writer writes one row into
    it and the streaming response sends that line at once (Django's streaming CSV recipe)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The CSV text line by line (with a BOM first so Excel reads UTF-8)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([escape_text(h) for h in header])
    for row in rows:
        yield writer.writerow(row)


def write_csv(path: Path, header: list[str], rows: Iterable[list]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        for line in csv_lines(header, rows):
            handle.write(line)


def _xlsx_cell(value):
    if isinstance(value, str):
        return _ILLEGAL_XLSX.sub("", value)
    if isinstance(value, Decimal):
        # Excel stores doubles; keep the exact digits as a number where it can.
        return float(value)
    return value


def write_xlsx(target, header: list[str], rows: Iterable[list], *, title: str) -> None:
    """A write-only workbook: openpyxl keeps no rows in memory, whatever their number.
    target: a path, or a binary file object."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "export")
    sheet.append([escape_text(h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    workbook.save(target if hasattr(target, "write") else str(target))
