"""Cell values and file writers for exports: CSV streamed a batch of rows at a time, XLSX
write-only.

Pure apart from openpyxl: values in, text or files out. In CSV, dates are ISO 8601 and aware
datetimes are shown in the centre's time zone with their offset. In XLSX (typed rows), dates,
datetimes (the centre's local time: Excel keeps no offset) and numbers are real cells.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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
        value = "; ".join(map(str, value))
    return escape_text(str(value))


# What a column holds, known from its model field once per export, so that no cell asks its
# value what it is. JSON: the text of a JSON field. ANY: cell_value decides per value.
NUMBER, TEXT, BOOLEAN, DATE, DATETIME, JSON, ANY = (
    "number",
    "text",
    "boolean",
    "date",
    "datetime",
    "json",
    "any",
)

# cell_value(r[i], tz=tz) of a fetched value r[i] of each kind, as an expression.
_CELL_EXPRESSIONS = {
    NUMBER: '"" if (v := r[{i}]) is None else v',
    TEXT: '"" if (v := r[{i}]) is None else "\'" + v if v.startswith(FORMULA_PREFIXES) else v',
    BOOLEAN: '"" if (v := r[{i}]) is None else "true" if v else "false"',
    DATE: '"" if (v := r[{i}]) is None else v.isoformat()',
    DATETIME: "moment(r[{i}])",
    JSON: "json_cell(r[{i}])",
    ANY: "cell(r[{i}])",
}


# xlsx_value(r[i], tz=tz) of a fetched value r[i] of each kind: a typed row for a workbook.
_TYPED_EXPRESSIONS = {
    NUMBER: "r[{i}]",
    TEXT: "r[{i}]",
    BOOLEAN: "r[{i}]",
    DATE: "r[{i}]",
    DATETIME: "moment(r[{i}])",
    JSON: "json_cell(r[{i}])",
    ANY: "cell(r[{i}])",
}


def xlsx_value(value, *, tz: tzinfo | None = None):
    """A value as it goes into a workbook cell: numbers, booleans, dates and datetimes keep
    their type (an aware datetime becomes the centre's local time, as Excel has no offset);
    lists are joined; everything else is text, unescaped (write_xlsx marks formula-like text
    as text with the quotePrefix style instead of an apostrophe)."""
    if value is None or isinstance(value, (bool, int, float, Decimal, date, time)):
        if isinstance(value, datetime) and value.tzinfo is not None:
            if tz is not None:
                value = value.astimezone(tz)
            return value.replace(tzinfo=None)
        return value
    if isinstance(value, (list, tuple)):
        return "; ".join(map(str, value)) or None
    return str(value)


class CellSource(NamedTuple):
    """Where a cell comes from in a fetched tuple r: r[index], formatted as its kind says;
    or, when compute is given, compute(a, b, …) formatted by cell_value, where each argument
    is r[i] or transform(r[i]) for (i, transform) in arguments."""

    kind: str = ANY
    index: int = 0
    compute: Callable | None = None
    arguments: tuple[tuple[int, Callable | None], ...] = ()


def row_function(
    sources: Sequence[CellSource], *, tz: tzinfo | None, typed: bool = False
) -> Callable[[Sequence], list]:
    """The function from a fetched tuple r to its row of cell values, one per source: what
    [cell_value(value, tz=tz) for each column's value] gives (typed: xlsx_value instead).

    A large export calls it once per row, so it is generated once per export as one list
    display written for these columns: a number costs a test for None where a formatter per
    cell would cost a call (an assessments row: 15 µs rather than 20, of about 50 in all)."""

    def moment(value):
        if value is None:
            return ""
        if tz is not None and value.tzinfo is not None:
            value = value.astimezone(tz)
        return value.isoformat(timespec="seconds")

    def json_cell(text):
        # What cell_value gives for the value Django's JSONField would decode from the text.
        if text is None or text == "[]":  # most lists (of vasopressors, say) are empty
            return ""
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        return cell_value(value, tz=tz)

    def cell(value):
        return cell_value(value, tz=tz)

    def typed_cell(value):
        return xlsx_value(value, tz=tz)

    def typed_json_cell(text):
        if text is None or text == "[]":
            return None
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        return xlsx_value(value, tz=tz)

    namespace = {
        "FORMULA_PREFIXES": FORMULA_PREFIXES,
        "moment": typed_cell if typed else moment,
        "json_cell": typed_json_cell if typed else json_cell,
        "cell": typed_cell if typed else cell,
    }
    expressions = _TYPED_EXPRESSIONS if typed else _CELL_EXPRESSIONS
    cells = []
    for position, source in enumerate(sources):
        if source.compute is None:
            expression = expressions.get(source.kind, expressions[ANY])
            cells.append("(" + expression.format(i=source.index) + ")")
            continue
        namespace[f"compute{position}"] = source.compute
        arguments = []
        for number, (index, transform) in enumerate(source.arguments):
            if transform is None:
                arguments.append(f"r[{index}]")
            else:
                namespace[f"transform{position}_{number}"] = transform
                arguments.append(f"transform{position}_{number}(r[{index}])")
        cells.append(f"cell(compute{position}({', '.join(arguments)}))")
    source_code = "def row(r):\n    return [" + ", ".join(cells) + "]\n"
    exec(compile(source_code, "<reports.writers.row_function>", "exec"), namespace)
    return namespace["row"]


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


def csv_chunks(header: list[str], batches: Iterable[list[list]]) -> Iterator[str]:
    """The text of csv_lines() in a few large pieces: the header (with the BOM), then one
    string per batch of rows, written by the csv module in C rather than a line each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    buffer.write("\ufeff")
    writer.writerow([escape_text(h) for h in header])
    yield taken()
    for batch in batches:
        writer.writerows(batch)
        yield taken()


def write_csv(path: Path, header: list[str], rows: Iterable[list]) -> None:
    """The text of csv_lines() in a file (the rows are written by the csv module in C)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write("\ufeff")
        writer = csv.writer(handle)
        writer.writerow([escape_text(h) for h in header])
        writer.writerows(rows)


# Column widths are fitted to the header and the first rows (a write-only sheet writes its
# columns before its rows), in characters, East Asian wide characters counting two.
XLSX_WIDTH_SAMPLE_ROWS = 500
XLSX_MIN_WIDTH = 6
XLSX_MAX_WIDTH = 60
_XLSX_SHOWN_WIDTH = {date: 10, datetime: 19, time: 8}


def _shown_width(value) -> int:
    if value is None:
        return 0
    for kind, width in _XLSX_SHOWN_WIDTH.items():
        if type(value) is kind:
            return width
    text = value if isinstance(value, str) else str(value)
    longest = 0
    for line in text.splitlines() or [""]:
        wide = sum(unicodedata.east_asian_width(c) in "WF" for c in line)
        longest = max(longest, len(line) + wide)
    return longest


def _column_widths(header: list[str], sample: list[list]) -> list[float]:
    widths = [_shown_width(h) for h in header]
    for row in sample:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], _shown_width(value))
    return [min(max(w, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH) + 2 for w in widths]


def _xlsx_text(sheet, text: str):
    text = _ILLEGAL_XLSX.sub("", text)
    if not text.startswith(FORMULA_PREFIXES):
        return text
    # Formula-like text stays the text it was: a string cell with Excel's quotePrefix style
    # (shown as typed, never run, no apostrophe in the value) — OWASP "CSV Injection".
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def write_xlsx(target, header: list[str], rows: Iterable[list], *, title: str) -> None:
    """A write-only workbook: openpyxl keeps no rows in memory, whatever their number (only
    the first rows, to fit the column widths). rows: typed rows (xlsx_value), so dates and
    numbers are real cells. A frozen header row with an autofilter over every row.
    target: a path, or a binary file object."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "export")
    rows = iter(rows)
    sample = list(islice(rows, XLSX_WIDTH_SAMPLE_ROWS))
    for index, width in enumerate(_column_widths(header, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=_ILLEGAL_XLSX.sub("", name))
        cell.data_type = "s"
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    count = 0
    for row in chain(sample, rows):
        sheet.append([_xlsx_text(sheet, v) if type(v) is str else v for v in row])
        count += 1
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    workbook.save(target if hasattr(target, "write") else str(target))
