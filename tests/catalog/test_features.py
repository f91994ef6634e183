import pytest
from django.urls import reverse

from finance.audit.models import Event
from finance.catalog import services
from finance.catalog.models import Feature
from finance.catalog.selectors import feature_enabled
from finance.catalog.signals import feature_disabled
from finance.tenancy import scope
from interfaces import kinds
from interfaces.forms import InterfaceNewForm
from interfaces.kinds import Kind
from interfaces.services import RunRequestError, run_request

from ..conftest import client_for
from ..factories import InterfaceFactory


class Planner(Kind):
    key = "test_planner"
    label = "Test planner"
    feature = "imp_planner"

    def execute(self, ctx):
        pass


@pytest.fixture
def planner():
    kind = kinds.register(Planner)
    yield kind
    kinds.unregister(kind.key)


def _url(world, name, **kwargs):
    return reverse(f"catalog:{name}", kwargs={"tenant_slug": world.tenant.slug, **kwargs})


def _feature(world, key="imp_planner", enabled=False):
    with scope.disabled():
        return Feature.objects.create(tenant=world.tenant, key=key, enabled=enabled)


def test_a_kind_without_a_feature_is_always_available(world_a):
    assert feature_enabled(world_a.tenant, kinds.get("contact_import"))


def test_new_offers_a_feature_kind_only_when_catalogued_and_enabled(world_a, planner):
    with scope.activate(world_a.tenant):
        offered = dict(InterfaceNewForm(tenant=world_a.tenant).fields["kind"].choices)
        assert "test_planner" not in offered and "contact_import" in offered
    feature = _feature(world_a)  # catalogued, still off
    with scope.activate(world_a.tenant):
        assert "test_planner" not in dict(InterfaceNewForm(tenant=world_a.tenant).fields["kind"].choices)
        feature.enabled = True
        feature.save()
        assert "test_planner" in dict(InterfaceNewForm(tenant=world_a.tenant).fields["kind"].choices)


def test_new_refuses_a_posted_kind_whose_feature_is_off(world_a, owner_client, planner):
    response = owner_client.post(reverse("interfaces:new", kwargs={"tenant_slug": "alpha"}),
                                 {"kind": "test_planner", "description": "Planner"})
    assert response.status_code == 400


def test_run_request_refuses_a_kind_whose_feature_is_off(world_a, planner):
    interface = InterfaceFactory(tenant=world_a.tenant, kind="test_planner", description="Planner")
    with scope.activate(world_a.tenant), pytest.raises(RunRequestError) as caught:
        run_request(interface=interface, actor=world_a.owner.user, trigger="browser", enqueue=False)
    assert str(caught.value) == ("IMP Planner is not enabled in this environment: an administrator can turn it on in "
                                 "Environment defaults -> Features.")
    _feature(world_a, enabled=True)
    with scope.activate(world_a.tenant):
        run = run_request(interface=interface, actor=world_a.owner.user, trigger="browser", enqueue=False)
    assert run.pk


def test_another_environments_feature_does_not_count(world_a, world_b, planner):
    _feature(world_b, enabled=True)
    assert not feature_enabled(world_a.tenant, planner)
    assert feature_enabled(world_b.tenant, planner)


def test_admin_adds_a_feature_and_the_event_log_has_it(world_a, owner_client):
    response = owner_client.post(_url(world_a, "features"), {"key": "imp_planner"})
    assert response.status_code == 302
    with scope.activate(world_a.tenant):
        feature = Feature.objects.get(key="imp_planner")
        assert not feature.enabled and feature.added_by == world_a.owner.user
        event = Event.objects.get(action="feature.added")
    assert event.before is None and event.after == {"key": "imp_planner", "enabled": False}
    assert owner_client.post(_url(world_a, "features"), {"key": "imp_planner"}).status_code == 400  # already there


def test_switching_on_and_off_is_logged_and_off_needs_a_reason(world_a, owner_client):
    feature = _feature(world_a)
    url = _url(world_a, "feature_switch", feature_id=feature.uuid)
    assert owner_client.post(url, {"enabled": "on"}).status_code == 302
    feature.refresh_from_db()
    assert feature.enabled and feature.changed_by == world_a.owner.user
    response = owner_client.post(url, {"reason": ""})
    assert response.status_code == 400
    feature.refresh_from_db()
    assert feature.enabled
    assert owner_client.post(url, {"reason": "Contract ended"}).status_code == 302
    feature.refresh_from_db()
    assert not feature.enabled
    with scope.activate(world_a.tenant):
        on = Event.objects.get(action="feature.enabled")
        off = Event.objects.get(action="feature.disabled")
    assert (on.before, on.after) == ({"enabled": False}, {"enabled": True})
    assert (off.before, off.after) == ({"enabled": True}, {"enabled": False, "reason": "Contract ended"})
    assert "Contract ended" in off.message


def test_defaults_page_lists_the_catalog(world_a, owner_client):
    _feature(world_a)
    response = owner_client.get(_url(world_a, "defaults"))
    assert response.status_code == 200
    assert b"IMP Planner" in response.content and b"Cin7" in response.content


@pytest.mark.parametrize("name", ["features", "defaults"])
def test_only_admins_change_features(world_a, accountant_client, viewer_client, outsider_client, name):
    feature = _feature(world_a)
    for url in (_url(world_a, name), _url(world_a, "feature_switch", feature_id=feature.uuid),
                _url(world_a, "feature_remove", feature_id=feature.uuid)):
        assert accountant_client.post(url, {"key": "imp_planner", "enabled": "on"}).status_code == 403
        assert viewer_client.post(url, {"enabled": "on"}).status_code == 403
        assert outsider_client.post(url, {"enabled": "on"}).status_code == 404
    feature.refresh_from_db()
    assert not feature.enabled


def test_remove_from_the_catalog_is_logged(world_a, owner_client):
    feature = _feature(world_a, enabled=True)
    assert owner_client.post(_url(world_a, "feature_remove", feature_id=feature.uuid)).status_code == 302
    with scope.activate(world_a.tenant):
        assert not Feature.objects.filter(key="imp_planner").exists()
        event = Event.objects.get(action="feature.removed")
    assert event.before == {"key": "imp_planner", "enabled": True} and event.after is None


def test_another_environments_feature_is_404(world_a, world_b):
    foreign = _feature(world_a)
    client = client_for(world_b.owner)
    assert client.post(_url(world_b, "feature_switch", feature_id=foreign.uuid), {"enabled": "on"}).status_code == 404
    assert client.post(_url(world_b, "feature_remove", feature_id=foreign.uuid)).status_code == 404


REFUSAL = ("IMP Planner is not enabled in this environment: an administrator can turn it on in "
           "Environment defaults -> Features.")


def test_the_create_service_refuses_a_kind_whose_feature_is_off(world_a, planner):
    from django.core.exceptions import ValidationError

    from interfaces.models import Interface
    from interfaces.services import interface_create

    _feature(world_a)  # catalogued but off
    with scope.activate(world_a.tenant):
        for actor in (world_a.owner.user, None):  # a person or the system: the same answer
            with pytest.raises(ValidationError) as caught:
                interface_create(tenant=world_a.tenant, actor=actor, description="Planner", kind="test_planner")
            assert caught.value.message_dict == {"kind": [REFUSAL]}
        assert not Interface.objects.filter(kind="test_planner").exists()
        Feature.objects.filter(key="imp_planner").update(enabled=True)
        created = interface_create(tenant=world_a.tenant, actor=world_a.owner.user, description="Planner", kind="test_planner")
    assert created.kind == "test_planner"


def test_clone_is_refused_while_the_feature_is_off(world_a, owner_client, planner):
    from interfaces.models import Interface

    feature = _feature(world_a, enabled=True)
    interface = InterfaceFactory(tenant=world_a.tenant, kind="test_planner", description="Planner")
    with scope.activate(world_a.tenant):
        services.feature_set_enabled(tenant=world_a.tenant, actor=world_a.owner.user, feature=feature, enabled=False,
                                     reason="Contract ended")
    url = reverse("interfaces:clone", kwargs={"tenant_slug": "alpha", "interface_id": interface.uuid})
    response = owner_client.post(url, follow=True)
    from django.utils.html import escape

    assert escape(REFUSAL) in response.content.decode()
    with scope.activate(world_a.tenant):
        assert list(Interface.objects.filter(kind="test_planner").values_list("description", flat=True)) == ["Planner"]
        assert not Event.objects.filter(action="interface.cloned").exists()
        feature.refresh_from_db()
        services.feature_set_enabled(tenant=world_a.tenant, actor=world_a.owner.user, feature=feature, enabled=True)
    assert owner_client.post(url).status_code == 302
    with scope.activate(world_a.tenant):
        assert Interface.objects.filter(description="Planner (copy)", kind="test_planner").exists()


def test_turning_a_feature_off_sends_feature_disabled_with_the_reason(world_a, owner_client):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    feature_disabled.connect(receiver)
    try:
        feature = _feature(world_a, enabled=True)
        url = _url(world_a, "feature_switch", feature_id=feature.uuid)
        assert owner_client.post(url, {"enabled": "on"}).status_code == 302  # already on: nothing sent
        assert received == []
        assert owner_client.post(url, {"reason": "Contract ended"}).status_code == 302
        assert len(received) == 1
        sent = received[0]
        assert (sent["tenant"], sent["feature"], sent["reason"], sent["user"]) == (
            world_a.tenant, "imp_planner", "Contract ended", world_a.owner.user)
        assert owner_client.post(url, {"enabled": "on"}).status_code == 302  # on again: nothing sent
        assert len(received) == 1
        # Removing an enabled feature from the catalog turns it off too.
        assert owner_client.post(_url(world_a, "feature_remove", feature_id=feature.uuid)).status_code == 302
        assert len(received) == 2 and received[1]["feature"] == "imp_planner"
        assert "removed from the Features catalog" in received[1]["reason"]
    finally:
        feature_disabled.disconnect(receiver)


def test_a_receiver_that_fails_rolls_the_switch_back(world_a, owner_client):
    def receiver(sender, **kwargs):
        raise RuntimeError("the scheduler could not pause its tasks")

    feature = _feature(world_a, enabled=True)
    feature_disabled.connect(receiver)
    try:
        with scope.activate(world_a.tenant), pytest.raises(RuntimeError):
            services.feature_set_enabled(tenant=world_a.tenant, actor=world_a.owner.user, feature=feature, enabled=False,
                                         reason="Contract ended")
    finally:
        feature_disabled.disconnect(receiver)
    with scope.activate(world_a.tenant):
        assert Feature.objects.get(pk=feature.pk).enabled
        assert not Event.objects.filter(action="feature.disabled").exists()
