import csv
import re
import io
from datetime import date, datetime

import pytest

from finance.dataformats import dates
from finance.dataformats.columns import CONTACT_COLUMNS, Column
from finance.dataformats.csvio import iter_csv


def _write(columns, rows):
    return b"".join(iter_csv(columns, rows))


def test_csv_is_utf8_with_bom_crlf_and_minimal_quoting():
    data = _write([Column("code", "code"), Column("body")], [{"code": "A1", "body": "two\nlines, and £"}])
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text == 'code,body\r\nA1,"two\nlines, and £"\r\n'


@pytest.mark.parametrize("value", ["=HYPERLINK(\"x\")", "+44 1632 960000", "-cmd", "@SUM(A1)", "\tx", "\rx"])
def test_text_cells_that_a_spreadsheet_would_run_get_one_apostrophe(value):
    data = _write([Column("name"), Column("phone", "phone")], [{"name": value, "phone": value}])
    row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    assert row == ["'" + value, "'" + value]


def test_amounts_codes_and_dates_are_never_prefixed():
    columns = [Column("amount", "amount"), Column("code", "code"), Column("date", "date")]
    data = _write(columns, [{"amount": "-12.50", "code": "-X", "date": "-"}])
    assert data.decode("utf-8-sig").splitlines()[1] == "-12.50,-X,-"


def test_phone_columns_of_the_contact_template_are_text():
    kinds = {c.name: c.is_text for c in CONTACT_COLUMNS}
    assert kinds["contact.phone"] and kinds["contact.mobile"] and not kinds["credit_limit"] and not kinds["code"]


def test_large_exports_stream_in_chunks():
    chunks = list(iter_csv([Column("n", "number")], ({"n": str(i)} for i in range(1200)), chunk_rows=500))
    assert len(chunks) == 3
    assert b"".join(chunks).count(b"\r\n") == 1201


@pytest.mark.parametrize(
    ("fmt", "value", "text"),
    [
        ("dd/MM/yyyy", date(2026, 3, 5), "05/03/2026"),
        ("dd/MM/yy", date(2026, 3, 5), "05/03/26"),
        ("yyMMdd", date(2026, 3, 5), "260305"),
        ("d/M/yyyy", date(2026, 3, 5), "5/3/2026"),
        ("dd MMM yyyy", date(2026, 3, 5), "05 Mar 2026"),
        ("yyyy-MM-dd", date(2026, 3, 5), "2026-03-05"),
        ("dd/MM/yyyy HH:mm", datetime(2026, 3, 5, 14, 7), "05/03/2026 14:07"),
    ],
)
def test_dotnet_formats_write_and_parse_back(fmt, value, text):
    assert dates.format_date(value, fmt) == text
    assert dates.parse(text, fmt, with_time=isinstance(value, datetime)) == value


def test_parsing_is_strict_with_the_specs_message():
    with pytest.raises(ValueError, match=r"^Cannot convert '03/08/2026' to date using format: dd/MM/yy$"):
        dates.parse("03/08/2026", "dd/MM/yy")
    with pytest.raises(ValueError, match="Cannot convert '31/02/2026'"):
        dates.parse("31/02/2026", "dd/MM/yyyy")
    with pytest.raises(ValueError):
        dates.parse("5/3/2026", "dd/MM/yyyy")


def test_two_digit_years_follow_pythons_rule():
    assert dates.parse("01/01/68", "dd/MM/yy").year == 2068
    assert dates.parse("01/01/69", "dd/MM/yy").year == 1969


@pytest.mark.parametrize("fmt", ["dd/mm/yy", "yyyy", "dd/MM/yyyy mm", "dd?MM?yyyy"])
def test_unusable_formats_are_refused(fmt):
    with pytest.raises(dates.FormatError, match=re.escape(f"Invalid value '{fmt}' for option date_format")):
        dates.tokenize(fmt)
