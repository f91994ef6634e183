"""Factories for contact accounts and notes, and the ledger reference data they need (the part
of demo-data §5-§8 and §11 that contacts use), created directly with the scope disabled.

A tenant-owned object takes its tenant from its parent, so a test cannot build a cross-tenant
graph by accident."""

import datetime

import factory
from django.utils import timezone

from finance.contacts.models import ContactAccount, Note, NoteCategory
from finance.ledger.models import Currency, Dimension, DimensionKind, NumberSeries, PaymentMethod, PaymentTerm, TaxAuthority
from finance.tenancy import scope

from ..factories import CurrencyFactory, ScopedFactory, TenantFactory


class NoteCategoryFactory(ScopedFactory):
    class Meta:
        model = NoteCategory
        django_get_or_create = ("tenant", "code")

    tenant = factory.SubFactory(TenantFactory)
    code = "GENERAL"
    name = "General"
    is_default = True


class ContactAccountFactory(ScopedFactory):
    class Meta:
        model = ContactAccount

    tenant = factory.SubFactory(TenantFactory)
    code = factory.Sequence(lambda n: f"CONTACT-{n}")
    is_supplier = True
    company_name = factory.Sequence(lambda n: f"Example Supplies {n} Ltd")
    account_description = factory.SelfAttribute("company_name")
    contact_description = factory.SelfAttribute("company_name")
    currency = factory.SubFactory(CurrencyFactory, tenant=factory.SelfAttribute("..tenant"))


class NoteFactory(ScopedFactory):
    class Meta:
        model = Note

    contact = factory.SubFactory(ContactAccountFactory)
    tenant = factory.SelfAttribute("contact.tenant")
    note_date = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    subject = factory.Sequence(lambda n: f"Note {n}")
    body = "Called about the last invoice."
    category = factory.SubFactory(NoteCategoryFactory, tenant=factory.SelfAttribute("..tenant"))


CURRENCIES = [("GBP", "Pound sterling", True), ("EUR", "Euro", False), ("USD", "US dollar", False)]
PAYMENT_TERMS = [("IMM", "Immediate", 0, False), ("14D", "14 days", 14, False), ("30D", "30 days", 30, True),
                 ("60D", "60 days", 60, False), ("EOM30", "30 days after month end", 30, False)]
PAYMENT_METHODS = [("BACS", "BACS"), ("CHQ", "Cheque"), ("DD", "Direct debit"), ("CARD", "Card"), ("FP", "Faster payment")]
DIMENSIONS = [
    (DimensionKind.PROJECT, "ROOF26", "Roof replacement 2026"),
    (DimensionKind.PROJECT, "TRIP26", "Year 6 residential trip 2026"),
    (DimensionKind.DEPARTMENT, "ADMIN", "Administration"),
    (DimensionKind.COST_CENTRE, "PRI", "Primary academy"),
]


def ledger_reference(tenant):
    """The ledger reference data contacts refer to: currencies, HMRC, terms, methods,
    a few dimensions and the CONTACT number series."""
    with scope.disabled():
        for code, name, is_base in CURRENCIES:
            Currency.objects.get_or_create(tenant=tenant, code=code, defaults={"name": name, "is_base": is_base})
        TaxAuthority.objects.get_or_create(tenant=tenant, code="HMRC", defaults={"name": "HM Revenue & Customs", "country_code": "GB"})
        for code, name, days, is_default in PAYMENT_TERMS:
            PaymentTerm.objects.get_or_create(
                tenant=tenant, code=code,
                defaults={"name": name, "days": days, "is_default": is_default, "from_month_end": code == "EOM30"},
            )
        for code, name in PAYMENT_METHODS:
            PaymentMethod.objects.get_or_create(tenant=tenant, code=code, defaults={"name": name})
        for kind, code, name in DIMENSIONS:
            Dimension.objects.get_or_create(tenant=tenant, kind=kind, code=code, defaults={"name": name})
        NumberSeries.objects.get_or_create(tenant=tenant, code="CONTACT", defaults={"name": "Contact codes", "prefix": "AC", "digits": 6})
    return tenant


def note_time(year=2026, month=3, day=5, hour=10, minute=15):
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))
