from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.accounts.models import ApiKey, hash_api_key
from finance.accounts.services import api_key_authenticate, api_key_create
from finance.audit.models import Event
from finance.tenancy import scope

pytestmark = pytest.mark.django_db


def _new_key_url(m):
    return reverse("accounts:api_key_new", kwargs={"tenant_slug": m.tenant.slug, "membership_id": m.uuid})


def _raw_from(html):
    import re

    return re.search(r'id="new-api-key-value" value="(fik_[^"]+)"|value="(fik_[^"]+)"', html).group(0).split('value="')[1].rstrip('"')


def test_a_new_key_is_shown_once_and_stored_only_as_a_hash(owner_client, world_a):
    response = owner_client.post(_new_key_url(world_a.accountant), {"description": "Cin7 integration", "validity_days": "90", "nonce": "n-1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store") or "no-store" in response["Cache-Control"]
    raw = _raw_from(html)
    with scope.activate(world_a.tenant):
        key = ApiKey.objects.get(description="Cin7 integration")
        events = list(Event.objects.filter(action="api_key.created"))
    assert key.key_hash == hash_api_key(raw)
    assert raw not in str(ApiKey.objects.model._meta.fields)  # sanity: the raw key is no field value
    assert all(raw not in str(value) for value in vars(key).values())
    assert all(raw not in str(e.after) + e.message for e in events)
    listing = owner_client.get(reverse("accounts:user", kwargs={"tenant_slug": "alpha", "membership_id": world_a.accountant.uuid}) + "?tab=keys").content.decode()
    assert "Cin7 integration" in listing and raw not in listing and f"fik_{key.prefix}" in listing


def test_the_validity_defaults_to_90_days(world_a):
    with scope.activate(world_a.tenant):
        key, _ = api_key_create(membership=world_a.accountant, actor=world_a.owner.user, description="Default")
    assert abs((key.expires_at - timezone.now()) - timedelta(days=90)) < timedelta(minutes=1)


def test_the_form_starts_at_90_days(owner_client, world_a):
    html = owner_client.get(reverse("accounts:user", kwargs={"tenant_slug": "alpha", "membership_id": world_a.accountant.uuid}) + "?tab=keys").content.decode()
    assert 'name="validity_days" value="90"' in html


def test_bad_validity_is_refused_with_a_message(owner_client, world_a):
    response = owner_client.post(_new_key_url(world_a.accountant), {"description": "x", "validity_days": "0", "nonce": "n-2"})
    assert response.status_code == 400
    assert "greater than or equal to 1" in response.content.decode()
    with scope.activate(world_a.tenant):
        assert not ApiKey.objects.filter(description="x").exists()


def test_a_key_authenticates_until_revoked(owner_client, world_a):
    with scope.activate(world_a.tenant):
        key, raw = api_key_create(membership=world_a.accountant, actor=world_a.owner.user, description="Sync", validity_days=30)
    found = api_key_authenticate(raw)
    assert found.pk == key.pk and found.membership.user == world_a.accountant.user
    assert found.last_used_at is not None
    revoke = reverse("accounts:api_key_revoke", kwargs={"tenant_slug": "alpha", "membership_id": world_a.accountant.uuid, "api_key_id": key.uuid})
    assert owner_client.post(revoke).status_code == 302
    assert api_key_authenticate(raw) is None


def test_expired_tampered_and_foreign_keys_are_refused(world_a, world_b):
    with scope.activate(world_a.tenant):
        key, raw = api_key_create(membership=world_a.accountant, actor=world_a.owner.user, description="Sync", validity_days=1)
    assert api_key_authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert api_key_authenticate("garbage") is None
    assert api_key_authenticate(raw, tenant=world_b.tenant) is None
    assert api_key_authenticate(raw, tenant=world_a.tenant) is not None
    with scope.activate(world_a.tenant):
        ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_key_authenticate(raw) is None


def test_a_key_of_a_deactivated_member_is_refused(world_a):
    from finance.accounts.services import membership_deactivate

    with scope.activate(world_a.tenant):
        _, raw = api_key_create(membership=world_a.viewer, actor=world_a.owner.user, description="v", validity_days=5)
        membership_deactivate(membership=world_a.viewer, actor=world_a.owner.user)
    assert api_key_authenticate(raw) is None


def test_revoking_another_users_key_through_this_users_url_is_404(owner_client, world_a):
    # The key belongs to the accountant; addressing it under the viewer must not find it.
    url = reverse("accounts:api_key_revoke", kwargs={"tenant_slug": "alpha", "membership_id": world_a.viewer.uuid, "api_key_id": world_a.api_key.uuid})
    assert owner_client.post(url).status_code == 404
    with scope.activate(world_a.tenant):
        world_a.api_key.refresh_from_db()
    assert world_a.api_key.status == "active"


def test_submitting_the_same_form_twice_creates_one_key_and_never_shows_it_again(owner_client, world_a):
    data = {"description": "Once only", "validity_days": "30", "nonce": "same-form"}
    first = owner_client.post(_new_key_url(world_a.accountant), data)
    raw = _raw_from(first.content.decode())
    again = owner_client.post(_new_key_url(world_a.accountant), data, follow=True)
    html = again.content.decode()
    assert "already submitted" in html and raw not in html
    with scope.activate(world_a.tenant):
        assert ApiKey.objects.filter(description="Once only").count() == 1


def test_a_fixed_form_after_an_error_can_still_be_submitted(owner_client, world_a):
    bad = {"description": "", "validity_days": "30", "nonce": "retry"}
    assert owner_client.post(_new_key_url(world_a.accountant), bad).status_code == 400
    good = dict(bad, description="Fixed")
    assert owner_client.post(_new_key_url(world_a.accountant), good).status_code == 200
    with scope.activate(world_a.tenant):
        assert ApiKey.objects.filter(description="Fixed").count() == 1
