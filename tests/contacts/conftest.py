import pytest

from finance.contacts import demo
from finance.tenancy import scope

from .factories import ledger_reference


def with_references(tenant):
    """The ledger reference data and the §9 contact reference data, in `tenant`."""
    ledger_reference(tenant)
    with scope.disabled():
        for _, model, entries in demo.REFERENCES:
            for code, name, is_default in entries:
                model.objects.get_or_create(tenant=tenant, code=code, defaults={"name": name} | (
                    {"is_default": is_default} if is_default else {}))
    return tenant


@pytest.fixture
def tenant(world_a):
    return with_references(world_a.tenant)


@pytest.fixture
def other_tenant(world_b):
    return with_references(world_b.tenant)


@pytest.fixture
def scoped(tenant):
    """Tenant A with its reference data, active for the whole test (services read in scope)."""
    with scope.activate(tenant):
        yield tenant
