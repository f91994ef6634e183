"""The Document import (import-formats §5) on the seeded demo environment: the sample file, posting,
every document rule with its exact message, row and column, whole documents rejected, partial
and dry runs, updates of drafts, the export round trip and the queries of the check pass."""

import csv
import io
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from finance.audit.models import Event
from finance.contacts.models import ContactAccount
from finance.dataformats.columns import DOCUMENT_COLUMNS
from finance.ledger import models as L
from finance.tenancy import scope
from finance.tenancy.models import Tenant
from finance.tenancy.services import tenant_delete
from interfaces.models import ImportFile, ImportFileKind, Interface, Run
from interfaces.services import interface_create

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "documents.csv"
HEADER = [c.name for c in DOCUMENT_COLUMNS]

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker):
    """The demo environments, seeded once for the module (each test rolls its changes back)."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
            call_command("seed_demo", stdout=io.StringIO())
    yield
    with django_db_blocker.unblock(), scope.disabled(), transaction.atomic():
        for tenant in Tenant.objects.filter(slug__in=("demo", "harrier")):
            tenant_delete(tenant=tenant)
        get_user_model().objects.filter(email__endswith="-demo.example").delete()


@pytest.fixture
def demo(demo_db):
    tenant = Tenant.objects.get(slug="demo")
    with scope.activate(tenant):
        yield tenant


@pytest.fixture
def run_import(tmp_path):
    """Run the Document import through `run_interface --json`; returns the JSON report."""

    def run(content, *options, dry_run=False, tenant="demo", interface="Document import"):
        path = tmp_path / f"documents-{len(list(tmp_path.iterdir()))}.csv"
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        args = ["--tenant", tenant, "--interface", interface, "--file", str(path), "--json"]
        for option in options:
            args += ["--option", option]
        if dry_run:
            args.append("--dry-run")
        out = io.StringIO()
        try:
            call_command("run_interface", *args, stdout=out)
        except SystemExit:
            pass
        return json.loads(out.getvalue())

    return run


def table(*rows):
    """A document file with all 26 columns; each row a dict of column -> cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row.get(name, "") for name in HEADER])
    return out.getvalue()


def sales(ref="T-SI-1", **cells):
    return {"h.doc_ref": ref, "h.doc_type": "SISTD", "h.contact_account": "DEMOSHIRE-CC", "h.doc_date": "16/03/2026",
            "d.account": "50600", "d.net_amount": "100.00", "d.tax_band": "STANDARD", "d.post.department": "ADMIN",
            "d.post.cost_centre": "SEC", "d.post.fund": "UNR"} | cells


def purchase(ref="T-PI-1", **cells):
    return {"h.doc_ref": ref, "h.doc_type": "PISTD", "h.contact_account": "ACME-STAT", "h.doc_date": "10/03/2026",
            "h.their_doc_no": f"SUP-{ref}", "d.account": "70100", "d.net_amount": "100.00", "d.tax_band": "STANDARD",
            "d.post.department": "TEACH", "d.post.cost_centre": "PRI", "d.post.fund": "GAG"} | cells


def journal(ref="T-JN-1", net="250.00", account="70300", **cells):
    return {"h.doc_ref": ref, "h.doc_type": "JNSTD", "h.legal_entity": "KHA", "h.doc_date": "31/03/2026",
            "d.account": account, "d.net_amount": net, "d.post.department": "ICT", "d.post.cost_centre": "SEC",
            "d.post.fund": "GAG"} | cells


def errors(report):
    return [(e["row"], e["column"], e["value"], e["message"]) for e in report["errors"]]


def produced(report, name="Document import file.csv"):
    run = Run.objects.get(uuid=report["run"])
    record = ImportFile.objects.get(run=run, kind=ImportFileKind.PRODUCED, original_name=name)
    with default_storage.open(record.stored_name, "rb") as handle:
        return list(csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")))


def counts(report, **expected):
    base = {"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "skipped": 0, "duplicates": 0, "errors": 0}
    return report["counts"] == base | expected


# --- The sample file ----------------------------------------------------------------------------

def test_the_sample_creates_five_draft_documents_and_a_second_run_finds_them_unchanged(demo, run_import):
    report = run_import(SAMPLE.read_bytes())
    assert report["status"] == "succeeded", report
    assert counts(report, rows=10, created=5)
    docs = {d.doc_ref: d for d in L.Document.objects.select_related("doc_type", "legal_entity", "contact")}
    assert {ref: (d.doc_no, d.status, d.legal_entity.code) for ref, d in docs.items()} == {
        "SMP-INV-001": ("SI000001", "draft", "KLT"), "SMP-INV-002": ("SI000002", "draft", "KTL"),
        "SMP-CRN-001": ("SC000001", "draft", "KLT"), "SMP-PIN-001": ("PI000001", "draft", "KPA"),
        "SMP-JNL-001": ("JN000001", "draft", "KHA"),
    }
    assert {d.batch_no for d in docs.values()} == {"IMP000001"}  # the interface's batch series
    inv2 = docs["SMP-INV-002"]
    assert (inv2.total_net, inv2.total_tax, inv2.total_gross) == (Decimal("495.03"), Decimal("27.00"), Decimal("522.03"))
    assert [(l.description, l.tax_amount) for l in inv2.lines.order_by("line_no")] == [
        ("Children's jumpers", Decimal("0.00")), ("Adult PE tops", Decimal("25.00")), ("Delivery", Decimal("2.00"))]
    inv1 = docs["SMP-INV-001"]
    assert (inv1.due_date.isoformat(), inv1.currency.code) == ("2026-04-15", "GBP")  # DEMOSHIRE-CC pays in 30 days
    assert docs["SMP-CRN-001"].lines.get().description == "Hall hire cancelled 28 March"
    rows = produced(report)
    assert [(r["_row"], r["_outcome"], r["_doc_no"]) for r in rows] == [
        ("2", "created", "SI000001"), ("3", "created", "SI000001"), ("4", "created", "SI000002"),
        ("5", "created", "SI000002"), ("6", "created", "SI000002"), ("7", "created", "SC000001"),
        ("8", "created", "PI000001"), ("9", "created", "PI000001"), ("10", "created", "JN000001"),
        ("11", "created", "JN000001")]
    assert {k: rows[1][k] for k in ("h.legal_entity", "h.contact_account", "h.doc_date", "h.tax_date", "h.due_date",
                                    "h.currency", "h.total_gross", "d.tax_amount", "d.gross_amount", "d.quantity")} == {
        "h.legal_entity": "KLT", "h.contact_account": "DEMOSHIRE-CC", "h.doc_date": "16/03/2026",
        "h.tax_date": "16/03/2026", "h.due_date": "15/04/2026", "h.currency": "GBP", "h.total_gross": "580.00",
        "d.tax_amount": "30.00", "d.gross_amount": "180.00", "d.quantity": "1"}
    summary = Event.objects.filter(action="documents.imported")
    assert summary.count() == 1 and summary.get().after["created"] == 5 and summary.get().after["batch_no"] == "IMP000001"

    again = run_import(SAMPLE.read_bytes())
    assert again["status"] == "succeeded" and counts(again, rows=10, unchanged=5)
    assert again["warnings"][0]["message"].startswith("This file has already been imported by this interface (run ")
    assert L.Document.objects.count() == 5 and L.DocumentLine.objects.count() == 10
    assert [r["_doc_no"] for r in produced(again)][:2] == ["SI000001", "SI000001"]


def test_the_produced_file_imports_unchanged(demo, run_import):
    report = run_import(SAMPLE.read_bytes())
    run = Run.objects.get(uuid=report["run"])
    record = ImportFile.objects.get(run=run, kind=ImportFileKind.PRODUCED)
    with default_storage.open(record.stored_name, "rb") as handle:
        again = run_import(handle.read())
    assert again["status"] == "succeeded" and counts(again, rows=10, unchanged=5), again


def test_full_import_posts_balanced_postings_with_the_signs_of_5_4(demo, run_import):
    report = run_import(SAMPLE.read_bytes(), "full_import=true")
    assert report["status"] == "succeeded" and counts(report, rows=10, created=5)

    def postings(ref):
        doc = L.Document.objects.get(doc_ref=ref)
        assert doc.status == "posted"
        rows = [(p.kind, p.account.code, p.amount) for p in doc.postings.select_related("account").order_by("seq")]
        assert sum(p for _, _, p in rows) == 0 and sum(doc.postings.values_list("base_amount", flat=True)) == 0
        return rows

    assert postings("SMP-INV-001") == [("line", "50600", Decimal("-400.00")), ("line", "50500", Decimal("-150.00")),
                                       ("vat", "30300", Decimal("-30.00")), ("control", "20100", Decimal("580.00"))]
    assert postings("SMP-CRN-001") == [("line", "50600", Decimal("100.00")), ("control", "20100", Decimal("-100.00"))]
    assert postings("SMP-PIN-001") == [("line", "70100", Decimal("180.00")), ("line", "70100", Decimal("95.50")),
                                       ("vat", "20300", Decimal("36.00")), ("control", "30100", Decimal("-311.50"))]
    assert postings("SMP-JNL-001") == [("line", "70300", Decimal("250.00")), ("line", "70100", Decimal("-250.00"))]
    line = L.Posting.objects.select_related("department", "fund").get(document__doc_ref="SMP-PIN-001", seq=2)
    assert (line.department.code, line.fund.code) == ("TEACH", "PP")

    again = run_import(SAMPLE.read_bytes(), "full_import=true")
    assert counts(again, rows=10, unchanged=5) and L.Posting.objects.count() == 17


def test_a_credit_note_purchase_posts_and_a_foreign_currency_base_balances(demo, run_import):
    report = run_import(table(
        purchase("T-PC-1", **{"h.doc_type": "PCSTD", "h.their_doc_no": "CN-1", "d.net_amount": "33.33"}),
        purchase("T-EUR-1", **{"h.contact_account": "FABRIKAM-DE", "h.their_doc_no": "RE-1", "d.net_amount": "100.01"}),
        purchase("T-EUR-1", **{"h.contact_account": "", "h.their_doc_no": "", "d.net_amount": "33.33"}),
    ), "full_import=true")
    assert report["status"] == "succeeded", report
    credit = L.Document.objects.get(doc_ref="T-PC-1")
    assert [(p.account.code, p.amount) for p in credit.postings.select_related("account").order_by("seq")] == [
        ("70100", Decimal("-33.33")), ("20300", Decimal("-6.67")), ("30100", Decimal("40.00"))]
    euro = L.Document.objects.get(doc_ref="T-EUR-1")
    assert (euro.currency.code, euro.currency_rate) == ("EUR", Decimal("1.170000"))
    assert sum(euro.postings.values_list("base_amount", flat=True)) == 0
    assert sum(euro.postings.values_list("amount", flat=True)) == 0
    rows = produced(report)
    assert {r["h.currency_rate"] for r in rows if r["h.doc_ref"] == "T-EUR-1"} == {"1.170000"}
    assert {r["h.currency_rate"] for r in rows if r["h.doc_ref"] == "T-PC-1"} == {""}


# --- Documents span rows; a bad line rejects its document ---------------------------------------

def test_rows_of_one_document_need_not_be_adjacent(demo, run_import):
    report = run_import(table(sales("T-A"), sales("T-B"), sales("t-a", **{"h.contact_account": "", "h.doc_date": "",
                                                                         "d.net_amount": "50.00"})))
    assert report["status"] == "succeeded" and counts(report, rows=3, created=2), report
    doc = L.Document.objects.get(doc_ref="T-A")
    assert list(doc.lines.order_by("line_no").values_list("net_amount", flat=True)) == [Decimal("100.00"), Decimal("50.00")]
    assert [r["_doc_no"] for r in produced(report)] == ["SI000001", "SI000002", "SI000001"]


def test_a_bad_line_rejects_its_whole_document_and_partial_writes_the_others(demo, run_import):
    content = table(sales("T-A"), sales("T-B"), sales("T-A", **{"d.account": "99999"}), purchase("T-C"))
    report = run_import(content)
    assert report["status"] == "failed"
    assert counts(report, rows=4, skipped=2, errors=1)
    assert errors(report) == [(4, "d.account", "99999", "Account '99999' does not exist")]
    assert L.Document.objects.count() == 0
    rows = produced(report)
    assert [(r["_row"], r["_outcome"], r["_message"]) for r in rows] == [
        ("2", "error", "Document 'T-A' has errors on row 4"), ("3", "skipped", ""),
        ("4", "error", "Account '99999' does not exist"), ("5", "skipped", "")]
    failed = produced(report, "Document import file - failed rows.csv")
    assert [r["_row"] for r in failed] == ["2", "4"]

    partial = run_import(content, "partial=true")
    assert partial["status"] == "completed_with_errors"
    assert counts(partial, rows=4, created=2, errors=1)
    assert sorted(L.Document.objects.values_list("doc_ref", flat=True)) == ["T-B", "T-C"]


def test_partial_with_every_document_in_error_fails(demo, run_import):
    report = run_import(table(sales("T-A", **{"d.account": "99999"}), sales("T-A")), "partial=true")
    assert report["status"] == "failed" and counts(report, rows=2, errors=1)


def test_a_dry_run_writes_nothing_and_takes_no_number(demo, run_import):
    series = {s.code: s.next_number for s in L.NumberSeries.objects.all()}
    report = run_import(SAMPLE.read_bytes(), "full_import=true", dry_run=True)
    assert report["status"] == "succeeded" and counts(report, rows=10, created=5)
    assert report["message"].startswith("Validation only, nothing was written")
    assert L.Document.objects.count() == 0 and L.Posting.objects.count() == 0
    assert {s.code: s.next_number for s in L.NumberSeries.objects.all()} == series
    assert [r["_outcome"] for r in produced(report)] == ["created"] * 10
    assert not Event.objects.filter(action__in=("documents.imported", "document.created")).exists()


# --- Updates -------------------------------------------------------------------------------------

def test_a_changed_draft_has_its_lines_replaced_and_others_stay_unchanged(demo, run_import):
    run_import(table(sales("T-A"), sales("T-B")))
    doc = L.Document.objects.get(doc_ref="T-A")
    report = run_import(table(sales("T-A", **{"d.net_amount": "80.00"}), sales("T-A", **{"d.net_amount": "20.00"}),
                              sales("T-B")))
    assert report["status"] == "succeeded" and counts(report, rows=3, updated=1, unchanged=1), report
    doc.refresh_from_db()
    assert (doc.doc_no, doc.status, doc.total_net, doc.batch_no) == ("SI000001", "draft", Decimal("100.00"), "IMP000002")
    assert list(doc.lines.order_by("line_no").values_list("net_amount", flat=True)) == [Decimal("80.00"), Decimal("20.00")]
    assert [(r["_outcome"], r["_message"]) for r in produced(report)][0] == ("updated", "lines replaced")
    assert Event.objects.filter(action="document.updated").count() == 1


def test_an_identical_draft_is_posted_by_a_full_import_and_counts_as_updated(demo, run_import):
    run_import(table(sales("T-A")))
    report = run_import(table(sales("T-A")), "full_import=true")
    assert counts(report, rows=1, updated=1)
    assert L.Document.objects.get(doc_ref="T-A").status == "posted"


def test_d08_a_posted_document_cannot_be_changed(demo, run_import):
    run_import(table(sales("T-A")), "full_import=true")
    report = run_import(table(sales("T-A", **{"d.net_amount": "90.00"})))
    assert report["status"] == "failed"
    assert errors(report) == [(2, "h.doc_ref", "T-A", "Document 'T-A' is posted and cannot be changed")]


# --- Document rules (§2 Documents), each on its row and column -------------------------------------

def test_d01_vat_mismatch_and_the_tolerance(demo, run_import):
    report = run_import(table(sales("T-A", **{"d.tax_amount": "25.00"}), sales("T-B", **{"d.tax_amount": "20.01"}),
                              sales("T-C", **{"d.tax_band": "ZERO", "d.tax_amount": "0.01"})))
    assert errors(report) == [
        (2, "d.tax_amount", "25.00", "VAT mismatch: tax 25.00 is not 20% of net 100.00 (expected 20.00)"),
        (4, "d.tax_amount", "0.01", "VAT mismatch: tax 0.01 is not 0% of net 100.00 (expected 0.00)"),
    ]
    assert counts(report, rows=3, skipped=1, errors=2)


def test_d02_gross_must_equal_net_plus_tax(demo, run_import):
    report = run_import(table(sales("T-A", **{"d.gross_amount": "121.00"})))
    assert errors(report) == [(2, "d.gross_amount", "121.00", "Gross 121.00 does not equal net 100.00 plus tax 20.00")]


def test_d03_a_journal_must_balance(demo, run_import):
    report = run_import(table(journal(), journal(net="-240.00", account="70100")))
    assert errors(report) == [(2, "d.net_amount", "250.00", "Journal does not balance: debits 250.00, credits 240.00")]


def test_d04_header_values_differ_between_rows(demo, run_import):
    report = run_import(table(
        sales("T-A", **{"h.description": "Hall hire"}),
        sales("T-A", **{"h.description": "Hall hire", "h.contact_account": "demoshire-cc", "h.legal_entity": "klt"}),
        sales("T-A", **{"h.description": "Other", "h.legal_entity": "KPA"}),
    ))
    assert errors(report) == [
        (4, "h.legal_entity", "KPA", "Header value h.legal_entity differs between rows of document 'T-A'"),
        (4, "h.description", "Other", "Header value h.description differs between rows of document 'T-A'"),
    ]
    assert counts(report, rows=3, errors=1)


def test_d05_the_contact_must_be_a_customer_or_a_supplier(demo, run_import):
    report = run_import(table(sales("T-A", **{"h.contact_account": "ACME-STAT"}),
                              purchase("T-B", **{"h.contact_account": "DEMOSHIRE-CC"})))
    assert errors(report) == [
        (2, "h.contact_account", "ACME-STAT", "Contact account 'ACME-STAT' is not a customer"),
        (3, "h.contact_account", "DEMOSHIRE-CC", "Contact account 'DEMOSHIRE-CC' is not a supplier"),
    ]


def test_d06_required_dimensions_after_the_customer_defaults(demo, run_import):
    dims = {d.code: d for d in L.Dimension.objects.filter(code__in=("ADMIN", "CEN"))}
    ContactAccount.objects.filter(code="DEMOSHIRE-CC").update(customer_department=dims["ADMIN"], customer_cost_centre=dims["CEN"])
    blank = {"d.post.department": "", "d.post.cost_centre": "", "d.post.fund": ""}
    report = run_import(table(sales("T-A", **blank), purchase("T-B", **{"d.post.fund": ""})))
    assert errors(report) == [
        (2, "d.post.fund", "", "d.post.fund is required for account 50600"),
        (3, "d.post.fund", "", "d.post.fund is required for account 70100"),
    ]
    report = run_import(table(sales("T-A", **(blank | {"d.post.fund": "UNR"}))))
    assert report["status"] == "succeeded"
    line = L.DocumentLine.objects.select_related("department", "cost_centre").get(document__doc_ref="T-A")
    assert (line.department.code, line.cost_centre.code) == ("ADMIN", "CEN")


def test_d07_the_date_must_be_in_an_open_period_of_the_legal_entity(demo, run_import):
    report = run_import(table(sales("T-A", **{"h.doc_date": "15/03/2025"}), sales("T-B", **{"h.doc_date": "01/01/2031"})))
    assert errors(report) == [
        (2, "h.doc_date", "15/03/2025", "No open financial period for 15/03/2025 in legal entity KLT"),
        (3, "h.doc_date", "01/01/2031", "No open financial period for 01/01/2031 in legal entity KLT"),
    ]


def test_d07_uses_the_run_date_format(demo, run_import):
    report = run_import(table(sales("T-A", **{"h.doc_date": "2025-03-15"})), "date_format=yyyy-MM-dd")
    assert errors(report) == [(2, "h.doc_date", "2025-03-15", "No open financial period for 2025-03-15 in legal entity KLT")]


def test_d09_control_totals_must_equal_the_sums_of_the_lines(demo, run_import):
    report = run_import(table(
        sales("T-A", **{"h.total_net": "110", "h.total_tax": "20.00", "h.total_gross": "£120.00"}),
        journal("T-J", **{"h.total_net": "1.00"}), journal("T-J", net="-250.00", account="70100"),
    ))
    assert errors(report) == [
        (2, "h.total_net", "110", "Control total h.total_net 110 does not equal the sum of the lines 100.00"),
        (3, "h.total_net", "1.00", "Control total h.total_net 1.00 does not equal the sum of the lines 0.00"),
    ]


def test_d10_control_and_vat_accounts_only_in_journals(demo, run_import):
    report = run_import(table(sales("T-A", **{"d.account": "20100"}),
                              journal("T-J", account="20100"), journal("T-J", net="-250.00", account="30300")))
    assert errors(report) == [
        (2, "d.account", "20100", "Account 20100 is a control or VAT account and cannot be used on a document line")]
    assert counts(report, rows=3, skipped=1, errors=1)


def test_d11_the_document_total_must_be_positive(demo, run_import):
    report = run_import(table(sales("T-A", **{"h.doc_type": "SCSTD", "d.net_amount": "-100.00"})))
    assert errors(report) == [(2, "d.net_amount", "-100.00", "Document total must be greater than zero")]


def test_d12_and_e06_the_supplier_document_number(demo, run_import):
    run_import(table(purchase("T-A", **{"h.their_doc_no": "AS-1"})))
    report = run_import(table(
        purchase("T-B", **{"h.their_doc_no": "as-1"}),
        purchase("T-C", **{"h.their_doc_no": "AS-2"}), purchase("T-D", **{"h.their_doc_no": "AS-2"}),
        purchase("T-E", **{"h.their_doc_no": ""}),
    ))
    assert errors(report) == [
        (2, "h.their_doc_no", "as-1", "Supplier document number 'as-1' already exists for supplier ACME-STAT"),
        (4, "h.their_doc_no", "AS-2", "Supplier document number 'AS-2' already exists for supplier ACME-STAT"),
        (5, "h.their_doc_no", "", "h.their_doc_no is required for purchase documents"),
    ]


def test_d13_no_exchange_rate_and_d15_base_currency_rate(demo, run_import):
    L.ExchangeRate.objects.filter(currency__code="USD").delete()
    report = run_import(table(sales("T-A", **{"h.currency": "usd"}), sales("T-B", **{"h.currency_rate": "1.5"}),
                              sales("T-C", **{"h.currency_rate": "1"}), sales("T-D", **{"h.currency": "EUR", "h.currency_rate": "1.2"})))
    assert errors(report) == [
        (2, "h.currency_rate", "", "No exchange rate for USD on 16/03/2026"),
        (3, "h.currency_rate", "1.5", "Currency rate must be blank or 1 for the base currency"),
    ]
    assert counts(report, rows=4, skipped=2, errors=2)


def test_d14_journal_columns_that_must_be_blank(demo, run_import):
    report = run_import(table(
        journal(**{"h.contact_account": "TAILSPIN", "h.due_date": "30/04/2026", "h.their_doc_no": "X",
                   "h.total_tax": "0.00", "h.total_gross": "0.00", "d.tax_band": "STANDARD", "d.tax_amount": "0.00"}),
        journal(net="-250.00", account="70100", **{"d.gross_amount": "-250.00"}),
    ))
    assert errors(report) == [
        (2, "h.contact_account", "TAILSPIN", "h.contact_account must be blank for journals"),
        (2, "h.due_date", "30/04/2026", "h.due_date must be blank for journals"),
        (2, "h.their_doc_no", "X", "h.their_doc_no must be blank for journals"),
        (2, "h.total_tax", "0.00", "h.total_tax must be blank for journals"),
        (2, "h.total_gross", "0.00", "h.total_gross must be blank for journals"),
        (2, "d.tax_band", "STANDARD", "d.tax_band must be blank for journals"),
        (2, "d.tax_amount", "0.00", "d.tax_amount must be blank for journals"),
        (3, "d.gross_amount", "-250.00", "d.gross_amount must be blank for journals"),
    ]


# --- Cell rules (§2 shared) -----------------------------------------------------------------------

def test_cells_that_cannot_be_read_stop_the_checks_that_depend_on_them(demo, run_import):
    report = run_import(table(
        sales("T-A", **{"h.doc_date": "2026-03-16", "d.net_amount": "abc", "d.gross_amount": "121.00"}),
        sales("T-B", **{"h.doc_date": "2026-03-17", "d.net_amount": "10.123", "d.quantity": "x", "h.currency_rate": "-"}),
        journal("T-J", **{"h.doc_date": "2026-03-31", "d.net_amount": "(1,000.00)"}),
    ))
    assert errors(report) == [
        (2, "h.doc_date", "2026-03-16", "Cannot convert '2026-03-16' to date using format: dd/MM/yyyy"),
        (2, "d.net_amount", "abc", "Cannot convert 'abc' to amount"),
        (3, "h.doc_date", "2026-03-17", "Cannot convert '2026-03-17' to date using format: dd/MM/yyyy"),
        (3, "h.currency_rate", "-", "Cannot convert '-' to number"),
        (3, "d.quantity", "x", "Cannot convert 'x' to number"),
        (3, "d.net_amount", "10.123", "Amount '10.123' has more than 2 decimal places"),
        (4, "h.doc_date", "2026-03-31", "Cannot convert '2026-03-31' to date using format: dd/MM/yyyy"),
        (4, "d.net_amount", "(1,000.00)", "Journal does not balance: debits 0.00, credits 1000.00"),
    ]
    assert [w["message"] for w in report["warnings"]] == [
        "Dates in h.doc_date look like yyyy-MM-dd; set the option date_format=yyyy-MM-dd"]


def test_codes_lengths_and_required_cells(demo, run_import):
    report = run_import(table(
        sales("T-A", **{"h.contact_account": "NOPE", "d.tax_band": "HALF", "d.post.fund": "XX", "h.currency": "ZZZ"}),
        sales("T-B", **{"h.doc_type": "XXSTD", "h.legal_entity": "NOWHERE"}),
        sales("T-C", **{"d.account": "", "d.net_amount": "", "h.description": "d" * 251}),
        sales("", **{"h.doc_type": ""}),
        sales("R" * 51),
    ))
    assert errors(report) == [
        (2, "h.contact_account", "NOPE", "Contact account 'NOPE' does not exist"),
        (2, "h.currency", "ZZZ", "Currency 'ZZZ' does not exist"),
        (2, "d.tax_band", "HALF", "Tax band 'HALF' does not exist"),
        (2, "d.post.fund", "XX", "Fund 'XX' does not exist"),
        (3, "h.doc_type", "XXSTD", "Document type 'XXSTD' does not exist"),
        (3, "h.legal_entity", "NOWHERE", "Legal entity 'NOWHERE' does not exist"),
        (4, "h.description", "d" * 251, "Value for h.description is too long (251 characters, maximum 250)"),
        (4, "d.account", "", "d.account is required"),
        (4, "d.net_amount", "", "d.net_amount is required"),
        (5, "h.doc_ref", "", "h.doc_ref is required"),
        (5, "h.doc_type", "", "h.doc_type is required"),
        (6, "h.doc_ref", "R" * 51, "Value for h.doc_ref is too long (51 characters, maximum 50)"),
    ]
    assert counts(report, rows=5, errors=5)


def test_a_missing_mandatory_column_is_a_file_error(demo, run_import):
    report = run_import("h.doc_ref,h.doc_type,h.doc_date,d.account\r\nA,SISTD,16/03/2026,50600\r\n")
    assert report["status"] == "failed" and counts(report)
    assert errors(report) == [(1, "d.net_amount", None, "Missing mandatory column 'd.net_amount'")]


def test_the_legal_entity_option(demo, run_import):
    interface = Interface.objects.get(description="Document import")
    interface.config = {}
    interface.save()
    report = run_import(table(sales("T-A", **{"h.legal_entity": "KLT"})))
    assert report["status"] == "failed" and counts(report)
    assert errors(report) == [(None, None, None, "Interface configuration incomplete: legal_entity is not set")]
    report = run_import(table(sales("T-A")), "legal_entity=KPA")
    assert report["status"] == "succeeded" and L.Document.objects.get().legal_entity.code == "KPA"
    report = run_import(table(sales("T-B")), "legal_entity=NOPE")
    assert errors(report) == [(None, None, None, "Interface configuration incomplete: legal_entity 'NOPE' does not exist")]


def test_an_environment_with_one_legal_entity_needs_no_option(demo_db, run_import):
    harrier = Tenant.objects.get(slug="harrier")
    with scope.activate(harrier):
        interface_create(tenant=harrier, actor=None, description="Document import", kind="document_import")
        report = run_import(table(journal(**{"h.legal_entity": ""}), journal(net="-250.00", account="70100", **{"h.legal_entity": ""})),
                            tenant="harrier")
        assert report["status"] == "succeeded", report
        assert L.Document.objects.get().legal_entity.code == "HDA"
        assert L.Document.objects.get().batch_no == ""  # this interface has no batch series


# --- Export round trip and queries -----------------------------------------------------------------

def test_the_export_round_trip_is_unchanged(demo, run_import, tmp_path):
    run_import(SAMPLE.read_bytes())
    run_import(table(purchase("T-EUR", **{"h.contact_account": "FABRIKAM-DE", "d.quantity": "2.5"})), "full_import=true")
    path = tmp_path / "export.csv"
    call_command("export_data", "--tenant", "demo", "documents", "--output", str(path))
    report = run_import(path.read_bytes())
    assert report["status"] == "succeeded" and counts(report, rows=11, unchanged=6), report


def _dry_run_queries(run_import, documents):
    rows = []
    for n in range(documents):
        rows += [sales(f"Q-S-{n}"), sales(f"Q-S-{n}", **{"d.account": "50500", "d.post.department": ""}),
                 purchase(f"Q-P-{n}", **{"h.their_doc_no": f"Q-{n}"})]
    with CaptureQueriesContext(connection) as queries:
        report = run_import(table(*rows), dry_run=True)
    assert report["status"] == "succeeded" and report["counts"]["rows"] == 3 * documents, report
    return len(queries)


def test_the_check_pass_costs_the_same_queries_whatever_the_number_of_documents(demo, run_import):
    ContactAccount.objects.filter(code="DEMOSHIRE-CC").update(
        customer_department=L.Dimension.objects.get(code="ADMIN"))
    run_import(table(sales("Q-S-1"), purchase("Q-P-1", **{"h.their_doc_no": "Q-1"})))  # some exist already
    assert _dry_run_queries(run_import, 3) == _dry_run_queries(run_import, 30)


def test_a_document_the_ledger_refuses_at_write_time_fails_the_run_and_writes_nothing(demo, run_import):
    run_import(table(sales("T-A")))
    L.NumberSeries.objects.filter(code="SI").update(next_number=1)  # a series behind its numbers
    report = run_import(table(purchase("T-P"), sales("T-B")))
    assert report["status"] == "failed"
    assert report["message"] == ("Document 'T-B' (row 3) could not be written: Document number SI000001 is already used; "
                                 "check the next number of series SI. Nothing was imported.")
    assert list(L.Document.objects.values_list("doc_ref", flat=True)) == ["T-A"]
