"""factory-boy factories. A tenant-owned object takes its tenant from its parent, so a test
cannot build a cross-tenant graph by accident."""

import factory
from django.utils import timezone

from finance.accounts.models import ApiKey, User, hash_api_key
from finance.tenancy import scope
from finance.tenancy.models import Membership, Tenant
from finance.tenancy.roles import Role
from interfaces.models import Interface

PASSWORD = "Test-Password-4-Everyone"


class ScopedFactory(factory.django.DjangoModelFactory):
    """Creates tenant-owned rows with the scope disabled; tests then read them inside a scope."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with scope.disabled():
            return super()._create(model_class, *args, **kwargs)


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Environment {n}")
    slug = factory.Sequence(lambda n: f"env-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(ScopedFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.ADMIN


class ApiKeyFactory(ScopedFactory):
    class Meta:
        model = ApiKey

    membership = factory.SubFactory(MembershipFactory)
    tenant = factory.SelfAttribute("membership.tenant")
    description = "Test key"
    prefix = factory.Sequence(lambda n: f"{n:08x}")
    key_hash = factory.LazyAttribute(lambda o: hash_api_key(f"fik_{o.prefix}_secret"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=90))


class InterfaceFactory(ScopedFactory):
    class Meta:
        model = Interface

    tenant = factory.SubFactory(TenantFactory)
    description = factory.Sequence(lambda n: f"Interface {n}")
    kind = "contact_import"


# --- Finance objects (minimal graphs for page and isolation tests) -------------------------------

from datetime import date  # noqa: E402
from decimal import Decimal  # noqa: E402

from finance.banking.models import BankAccount, BankStatement, BankStatementLine  # noqa: E402
from finance.ledger import models as ledger  # noqa: E402


class CurrencyFactory(ScopedFactory):
    class Meta:
        model = ledger.Currency
        django_get_or_create = ("tenant", "code")

    tenant = factory.SubFactory(TenantFactory)
    code = "GBP"
    name = "Pound sterling"
    is_base = True


class YearGroupFactory(ScopedFactory):
    class Meta:
        model = ledger.FinancialYearGroup
        django_get_or_create = ("tenant", "code")

    tenant = factory.SubFactory(TenantFactory)
    code = "ACADEMIC"
    name = "Academy year"


class LegalEntityFactory(ScopedFactory):
    class Meta:
        model = ledger.LegalEntity
        django_get_or_create = ("tenant", "code")

    tenant = factory.SubFactory(TenantFactory)
    code = "KLT"
    name = "Test Learning Trust"
    base_currency = factory.SubFactory(CurrencyFactory, tenant=factory.SelfAttribute("..tenant"))
    year_group = factory.SubFactory(YearGroupFactory, tenant=factory.SelfAttribute("..tenant"))


class NominalAccountFactory(ScopedFactory):
    class Meta:
        model = ledger.NominalAccount
        django_get_or_create = ("tenant", "code")

    tenant = factory.SubFactory(TenantFactory)
    code = "70100"
    name = "Educational supplies"
    account_class = "EX"
    account_type = "expenditure"


class DocumentFactory(ScopedFactory):
    class Meta:
        model = ledger.Document

    legal_entity = factory.SubFactory(LegalEntityFactory)
    tenant = factory.SelfAttribute("legal_entity.tenant")
    doc_type = factory.LazyAttribute(lambda o: _document_type(o.tenant))
    doc_no = factory.Sequence(lambda n: f"JN{n:06d}")
    doc_ref = factory.LazyAttribute(lambda o: o.doc_no)
    doc_date = date(2025, 10, 1)
    tax_date = date(2025, 10, 1)
    currency = factory.SelfAttribute("legal_entity.base_currency")


def _document_type(tenant):
    with scope.disabled():
        series, _ = ledger.NumberSeries.objects.get_or_create(tenant=tenant, code="JN", defaults={"name": "Journals", "prefix": "JN"})
        doc_type, _ = ledger.DocumentType.objects.get_or_create(
            tenant=tenant, code="JNSTD", defaults={"name": "Journal: Standard", "family": "journal", "series": series}
        )
    return doc_type


class BankAccountFactory(ScopedFactory):
    class Meta:
        model = BankAccount

    legal_entity = factory.SubFactory(LegalEntityFactory)
    tenant = factory.SelfAttribute("legal_entity.tenant")
    code = factory.Sequence(lambda n: f"BARC-{n}")
    name = "Current account"
    bank_name = "Barclays"
    sort_code = "20-99-01"
    account_no = factory.Sequence(lambda n: f"{10000000 + n}")
    currency = factory.SelfAttribute("legal_entity.base_currency")
    nominal_account = factory.SubFactory(
        NominalAccountFactory, tenant=factory.SelfAttribute("..tenant"), code="21000", name="Bank", account_class="BS", account_type="bank"
    )


class BankStatementFactory(ScopedFactory):
    class Meta:
        model = BankStatement

    bank_account = factory.SubFactory(BankAccountFactory)
    tenant = factory.SelfAttribute("bank_account.tenant")
    from_date = date(2025, 10, 1)
    to_date = date(2025, 10, 31)
    line_count = 1


class BankStatementLineFactory(ScopedFactory):
    class Meta:
        model = BankStatementLine

    statement = factory.SubFactory(BankStatementFactory)
    tenant = factory.SelfAttribute("statement.tenant")
    bank_account = factory.SelfAttribute("statement.bank_account")
    seq = factory.Sequence(lambda n: n)
    date = date(2025, 10, 2)
    amount = Decimal("125.00")
    currency = factory.SelfAttribute("bank_account.currency")
    description = "Lettings income"
    dedupe_key = factory.Sequence(lambda n: f"fp:{n}")


class ArchiveDocumentFactory(ScopedFactory):
    class Meta:
        model = ledger.ArchiveDocument

    legal_entity = factory.SubFactory(LegalEntityFactory)
    tenant = factory.SelfAttribute("legal_entity.tenant")
    doc_type = "SIN"
    doc_no = factory.Sequence(lambda n: f"SIN{n:06d}")
    doc_date = date(2019, 5, 1)
    year = 2019
    period = 5
    currency_code = "GBP"
