import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from finance.ledger.models import ArchivePosting, Posting
from finance.tenancy import scope

from ..factories import BankStatementLineFactory, NominalAccountFactory

pytestmark = pytest.mark.django_db


def _csv(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_a_bank_account_shows_its_statements_and_a_statement_its_lines(owner_client, world_a, world_b):
    f = world_a.finance
    account_page = owner_client.get(reverse("banking:account", kwargs={"tenant_slug": "alpha", "bankaccount_id": f["bank_account"].uuid}))
    html = account_page.content.decode()
    assert f["bank_account"].code in html and "01/10/2025 – 31/10/2025" in html
    BankStatementLineFactory(statement=f["statement"], description="Uniform sales", amount=Decimal("-40.00"))
    url = reverse("banking:statement", kwargs={"tenant_slug": "alpha", "bankaccount_id": f["bank_account"].uuid, "bankstatement_id": f["statement"].uuid})
    lines = owner_client.get(url).content.decode()
    assert "Lettings income" in lines and "Uniform sales" in lines
    money_out = owner_client.get(url, {"direction": "out"}).content.decode()
    assert "Uniform sales" in money_out and "Lettings income" not in money_out


def test_a_statement_under_another_account_is_404(owner_client, world_a):
    f = world_a.finance
    other = BankStatementLineFactory(statement__bank_account__legal_entity=f["legal_entity"]).statement
    url = reverse("banking:statement", kwargs={"tenant_slug": "alpha", "bankaccount_id": f["bank_account"].uuid, "bankstatement_id": other.uuid})
    assert owner_client.get(url).status_code == 404


def test_statement_lines_export_in_the_canonical_statement_layout(owner_client, world_a):
    f = world_a.finance
    url = reverse("banking:statement", kwargs={"tenant_slug": "alpha", "bankaccount_id": f["bank_account"].uuid, "bankstatement_id": f["statement"].uuid})
    rows = _csv(owner_client.get(url, {"format": "csv"}))
    assert rows[0] == ["bank_account", "date", "value_date", "amount", "currency", "description", "reference", "type", "cheque_no", "transaction_id", "balance"]
    assert rows[1][:6] == [f["bank_account"].code, "02/10/2025", "", "125.00", "GBP", "Lettings income"]


def test_a_document_shows_its_lines_and_postings(owner_client, world_a):
    f = world_a.finance
    doc = f["document"]
    account = NominalAccountFactory(tenant=world_a.tenant, code="21000", name="Bank", account_class="BS", account_type="bank")
    with scope.disabled():
        from finance.ledger.models import DocumentLine, FinancialYear, Period

        year = FinancialYear.objects.create(tenant=world_a.tenant, group=f["legal_entity"].year_group, code="2025/26", start="2025-09-01", end="2026-08-31")
        period = Period.objects.create(tenant=world_a.tenant, year=year, number=2, code="2025/26 P02", start="2025-10-01", end="2025-10-31")
        DocumentLine.objects.create(tenant=world_a.tenant, document=doc, line_no=1, account=f["nominal"], net_amount=Decimal("250.00"))
        DocumentLine.objects.create(tenant=world_a.tenant, document=doc, line_no=2, account=account, net_amount=Decimal("-250.00"))
        for seq, (acc, amount) in enumerate([(f["nominal"], "250.00"), (account, "-250.00")], 1):
            Posting.objects.create(tenant=world_a.tenant, legal_entity=f["legal_entity"], document=doc, seq=seq, kind="line", period=period,
                                   date=doc.doc_date, account=acc, currency=doc.currency, amount=Decimal(amount), base_amount=Decimal(amount), posted_at="2025-10-01T10:00Z")
    html = owner_client.get(reverse("ledger:document", kwargs={"tenant_slug": "alpha", "document_id": doc.uuid})).content.decode()
    assert doc.doc_no in html and "2025/26 P02" in html and "21000 Bank" in html
    nominal = owner_client.get(reverse("ledger:nominal", kwargs={"tenant_slug": "alpha", "nominalaccount_id": account.uuid})).content.decode()
    assert doc.doc_no in nominal and "-250.00" in nominal


def test_nominal_accounts_filter_by_class(owner_client, world_a):
    NominalAccountFactory(tenant=world_a.tenant, code="50100", name="General Annual Grant", account_class="IN", account_type="income")
    html = owner_client.get("/alpha/nominal-accounts/", {"account_class": "IN"}).content.decode()
    assert "General Annual Grant" in html and "Educational supplies" not in html


def test_the_archive_gl_lists_documents_and_exports_their_postings(owner_client, world_a):
    doc = world_a.finance["archive"]
    with scope.disabled():
        for seq, (kind, amount) in enumerate([("line", "-100.00"), ("vat", "-20.00"), ("control", "120.00")], 1):
            ArchivePosting.objects.create(tenant=world_a.tenant, document=doc, seq=seq, kind=kind, account_code="4000",
                                          currency_amount=Decimal(amount), base_amount=Decimal(amount), line_no=1 if kind == "line" else None)
    assert doc.doc_no in owner_client.get("/alpha/archive-gl/").content.decode()
    detail = owner_client.get(reverse("ledger:archive_document", kwargs={"tenant_slug": "alpha", "archivedocument_id": doc.uuid}))
    assert "120.00" in detail.content.decode()
    rows = _csv(owner_client.get("/alpha/archive-gl/", {"format": "csv"}))
    assert rows[0][:3] == ["legal_entity", "source_app", "run"] and len(rows) == 4
    assert sum(Decimal(r[rows[0].index("base_amount")]) for r in rows[1:]) == 0
    assert [r[rows[0].index("posting_kind")] for r in rows[1:]] == ["line", "vat", "control"]


def test_read_only_members_can_read_every_finance_page(viewer_client, world_a):
    for name in ("ledger:documents", "ledger:nominals", "ledger:archive", "banking:accounts", "audit:events"):
        assert viewer_client.get(reverse(name, kwargs={"tenant_slug": "alpha"})).status_code == 200


def test_a_bank_account_with_a_bad_iban_or_sort_code_is_refused_with_the_shared_messages(world_a):
    from django.core.exceptions import ValidationError

    from finance.banking.models import BankAccount
    from finance.banking.services import bank_account_create

    f = world_a.finance
    base = {"tenant": world_a.tenant, "actor": None, "code": "NEW-1", "name": "New", "legal_entity": f["legal_entity"],
            "bank_name": "Barclays", "currency": f["bank_account"].currency, "nominal_account": f["bank_account"].nominal_account}
    with scope.activate(world_a.tenant):
        with pytest.raises(ValidationError, match="Invalid IBAN"):
            bank_account_create(**base, iban="GB00DEMO20990110000003")
        with pytest.raises(ValidationError) as info:
            bank_account_create(**base, sort_code="20-99", account_no="10000001")
        assert "sort_code" in info.value.message_dict
        assert not BankAccount.objects.filter(code="NEW-1").exists()
        account = bank_account_create(**base, sort_code="209901", account_no="10000009")
    assert account.sort_code == "20-99-01"
