import pytest

from finance.accounts.models import ApiKey
from finance.tenancy import scope
from finance.tenancy.models import Membership
from finance.tenancy.tasks import TenantTask, worker_check
from finance.audit.models import Event

from ..factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_tenant_owned_query_without_an_active_tenant_raises(world_a):
    with pytest.raises(scope.ScopeError, match="no tenant is active"):
        list(Membership.objects.all())
    with pytest.raises(scope.ScopeError):
        ApiKey.objects.count()


def test_the_active_tenant_filters_every_query(world_a, world_b):
    with scope.activate(world_a.tenant):
        tenants = set(Membership.objects.values_list("tenant_id", flat=True))
        assert tenants == {world_a.tenant.pk}
        assert Membership.objects.filter(pk=world_b.owner.pk).count() == 0
    with scope.activate(world_b.tenant):
        assert Membership.objects.count() == 3


def test_the_scope_can_be_disabled_on_purpose(world_a, world_b):
    with scope.disabled():
        assert Membership.objects.count() == 6
    with pytest.raises(scope.ScopeError):
        Membership.objects.count()


def test_saving_another_tenants_row_inside_a_scope_is_refused(world_a, world_b):
    with scope.activate(world_a.tenant), pytest.raises(scope.ScopeError, match="another tenant"):
        Membership(tenant=world_b.tenant, user=world_a.owner.user, role="admin").save()
    with scope.disabled():
        assert not Membership.objects.filter(tenant=world_b.tenant, user=world_a.owner.user).exists()


def test_scopes_nest_and_restore(world_a, world_b):
    with scope.activate(world_a.tenant):
        with scope.activate(world_b.tenant):
            assert scope.current() == world_b.tenant
        assert scope.current() == world_a.tenant
    assert scope.current() is None


def test_a_tenant_task_runs_inside_the_tenant_of_its_arguments(world_a, world_b):
    worker_check.apply(kwargs={"tenant_id": world_b.tenant.pk, "token": "t-1"}).get()
    with scope.activate(world_b.tenant):
        event = Event.objects.get(action="worker.checked")
    assert event.after == {"token": "t-1"}
    with scope.activate(world_a.tenant):
        assert not Event.objects.filter(action="worker.checked").exists()


def test_a_tenant_task_without_a_tenant_refuses_to_run(world_a):
    result = worker_check.apply(kwargs={"token": "x"})
    assert result.failed()
    assert isinstance(result.result, scope.ScopeError)
    assert "needs a tenant_id" in str(result.result)
    assert isinstance(worker_check._get_current_object(), TenantTask)


def test_a_tenant_task_for_an_environment_that_no_longer_exists_does_nothing(world_a, caplog):
    result = worker_check.apply(kwargs={"tenant_id": 987654, "token": "gone"})
    assert result.successful() and result.result is None
    assert "environment 987654 skipped: the environment no longer exists" in caplog.text
    with scope.disabled():
        assert not Event.objects.filter(action="worker.checked").exists()


def test_factories_never_cross_tenants(world_a):
    member = MembershipFactory(tenant=world_a.tenant)
    with scope.activate(world_a.tenant):
        assert Membership.objects.filter(pk=member.pk).exists()
