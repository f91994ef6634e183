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
