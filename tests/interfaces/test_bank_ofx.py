"""OFX statement file (import-formats §11): the reader on small in-memory files, then the sample
and the error cases end to end through `run_interface` on the seeded demo environment."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from interfaces.kinds.bank.ofx import Reader
from interfaces.kinds.tabular import FileRejected

from .bank_runs import SAMPLES, demo, errors, line_count, produced, run_file, statements, stored_lines, warnings  # noqa: F401

HEADER = ("OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\n"
          "COMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n")
SIGNON = "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260501<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>"


def trn(**elements):
    return "<STMTTRN>" + "".join(f"<{name}>{value}" for name, value in elements.items()) + "</STMTTRN>\r\n"


def stmt(*transactions, bankid="209901", acctid="10000004", curdef="GBP", ledger="1000.00"):
    return (f"<STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>{curdef}\r\n"
            f"<BANKACCTFROM>{f'<BANKID>{bankid}' if bankid else ''}{f'<ACCTID>{acctid}' if acctid else ''}"
            "<ACCTTYPE>CHECKING</BANKACCTFROM>\r\n"
            f"<BANKTRANLIST><DTSTART>20260401<DTEND>20260430\r\n{''.join(transactions)}</BANKTRANLIST>"
            f"<LEDGERBAL><BALAMT>{ledger}<DTASOF>20260430</LEDGERBAL></STMTRS></STMTTRNRS>\r\n")


def ofx(*statements_, extra=""):
    return HEADER + f"<OFX>{SIGNON}<BANKMSGSRSV1>\r\n{''.join(statements_)}</BANKMSGSRSV1>{extra}</OFX>\r\n"


def read(content):
    data = content if isinstance(content, bytes) else content.encode("cp1252")
    reader = Reader(io.BytesIO(data))
    return reader, list(reader.records())


def line_of(record):
    return record.values["_line"]


# --- The reader -------------------------------------------------------------------------------------------------

def test_the_sample_gives_four_transactions_with_the_elements_as_written():
    reader, records = read((SAMPLES / "statement.ofx").read_bytes())
    assert [r.row for r in records] == [1, 2, 3, 4] and all(r.errors == [] for r in records) and reader.warnings == []
    first, second, cheque, fee = (line_of(r) for r in records)
    assert (first.date, first.amount, first.transaction_id, first.type) == (date(2026, 3, 3), Decimal("485.00"),
                                                                           "KTL-20260303-0001", "CREDIT")
    assert first.description == "WINGTIP UNIFORMS SI000002" and second.description == "SAMPLE UNIFORM WHOLESALE ORDER 5531"
    assert second.amount == Decimal("-212.40") and fee.amount == Decimal("-8.50")
    assert (cheque.cheque_no, cheque.reference, cheque.description) == ("000201", "000201", "CHEQUE")
    assert (first.sort_code, first.account_no, first.iban, first.currency) == ("209901", "10000004", "", "GBP")
    assert first.closing_balance == Decimal("3204.10") and first.opening_balance is None  # LEDGERBAL: display only
    assert first.statement_account and first.account_column == "BANKACCTFROM" and first.currency_column == "CURDEF"
    assert records[0].values["amount"] == "485.00" and records[0].values["transaction_id"] == "KTL-20260303-0001"


def test_dates_are_the_first_8_characters_as_written_without_time_zone_conversion():
    _, records = read(ofx(stmt(trn(TRNTYPE="DEBIT", DTPOSTED="20260430230000.000[-8:PST]", DTAVAIL="20260501120000[+1:BST]",
                                   TRNAMT="-1.00", FITID="A1", NAME="LATE CARD PAYMENT"))))
    line = line_of(records[0])
    assert line.date == date(2026, 4, 30) and line.value_date == date(2026, 5, 1)  # in UTC it would be 1 and 1 May


def test_cell_errors_name_the_element_and_the_row_is_the_transaction_position():
    _, records = read(ofx(stmt(
        trn(TRNTYPE="CREDIT", DTPOSTED="20260401", TRNAMT="10.00", FITID="A1", NAME="OK"),
        trn(TRNTYPE="CREDIT", DTPOSTED="20260402", TRNAMT="12.345", FITID="A2", NAME="THREE PLACES"),
        trn(TRNTYPE="CREDIT", DTPOSTED="2026-04-03", DTAVAIL="20260431", TRNAMT="12,3x", FITID="A3", NAME="BAD"),
        trn(TRNTYPE="DEBIT", FITID="A4", NAME="MISSING"),
        trn(TRNTYPE="DEBIT", DTPOSTED="20260405", TRNAMT="-.5", FITID="A5", NAME="COMMA"),
        trn(TRNTYPE="DEBIT", DTPOSTED="20260405", TRNAMT="-3,25", FITID="A6", NAME="COMMA"),
    )))
    assert [r.row for r in records] == [1, 2, 3, 4, 5, 6]
    assert records[0].errors == []
    assert records[1].errors == [("TRNAMT", "12.345", "Amount '12.345' has more than 2 decimal places")]
    assert records[2].errors == [
        ("DTPOSTED", "2026-04-03", "Cannot convert '2026-04-03' to date using format: yyyyMMdd"),
        ("DTAVAIL", "20260431", "Cannot convert '20260431' to date using format: yyyyMMdd"),
        ("TRNAMT", "12,3x", "Cannot convert '12,3x' to amount"),
    ]
    assert records[3].errors == [("DTPOSTED", None, "DTPOSTED is required"), ("TRNAMT", None, "TRNAMT is required")]
    assert line_of(records[4]).amount == Decimal("-0.50") and line_of(records[5]).amount == Decimal("-3.25")


@pytest.mark.parametrize("elements, description, reference, cheque", [
    ({"NAME": "ACME LTD", "MEMO": "INV 42"}, "ACME LTD INV 42", "", ""),
    ({"NAME": "ACME LTD", "MEMO": "ACME LTD"}, "ACME LTD", "", ""),  # MEMO equal to NAME: dropped
    ({"NAME": "ACME LTD", "MEMO": "  "}, "ACME LTD", "", ""),  # blank MEMO: dropped
    ({"MEMO": "ONLY A MEMO"}, "ONLY A MEMO", "", ""),
    ({"NAME": "AT&amp;T &lt;UK&gt;"}, "AT&T <UK>", "", ""),  # OFX escapes
    ({"CHECKNUM": "000123", "NAME": "CHEQUE"}, "CHEQUE", "000123", "000123"),  # reference: CHECKNUM when no REFNUM
    ({"CHECKNUM": "000123", "REFNUM": "R-9", "NAME": "CHEQUE"}, "CHEQUE", "R-9", "000123"),
])
def test_description_reference_and_cheque_number(elements, description, reference, cheque):
    _, records = read(ofx(stmt(trn(TRNTYPE="DEBIT", DTPOSTED="20260410", TRNAMT="-1.00", FITID="F1", **elements))))
    line = line_of(records[0])
    assert (line.description, line.reference, line.cheque_no) == (description, reference, cheque)
    assert line.column_names["reference"] == ("REFNUM" if "REFNUM" in elements else "CHECKNUM")


@pytest.mark.parametrize("bankid, acctid, identity, problem", [
    ("209901", "10000004", ("sort", "209901", "10000004"), ""),
    ("20-99-01", "10000004", ("sort", "209901", "10000004"), ""),
    ("999999", "20990110000004", ("sort", "209901", "10000004"), ""),  # 14 digits: BANKID is ignored
    ("DEMOGB22", "GB30 DEMO 2099 0110 0000 03", ("iban", "GB30DEMO20990110000003"), ""),
    ("", "10000004", None, "Cannot identify the bank account: BANKACCTFROM has no BANKID"),
    ("209901", "", None, "Cannot identify the bank account: BANKACCTFROM has no ACCTID"),
])
def test_the_account_is_bankid_and_acctid(bankid, acctid, identity, problem):
    _, records = read(ofx(stmt(trn(TRNTYPE="DEBIT", DTPOSTED="20260410", TRNAMT="-1.00", FITID="F1", NAME="X"),
                               bankid=bankid, acctid=acctid)))
    line = line_of(records[0])
    assert (line.identity, line.account_problem) == (identity, problem)


def test_rows_count_every_statement_and_only_bank_statements_are_read():
    card = ("<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>9<STATUS><CODE>0<SEVERITY>INFO</STATUS><CCSTMTRS><CURDEF>GBP"
            "<CCACCTFROM><ACCTID>4111111111111111</CCACCTFROM><BANKTRANLIST><DTSTART>20260401<DTEND>20260430"
            + trn(TRNTYPE="DEBIT", DTPOSTED="20260402", TRNAMT="-9.99", FITID="CARD1", NAME="CARD")
            + "</BANKTRANLIST></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1>")
    reader, records = read(ofx(
        stmt(trn(TRNTYPE="CREDIT", DTPOSTED="20260401", TRNAMT="1.00", FITID="A", NAME="A"),
             trn(TRNTYPE="CREDIT", DTPOSTED="20260402", TRNAMT="2.00", FITID="B", NAME="B")),
        stmt(trn(TRNTYPE="CREDIT", DTPOSTED="20260403", TRNAMT="3.00", FITID="C", NAME="C"), acctid="10000001"),
        extra=card))
    assert [(r.row, line_of(r).transaction_id, line_of(r).account_no) for r in records] == [
        (1, "A", "10000004"), (2, "B", "10000004"), (3, "C", "10000001")]
    assert reader.warnings == ["The file also holds 1 credit card or investment statement(s); only bank statements were read"]


def test_ofx_2_xml_is_read_in_the_encoding_it_declares():
    body = ('<?xml version="1.0" encoding="windows-1252" standalone="no"?>\r\n'
            '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>\r\n'
            "<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STMTRS><CURDEF>GBP</CURDEF>"
            "<BANKACCTFROM><BANKID>209901</BANKID><ACCTID>10000004</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE></BANKACCTFROM>"
            "<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20260410</DTPOSTED><TRNAMT>-4.50</TRNAMT>"
            "<FITID>X1</FITID><NAME>CAFÉ £4.50 – COFFEE</NAME></STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS>"
            "</BANKMSGSRSV1></OFX>")
    _, records = read(body.encode("cp1252"))
    assert line_of(records[0]).description == "CAFÉ £4.50 – COFFEE" and line_of(records[0]).amount == Decimal("-4.50")
    _, records = read(b"\xef\xbb\xbf" + body.replace("windows-1252", "UTF-8").encode("utf-8"))  # a BOM is fine too
    assert line_of(records[0]).description == "CAFÉ £4.50 – COFFEE"


def test_an_empty_data_element_in_sgml_ends_at_the_next_tag():
    _, records = read(ofx(stmt(trn(TRNTYPE="DEBIT", DTPOSTED="20260410", TRNAMT="-1.00", FITID="E1", MEMO="", NAME="SHOP",
                                   CHECKNUM=""))))
    line = line_of(records[0])
    assert (line.description, line.cheque_no, line.transaction_id, line.amount) == ("SHOP", "", "E1", Decimal("-1.00"))


def test_ofx_1_is_read_in_its_declared_charset():
    _, records = read(ofx(stmt(trn(TRNTYPE="DEBIT", DTPOSTED="20260410", TRNAMT="-4.50", FITID="X1", NAME="CAFÉ £4.50"))))
    assert line_of(records[0]).description == "CAFÉ £4.50"


@pytest.mark.parametrize("content, reason", [
    ("<html>\n<head><title>Online banking</title></head>\n<body><p>Your session has expired.</p></body>\n</html>\n",
     "OFX header is malformed"),
    ("date,amount,description\n01/04/2026,12.00,COFFEE\n", "OFX header is malformed"),
    (HEADER + f"<OFX>{SIGNON}</OFX>", "no bank statement found"),
    (HEADER + "<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>GBP</STMTTRNRS></BANKMSGSRSV1></OFX>",
     "</STMTTRNRS> closes <STMTRS> - position=[49:61]"),
    (HEADER + "<OFX><SIGNONMSGSRSV1>stray text<SONRS></SONRS></SIGNONMSGSRSV1></OFX>",
     "</SIGNONMSGSRSV1> closes nothing - position=[46:63]"),
    (HEADER + "<OFX><BANKMSGSRSV1><STMTTRNRS>", "<STMTTRNRS> is not closed"),
    (HEADER + "<OFX><CODE>0</CODE>tail text here<BANKMSGSRSV1></BANKMSGSRSV1></OFX>",
     "Tail text 'tail text here' - position=[5:33]"),
    (HEADER.replace("CHARSET:1252", "CHARSET:UTF-8") + "<OFX></OFX>",
     "Invalid OFX header - 'UTF-8' is not OneOf ('ISO-8859-1', '1252', 'NONE')"),
    ('<?xml version="1.0" encoding="no-such-codec"?><OFX></OFX>', "unknown encoding 'no-such-codec'"),
])
def test_a_file_that_is_not_ofx_is_f09_with_the_reason(content, reason):
    with pytest.raises(FileRejected) as rejected:
        read(content)
    assert rejected.value.errors == [(None, None, f"The file is not a valid OFX file: {reason}")]


# --- End to end ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_sample_imports_four_lines_and_a_second_run_finds_four_duplicates(demo, tmp_path):
    content = (SAMPLES / "statement.ofx").read_bytes()
    report = run_file(tmp_path, "OFX statement file", content)
    assert report["status"] == "succeeded" and report["errors"] == [] and report["warnings"] == []
    assert report["counts"] == {"rows": 4, "created": 4, "updated": 0, "unchanged": 0, "skipped": 0, "duplicates": 0,
                                "errors": 0}
    lines = stored_lines(demo, "BARC-KTL")
    assert [(l["date"], l["amount"], l["transaction_id"], l["dedupe_key"]) for l in lines] == [
        (date(2026, 3, 3), Decimal("485.00"), "KTL-20260303-0001", "id:KTL-20260303-0001"),
        (date(2026, 3, 5), Decimal("-212.40"), "KTL-20260305-0002", "id:KTL-20260305-0002"),
        (date(2026, 3, 10), Decimal("-60.00"), "KTL-20260310-0003", "id:KTL-20260310-0003"),
        (date(2026, 3, 31), Decimal("-8.50"), "KTL-20260331-0004", "id:KTL-20260331-0004"),
    ]
    assert lines[2]["cheque_no"] == "000201" and lines[2]["reference"] == "000201" and lines[0]["type"] == "CREDIT"
    assert statements(demo, "BARC-KTL") == [{"from_date": date(2026, 3, 3), "to_date": date(2026, 3, 31), "line_count": 4,
                                             "opening_balance": None, "closing_balance": Decimal("3204.10")}]
    rows = produced(report, demo)
    assert [(r["_row"], r["_outcome"], r["bank_account"], r["amount"]) for r in rows][:2] == [
        ("1", "created", "BARC-KTL", "485.00"), ("2", "created", "BARC-KTL", "-212.40")]
    assert rows[1]["description"] == "SAMPLE UNIFORM WHOLESALE ORDER 5531" and rows[0]["_dedupe_key"] == "id:KTL-20260303-0001"

    again = run_file(tmp_path, "OFX statement file", content)
    assert again["status"] == "succeeded" and again["counts"]["duplicates"] == 4 and again["counts"]["created"] == 0
    assert warnings(again) == [
        f"This file has already been imported by this interface (run {report['run'][:8]})",
        f"Statement dates 03/03/2026 to 31/03/2026 for bank account BARC-KTL overlap an earlier import (run "
        f"{report['run'][:8]}, 03/03/2026 to 31/03/2026)",
    ]
    assert len(stored_lines(demo, "BARC-KTL")) == 4


@pytest.mark.django_db
def test_transaction_ids_of_a_voided_import_are_not_duplicates_until_it_is_restored(demo, tmp_path):
    from finance.banking import services as banking
    from finance.tenancy import scope

    content = (SAMPLES / "statement.ofx").read_bytes()
    first = run_file(tmp_path, "OFX statement file", content)
    with scope.activate(demo):
        banking.statements_void(tenant=demo, run_ref=first["run"], actor=None)
    again = run_file(tmp_path, "OFX statement file", content)
    assert (again["counts"]["created"], again["counts"]["duplicates"]) == (4, 0)
    third = run_file(tmp_path, "OFX statement file", content)
    assert (third["counts"]["created"], third["counts"]["duplicates"]) == (0, 4)
    assert all(r["_message"].endswith(f"(run {again['run'][:8]})") for r in produced(third, demo))
    assert [r["_dedupe_key"] for r in produced(third, demo)][0] == "id:KTL-20260303-0001"


@pytest.mark.django_db
def test_account_currency_and_cell_errors_and_bad_files_write_nothing(demo, tmp_path):
    ok = trn(TRNTYPE="CREDIT", DTPOSTED="20260401", TRNAMT="10.00", FITID="OK-1", NAME="GOOD")
    unknown = stmt(trn(TRNTYPE="CREDIT", DTPOSTED="20260402", TRNAMT="5.00", FITID="U-1", NAME="X"),
                   trn(TRNTYPE="CREDIT", DTPOSTED="20260403", TRNAMT="6.005", FITID="U-2", NAME="Y"), acctid="19999999")

    # B01: one error with row null and column BANKACCTFROM; the statement's lines are skipped, not validated.
    report = run_file(tmp_path, "OFX statement file", ofx(unknown))
    assert report["status"] == "failed"
    assert errors(report) == [(None, "BANKACCTFROM", None, "Bank account 20-99-01 19999999 is not set up")]
    assert report["counts"] == {"rows": 2, "created": 0, "updated": 0, "unchanged": 0, "skipped": 2, "duplicates": 0,
                                "errors": 0}
    assert report["message"].startswith("the file failed: Bank account 20-99-01 19999999 is not set up, so no row")
    assert [r["_outcome"] for r in produced(report, demo)] == ["skipped", "skipped"]
    report = run_file(tmp_path, "OFX statement file", ofx(unknown), "--dry-run")
    assert report["status"] == "failed" and report["message"] == (
        "Validation only, nothing was written: the file would fail: Bank account 20-99-01 19999999 is not set up, so no "
        "row was imported. 2 skipped.")

    # Partial: the known account's lines are written; the unknown one is still one error.
    report = run_file(tmp_path, "OFX statement file", ofx(stmt(ok), unknown), "--option", "partial=true")
    assert report["status"] == "completed_with_errors" and report["counts"]["created"] == 1
    assert report["counts"]["skipped"] == 2 and errors(report) == [
        (None, "BANKACCTFROM", None, "Bank account 20-99-01 19999999 is not set up")]
    assert [l["transaction_id"] for l in stored_lines(demo, "BARC-KTL")] == ["OK-1"]
    # ... and a partial run with nothing but the unknown account fails.
    report = run_file(tmp_path, "OFX statement file", ofx(unknown), "--option", "partial=true")
    assert report["status"] == "failed" and report["counts"]["skipped"] == 2

    # B02 on CURDEF, E03 on TRNAMT, E05 on NAME: one error per line, nothing written (all or nothing).
    bad = ofx(stmt(trn(TRNTYPE="CREDIT", DTPOSTED="20260405", TRNAMT="1.00", FITID="N-1", NAME="FINE"),
                   trn(TRNTYPE="CREDIT", DTPOSTED="20260405", TRNAMT="1.001", FITID="N-2", NAME="X" * 501),
                   curdef="EUR"))
    report = run_file(tmp_path, "OFX statement file", bad)
    assert report["status"] == "failed" and report["counts"]["errors"] == 2 and report["counts"]["skipped"] == 0
    assert errors(report) == [
        (1, "CURDEF", "EUR", "Currency EUR does not match bank account BARC-KTL currency GBP"),
        (2, "TRNAMT", "1.001", "Amount '1.001' has more than 2 decimal places"),
    ]
    assert not any(path.endswith("failed rows.csv") for path in report["files"]), "a bank's file is fixed at the bank"
    rows = produced(report, demo)
    assert [(r["_row"], r["_outcome"], r["transaction_id"]) for r in rows] == [("1", "error", "N-1"), ("2", "error", "N-2")]
    too_long = ofx(stmt(trn(TRNTYPE="CREDIT", DTPOSTED="20260405", TRNAMT="1.00", FITID="L-1", NAME="X" * 501)))
    assert errors(run_file(tmp_path, "OFX statement file", too_long)) == [
        (1, "NAME", "X" * 500, "Value for NAME is too long (501 characters, maximum 500)")]  # stored values stop at 500

    # bank_account for one run restricts the file: another account's statement is skipped; none for it is B07.
    report = run_file(tmp_path, "OFX statement file", ofx(stmt(ok)), "--option", "bank_account=BARC-KLT")
    assert report["status"] == "failed" and report["counts"]["skipped"] == 1
    assert errors(report) == [(None, None, None, "The file contains no lines for bank account BARC-KLT")]
    assert warnings(report) == ["1 lines for other bank accounts were skipped"]

    # Files that are not OFX statements: a clear message each, nothing written.
    html = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Session expired</body></html>\n"
    for content, message in ((html, "The file is not a valid OFX file: OFX header is malformed"),
                             (b"", "The file is empty"), (b"\xef\xbb\xbf \r\n", "The file is empty")):
        report = run_file(tmp_path, "OFX statement file", content)
        assert report["status"] == "failed" and errors(report) == [(None, None, None, message)]
        assert set(report["counts"].values()) == {0} and report["files"] == []
    assert line_count(demo) == 1  # only the partial run's line


@pytest.mark.django_db
def test_ofx_has_no_encoding_option(demo, tmp_path):
    path = tmp_path / "s.ofx"
    path.write_bytes((SAMPLES / "statement.ofx").read_bytes())
    with pytest.raises(CommandError, match="Unknown option 'encoding' for OFX statement file"):
        call_command("run_interface", "--tenant", "demo", "--interface", "OFX statement file", "--file", str(path),
                     "--option", "encoding=utf-8", stdout=io.StringIO())
