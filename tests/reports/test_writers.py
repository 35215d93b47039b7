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


def test_xlsx_keeps_escaped_text_as_text(tmp_path):
    path = tmp_path / "out.xlsx"
    rows = [[writers.cell_value("=1+1"), 3, Decimal("70.5"), writers.cell_value("bell\x07")]]
    writers.write_xlsx(path, ["a", "b", "c", "d"], rows, title="test")
    sheet = load_workbook(path).active
    assert sheet.title == "test"
    cells = list(sheet.iter_rows(values_only=True))
    assert cells == [("a", "b", "c", "d"), ("'=1+1", 3, 70.5, "bell")]
    assert sheet["A2"].data_type == "s"
