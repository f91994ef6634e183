"""Ledger test data: a tenant seeded with the demo reference data, and contact accounts that take
their tenant (and its GBP) from the environment they are made for."""

from datetime import date

import factory

from finance.contacts.models import ContactAccount
from finance.ledger.demo import seed_ledger
from finance.ledger.models import Currency
from finance.tenancy import scope
from tests.factories import ScopedFactory, TenantFactory


def currency_of(tenant, code):
    with scope.disabled():
        return Currency.objects.get(tenant=tenant, code=code)


class ContactAccountFactory(ScopedFactory):
    class Meta:
        model = ContactAccount

    tenant = factory.SubFactory(TenantFactory)
    code = factory.Sequence(lambda n: f"CONTACT-{n}")
    account_description = factory.LazyAttribute(lambda o: f"{o.code} Ltd")
    company_name = factory.SelfAttribute("account_description")
    currency = factory.LazyAttribute(lambda o: currency_of(o.tenant, "GBP"))


def seeded_tenant(**kwargs):
    """A new environment with the ledger part of the demo data (legal entities KLT, KPA, KHA, KTL)."""
    tenant = TenantFactory(**kwargs)
    seed_ledger(tenant=tenant, out=lambda *args: None)
    return tenant


DIMS = {"department": "ADMIN", "cost_centre": "CEN", "fund": "UNR"}
# A date in the open year 2025/26 (period P02).
OPEN_DATE = date(2025, 10, 15)

# For each demo document type: its contact fixture attribute and a line account the type may use.
TYPE_DEFAULTS = {
    "SISTD": ("customer", "50600"),
    "SCSTD": ("customer", "50600"),
    "PISTD": ("supplier", "70100"),
    "PCSTD": ("supplier", "70100"),
}


def line(account="50600", net="100.00", tax_band="STANDARD", **fields):
    return {"account": account, "net_amount": net, "tax_band": tax_band, **DIMS, **fields}


def document_kwargs(ledger, doc_type="SISTD", **overrides):
    """Valid keyword arguments for document_create: one standard-rated line of 100.00 in KLT."""
    if doc_type == "JNSTD":
        kwargs = {
            "lines": [
                {"account": "70100", "net_amount": "250.00", **DIMS},
                {"account": "21000", "net_amount": "-250.00"},
            ],
        }
    else:
        contact, account = TYPE_DEFAULTS[doc_type]
        kwargs = {"contact": getattr(ledger, contact).code, "lines": [line(account)]}
        if doc_type.startswith("P"):
            kwargs["their_doc_no"] = f"INV-{next(_their_numbers)}"
    kwargs = {"tenant": ledger.tenant, "actor": None, "legal_entity": "KLT", "doc_type": doc_type, "doc_date": OPEN_DATE} | kwargs
    return kwargs | overrides


_their_numbers = iter(range(1000, 10**6))
