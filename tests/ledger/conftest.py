"""A seeded environment with its scope active, and its usual contacts: a GBP customer, a GBP
supplier, a euro supplier and a contact that is both."""

from dataclasses import dataclass

import pytest

from finance.audit.models import Event
from finance.ledger.models import Document, DocumentLine, Posting
from finance.tenancy import scope

from .factories import ContactAccountFactory, seeded_tenant, currency_of


@dataclass
class Ledger:
    tenant: object
    customer: object
    supplier: object
    euro_supplier: object


@pytest.fixture
def ledger(db):
    tenant = seeded_tenant(name="Kestrel Test Trust", slug="kestrel")
    world = Ledger(
        tenant=tenant,
        customer=ContactAccountFactory(tenant=tenant, code="DEMOSHIRE-CC", is_customer=True),
        supplier=ContactAccountFactory(tenant=tenant, code="ACME-STAT", is_supplier=True),
        euro_supplier=ContactAccountFactory(
            tenant=tenant, code="FABRIKAM-DE", is_supplier=True, currency=currency_of(tenant, "EUR")
        ),
    )
    with scope.activate(tenant):
        yield world


def counts():
    """Rows a failed service call must not have written (inside the active scope)."""
    return (Document.objects.count(), DocumentLine.objects.count(), Posting.objects.count(), Event.objects.count())
