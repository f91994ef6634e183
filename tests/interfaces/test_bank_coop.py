"""The Co-op Bank statement text file (import-formats §8) and statement CSV (§9) on a seeded demo
environment, through `run_interface`: the samples, duplicates on a second run, every error rule
with its row and column, partial imports, and newest-first files stored in date order; plus the
fixed-width reader on its own."""

import io
from decimal import Decimal

import pytest

from finance.banking.models import BankStatement
from finance.dataformats import cells
from finance.tenancy import scope
from interfaces.kinds.bank.coop_text import Reader as CoopTextReader

from .bank_helpers import SAMPLES, demo, errors, lines, produced, run_file, warnings  # noqa: F401 - demo is a fixture

TEXT = "Co-op Bank statement text file"
CSV = "Co-op Bank statement CSV"


def record(sort="089901", account="20000001", type_="99", pence="00000001000", name="", description="", reference="",
           date="260310"):
    """One 106-character Co-op text record (§8.1)."""
    line = (sort.ljust(6) + account.ljust(8) + "0" + type_.ljust(2) + "0" * 6 + "0" * 8 + " " * 4 + pence.rjust(11)
            + name.ljust(18) + description.ljust(18) + reference.ljust(18) + date.ljust(6))
    assert len(line) == 106
    return line


HEADER_LINES = "THE CO-OPERATIVE BANK\r\nSORT CODE 089901 ACCOUNT 20000001\r\nPERIOD\r\nCOLUMNS\r\n"


@pytest.mark.django_db
def test_the_text_sample_imports_five_signed_lines_and_again_only_duplicates(demo, tmp_path):
    content = (SAMPLES / "coop_statement.txt").read_bytes()
    report = run_file(tmp_path, TEXT, content, name="coop_statement.txt")
    assert report["status"] == "succeeded" and report["errors"] == [] and report["warnings"] == []
    assert report["counts"] == {"rows": 5, "created": 5, "updated": 0, "unchanged": 0, "skipped": 0, "duplicates": 0,
                                "errors": 0}
    stored = lines(demo, "COOP-KHA")
    assert [line.amount for line in stored] == [Decimal("1250.00"), Decimal("-480.00"), Decimal("-95.00"),
                                                 Decimal("75.00"), Decimal("-6.50")]
    first, cheque = stored[0], stored[2]
    assert (first.description, first.reference, first.type) == ("SEN TOP UP MARCH DEMOSHIRE CC", "DSCC-REM-0001", "99")
    assert (cheque.type, cheque.cheque_no, cheque.reference, cheque.description) == ("11", "000124", "000124", "000124")
    assert stored[4].description == "ACCOUNT FEE" and stored[4].reference == ""
    rows = produced(report, demo)
    assert [r["_row"] for r in rows] == ["5", "6", "7", "8", "9"] and {r["_outcome"] for r in rows} == {"created"}
    assert rows[0]["bank_account"] == "COOP-KHA" and rows[0]["date"] == "02/03/2026" and rows[0]["amount"] == "1250.00"
    assert all(r["_dedupe_key"].startswith("fp:") and r["_dedupe_key"].endswith("#1") for r in rows)

    again = run_file(tmp_path, TEXT, content, name="coop_statement.txt")
    assert again["status"] == "succeeded" and again["counts"]["duplicates"] == 5 and again["counts"]["created"] == 0
    assert warnings(again) == [
        f"This file has already been imported by this interface (run {report['run'][:8]})",
        f"Statement dates 02/03/2026 to 06/03/2026 for bank account COOP-KHA overlap an earlier import "
        f"(run {report['run'][:8]}, 02/03/2026 to 06/03/2026)",
    ]
    assert [r["_outcome"] for r in produced(again, demo)] == ["duplicate"] * 5
    assert len(lines(demo, "COOP-KHA")) == 5


@pytest.mark.django_db
def test_every_text_rule_reports_its_line_and_field_and_partial_imports_the_rest(demo, tmp_path):
    body = [
        record(pence="00000001000", description="GOOD ONE"),  # 5
        "0899012000000109900",  # 6: short
        "   ",  # 7: blank, not a record
        record(sort="08990X"),  # 8
        record(account="2000000A"),  # 9
        record(type_="42"),  # 10
        record(pence="0000012A500"),  # 11: not a number
        record(date="261332"),  # 12
        record(account="29999999"),  # 13
        record(sort="ABCDEF", type_="00", date="2603"),  # 14: three errors, in layout order
        record(pence="00000000250", description="LONG LINE") + "IGNORED AFTER 106",  # 15
        record(type_="11", pence="00000002000", description="CHQ 000777", date="260311"),  # 16
    ]
    content = HEADER_LINES + "\r\n".join(body) + "\r\n"
    report = run_file(tmp_path, TEXT, content, name="coop.txt")
    assert report["status"] == "failed"
    assert errors(report) == [
        (6, None, None, "Line is 19 characters long; expected at least 106"),
        (8, "sort_code", "08990X", "Invalid sort code '08990X': expected 6 digits"),
        (9, "account_no", "2000000A", "Invalid account number '2000000A': expected 8 digits"),
        (10, "type", "42", "Unknown transaction type '42'"),
        (11, "amount", "0000012A500", "Cannot convert '0000012A500' to amount"),
        (12, "date", "261332", "Cannot convert '261332' to date using format: yyMMdd"),
        (13, "account_no", "29999999", "Bank account 08-99-01 29999999 is not set up"),
        (14, "sort_code", "ABCDEF", "Invalid sort code 'ABCDEF': expected 6 digits"),
        (14, "type", "00", "Unknown transaction type '00'"),
        (14, "date", "2603", "Cannot convert '2603' to date using format: yyMMdd"),
    ]
    assert report["counts"] == {"rows": 11, "created": 0, "updated": 0, "unchanged": 0, "skipped": 3, "duplicates": 0,
                                "errors": 8}
    assert lines(demo, "COOP-KHA") == []

    partial = run_file(tmp_path, TEXT, content, "--option", "partial=true", name="coop.txt")
    assert partial["status"] == "completed_with_errors"
    assert partial["counts"]["created"] == 3 and partial["counts"]["errors"] == 8
    stored = lines(demo, "COOP-KHA")
    assert [(line.amount, line.description) for line in stored] == [
        (Decimal("10.00"), "GOOD ONE"), (Decimal("2.50"), "LONG LINE"), (Decimal("-20.00"), "CHQ 000777")]
    assert stored[2].cheque_no == "000777" and stored[2].reference == "000777"


class _Job:
    def __init__(self, fmt="yyMMdd"):
        self.fmt = fmt

    def date(self, column, value, fmt=None):
        return cells.date(value, fmt or self.fmt)


def _read(text, header_lines=4):
    stream = io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8", newline=None)
    return list(CoopTextReader(stream, header_lines=header_lines, job=_Job()).records())


def test_the_fixed_width_reader_counts_every_line_and_honours_header_lines():
    # CR-only line ends, no header lines: the first record is line 1.
    records = _read(record(description="A") + "\r" + record(type_="60", pence="00000000001", reference="R") + "\r",
                    header_lines=0)
    assert [r.row for r in records] == [1, 2]
    first, second = (r.values["_line"] for r in records)
    assert (first.amount, first.description, first.sort_code, first.account_no) == (Decimal("10.00"), "A", "089901", "20000001")
    assert (second.amount, second.reference, second.type) == (Decimal("0.01"), "R", "60")
    # Header lines are skipped unread, even when they look like records or are short.
    records = _read("x\n" + record() + "\n\n" + record(name="NAME", description="DESC") + "\n", header_lines=2)
    assert [r.row for r in records] == [4] and records[0].values["_line"].description == "DESC NAME"
    # A record of 105 characters is refused whole; 106 is enough.
    records = _read(record()[:105] + "\n" + record() + "\n", header_lines=0)
    assert records[0].errors == [(None, None, "Line is 105 characters long; expected at least 106")]
    assert "_line" not in records[0].values and records[1].errors == []


@pytest.mark.django_db
def test_the_csv_sample_imports_newest_first_in_date_order_with_its_cleared_balance(demo, tmp_path):
    content = (SAMPLES / "coop_2010.csv").read_bytes()
    report = run_file(tmp_path, CSV, content, name="coop_2010.csv")
    assert report["status"] == "succeeded" and report["errors"] == [] and report["warnings"] == []
    assert report["counts"]["rows"] == 5 and report["counts"]["created"] == 5
    stored = lines(demo, "COOP-KLT-RES")
    assert [line.date.isoformat() for line in stored] == ["2026-03-03", "2026-03-05", "2026-03-10", "2026-03-17", "2026-03-24"]
    assert [line.amount for line in stored] == [Decimal("1237.60"), Decimal("-250.00"), Decimal("12.40"),
                                                Decimal("1870.25"), Decimal("-2500.00")]
    assert [line.balance for line in stored][-1] == Decimal("25370.25")
    assert stored[0].description == "BACS Credit CAFÉ RENTAL DEPOSIT" and stored[0].reference == "KDLT-LET-7"
    assert stored[3].description == "BACS Credit DEMOSHIRE CC SEN top-up £1870.25" and stored[3].type == "BACS Credit"
    assert stored[1].description == "Cheque 000310" and stored[1].type == "Cheque"
    with scope.activate(demo):
        statement = BankStatement.objects.get(bank_account__code="COOP-KLT-RES")
        assert statement.closing_balance == Decimal("25370.25") and statement.opening_balance is None
        assert (statement.from_date.isoformat(), statement.to_date.isoformat(), statement.line_count) == (
            "2026-03-03", "2026-03-24", 5)
    assert [r["_row"] for r in produced(report, demo)] == ["8", "9", "10", "11", "12"]

    again = run_file(tmp_path, CSV, content, name="coop_2010.csv")
    assert again["status"] == "succeeded" and again["counts"]["duplicates"] == 5 and again["counts"]["created"] == 0

    # Lines of one day keep the reverse of the file's order (the file lists the latest first).
    same_day = (PREAMBLE + "22/04/2026,BACS Credit,LATER,,3.00,,,,\r\n22/04/2026,BACS Credit,EARLIER,,2.00,,,,\r\n"
                "21/04/2026,BACS Credit,FIRST,,1.00,,,,\r\n")
    assert run_file(tmp_path, CSV, same_day)["counts"]["created"] == 3
    april = [line.description for line in lines(demo, "COOP-KLT-RES") if line.date.month == 4]
    assert april == ["BACS Credit FIRST", "BACS Credit EARLIER", "BACS Credit LATER"]


PREAMBLE = ("Co-operative Bank statement export,\r\nAccount:,089901 20000002 KESTREL DEMO TRUST RESERVE,\r\n"
            "Today's Cleared Balance:,\"1,000.00\",\r\n,\r\n"
            "Date,Description,Bank  Reference,Customer Reference,Credit,Debit,Additional Information,Running Balance,\r\n")


@pytest.mark.django_db
def test_every_csv_rule_reports_its_record_and_column(demo, tmp_path):
    rows = [
        "20/04/2026,BACS Credit,X,,10.00,10.00,,,",  # 6: both
        "20/04/2026,BACS Credit,X,,,,,,",  # 7: neither
        "20/04/2026,BACS Credit,X,,-5.00,,,,",  # 8
        "20/04/2026,BACS Credit,X,,abc,,,,",  # 9: not a number
        "20/04/2026,Cheque,X,,,12.345,,,",  # 10
        "2026-04-20,Cheque,X,,,1.00,,,",  # 11
        "19/04/2026,Cheque,X,,0.00,1.00,,,,extra",  # 12: zero counts as empty, but one cell too many
        ",,,,,,,,",  # 13: blank
        '19/04/2026,Direct Debit,UTILITY,REF9,,"1,234.56",NOTE,(5.00),',  # 14: fine
        "19/04/2026,Direct Debit,UTILITY,,,1.00,,oops,",  # 15
    ]
    report = run_file(tmp_path, CSV, PREAMBLE + "\r\n".join(rows) + "\r\n")
    assert report["status"] == "failed"
    assert errors(report) == [
        (6, None, None, "Exactly one of Credit and Debit must be filled in"),
        (7, None, None, "Exactly one of Credit and Debit must be filled in"),
        (8, "Credit", "-5.00", "Credit must not be negative"),
        (9, "Credit", "abc", "Cannot convert 'abc' to amount"),
        (10, "Debit", "12.345", "Amount '12.345' has more than 2 decimal places"),
        (11, "Date", "2026-04-20", "Cannot convert '2026-04-20' to date using format: dd/MM/yyyy"),
        (12, None, None, "Row has 10 cells but the header has 9"),
        (15, "Running Balance", "oops", "Cannot convert 'oops' to amount"),
    ]
    assert report["counts"]["rows"] == 9 and report["counts"]["errors"] == 8 and report["counts"]["skipped"] == 1
    partial = run_file(tmp_path, CSV, PREAMBLE + "\r\n".join(rows) + "\r\n", "--option", "partial=true")
    assert partial["status"] == "completed_with_errors" and partial["counts"]["created"] == 1
    (line,) = lines(demo, "COOP-KLT-RES")
    assert (line.amount, line.balance, line.description, line.reference) == (
        Decimal("-1234.56"), Decimal("-5.00"), "Direct Debit UTILITY NOTE", "REF9")

    # The account comes from the preamble: not set up, or not readable, is one error on that record.
    unknown = run_file(tmp_path, CSV, PREAMBLE.replace("089901 20000002", "08-99-01 29999999") + rows[-2] + "\r\n")
    assert unknown["status"] == "failed" and errors(unknown) == [(2, None, None, "Bank account 08-99-01 29999999 is not set up")]
    assert unknown["counts"]["rows"] == 0
    unreadable = run_file(tmp_path, CSV, PREAMBLE.replace("089901 20000002", "RESERVE 0899") + rows[-2] + "\r\n")
    assert errors(unreadable) == [
        (2, None, None, "Cannot identify the bank account: no sort code and account number in 'Account:'")]
    no_account = PREAMBLE.replace("Account:,089901 20000002 KESTREL DEMO TRUST RESERVE,", "Statement Date:,30/04/2026,")
    assert errors(run_file(tmp_path, CSV, no_account + rows[-2] + "\r\n")) == [
        (None, None, None, "Cannot identify the bank account: the file has no 'Account:' line and no bank_account option is set")]
    chosen = run_file(tmp_path, CSV, no_account + rows[-2] + "\r\n", "--option", "bank_account=COOP-KLT-RES", "--dry-run")
    assert chosen["status"] == "succeeded" and chosen["counts"]["duplicates"] == 1, "the line the partial run imported"

    # The header is found among the first 15 records, or not at all.
    late = "filler,\r\n" * 15 + "Date,Description,Credit,Debit\r\n" + "19/04/2026,X,1.00,\r\n"
    assert errors(run_file(tmp_path, CSV, late)) == [
        (None, None, None, "Header row not found: expected columns Date, Credit, Debit")]
    in_time = "filler,\r\n" * 14 + "Date,Description,Credit,Debit\r\n" + "19/04/2026,X,1.00,\r\n"
    found = run_file(tmp_path, CSV, in_time, "--option", "bank_account=COOP-KLT-RES", "--dry-run")
    assert found["status"] == "succeeded" and found["counts"]["created"] == 1
    assert errors(run_file(tmp_path, CSV, "Account:,089901 20000002\r\nDate,Credit,Debit,Memo\r\n19/04/2026,1.00,,\r\n")) == [
        (2, "Description", None, "Missing mandatory column 'Description'")]
    warned = run_file(tmp_path, CSV, "Account:,089901 20000002\r\nDate,Description,Credit,Debit,Memo,_note\r\n"
                                     "19/04/2026,X,1.00,,m,n\r\n", "--dry-run")
    assert warnings(warned)[0] == "Column 'Memo' is not recognised and was ignored"
    assert not any("_note" in w for w in warnings(warned))
