"""Cell values and files: ISO dates, escaped formulas, numbers left as numbers. No database."""

import csv
import io
from datetime import date, datetime
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


def test_xlsx_keeps_escaped_text_as_text(tmp_path):
    path = tmp_path / "out.xlsx"
    rows = [[writers.cell_value("=1+1"), 3, Decimal("70.5"), writers.cell_value("bell\x07")]]
    writers.write_xlsx(path, ["a", "b", "c", "d"], rows, title="test")
    sheet = load_workbook(path).active
    assert sheet.title == "test"
    cells = list(sheet.iter_rows(values_only=True))
    assert cells == [("a", "b", "c", "d"), ("'=1+1", 3, 70.5, "bell")]
    assert sheet["A2"].data_type == "s"
