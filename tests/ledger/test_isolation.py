"""Two environments with the same codes never see or use each other's rows."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.audit.models import Event
from finance.ledger import models as m
from finance.ledger import services as s
from finance.tenancy import scope

from .factories import ContactAccountFactory, document_kwargs, line, seeded_tenant


@pytest.fixture
def other(ledger):
    """A second seeded environment with a contact of the same code as the first's customer."""
    tenant = seeded_tenant(name="Harrier Test Academy", slug="harrier-test")
    ContactAccountFactory(tenant=tenant, code="DEMOSHIRE-CC", is_customer=True)
    return tenant


def test_the_same_codes_resolve_to_each_tenants_own_rows(ledger, other):
    mine = s.document_create(**document_kwargs(ledger))
    with scope.activate(other):
        theirs = s.document_create(**document_kwargs(ledger, tenant=other))
        s.document_post(document=theirs, actor=None)
        assert theirs.doc_no == mine.doc_no == "SI000001"
        assert {p.account.tenant_id for p in m.Posting.objects.filter(document=theirs)} == {other.pk}
        assert theirs.contact.tenant_id == other.pk and theirs.legal_entity.tenant_id == other.pk
        assert list(m.Document.objects.all()) == [theirs]
    assert list(m.Document.objects.all()) == [mine]
    assert m.Posting.objects.count() == 0
    assert m.NumberSeries.objects.get(code="SI").next_number == 2


def test_another_tenants_objects_are_refused_like_missing_codes(ledger, other):
    with scope.disabled():
        foreign_account = m.NominalAccount.objects.get(tenant=other, code="50600")
        foreign_band = m.TaxBand.objects.get(tenant=other, code="STANDARD")
    before = m.Document.objects.count(), Event.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        s.document_create(**document_kwargs(ledger, lines=[line(foreign_account, tax_band=foreign_band)]))
    assert excinfo.value.message_dict == {
        "lines[1].account": ["Account '50600' does not exist"],
        "lines[1].tax_band": ["Tax band 'STANDARD' does not exist"],
    }
    assert (m.Document.objects.count(), Event.objects.count()) == before


def test_a_service_for_one_tenant_refuses_to_run_inside_anothers_scope(ledger, other):
    doc = s.document_create(**document_kwargs(ledger))
    with scope.activate(other), pytest.raises(scope.ScopeError):
        s.document_post(document=doc, actor=None)
    with scope.activate(other), pytest.raises(scope.ScopeError):
        s.series_next(series=doc.doc_type.series)
    assert m.Document.objects.get(pk=doc.pk).status == "draft"
    assert m.NumberSeries.objects.get(code="SI").next_number == 2


def test_rates_and_periods_are_read_from_the_tenant_asked_about(ledger, other):
    with scope.activate(other):
        s.period_set_status(legal_entity=m.LegalEntity.objects.get(code="KLT"), period="2025/26 P02", is_open=False, actor=None)
        s.exchange_rate_create(tenant=other, currency="EUR", effective_from=date(2025, 10, 1), rate="2")
    # Closing KLT's period in the other environment leaves this environment's KLT open.
    assert s.document_create(**document_kwargs(ledger)).status == "draft"
    assert s.rate_for(tenant=ledger.tenant, currency="EUR", on_date=date(2025, 10, 15)) == Decimal("1.17")
    with scope.activate(other):
        assert s.rate_for(tenant=other, currency="EUR", on_date=date(2025, 10, 15)) == Decimal("2")


def test_a_service_called_without_a_scope_runs_in_its_own_tenant(ledger, other):
    with scope.disabled():
        doc = s.document_create(**document_kwargs(ledger, tenant=other))
    with scope.activate(other):
        assert m.Document.objects.get().pk == doc.pk
    assert not m.Document.objects.filter(pk=doc.pk).exists()
