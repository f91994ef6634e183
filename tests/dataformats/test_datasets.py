"""Export rows of documents and notes, on the seeded demo environment."""

import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from finance.contacts.models import ContactAccount
from finance.contacts.services import note_create
from finance.dataformats.datasets import DATASETS
from finance.ledger import models as L
from finance.ledger.services import document_create
from finance.tenancy import scope
from finance.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "Demo-password-for-tests-1")
    call_command("seed_demo", stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="demo")
    with scope.activate(tenant):
        yield tenant


def _rows(name, tenant):
    dataset = DATASETS[name]
    return list(dataset.rows(dataset.all(), tenant))


def test_a_sales_invoice_exports_one_row_per_line_with_the_header_repeated(demo):
    document_create(
        tenant=demo, actor=None, legal_entity=L.LegalEntity.objects.get(code="KLT"),
        doc_type=L.DocumentType.objects.get(code="SISTD"), doc_ref="INV-1", contact=ContactAccount.objects.get(code="DEMOSHIRE-CC"),
        doc_date=date(2025, 10, 6),
        lines=[
            {"account": "50600", "net_amount": Decimal("100.00"), "tax_band": "STANDARD", "department": "PREM", "cost_centre": "CEN", "fund": "UNR"},
            {"account": "50600", "net_amount": Decimal("10.03"), "tax_band": "STANDARD", "tax_amount": Decimal("2.00"), "quantity": Decimal("2.5"),
             "department": "PREM", "cost_centre": "CEN", "fund": "UNR"},
        ],
    )
    rows = _rows("documents", demo)
    assert len(rows) == 2
    first, second = rows
    assert first["h.doc_ref"] == second["h.doc_ref"] == "INV-1"
    assert first["h.doc_date"] == "06/10/2025" and first["h.due_date"] == "05/11/2025"  # 30D
    assert first["h.currency_rate"] == "" and first["h.total_net"] == "110.03" and first["h.total_tax"] == "22.00"
    assert first["d.tax_amount"] == "20.00" and second["d.tax_amount"] == "2.00" and second["d.quantity"] == "2.5"
    assert first["d.quantity"] == "1" and first["d.post.fund"] == "UNR"


def test_a_journal_exports_its_blank_columns_and_a_zero_net_total(demo):
    document_create(
        tenant=demo, actor=None, legal_entity=L.LegalEntity.objects.get(code="KHA"), doc_type=L.DocumentType.objects.get(code="JNSTD"),
        doc_ref="JNL-1", doc_date=date(2025, 10, 6),
        lines=[{"account": "21000", "net_amount": Decimal("250.00")}, {"account": "30900", "net_amount": Decimal("-250.00")}],
    )
    rows = _rows("documents", demo)
    assert [r["d.net_amount"] for r in rows] == ["250.00", "-250.00"]
    assert all(r["h.total_net"] == "0.00" and r["h.total_tax"] == "" and r["d.tax_band"] == "" and r["h.due_date"] == "" for r in rows)


def test_notes_export_local_datetimes_and_the_category(demo):
    contact = ContactAccount.objects.get(code="ACME-STAT")
    note_create(contact=contact, actor=None, note_date=datetime(2026, 3, 30, 9, 15, tzinfo=ZoneInfo("Europe/London")),
                body="Called about invoice", follow_up_date=date(2026, 4, 2))
    [row] = _rows("notes", demo)
    assert row["note_date"] == "30/03/2026 09:15" and row["follow_up_date"] == "02/04/2026"
    assert row["category"] == "GENERAL" and row["contact_account"] == "ACME-STAT"
