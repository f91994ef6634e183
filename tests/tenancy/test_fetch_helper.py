import uuid

import pytest
from django.http import Http404

from finance.tenancy import scope
from finance.tenancy.models import Membership
from finance.tenancy.shortcuts import get_for_tenant

pytestmark = pytest.mark.django_db


def _message(callable_):
    with pytest.raises(Http404) as info:
        callable_()
    return str(info.value)


def test_it_returns_the_tenants_own_object(world_a):
    with scope.activate(world_a.tenant):
        assert get_for_tenant(Membership, world_a.tenant, uuid=world_a.owner.uuid) == world_a.owner


def test_another_tenants_object_a_missing_one_and_a_malformed_id_look_the_same(world_a, world_b):
    with scope.activate(world_b.tenant):
        foreign = _message(lambda: get_for_tenant(Membership, world_b.tenant, uuid=world_a.owner.uuid))
        missing = _message(lambda: get_for_tenant(Membership, world_b.tenant, uuid=uuid.uuid4()))
        malformed = _message(lambda: get_for_tenant(Membership, world_b.tenant, uuid="not-a-uuid"))
    assert foreign == missing == malformed == "Not found"


def test_it_filters_on_the_given_tenant_even_when_the_scope_is_disabled(world_a, world_b):
    with scope.disabled():
        with pytest.raises(Http404):
            get_for_tenant(Membership.objects.all(), world_b.tenant, uuid=world_a.owner.uuid)


def test_without_a_tenant_it_is_404(world_a):
    with pytest.raises(Http404):
        get_for_tenant(Membership, None, uuid=world_a.owner.uuid)
