"""CAMT.053 statement file (import-formats §12): the reader on small in-memory files (elements by
local name, statuses, descriptions, references, balances, refused XML), then the sample and the
error cases end to end through `run_interface` on the seeded demo environment."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest

from interfaces.kinds.bank.camt053 import Reader
from interfaces.kinds.tabular import FileRejected

from .bank_runs import SAMPLES, demo, errors, line_count, produced, run_file, statements, stored_lines, warnings  # noqa: F401

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
EUR_ACCOUNT = "<Acct><Id><IBAN>GB30DEMO20990110000003</IBAN></Id><Ccy>EUR</Ccy></Acct>"


def bal(code, amount, indicator="CRDT"):
    return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{amount}</Amt>"
            f"<CdtDbtInd>{indicator}</CdtDbtInd><Dt><Dt>2026-04-01</Dt></Dt></Bal>")


def ntry(amount="10.00", indicator="CRDT", status="<Sts>BOOK</Sts>", booked="<BookgDt><Dt>2026-04-02</Dt></BookgDt>",
         ccy="EUR", extra="<AddtlNtryInf>ENTRY</AddtlNtryInf>", ref="<AcctSvcrRef>R1</AcctSvcrRef>"):
    currency = f' Ccy="{ccy}"' if ccy else ""
    return (f"<Ntry><Amt{currency}>{amount}</Amt><CdtDbtInd>{indicator}</CdtDbtInd>{status}{booked}"
            f"<ValDt><Dt>2026-04-03</Dt></ValDt>{ref}{extra}</Ntry>")


def stmt(*entries, account=EUR_ACCOUNT, balances=""):
    return f"<Stmt><Id>S</Id>{account}{balances}{''.join(entries)}</Stmt>"


def camt(*statements_, ns=NS):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{ns}"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId>'
            f"</GrpHdr>{''.join(statements_)}</BkToCstmrStmt></Document>\n")


def read(content):
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    reader = Reader(io.BytesIO(data))
    return list(reader.records())


def line_of(record):
    return record.values["_line"]


# --- The reader -------------------------------------------------------------------------------------------------

def test_the_sample_gives_four_entries_one_pending():
    records = read((SAMPLES / "camt053.xml").read_bytes())
    assert [r.row for r in records] == [1, 2, 3, 4] and all(r.errors == [] for r in records)
    contribution, invoice, fee, pending = (line_of(r) for r in records)
    assert (contribution.date, contribution.value_date, contribution.amount) == (date(2026, 3, 4), date(2026, 3, 4),
                                                                               Decimal("2000.00"))
    assert (contribution.transaction_id, contribution.type, contribution.description) == (
        "EUR-0304-0001", "NTRF", "PARTNER SCHOOL EXCHANGE CONTRIBUTION")
    assert (invoice.amount, invoice.description, invoice.reference) == (Decimal("-1450.00"), "FABRIKAM INVOICE FL-2026-031",
                                                                        "KLT-PAY-0310")
    assert (fee.transaction_id, fee.column_names["transaction_id"]) == ("FEE-0331", "NtryRef")  # no AcctSvcrRef
    assert pending.skip == "Sts PDNG (pending)" and contribution.skip == ""
    assert (contribution.iban, contribution.currency, contribution.currency_column) == ("GB30DEMO20990110000003", "EUR", "Amt")
    assert contribution.statement_account and contribution.account_column == "Acct"
    assert (contribution.opening_balance, contribution.closing_balance) == (Decimal("10000.00"), Decimal("10535.00"))
    assert records[1].values["amount"] == "-1450.00" and records[1].values["date"] == "2026-03-10"


def test_any_version_and_prefix_by_local_name_with_the_later_element_forms():
    entry_credit = ntry(status="<Sts><Cd>BOOK</Cd></Sts>", booked="<BookgDt><DtTm>2026-04-30T23:30:00-05:00</DtTm></BookgDt>",
                        extra=("<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>"
                               "<Prtry><Cd>IGNORED</Cd></Prtry></BkTxCd><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED"
                               "</EndToEndId></Refs></TxDtls><TxDtls><Refs><EndToEndId>E2E-2</EndToEndId></Refs>"
                               "<RltdPties><Dbtr><Pty><Nm>DEMOSHIRE COUNCIL</Nm></Pty></Dbtr><Cdtr><Nm>US</Nm></Cdtr>"
                               "</RltdPties></TxDtls></NtryDtls>"))
    entry_debit = ntry(indicator="DBIT", ref="<NtryRef>N2</NtryRef>",
                       extra=("<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>US</Nm></Dbtr><Cdtr><Nm>ACME SUPPLIES</Nm></Cdtr>"
                              "</RltdPties><RmtInf><Strd>x</Strd></RmtInf></TxDtls></NtryDtls>"))
    account = "<Acct><Id><Othr><Id>20-99-01 10000001</Id></Othr></Id></Acct>"
    content = camt(stmt(entry_credit, entry_debit, account=account), ns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08")
    content = re.sub(r"<(/?)(\w+)", r"<\1c:\2", content).replace("xmlns=", "xmlns:c=")  # a namespace prefix
    records = read(content)
    credit, debit = (line_of(r) for r in records)
    assert (credit.date, credit.type, credit.reference, credit.description) == (
        date(2026, 4, 30), "PMNT/RCDT/ESCT", "E2E-2", "DEMOSHIRE COUNCIL")  # the date part as written
    assert (debit.description, debit.type, debit.transaction_id, debit.amount) == ("ACME SUPPLIES", "", "N2",
                                                                                   Decimal("-10.00"))
    assert (credit.sort_code, credit.account_no, credit.iban, credit.currency) == ("209901", "10000001", "", "EUR")


def test_descriptions_from_the_remittance_texts_joined_by_one_space():
    entry = ntry(extra=("<NtryDtls><TxDtls><RmtInf><Ustrd> FIRST </Ustrd><Ustrd>SECOND</Ustrd></RmtInf></TxDtls>"
                        "<TxDtls><RmtInf><Ustrd>THIRD</Ustrd></RmtInf></TxDtls></NtryDtls>"))
    line = line_of(read(camt(stmt(entry)))[0])
    assert line.description == "FIRST SECOND THIRD" and line.column_names["description"] == "Ustrd"


def test_entry_errors_name_the_element_and_a_pending_entry_is_not_validated():
    records = read(camt(stmt(
        ntry(booked=""),
        ntry(amount="1.005", indicator="XXX", booked="<BookgDt><Dt>2026-02-30</Dt></BookgDt>"),
        ntry(status="<Sts>FUTR</Sts>", amount="-5", ccy=""),
        ntry(status="", indicator=""),
        ntry(status="<Sts>INFO</Sts>", amount="oops", booked=""),
    )))
    assert [r.row for r in records] == [1, 2, 3, 4, 5]
    assert records[0].errors == [("BookgDt", None, "BookgDt is required")]
    assert records[1].errors == [
        ("Amt", "1.005", "Amount '1.005' has more than 2 decimal places"),
        ("CdtDbtInd", "XXX", "Unknown CdtDbtInd value 'XXX'"),
        ("BookgDt", "2026-02-30", "Cannot convert '2026-02-30' to date using format: yyyy-MM-dd"),
    ]
    assert records[2].errors == [("Sts", "FUTR", "Unknown Sts value 'FUTR'"), ("Amt", "-5", "Cannot convert '-5' to amount")]
    assert line_of(records[2]).currency_column == "Ccy" and line_of(records[2]).currency == "EUR"  # no @Ccy: Acct/Ccy
    assert records[3].errors == [("Sts", None, "Sts is required"), ("CdtDbtInd", None, "CdtDbtInd is required")]
    assert records[4].errors == [] and line_of(records[4]).skip == "Sts INFO (information only)"


def test_several_statements_continue_the_rows_and_keep_each_account():
    gbp = "<Acct><Id><Othr><Id>20990110000001</Id></Othr></Id><Ccy>GBP</Ccy></Acct>"
    records = read(camt(
        stmt(ntry(), ntry(), balances=bal("OPBD", "100.00") + bal("CLBD", "120.00")),
        stmt(ntry(amount="7.00"), account=gbp, balances=bal("PRCD", "5.00", "DBIT") + bal("CLBD", "2.00")),
        stmt(ntry(), balances=bal("OPBD", "120.00") + bal("CLBD", "130.00")),
    ))
    lines = [line_of(r) for r in records]
    assert [r.row for r in records] == [1, 2, 3, 4]
    assert [(l.iban or l.account_no, l.opening_balance, l.closing_balance) for l in lines] == [
        ("GB30DEMO20990110000003", Decimal("100.00"), Decimal("120.00")),
        ("GB30DEMO20990110000003", Decimal("100.00"), Decimal("120.00")),
        ("10000001", Decimal("-5.00"), Decimal("2.00")),  # PRCD stands in for OPBD; DBIT is negative
        ("GB30DEMO20990110000003", Decimal("100.00"), Decimal("130.00")),  # the account's first opening, its last closing
    ]


@pytest.mark.parametrize("account, problem", [
    ("<Acct><Id><Othr><Id>ABC-123</Id></Othr></Id></Acct>",
     "Cannot identify the bank account: 'Acct/Id/Othr/Id' value 'ABC-123'"),
    ("<Acct><Ccy>EUR</Ccy></Acct>", "Cannot identify the bank account: Acct has no Id/IBAN or Id/Othr/Id"),
])
def test_an_account_that_cannot_be_read_is_b08(account, problem):
    assert line_of(read(camt(stmt(ntry(), account=account)))[0]).account_problem == problem


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry>
<AddtlNtryInf>&lol3;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>
"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "http://attacker.invalid/secrets">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Ntry>
<AddtlNtryInf>&xxe;</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>
"""
NOT_A_DTD = "a document type declaration (DTD) is not allowed"


@pytest.mark.parametrize("content, reason", [
    (BOMB, NOT_A_DTD),
    (EXTERNAL, NOT_A_DTD),
    ('<?xml version="1.0"?>\n<!DOCTYPE Document SYSTEM "http://example.invalid/camt.dtd">\n<Document/>', NOT_A_DTD),
    (camt(stmt(ntry(extra="<AddtlNtryInf>&xxe;</AddtlNtryInf>"))), "undefined entity: line 2, column 389"),
    (camt(stmt(ntry())).replace("</Stmt>", ""), "mismatched tag: line 2, column 418"),
    (camt(stmt(ntry()))[:200], "no element found: line 2, column 161"),
    ("<html><body>Not a statement</body></html>", "the root element is html, not Document"),
    ('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrAcctRpt/></Document>',
     "the message is BkToCstmrAcctRpt, not BkToCstmrStmt"),
    ('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn/></Document>',
     "the message is urn:iso:std:iso:20022:tech:xsd:camt.054.001.08, not camt.053"),
    ('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>',
     "the message is urn:iso:std:iso:20022:tech:xsd:pain.001.001.03, not camt.053"),
    (camt(stmt(ntry()), ns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.01"), "camt.053.001.01 is not a supported version"),
])
def test_a_file_that_is_not_a_safe_camt053_statement_is_f09(content, reason):
    with pytest.raises(FileRejected) as rejected:
        read(content)
    assert rejected.value.errors == [(None, None, f"The file is not a valid CAMT.053 file: {reason}")]


@pytest.mark.parametrize("version", ["02", "04", "08", "13"])
def test_every_version_from_02_to_13_is_read(version):
    assert len(read(camt(stmt(ntry()), ns=f"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"))) == 1


# --- End to end ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_sample_imports_three_lines_skips_the_pending_one_and_again_finds_duplicates(demo, tmp_path):
    content = (SAMPLES / "camt053.xml").read_bytes()
    report = run_file(tmp_path, "CAMT.053 statement file", content)
    assert report["status"] == "succeeded" and report["errors"] == [] and report["warnings"] == []
    assert report["counts"] == {"rows": 4, "created": 3, "updated": 0, "unchanged": 0, "skipped": 1, "duplicates": 0,
                                "errors": 0}
    assert [(l["date"], l["amount"], l["transaction_id"], l["reference"]) for l in stored_lines(demo, "BARC-KLT-EUR")] == [
        (date(2026, 3, 4), Decimal("2000.00"), "EUR-0304-0001", ""),
        (date(2026, 3, 10), Decimal("-1450.00"), "EUR-0310-0002", "KLT-PAY-0310"),
        (date(2026, 3, 31), Decimal("-15.00"), "FEE-0331", ""),
    ]
    assert statements(demo, "BARC-KLT-EUR") == [{"from_date": date(2026, 3, 4), "to_date": date(2026, 3, 31), "line_count": 3,
                                                 "opening_balance": Decimal("10000.00"), "closing_balance": Decimal("10535.00")}]
    rows = produced(report, demo)
    assert [(r["_row"], r["_outcome"], r["_message"]) for r in rows] == [
        ("1", "created", ""), ("2", "created", ""), ("3", "created", ""), ("4", "skipped", "Sts PDNG (pending)")]
    assert rows[1]["description"] == "FABRIKAM INVOICE FL-2026-031" and rows[0]["currency"] == "EUR"

    again = run_file(tmp_path, "CAMT.053 statement file", content)
    assert again["status"] == "succeeded"
    assert (again["counts"]["duplicates"], again["counts"]["skipped"], again["counts"]["created"]) == (3, 1, 0)
    assert warnings(again)[0] == f"This file has already been imported by this interface (run {report['run'][:8]})"
    assert len(stored_lines(demo, "BARC-KLT-EUR")) == 3


@pytest.mark.django_db
def test_refused_files_accounts_currencies_balances_and_entries(demo, tmp_path):
    # An XML bomb, an external entity, an empty file: a clear message each and nothing written.
    for content, message in ((BOMB, f"The file is not a valid CAMT.053 file: {NOT_A_DTD}"),
                             (EXTERNAL, f"The file is not a valid CAMT.053 file: {NOT_A_DTD}"),
                             ("", "The file is empty")):
        report = run_file(tmp_path, "CAMT.053 statement file", content)
        assert report["status"] == "failed" and errors(report) == [(None, None, None, message)]
        assert set(report["counts"].values()) == {0} and report["files"] == []
    assert line_count(demo) == 0

    # B01 on the statement (row null, column Acct): its lines skipped.
    unknown = "<Acct><Id><IBAN>GB82WEST12345698765432</IBAN></Id></Acct>"
    report = run_file(tmp_path, "CAMT.053 statement file", camt(stmt(ntry(), ntry(), account=unknown)))
    assert report["status"] == "failed" and report["counts"]["skipped"] == 2 and report["counts"]["errors"] == 0
    assert errors(report) == [(None, "Acct", None, "Bank account with IBAN GB82WEST12345698765432 is not set up")]
    # B08 likewise.
    report = run_file(tmp_path, "CAMT.053 statement file",
                      camt(stmt(ntry(), account="<Acct><Id><Othr><Id>12345</Id></Othr></Id></Acct>")))
    assert errors(report) == [(None, "Acct", None, "Cannot identify the bank account: 'Acct/Id/Othr/Id' value '12345'")]

    # B02 on Amt's currency, E06 on BookgDt: row errors, all or nothing.
    report = run_file(tmp_path, "CAMT.053 statement file", camt(stmt(ntry(ccy="GBP"), ntry(booked="", ref=""))))
    assert report["status"] == "failed" and report["counts"]["errors"] == 2
    assert errors(report) == [(1, "Amt", "GBP", "Currency GBP does not match bank account BARC-KLT-EUR currency EUR"),
                              (2, "BookgDt", None, "BookgDt is required")]
    assert line_count(demo) == 0

    # Two statements for two accounts: split, each with its own statement and balance check.
    gbp = "<Acct><Id><Othr><Id>20990110000001</Id></Othr></Id><Ccy>GBP</Ccy></Acct>"
    content = camt(
        stmt(ntry(amount="5.00", ref="<AcctSvcrRef>E-1</AcctSvcrRef>"),
             ntry(amount="2.50", indicator="DBIT", ref="<AcctSvcrRef>E-2</AcctSvcrRef>"),
             balances=bal("OPBD", "100.00") + bal("CLBD", "102.50")),
        stmt(ntry(amount="7.00", ccy="GBP", ref=""), account=gbp,
             balances=bal("OPBD", "50.00").replace("EUR", "GBP") + bal("CLBD", "99.00").replace("EUR", "GBP")))
    report = run_file(tmp_path, "CAMT.053 statement file", content)
    assert report["status"] == "succeeded" and report["counts"]["created"] == 3
    assert warnings(report) == ["Closing balance 99.00 for bank account BARC-KLT does not equal opening balance plus "
                                "lines (57.00)"]
    assert statements(demo, "BARC-KLT-EUR")[0]["closing_balance"] == Decimal("102.50")
    assert [(l["amount"], l["dedupe_key"][:3]) for l in stored_lines(demo, "BARC-KLT")] == [(Decimal("7.00"), "fp:")]
