"""CSV exports written by PostgreSQL (issue 20, item 4): `COPY (SELECT <the CSV line>) TO
STDOUT` for every dataset whose columns all have an SQL form, byte for byte what the Python
writer (datasets.row_batches + writers.csv_chunks) writes; the Python writer stays for the
rest (outcomes, registry and the audit trail, computed per course or per history row; the
patients' BSA, which is a rounded float; and SQLite).

What the SQL does, as reports/writers.py does it in Python:
- formula escaping: text starting with = + - @ tab or CR gets a leading apostrophe;
- empty cells: NULL and the empty string are written as nothing;
- quoting as the csv module's QUOTE_MINIMAL: a cell with a comma, a quote, CR or LF is quoted,
  quotes doubled;
- dates ISO 8601; datetimes in the centre's time zone with their offset, to the second
  (the COPY runs with the session's TimeZone set to it, restored after);
- each row is one text value, the whole CSV line. PostgreSQL ends it with LF, the csv module
  with CRLF: COPY writes CSV with a delimiter (\\x01) and quote (\\x02) that no cell uses, so
  a line is quoted by PostgreSQL only when a cell holds a line break; a batch without \\x02
  needs only LF -> CRLF (one bytes.replace), a batch with one is read back with the csv
  module (rare: line breaks are typed only in free-text reasons).

The rows are fetched in key ranges of CHUNK_ROWS rows (the dataset's order must end with its
primary key): each range is one COPY, so memory holds one batch however large the export.
Pseudonymised exports compute the study code in SQL: HMAC-SHA256 built from PostgreSQL's
sha256() with the key's inner and outer pads passed as session settings for the COPY only
(never in the COPY's text, which a slow-query log would keep).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.db_router import reads_alias

from . import pseudonymise, writers
from .datasets import Dataset, Filters

# Rows per COPY (one key range): about 5 MB of assessments.
CHUNK_ROWS = 20_000
DELIMITER = b"\x01"
QUOTE = b"\x02"
_FORMULA_FIRST = "('=', '+', '-', '@', E'\\t', E'\\r')"  # writers.FORMULA_PREFIXES
_NEEDS_QUOTES = "'[,\"\\r\\n]'"  # a regular expression: comma, quote, CR or LF
_ASCII_UPPER = "translate({v}, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"
_HMAC_BLOCK = 64  # bytes, SHA-256
_INNER_SETTING, _OUTER_SETTING = "cart.study_code_inner", "cart.study_code_outer"
# Python's str.strip() on printable ASCII strips spaces only.
_PRINTABLE_ASCII = "'^[ -~]*$'"


def _escaped(v: str) -> str:
    """writers.escape_text of a text expression (not NULL)."""
    return f"(CASE WHEN left({v}, 1) IN {_FORMULA_FIRST} THEN '''' || {v} ELSE {v} END)"


def _quoted(v: str) -> str:
    """The csv module's QUOTE_MINIMAL of a text expression (not NULL)."""
    doubled = f"replace({v}, '\"', '\"\"')"
    return f"(CASE WHEN {v} ~ {_NEEDS_QUOTES} THEN '\"' || {doubled} || '\"' ELSE {v} END)"


def text_cell(v: str) -> str:
    return f"(CASE WHEN {v} IS NULL OR {v} = '' THEN '' ELSE {_quoted(_escaped(v))} END)"


def number_cell(v: str) -> str:
    return f"coalesce(({v})::text, '')"


def boolean_cell(v: str) -> str:
    return f"(CASE WHEN {v} THEN 'true' WHEN NOT {v} THEN 'false' ELSE '' END)"


def date_cell(v: str) -> str:
    return f"coalesce(to_char({v}, 'YYYY-MM-DD'), '')"


def datetime_cell(v: str) -> str:
    # TZH:TZM: the offset in the session's time zone, set to the centre's for the COPY.
    return f"coalesce(to_char({v}, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM'), '')"


def json_cell(v: str) -> str:
    """writers' json_cell of a JSON column fetched as text: a list is its items joined by
    "; " (strings as they are; true/false/null as Python writes them), then escaped; a string
    is escaped."""
    v = f"({v})::jsonb"
    item = (
        "(CASE jsonb_typeof(e) WHEN 'string' THEN e #>> '{}' WHEN 'boolean' THEN "
        "CASE WHEN e = 'true'::jsonb THEN 'True' ELSE 'False' END WHEN 'null' THEN 'None' "
        "ELSE e::text END)"
    )
    joined = (
        f"(CASE jsonb_typeof({v}) WHEN 'array' THEN (SELECT string_agg({item}, '; ' ORDER BY n) "
        f"FROM jsonb_array_elements({v}) WITH ORDINALITY AS a(e, n)) "
        f"WHEN 'string' THEN {v} #>> '{{}}' WHEN 'null' THEN NULL ELSE {v}::text END)"
    )
    return text_cell(joined)


CELL_SQL = {
    writers.NUMBER: number_cell,
    writers.TEXT: text_cell,
    writers.BOOLEAN: boolean_cell,
    writers.DATE: date_cell,
    writers.DATETIME: datetime_cell,
}


def study_code_sql(cell: str) -> str:
    """pseudonymise.study_code of a cell's text (the escaped MRN), in SQL: HMAC-SHA256 from
    sha256() and the key's pads (session settings), first 16 hex digits, upper case."""
    inner = f"decode(current_setting('{_INNER_SETTING}'), 'hex')"
    outer = f"decode(current_setting('{_OUTER_SETTING}'), 'hex')"
    message = f"convert_to({_ASCII_UPPER.format(v=f'btrim({cell})')}, 'UTF8')"
    digest = f"encode(sha256({outer} || sha256({inner} || {message})), 'hex')"
    hex_digits = f"left({digest}, {pseudonymise.STUDY_CODE_HEX_DIGITS})"
    code = f"'{pseudonymise.STUDY_CODE_PREFIX}' || {_ASCII_UPPER.format(v=hex_digits)}"
    return f"(CASE WHEN {cell} = '' THEN '' ELSE {code} END)"


def hmac_pads(key: bytes) -> tuple[str, str]:
    """The inner and outer pads of HMAC-SHA256 under key (RFC 2104), as hex."""
    if len(key) > _HMAC_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_HMAC_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key).hex(), bytes(b ^ 0x5C for b in key).hex()


@dataclass(frozen=True)
class CopyPlan:
    """How one export is written by COPY: the select of the inner query, the line's SQL over
    its columns c0…, and the keys the ranges are cut on."""

    select: list
    line_sql: str
    keys: tuple[str, ...]
    needs_study_code: bool
    ascii_mrn_lookup: str | None


def copy_plan(dataset: Dataset, qs: QuerySet, *, tz, steps=None) -> CopyPlan | None:
    """The COPY form of an export, or None when a column (or the order, or the time zone)
    has no SQL form and the Python writer must write it. steps: the pseudonymisation plan's
    (index, transform) per written column, None for the identifiable columns as they are."""
    if not dataset.reads_values or getattr(tz, "key", None) is None:
        return None
    keys = tuple(qs.query.order_by)
    if not keys or keys[-1] not in ("pk", "id") or any(k.startswith("-") for k in keys):
        return None
    select, sources = dataset._plan(qs, tz)
    cells = []
    for column, source in zip(dataset.columns, sources, strict=True):
        if source.compute is None:
            make = CELL_SQL.get(source.kind)
            if source.kind == writers.JSON:
                make = json_cell
            if make is None:
                return None
            cells.append(make(f"c{source.index}"))
            continue
        if column.sql is None:
            return None
        # A LocalDay argument: the day in the session's time zone (the centre's).
        arguments = [
            f"(c{index})::date" if transform is not None else f"c{index}"
            for index, transform in source.arguments
        ]
        cells.append(column.sql(*arguments))
    needs_study_code, mrn_lookup = False, None
    if steps is not None:
        reshaped = []
        for index, transform in steps:
            if transform is None:
                reshaped.append(cells[index])
                continue
            name = dataset.header[index]
            if name != "mrn":
                return None  # birth year, age band: the Python writer
            needs_study_code = True
            mrn_lookup = dataset.columns[index].lookups[0]
            reshaped.append(study_code_sql(cells[index]))
        cells = reshaped
    return CopyPlan(
        select=select,
        line_sql=" || ',' || ".join(cells) if cells else "''",
        keys=keys,
        needs_study_code=needs_study_code,
        ascii_mrn_lookup=mrn_lookup,
    )


def _after(keys, values) -> Q:
    """Rows after `values` in the order of `keys` (all ascending, the last unique)."""
    q = Q()
    for i, key in enumerate(keys):
        q |= Q(**dict(zip(keys[:i], values[:i], strict=True)), **{f"{key}__gt": values[i]})
    return q


def _up_to(keys, values) -> Q:
    q = Q(**dict(zip(keys, values, strict=True)))
    for i, key in enumerate(keys):
        q |= Q(**dict(zip(keys[:i], values[:i], strict=True)), **{f"{key}__lt": values[i]})
    return q


class _Sink:
    """psycopg2's copy_expert writes each row here: list.append, called from C."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.write = self.parts.append


def _crlf(data: bytes) -> tuple[bytes, int]:
    """A COPY batch as the csv module writes it (CRLF line ends) and its number of rows."""
    if QUOTE not in data:
        return data.replace(b"\n", b"\r\n"), data.count(b"\n")
    lines = [
        record[0]
        for record in csv.reader(
            io.StringIO(data.decode("utf-8"), newline=""),
            delimiter=DELIMITER.decode(),
            quotechar=QUOTE.decode(),
        )
    ]
    return "".join(line + "\r\n" for line in lines).encode("utf-8"), len(lines)


class CopyExport:
    """The rows of one export as CSV bytes, a COPY per key range."""

    def __init__(self, dataset: Dataset, filters: Filters, *, steps=None, key: bytes = b""):
        self.alias = reads_alias()
        self.tz = timezone.get_current_timezone()
        self.key = key
        self.plan = None
        if dataset.reads_values and connections[self.alias].vendor == "postgresql":
            self.qs = dataset.queryset(filters).using(self.alias)
            self.plan = copy_plan(dataset, self.qs, tz=self.tz, steps=steps)
        if self.plan and self.plan.needs_study_code and not self._mrns_plain():
            self.plan = None

    @property
    def available(self) -> bool:
        return self.plan is not None

    def _mrns_plain(self) -> bool:
        """The SQL study code is Python's for MRNs of printable ASCII (strip and upper alike):
        any other MRN among the rows sends the export to the Python writer."""
        lookup = self.plan.ascii_mrn_lookup
        return not self.qs.exclude(**{f"{lookup}__regex": _PRINTABLE_ASCII[1:-1]}).exists()

    def _copy_sql(self, qs: QuerySet, cursor) -> str:
        n = len(self.plan.select)
        keys = [F(k) for k in self.plan.keys]
        sql, params = qs.order_by().values_list(*self.plan.select, *keys).query.sql_with_params()
        inner = cursor.mogrify(sql, params).decode()
        names = ", ".join(f"c{i}" for i in range(n + len(keys)))
        order = ", ".join(f"c{n + i}" for i in range(len(keys)))
        return (
            f"COPY (SELECT {self.plan.line_sql} FROM ({inner}) AS t({names}) ORDER BY {order}) "
            f"TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')"
        )

    def _copy(self, qs: QuerySet) -> tuple[bytes, int]:
        connection = connections[self.alias]
        connection.ensure_connection()
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg2's own: copy_expert
            cursor.execute("SELECT current_setting('TimeZone')")
            [previous] = cursor.fetchone()
            settings = {"TimeZone": self.tz.key}
            if self.plan.needs_study_code:
                inner, outer = hmac_pads(self.key)
                settings.update({_INNER_SETTING: inner, _OUTER_SETTING: outer})
            for name, value in settings.items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])
            sink = _Sink()
            try:
                cursor.copy_expert(self._copy_sql(qs, cursor), sink)
            finally:
                cursor.execute("SELECT set_config('TimeZone', %s, false)", [previous])
                if self.plan.needs_study_code:
                    for name in (_INNER_SETTING, _OUTER_SETTING):
                        cursor.execute("SELECT set_config(%s, '', false)", [name])
        return _crlf(b"".join(sink.parts))

    def chunks(self, chunk_rows: int | None = None) -> Iterator[tuple[bytes, int]]:
        """(CSV bytes of the rows, number of rows) per key range, in export order."""
        chunk_rows = chunk_rows or CHUNK_ROWS
        keys = self.plan.keys
        last = None
        while True:
            page = self.qs if last is None else self.qs.filter(_after(keys, last))
            boundary = list(page.values_list(*keys)[chunk_rows - 1 : chunk_rows])
            if boundary:
                page = page.filter(_up_to(keys, boundary[0]))
            data, rows = self._copy(page)
            if rows:
                yield data, rows
            if not boundary:
                return
            last = boundary[0]


def header_bytes(header: list[str]) -> bytes:
    """The header line as the Python writer writes it (with the BOM)."""
    return next(writers.csv_chunks(header, [])).encode("utf-8")
