"""MT940 statement file (import-formats §13): the reader on small in-memory files (line numbers,
the SWIFT envelope, dates across the year end, signs, references, details, accounts), then the
sample and the error cases end to end through `run_interface` on the seeded demo environment."""

import io
from datetime import date
from decimal import Decimal

import pytest

from interfaces.kinds.bank.mt940 import Reader
from interfaces.kinds.tabular import FileRejected

from .bank_runs import SAMPLES, demo, errors, line_count, produced, run_file, statements, stored_lines, warnings  # noqa: F401


def statement(*lines, account="20990110000002", opening="C260401GBP100,00", closing="C260430GBP100,00", ref="S1"):
    head = [f":20:{ref}", f":25:{account}" if account is not None else None, ":28C:1/1", f":60F:{opening}"]
    return "\r\n".join([h for h in head if h is not None] + list(lines) + [f":62F:{closing}", "-"]) + "\r\n"


def read(content, encoding="utf-8-sig"):
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    return list(Reader(io.BytesIO(data), encoding).records())


def line_of(record):
    return record.values["_line"]


# --- The reader -------------------------------------------------------------------------------------------------

def test_the_sample_gives_three_lines_numbered_by_their_61_line():
    records = read((SAMPLES / "statement.mt940").read_bytes())
    assert [r.row for r in records] == [5, 7, 9] and all(r.errors == [] for r in records)
    premium, stationery, energy = (line_of(r) for r in records)
    assert (premium.date, premium.value_date, premium.amount, premium.type) == (date(2026, 3, 9), date(2026, 3, 9),
                                                                               Decimal("2500.00"), "NTRF")
    assert (premium.reference, premium.transaction_id, premium.description) == ("", "KPA0309001",
                                                                                "DEMOSHIRE CC PUPIL PREMIUM MARCH")
    assert (stationery.amount, stationery.reference, stationery.transaction_id) == (Decimal("-180.00"), "AS-55501",
                                                                                   "KPA0310002")
    assert (energy.type, energy.amount) == ("NDDT", Decimal("-42.75"))
    assert (premium.sort_code, premium.account_no, premium.currency, premium.currency_column) == ("209901", "10000002",
                                                                                                 "GBP", ":60F:")
    assert (premium.opening_balance, premium.closing_balance) == (Decimal("8000.00"), Decimal("10277.25"))
    assert premium.statement_account and premium.account_column == ":25:"


def test_the_swift_envelope_is_accepted_and_rows_stay_file_line_numbers():
    body = (SAMPLES / "statement.mt940").read_text().replace("\r\n-\r\n", "\r\n-}\r\n")
    content = "{1:F01DEMOGB22AXXX0000000000}{2:O9401200260311DEMOGB22XXXX00000000002603111200N}{4:\r\n" + body
    records = read(content)
    assert [r.row for r in records] == [6, 8, 10] and line_of(records[-1]).description == "CONTOSO ENERGY DD"
    assert line_of(records[-1]).closing_balance == Decimal("10277.25")
    content = "{1:F01DEMOGB22AXXX0000000000}{2:O940N}{4:\n" + body.replace("\r\n", "\n").replace("-}\n", "-}{5:{CHK:1}}\n")
    assert [r.row for r in read(content)] == [6, 8, 10]


@pytest.mark.parametrize("line, entry, value", [
    (":61:2601021231C1,00NTRFNONREF", date(2025, 12, 31), date(2026, 1, 2)),  # entry in December, value in January
    (":61:2512310102C1,00NTRFNONREF", date(2026, 1, 2), date(2025, 12, 31)),  # the opposite case
    (":61:2603100309C1,00NTRFNONREF", date(2026, 3, 9), date(2026, 3, 10)),
    (":61:260310C1,00NTRFNONREF", date(2026, 3, 10), date(2026, 3, 10)),  # no entry date: the value date
])
def test_the_date_is_the_entry_date_with_the_year_of_the_value_date(line, entry, value):
    line_ = line_of(read(statement(line))[0])
    assert (line_.date, line_.value_date) == (entry, value)


@pytest.mark.parametrize("mark, amount", [("C", "12.50"), ("RD", "12.50"), ("D", "-12.50"), ("RC", "-12.50")])
def test_signs(mark, amount):
    assert line_of(read(statement(f":61:2604020402{mark}12,5NTRFNONREF"))[0]).amount == Decimal(amount)


def test_references_bank_ids_types_and_descriptions():
    records = read(statement(
        ":61:2604020402D12,00NCHGNONREF//NONREF",
        "SUPPLEMENTARY DETAILS",
        ":61:2604030403C7,00NTRFCUST-REF-1//BANK-ID-2",
        ":86:FIRST LINE OF DETAILS",
        "   SECOND LINE",
        ":86:MORE",
        ":61:2604040404C8,NMSCREF",
    ))
    assert [r.row for r in records] == [5, 7, 11]
    first, second, third = (line_of(r) for r in records)
    assert (first.reference, first.transaction_id, first.type, first.description) == ("", "", "NCHG", "SUPPLEMENTARY DETAILS")
    assert (second.reference, second.transaction_id, second.description) == ("CUST-REF-1", "BANK-ID-2",
                                                                             "FIRST LINE OF DETAILS SECOND LINE MORE")
    assert (third.reference, third.transaction_id, third.amount, third.description) == ("REF", "", Decimal("8.00"), "")


def test_more_than_two_decimals_is_e03_on_the_61_line():
    records = read(statement(":61:2604020402C1,00NTRFNONREF", ":61:2604020402D12,345NTRFNONREF", ":86:X"))
    assert records[0].errors == []
    assert (records[1].row, records[1].errors) == (6, [(":61:", "12,345", "Amount '12,345' has more than 2 decimal places")])


@pytest.mark.parametrize("account, identity, problem", [
    ("20990110000002", ("sort", "209901", "10000002"), ""),
    ("20-99-01 10000002", ("sort", "209901", "10000002"), ""),
    ("GB30 DEMO 2099 0110 0000 03", ("iban", "GB30DEMO20990110000003"), ""),
    ("DEMOGB22/10000002", None, "Cannot identify the bank account: ':25:' value 'DEMOGB22/10000002'"),
    ("GB00DEMO20990110000003", None, "Cannot identify the bank account: ':25:' value 'GB00DEMO20990110000003'"),
    (None, None, "Cannot identify the bank account: the statement on line 1 has no :25:"),
])
def test_the_25_account(account, identity, problem):
    line = line_of(read(statement(":61:2604020402C1,00NTRFNONREF", account=account))[0])
    assert (line.identity, line.account_problem) == (identity, problem)


def test_several_statements_in_one_file():
    content = (statement(":61:2604020402C1,00NTRFNONREF//A1", ref="S1", closing="C260430GBP101,00")
               + statement(":61:2605020502D3,00NTRFNONREF//B1", ref="S2", account="20990110000001",
                           opening="D260501EUR10,00", closing="D260531EUR13,00")
               + statement(":61:2605030503C2,00NTRFNONREF//A2", ref="S3", opening="C260501GBP101,00",
                           closing="C260531GBP103,00"))
    records = read(content)
    assert [(r.row, line_of(r).account_no, line_of(r).transaction_id) for r in records] == [
        (5, "10000002", "A1"), (12, "10000001", "B1"), (19, "10000002", "A2")]
    assert [(line_of(r).currency, line_of(r).opening_balance, line_of(r).closing_balance) for r in records] == [
        ("GBP", Decimal("100.00"), Decimal("101.00")),
        ("EUR", Decimal("-10.00"), Decimal("-13.00")),
        ("GBP", Decimal("100.00"), Decimal("103.00")),  # the account's first opening, this statement's closing
    ]


@pytest.mark.parametrize("content, reason", [
    ("date,amount,description\r\n01/04/2026,12.00,COFFEE\r\n", "no statement found (no :20: line)"),
    ("<html><body>Not a statement</body></html>", "no statement found (no :20: line)"),
    (statement(":61:2604310431C1,00NTRFNONREF"), "line 5: cannot read :61: '2604310431C1,00NTRFNONREF'"),
    (statement(":61:2602300230C1,00NTRFNONREF"), "line 5: cannot read :61: '2602300230C1,00NTRFNONREF'"),
    (statement(":61:2604020402X1,00NTRFNONREF"), "line 5: cannot read :61: '2604020402X1,00NTRFNONREF'"),
    (statement(":61:260402C1,00"), "line 5: the :61: line has no transaction type"),
    (statement(":61:2604020402C1,00NTRFNONREF", opening="X260401GBP1,00"), "line 4: cannot read :60F: 'X260401GBP1,00'"),
])
def test_a_file_the_library_cannot_read_is_f09(content, reason):
    with pytest.raises(FileRejected) as rejected:
        read(content)
    assert rejected.value.errors == [(None, None, f"The file is not a valid MT940 file: {reason}")]


def test_the_file_is_read_in_the_encoding_the_pipeline_chose():
    content = statement(":61:2604020402C1,00NTRFNONREF", ":86:CAFÉ £1").encode("cp1252")
    assert line_of(read(content, encoding="cp1252")[0]).description == "CAFÉ £1"


# --- End to end ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_sample_imports_three_lines_and_again_finds_three_duplicates(demo, tmp_path):
    content = (SAMPLES / "statement.mt940").read_bytes()
    report = run_file(tmp_path, "MT940 statement file", content)
    assert report["status"] == "succeeded" and report["errors"] == [] and report["warnings"] == []
    assert report["counts"] == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0, "skipped": 0, "duplicates": 0,
                                "errors": 0}
    assert [(l["date"], l["amount"], l["transaction_id"], l["type"], l["description"]) for l in stored_lines(demo, "BARC-KPA")] == [
        (date(2026, 3, 9), Decimal("2500.00"), "KPA0309001", "NTRF", "DEMOSHIRE CC PUPIL PREMIUM MARCH"),
        (date(2026, 3, 10), Decimal("-180.00"), "KPA0310002", "NTRF", "ACME STATIONERY AS-55501"),
        (date(2026, 3, 11), Decimal("-42.75"), "KPA0311003", "NDDT", "CONTOSO ENERGY DD"),
    ]
    assert statements(demo, "BARC-KPA") == [{"from_date": date(2026, 3, 9), "to_date": date(2026, 3, 11), "line_count": 3,
                                             "opening_balance": Decimal("8000.00"), "closing_balance": Decimal("10277.25")}]
    assert [(r["_row"], r["_outcome"], r["reference"]) for r in produced(report, demo)] == [
        ("5", "created", ""), ("7", "created", "AS-55501"), ("9", "created", "")]

    again = run_file(tmp_path, "MT940 statement file", content)
    assert again["status"] == "succeeded" and again["counts"]["duplicates"] == 3 and again["counts"]["created"] == 0
    assert len(stored_lines(demo, "BARC-KPA")) == 3 and len(warnings(again)) == 2


@pytest.mark.django_db
def test_accounts_currencies_balances_and_bad_files(demo, tmp_path):
    # B08 on :25:, row null: the statement's lines are skipped; the run fails and writes nothing.
    report = run_file(tmp_path, "MT940 statement file", statement(":61:2604020402C1,00NTRFNONREF",
                                                                  ":61:2604030403C1,005NTRFNONREF", account="DEMOGB22/1"))
    assert report["status"] == "failed" and report["counts"]["skipped"] == 2 and report["counts"]["errors"] == 0
    assert errors(report) == [(None, ":25:", None, "Cannot identify the bank account: ':25:' value 'DEMOGB22/1'")]
    # B01 likewise.
    report = run_file(tmp_path, "MT940 statement file", statement(":61:2604020402C1,00NTRFNONREF", account="20990119999999"))
    assert errors(report) == [(None, ":25:", None, "Bank account 20-99-01 19999999 is not set up")]

    # A run restricted to one account skips another (even unknown) account's statement without an error.
    report = run_file(tmp_path, "MT940 statement file",
                      statement(":61:2604020402C1,00NTRFNONREF", account="20990119999999")
                      + statement(":61:2604030403C1,00NTRFNONREF", ref="S2", account="20990110000001"),
                      "--option", "bank_account=BARC-KPA", "--dry-run")
    assert report["status"] == "failed" and report["counts"]["skipped"] == 2
    assert errors(report) == [(None, None, None, "The file contains no lines for bank account BARC-KPA")]
    assert warnings(report) == ["2 lines for other bank accounts were skipped"]
    report = run_file(tmp_path, "MT940 statement file",
                      statement(":61:2604020402C1,00NTRFNONREF", account="20990119999999")
                      + statement(":61:2604030403C1,00NTRFNONREF//K-1", ref="S2"),
                      "--option", "bank_account=BARC-KPA", "--dry-run")
    assert report["status"] == "succeeded" and errors(report) == []
    assert (report["counts"]["skipped"], report["counts"]["created"]) == (1, 1)

    # B02 on the opening balance's currency and E03: errors on the :61: lines, nothing written.
    report = run_file(tmp_path, "MT940 statement file", statement(
        ":61:2604020402C1,00NTRFNONREF", ":86:ONE", ":61:2604030403D2,001NTRFNONREF", opening="C260401EUR1,00",
        closing="C260430EUR1,00"))
    assert report["status"] == "failed" and report["counts"]["errors"] == 2
    assert errors(report) == [(5, ":60F:", "EUR", "Currency EUR does not match bank account BARC-KPA currency GBP"),
                              (7, ":61:", "2,001", "Amount '2,001' has more than 2 decimal places")]
    # ... with partial=true the valid line is written.
    report = run_file(tmp_path, "MT940 statement file", statement(
        ":61:2604020402C1,00NTRFNONREF//P-1", ":61:2604030403D2,001NTRFNONREF"), "--option", "partial=true")
    assert report["status"] == "completed_with_errors" and report["counts"]["created"] == 1
    assert [l["transaction_id"] for l in stored_lines(demo, "BARC-KPA")] == ["P-1"]

    # The balance check: opening + booked lines against the closing balance (a warning, never an error).
    report = run_file(tmp_path, "MT940 statement file", statement(
        ":61:2605020502C10,00NTRFNONREF//W-1", ":61:2605030503D2,50NTRFNONREF//W-2", opening="C260501GBP100,00",
        closing="C260531GBP100,00"), "--option", "encoding=windows-1252")
    assert report["status"] == "succeeded" and report["counts"]["created"] == 2
    assert warnings(report) == ["Closing balance 100.00 for bank account BARC-KPA does not equal opening balance plus "
                                "lines (107.50)"]

    # Files that are not MT940, and an empty one: a clear message each, nothing written.
    for content, message in (("<html><body>Bank</body></html>", "The file is not a valid MT940 file: no statement found "
                                                                 "(no :20: line)"),
                             ("", "The file is empty")):
        report = run_file(tmp_path, "MT940 statement file", content)
        assert report["status"] == "failed" and errors(report) == [(None, None, None, message)]
        assert set(report["counts"].values()) == {0}
    assert line_count(demo) == 3
