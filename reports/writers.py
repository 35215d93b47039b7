"""Cell values and file writers for exports: CSV streamed a batch of rows at a time, XLSX
write-only.

Pure apart from openpyxl: values in, text or files out. Dates are ISO 8601; aware datetimes
are shown in the centre's time zone with their offset.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

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


class CellSource(NamedTuple):
    """Where a cell comes from in a fetched tuple r: r[index], formatted as its kind says;
    or, when compute is given, compute(a, b, …) formatted by cell_value, where each argument
    is r[i] or transform(r[i]) for (i, transform) in arguments."""

    kind: str = ANY
    index: int = 0
    compute: Callable | None = None
    arguments: tuple[tuple[int, Callable | None], ...] = ()


def row_function(sources: Sequence[CellSource], *, tz: tzinfo | None) -> Callable[[Sequence], list]:
    """The function from a fetched tuple r to its row of cell values, one per source: what
    [cell_value(value, tz=tz) for each column's value] gives.

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

    namespace = {
        "FORMULA_PREFIXES": FORMULA_PREFIXES,
        "moment": moment,
        "json_cell": json_cell,
        "cell": cell,
    }
    cells = []
    for position, source in enumerate(sources):
        if source.compute is None:
            expression = _CELL_EXPRESSIONS.get(source.kind, _CELL_EXPRESSIONS[ANY])
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
