"""CSV exports written by PostgreSQL (issue 20, item 4): `COPY (SELECT <the cells>) TO STDOUT
WITH CSV` for every dataset whose columns all have an SQL form, byte for byte what the Python
writer (datasets.row_batches + writers.csv_chunks) writes; the Python writer stays for the
rest (outcomes, registry and the audit trail, computed per course or per history row; the
patients' BSA, a rounded float; an MRN outside printable ASCII in a pseudonymised export;
SQLite), and when EXPORT_CSV_COPY is off.

Each cell is selected as writers.cell_value makes it, and PostgreSQL's CSV writer quotes it
as the csv module does (a comma, quote, CR or LF quotes the cell, quotes doubled):
- formula escaping in SQL: text starting with = + - @ tab or CR gets a leading apostrophe;
- empty cells: NULL, and the empty string made NULL (COPY would quote it);
- numbers by their own output; dates ISO (DateStyle ISO for the COPY); datetimes in the
  centre's time zone with their offset, to the second (TimeZone set for the COPY, restored);
- line ends: PostgreSQL ends a row with LF, the csv module with CRLF. COPY hands each row to
  psycopg2 as one piece: a batch whose LFs are one per row needs one bytes.replace; a batch
  with a line break inside a cell (typed free text, rare) has each row's last LF replaced.

The rows are fetched in key ranges of CHUNK_ROWS rows (the dataset's order must end with its
primary key): each range is one COPY, so memory holds one batch however large the export.
Pseudonymised exports compute the study code in SQL, once per MRN of a range (a lateral
subquery cached by MRN): HMAC-SHA256 built from PostgreSQL's sha256() with the key's inner
and outer pads passed as session settings for the COPY only (never in the COPY's text, which
a slow-query log would keep).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connections
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.db_router import reads_alias

from . import pseudonymise, writers
from .datasets import Dataset, Filters

# Rows per COPY (one key range) of a download: about 12 MB of assessments (twice that
# while its line ends are rewritten). Each range costs a boundary query, a plan and its
# joins' hash tables: at 20,000 rows, about 6% of the export's time.
CHUNK_ROWS = 50_000
# Memory for sorting one key range (a range sorted on disk costs more than the COPY).
COPY_WORK_MEM = "64MB"
# writers.FORMULA_PREFIXES as character codes.
_FORMULA_CODES = "(" + ", ".join(str(ord(c)) for c in writers.FORMULA_PREFIXES) + ")"
_FORMULA_MAX = max(ord(c) for c in writers.FORMULA_PREFIXES)
_ASCII_UPPER = "translate({v}, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"
_HMAC_BLOCK = 64  # bytes, SHA-256
_INNER_SETTING, _OUTER_SETTING = "cart.study_code_inner", "cart.study_code_outer"
# Python's str.strip() on printable ASCII strips spaces only.
_PRINTABLE_ASCII = "'^[ -~]*$'"


def text_cell(v: str) -> str:
    """writers' TEXT cell: the text with an apostrophe before a formula character (ascii():
    an integer test, no substring), NULL for none or empty, else the text. The first test
    settles almost every cell in one comparison (codes and words start with a letter): a
    first character above every formula character is none of them, and ascii('') is 0
    (asking all three questions of every cell cost about 4% of the export)."""
    return (
        f"(CASE WHEN ascii({v}) > {_FORMULA_MAX} THEN {v} "
        f"WHEN ascii({v}) IN {_FORMULA_CODES} THEN '''' || {v} ELSE nullif({v}, '') END)"
    )


def escaped_value(v: str) -> str:
    """cell_value of a text as a pseudonymisation transform gets it: '' or the escaped text."""
    return f"(CASE WHEN {v} IS NULL THEN '' ELSE coalesce({text_cell(v)}, '') END)"


def _same(v: str) -> str:
    return v


def boolean_cell(v: str) -> str:
    return f"(CASE WHEN {v} THEN 'true' WHEN NOT {v} THEN 'false' END)"


def datetime_cell(v: str) -> str:
    # TZH:TZM: the offset in the session's time zone, set to the centre's for the COPY.
    return f"to_char({v}, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')"


def json_cell(v: str) -> str:
    """writers' json_cell of a JSON column (fetched as jsonb here): a list is its items
    joined by "; " (strings as they are; true/false/null as Python writes them), a string is
    itself, then escaped; most lists are empty. Exact for what forms and the API store (lists
    of strings); a number or an object at the top is written as its JSON text."""
    item = (
        "(CASE jsonb_typeof(e) WHEN 'string' THEN e #>> '{}' WHEN 'boolean' THEN "
        "CASE WHEN e = 'true'::jsonb THEN 'True' ELSE 'False' END WHEN 'null' THEN 'None' "
        "ELSE e::text END)"
    )
    text = (
        f"(CASE WHEN jsonb_typeof({v}) = 'array' THEN (SELECT string_agg({item}, '; ' "
        f"ORDER BY n) FROM jsonb_array_elements({v}) WITH ORDINALITY AS a(e, n)) "
        f"WHEN jsonb_typeof({v}) = 'string' THEN {v} #>> '{{}}' "
        f"WHEN jsonb_typeof({v}) = 'null' THEN NULL ELSE {v}::text END)"
    )
    # The text is escaped once, in a subquery; an empty list never reaches it.
    escaped = f"(SELECT {text_cell('x')} FROM (SELECT {text} AS x) AS json_text)"
    return f"(CASE WHEN {v} IS NULL OR {v} = '[]'::jsonb THEN NULL ELSE {escaped} END)"


# The SQL of a plain column's cell, by kind (writers.NUMBER …): numbers and dates are
# written by their own output (DateStyle ISO).
CELL_SQL = {
    writers.NUMBER: _same,
    writers.TEXT: text_cell,
    writers.BOOLEAN: boolean_cell,
    writers.DATE: _same,
    writers.DATETIME: datetime_cell,
    writers.JSON: json_cell,
}


def study_code_sql(escaped: str) -> str:
    """pseudonymise.study_code of a cell's value (the escaped MRN, '' for none), in SQL:
    HMAC-SHA256 from sha256() and the key's pads (session settings), first 16 hex digits,
    upper case; NULL (an empty cell) for none."""
    inner = f"decode(current_setting('{_INNER_SETTING}'), 'hex')"
    outer = f"decode(current_setting('{_OUTER_SETTING}'), 'hex')"
    message = f"convert_to({_ASCII_UPPER.format(v=f'btrim({escaped})')}, 'UTF8')"
    digest = f"encode(sha256({outer} || sha256({inner} || {message})), 'hex')"
    hex_digits = f"left({digest}, {pseudonymise.STUDY_CODE_HEX_DIGITS})"
    code = f"'{pseudonymise.STUDY_CODE_PREFIX}' || {_ASCII_UPPER.format(v=hex_digits)}"
    return f"(CASE WHEN {escaped} = '' THEN NULL ELSE {code} END)"


def hmac_pads(key: bytes) -> tuple[str, str]:
    """The inner and outer pads of HMAC-SHA256 under key (RFC 2104), as hex."""
    if len(key) > _HMAC_BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_HMAC_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in key).hex(), bytes(b ^ 0x5C for b in key).hex()


@dataclass(frozen=True)
class CopyPlan:
    """How one export is written by COPY: the select of the inner query (its columns c0…),
    each cell's SQL over them, and the keys the ranges are cut on."""

    select: list
    cells: list[str]
    keys: tuple[str, ...]
    # The fetched column holding the MRN a study code is made of (pseudonymised exports).
    study_code_of: int | None


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
    for source in sources:
        if source.compute is None and source.kind == writers.JSON:
            # jsonb as it is, not its text (Python decodes the text; SQL reads the value).
            select[source.index] = select[source.index].source_expressions[0]
    cells = []
    for column, source in zip(dataset.columns, sources, strict=True):
        if source.compute is None:
            if source.kind not in CELL_SQL:
                return None
            cells.append(CELL_SQL[source.kind](f"c{source.index}"))
            continue
        if column.sql is None:
            return None
        # A LocalDay argument: the day in the session's time zone (the centre's).
        arguments = [
            f"(c{index})::date" if transform is not None else f"c{index}"
            for index, transform in source.arguments
        ]
        cells.append(column.sql(*arguments))
    study_code_of = None
    if steps is not None:
        reshaped = []
        for index, transform in steps:
            if transform is None:
                reshaped.append(cells[index])
                continue
            if dataset.header[index] != "mrn" or sources[index].kind != writers.TEXT:
                return None  # birth year, age band: the Python writer
            study_code_of = sources[index].index
            reshaped.append("codes.code")
        cells = reshaped
    return CopyPlan(
        select=select,
        cells=cells,
        keys=keys,
        study_code_of=study_code_of,
    )


def _after(keys, values) -> Q:
    """Rows after `values` in the order of `keys` (all ascending, the last unique)."""
    q = Q()
    for i, key in enumerate(keys):
        q |= Q(**dict(zip(keys[:i], values[:i], strict=True)), **{f"{key}__gt": values[i]})
    return q


def _up_to(keys, values) -> Q:
    if len(keys) == 1:
        # One index range (id > a AND id <= b), estimated as such: "id = b OR id < b" is
        # read as two bitmap scans, estimated at twice the rows.
        return Q(**{f"{keys[0]}__lte": values[0]})
    q = Q(**dict(zip(keys, values, strict=True)))
    for i, key in enumerate(keys):
        q |= Q(**dict(zip(keys[:i], values[:i], strict=True)), **{f"{key}__lt": values[i]})
    return q


def _set_config(cursor, settings: dict[str, str]) -> None:
    """Session settings in one round trip (a key range is one COPY: a round trip each would
    be a dozen per range)."""
    calls = ", ".join("set_config(%s, %s, false)" for _ in settings)
    cursor.execute(f"SELECT {calls}", [x for item in settings.items() for x in item])


class _Sink:
    """psycopg2's copy_expert writes each row here: list.append, called from C."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.write = self.parts.append


def _crlf(parts: list[bytes]) -> tuple[bytes, int]:
    """A COPY batch (one piece per row, each ending with LF) as the csv module writes it,
    with CRLF line ends, and its number of rows."""
    data, rows = b"".join(parts), len(parts)
    if data.count(b"\n") == rows:  # no line break inside a cell
        parts.clear()  # the rows' pieces are freed before the batch is copied again
        return data.replace(b"\n", b"\r\n"), rows
    return b"".join(part[:-1] + b"\r\n" for part in parts), len(parts)


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
        if self.plan and (self.plan.study_code_of is not None) and not self._mrns_plain():
            self.plan = None

    @property
    def available(self) -> bool:
        return self.plan is not None

    def _mrns_plain(self) -> bool:
        """The SQL study code is Python's for MRNs of printable ASCII (strip and upper alike):
        any other MRN in the registry sends pseudonymised exports to the Python writer."""
        from patients.models import Patient

        return not (
            Patient.objects.using(self.alias).exclude(mrn__regex=_PRINTABLE_ASCII[1:-1]).exists()
        )

    def _copy_sql(self, qs: QuerySet, cursor) -> str:
        n = len(self.plan.select)
        keys = [F(k) for k in self.plan.keys]
        sql, params = qs.order_by().values_list(*self.plan.select, *keys).query.sql_with_params()
        inner = cursor.mogrify(sql, params).decode()
        names = ", ".join(f"c{i}" for i in range(n + len(keys)))
        order = ", ".join(f"c{n + i}" for i in range(len(keys)))
        cells = ", ".join(self.plan.cells) or "NULL"
        fetched = f"({inner}) AS t({names})"
        if self.plan.study_code_of is not None:
            # Each MRN's study code once per run of rows with that MRN (a patient has many
            # rows), not once a row (two SHA-256): a lateral subquery of the row's MRN,
            # kept a subquery by OFFSET 0, which PostgreSQL caches by MRN (a Memoize node).
            # The range's distinct MRNs in a CTE (the form before) read the range a second
            # time, with its joins: an eighth of the export's time.
            code = study_code_sql(escaped_value(f"t.c{self.plan.study_code_of}"))
            fetched += f" LEFT JOIN LATERAL (SELECT {code} AS code OFFSET 0) AS codes ON true"
        return f"COPY (SELECT {cells} FROM {fetched} ORDER BY {order}) TO STDOUT WITH (FORMAT csv)"

    def _copy(self, qs: QuerySet) -> tuple[bytes, int]:
        connection = connections[self.alias]
        connection.ensure_connection()
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # psycopg2's own: copy_expert
            settings = {
                "TimeZone": self.tz.key,
                "DateStyle": "ISO, YMD",
                "work_mem": COPY_WORK_MEM,
                # The cells' expressions would be compiled for every range: about a second
                # each, longer than the range takes to run.
                "jit": "off",
            }
            cursor.execute("SELECT " + ", ".join(f"current_setting('{name}')" for name in settings))
            previous = dict(zip(settings, cursor.fetchone(), strict=True))
            if self.plan.study_code_of is not None:
                inner, outer = hmac_pads(self.key)
                settings.update({_INNER_SETTING: inner, _OUTER_SETTING: outer})
                previous.update({_INNER_SETTING: "", _OUTER_SETTING: ""})
            _set_config(cursor, settings)
            sink = _Sink()
            try:
                cursor.copy_expert(self._copy_sql(qs, cursor), sink)
            finally:
                _set_config(cursor, previous)
        return _crlf(sink.parts)

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
