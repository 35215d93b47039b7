"""Cell values and files: ISO dates, escaped formulas, numbers left as numbers. No database."""

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from reports import writers

CQ = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+1", "'=1+1"),
        ("+86 138 0000", "'+86 138 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("Liu", "Liu"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_injection_is_escaped(text, expected):
    assert writers.cell_value(text) == expected


def test_numbers_dates_and_flags():
    assert writers.cell_value(-5) == -5
    assert writers.cell_value(Decimal("-1.5")) == Decimal("-1.5")
    assert writers.cell_value(None) == ""
    assert writers.cell_value(True) == "true" and writers.cell_value(False) == "false"
    assert writers.cell_value(date(2026, 3, 2)) == "2026-03-02"
    moment = datetime(2026, 3, 3, 2, 0, tzinfo=ZoneInfo("UTC"))
    assert writers.cell_value(moment, tz=CQ) == "2026-03-03T10:00:00+08:00"
    assert writers.cell_value(["norepinephrine", "vasopressin"]) == "norepinephrine; vasopressin"


def test_csv_lines_escape_and_quote():
    lines = list(writers.csv_lines(["name", "weight_kg"], [["=cmd", Decimal("70.5")]]))
    assert lines[0].startswith("\ufeff")
    rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))))
    assert rows == [["name", "weight_kg"], ["=cmd", "70.5"]]


@pytest.mark.parametrize(
    "kind, values",
    [
        (writers.NUMBER, [None, 0, -5, 37, Decimal("-1.5"), Decimal("560.0"), 1.82]),
        (writers.TEXT, [None, "", "Liu", "=1+1", "-", "+86", "@x", "\tcmd", "\rcmd", "a=b", "赵"]),
        (writers.BOOLEAN, [None, True, False]),
        (writers.DATE, [None, date(2026, 3, 2)]),
        (
            writers.DATETIME,
            [
                None,
                datetime(2026, 3, 3, 2, 0, tzinfo=ZoneInfo("UTC")),
                datetime(2026, 3, 2, 16, 30, 59, 999999, tzinfo=ZoneInfo("UTC")),
                datetime(2026, 3, 3, 10, 0),
            ],
        ),
        (writers.ANY, [None, ["norepinephrine", "vasopressin"], [], "=x", 3, True]),
    ],
)
def test_a_row_function_gives_cell_value_of_each_kind(kind, values):
    row = writers.row_function(
        [writers.CellSource(writers.NUMBER, 1), writers.CellSource(kind, 0)], tz=CQ
    )
    for value in values:
        assert row((value, 7)) == [7, writers.cell_value(value, tz=CQ)]


@pytest.mark.parametrize(
    "value",
    [None, [], ["norepinephrine", "vasopressin"], {}, {"a": 1}, "=x", 3.5, True, [1, [2]]],
)
def test_json_text_gives_cell_value_of_its_value(value):
    row = writers.row_function([writers.CellSource(writers.JSON, 0)], tz=CQ)
    assert row((json.dumps(value),)) == [writers.cell_value(value, tz=CQ)]
    assert row((None,)) == [""]


def test_a_row_function_computes_from_several_values():
    def later(a, b):
        return None if a is None else max(a, b)

    def next_day(day):
        return day + timedelta(days=1)

    row = writers.row_function(
        [
            writers.CellSource(writers.TEXT, 0),
            writers.CellSource(compute=later, arguments=((1, None), (2, next_day))),
            writers.CellSource(writers.NUMBER, 1),
        ],
        tz=CQ,
    )
    assert row(("=x", date(2026, 3, 2), date(2026, 3, 5))) == [
        "'=x",
        "2026-03-06",
        date(2026, 3, 2),
    ]
    assert row(("ok", None, date(2026, 3, 5))) == ["ok", "", ""]


def test_csv_chunks_are_csv_lines_in_batches():
    rows = [["=cmd", Decimal("70.5"), ""], ['say "hi", twice', 3, "line\nbreak"], ["a", 1, "b"]]
    chunks = list(writers.csv_chunks(["name", "weight_kg", "note"], [rows[:2], rows[2:]]))
    assert len(chunks) == 3
    assert "".join(chunks) == "".join(writers.csv_lines(["name", "weight_kg", "note"], rows))


def _workbook(tmp_path, header, rows):
    path = tmp_path / "out.xlsx"
    writers.write_xlsx(path, header, rows, title="test")
    return load_workbook(path).active


def test_xlsx_keeps_formula_like_text_as_text_without_an_apostrophe(tmp_path):
    rows = [["=1+1", 3, Decimal("70.5"), "bell\x07"], ["-2+3", -4, None, "\tcmd"]]
    sheet = _workbook(tmp_path, ["a", "b", "c", "d"], rows)
    assert sheet.title == "test"
    cells = list(sheet.iter_rows(values_only=True))
    assert cells == [("a", "b", "c", "d"), ("=1+1", 3, 70.5, "bell"), ("-2+3", -4, None, "\tcmd")]
    # Text, never a formula, shown as typed by Excel's quotePrefix style (not a literal ').
    for coordinate in ("A2", "A3", "D3"):
        assert sheet[coordinate].data_type == "s"
        assert sheet[coordinate].quotePrefix is True
    assert sheet["D2"].quotePrefix is False
    assert not [v for row in cells for v in row if isinstance(v, str) and v.startswith("'")]


def test_xlsx_dates_datetimes_and_numbers_are_real_cells(tmp_path):
    infused = datetime(2026, 3, 2, 16, 30, tzinfo=ZoneInfo("UTC"))
    row = writers.row_function(
        [
            writers.CellSource(writers.DATE, 0),
            writers.CellSource(writers.DATETIME, 1),
            writers.CellSource(writers.NUMBER, 2),
            writers.CellSource(writers.TEXT, 3),
            writers.CellSource(writers.BOOLEAN, 4),
            writers.CellSource(writers.JSON, 5),
        ],
        tz=CQ,
        typed=True,
    )
    values = row((date(2026, 3, 2), infused, Decimal("70.5"), "=cmd", True, '["a", "b"]'))
    # 16:30 UTC is 00:30 the next day in the centre's time zone, kept as local time.
    assert values == [date(2026, 3, 2), datetime(2026, 3, 3, 0, 30), Decimal("70.5")] + [
        "=cmd",
        True,
        "a; b",
    ]
    sheet = _workbook(
        tmp_path, ["day0_date", "infused_at", "weight_kg", "note", "ok", "l"], [values]
    )
    assert [c.data_type for c in sheet[2]] == ["d", "d", "n", "s", "b", "s"]
    assert sheet["A2"].value == datetime(2026, 3, 2)  # Excel stores a date as a datetime
    assert sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["B2"].value == datetime(2026, 3, 3, 0, 30)
    assert sheet["C2"].value == 70.5
    assert row((None, None, None, None, None, None)) == [None] * 6


def test_xlsx_header_is_frozen_filtered_and_columns_fitted(tmp_path):
    header = ["mrn", "reason", "day0_date", "n"]
    rows = [
        ["MRN-1", "short", date(2026, 3, 2), 1],
        ["MRN-2", "a much longer reason for the change\nsecond line", None, 22],
        ["MRN-3", "患者撤回同意书", date(2026, 3, 3), 3],
        ["MRN-4", "x" * 500, None, 4],
    ]
    sheet = _workbook(tmp_path, header, rows)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D5"
    assert [c.font.b for c in sheet[1]] == [True] * 4
    widths = {c: sheet.column_dimensions[c].width for c in "ABCD"}
    assert widths["A"] == writers.XLSX_MIN_WIDTH + 2  # "MRN-1" is under the minimum
    assert widths["B"] == writers.XLSX_MAX_WIDTH + 2  # capped
    assert widths["C"] == len("2026-03-02") + 2  # a date is shown as yyyy-mm-dd
    assert widths["D"] == writers.XLSX_MIN_WIDTH + 2


def test_xlsx_width_counts_chinese_characters_twice(tmp_path):
    sheet = _workbook(tmp_path, ["reason"], [["患者撤回同意书"]])
    assert sheet.column_dimensions["A"].width == 14 + 2


def test_xlsx_of_no_rows_filters_the_header(tmp_path):
    sheet = _workbook(tmp_path, ["a", "b"], [])
    assert sheet.auto_filter.ref == "A1:B1"
    assert sheet.freeze_panes == "A2"
