"""The Vault's encryption and services: round trip, binding to entry and environment, the
password re-check, key rotation, and an Event log that never carries a secret."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from finance.audit.models import Event
from finance.tenancy import scope
from vault import crypto
from vault.crypto import VaultError
from vault.models import TenantKey, VaultEntry
from vault.services import (
    vault_data_key_rotate,
    vault_entry_create,
    vault_entry_delete,
    vault_entry_set_value,
    vault_entry_update,
    vault_secret_read,
)

from ..factories import PASSWORD

SECRET = "canary-Zq7-service-secret-0042"


def _create(world, name="Bank API", value=SECRET, **kwargs):
    with scope.activate(world.tenant):
        return vault_entry_create(
            tenant=world.tenant, actor=world.owner.user, name=name, type="api_key",
            description="Bank feed", value=value, password=PASSWORD, **kwargs,
        )


def _read(entry, **kwargs):
    with scope.activate(entry.tenant):
        return vault_secret_read(entry=entry, purpose="test", **kwargs)


def _events(tenant):
    with scope.activate(tenant):
        return list(Event.objects.filter(tenant=tenant))


def _assert_no_secret_in_events(tenant, secret=SECRET):
    for event in _events(tenant):
        for text in (event.message, repr(event.before), repr(event.after), event.object_repr):
            assert secret not in text, event.action


@pytest.mark.django_db
def test_round_trip_and_the_use_is_recorded(world_a):
    entry = _create(world_a)
    assert SECRET.encode() not in bytes(entry.ciphertext)
    assert entry.fingerprint == SECRET[-4:]
    assert _read(entry, run=world_a.finance["run"], actor=world_a.owner.user) == SECRET
    with scope.activate(world_a.tenant):
        entry.refresh_from_db()
        used = Event.objects.get(action="vault.secret_read")
    assert entry.last_used_at is not None
    assert used.run_ref == str(world_a.finance["run"].uuid)
    assert used.interface == world_a.interface
    assert used.actor == world_a.owner.user.email
    _assert_no_secret_in_events(world_a.tenant)


@pytest.mark.django_db
def test_the_data_key_is_stored_only_wrapped(world_a):
    _create(world_a)
    with scope.activate(world_a.tenant):
        key = TenantKey.objects.get()
    data_key = crypto.unwrap(key.wrapped_key)
    assert len(data_key) == 32
    assert data_key not in key.wrapped_key.encode()
    assert key.kek_id == crypto.kek_id()


@pytest.mark.django_db
def test_a_ciphertext_moved_to_another_entry_is_refused_and_logged(world_a):
    source = _create(world_a)
    target = _create(world_a, name="Other", value="another-secret-value")
    with scope.activate(world_a.tenant):
        VaultEntry.objects.filter(pk=target.pk).update(ciphertext=source.ciphertext)
        target.refresh_from_db()
    with pytest.raises(VaultError) as caught:
        _read(target)
    assert SECRET not in str(caught.value)
    with scope.activate(world_a.tenant):
        refused = Event.objects.get(action="vault.decryption_refused")
    assert refused.severity == "error"
    assert refused.object_uuid == str(target.uuid)
    _assert_no_secret_in_events(world_a.tenant)


@pytest.mark.django_db
def test_a_ciphertext_moved_to_another_environment_is_refused_and_logged(world_a, world_b):
    source = _create(world_a)
    target = world_b.finance["vault_entry"]
    with scope.disabled():
        # Same data key in both environments, so only the associated data can refuse it.
        key_a = TenantKey.objects.get(tenant=world_a.tenant)
        TenantKey.objects.filter(tenant=world_b.tenant).update(wrapped_key=key_a.wrapped_key)
        VaultEntry.objects.filter(pk=target.pk).update(ciphertext=source.ciphertext)
        target.refresh_from_db()
    with pytest.raises(VaultError):
        _read(target)
    assert any(e.action == "vault.decryption_refused" for e in _events(world_b.tenant))


@pytest.mark.django_db
def test_a_wrong_kek_gives_a_clear_error_naming_the_setting(world_a, settings):
    entry = _create(world_a)
    settings.VAULT_KEKS = [Fernet.generate_key().decode()]
    with pytest.raises(VaultError, match="VAULT_KEKS"):
        _read(entry)
    assert any(e.action == "vault.decryption_refused" for e in _events(world_a.tenant))


@pytest.mark.django_db
def test_setting_a_value_needs_the_password_again(world_a):
    with pytest.raises(ValidationError) as caught:
        with scope.activate(world_a.tenant):
            vault_entry_create(tenant=world_a.tenant, actor=world_a.owner.user, name="X", value=SECRET, password="wrong")
    assert "password" in caught.value.message_dict
    entry = _create(world_a)
    with scope.activate(world_a.tenant):
        with pytest.raises(ValidationError):
            vault_entry_set_value(entry=entry, actor=world_a.owner.user, value="new-value-123456", password="")
        vault_entry_set_value(entry=entry, actor=world_a.accountant.user, value="new-value-123456", password=PASSWORD)
        entry.refresh_from_db()
    assert entry.updated_by == world_a.accountant.user
    assert entry.fingerprint == "3456"
    assert _read(entry) == "new-value-123456"
    _assert_no_secret_in_events(world_a.tenant, "new-value-123456")


@pytest.mark.django_db
def test_names_are_unique_per_environment_whatever_the_case(world_a, world_b):
    _create(world_a, name="Shared name")
    _create(world_b, name="Shared name")
    with pytest.raises(ValidationError) as caught:
        _create(world_a, name="shared NAME")
    assert "name" in caught.value.message_dict


@pytest.mark.django_db
def test_update_and_delete_are_logged_without_the_value(world_a):
    entry = _create(world_a)
    with scope.activate(world_a.tenant):
        vault_entry_update(entry=entry, actor=world_a.owner.user, description="Changed", type="generic")
        changed = Event.objects.get(action="vault.entry_updated")
        assert changed.before["description"] == "Bank feed" and changed.after["type"] == "generic"
        vault_entry_delete(entry=entry, actor=world_a.owner.user)
        assert not VaultEntry.objects.filter(pk=entry.pk).exists()
    _assert_no_secret_in_events(world_a.tenant)


@pytest.mark.django_db
def test_rotate_kek_rewraps_only(world_a, world_b, settings):
    entry = _create(world_a)
    with scope.disabled():
        before = {k.tenant_id: k for k in TenantKey.objects.all()}
        ciphertexts = {e.pk: bytes(e.ciphertext) for e in VaultEntry.objects.all()}
    old = list(settings.VAULT_KEKS)
    new = Fernet.generate_key().decode()
    settings.VAULT_KEKS = [new, *old]
    call_command("vault_rotate_kek")
    with scope.disabled():
        after = {k.tenant_id: k for k in TenantKey.objects.all()}
        assert {e.pk: bytes(e.ciphertext) for e in VaultEntry.objects.all()} == ciphertexts
    assert len(after) == 2
    for tenant_id, key in after.items():
        assert key.wrapped_key != before[tenant_id].wrapped_key
        assert key.version == before[tenant_id].version
        assert key.kek_id == crypto.kek_id(new)
    # The old KEK can go now.
    settings.VAULT_KEKS = [new]
    assert _read(entry) == SECRET
    assert any(e.action == "vault.kek_rotated" for e in _events(world_b.tenant))


@pytest.mark.django_db
def test_rotate_kek_with_a_key_that_opens_nothing_fails_clearly(world_a, settings):
    settings.VAULT_KEKS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="VAULT_KEKS"):
        call_command("vault_rotate_kek")


@pytest.mark.django_db
def test_rotate_data_key_re_encrypts_one_environment(world_a, world_b):
    entry = _create(world_a)
    with scope.disabled():
        key_a = TenantKey.objects.get(tenant=world_a.tenant)
        key_b = TenantKey.objects.get(tenant=world_b.tenant)
        old_ciphertext = bytes(VaultEntry.objects.get(pk=entry.pk).ciphertext)
    call_command("vault_rotate_data_key", "--tenant", "alpha")
    with scope.disabled():
        new_a = TenantKey.objects.get(tenant=world_a.tenant)
        assert TenantKey.objects.get(tenant=world_b.tenant).wrapped_key == key_b.wrapped_key
        fresh = VaultEntry.objects.get(pk=entry.pk)
    assert new_a.version == key_a.version + 1
    assert crypto.unwrap(new_a.wrapped_key) != crypto.unwrap(key_a.wrapped_key)
    assert bytes(fresh.ciphertext) != old_ciphertext
    assert fresh.key_version == new_a.version
    assert _read(fresh) == SECRET
    with scope.disabled():
        fixture_entry = VaultEntry.objects.get(pk=world_a.finance["vault_entry"].pk)
    assert _read(fixture_entry) == "alpha-vault-secret-value"
    assert any(e.action == "vault.data_key_rotated" for e in _events(world_a.tenant))
    _assert_no_secret_in_events(world_a.tenant)


@pytest.mark.django_db
def test_rotate_data_key_needs_a_known_environment(world_a):
    with pytest.raises(CommandError, match="No environment"):
        call_command("vault_rotate_data_key", "--tenant", "nope")


@pytest.mark.django_db
def test_the_start_up_check_names_vault_keks_when_a_key_opens_no_data_key(world_a, world_b, settings):
    from vault.checks import check_keks_open_the_data_keys

    assert check_keks_open_the_data_keys() == []
    old = settings.VAULT_KEKS
    settings.VAULT_KEKS = [Fernet.generate_key().decode()]
    errors = check_keks_open_the_data_keys()
    assert [e.id for e in errors] == ["vault.E001"]
    assert "VAULT_KEKS does not open the Vault data key of 2 environment(s) (alpha, bravo)" in errors[0].msg
    with scope.disabled():
        assert TenantKey.objects.count() == 2, "nothing is replaced"
    settings.VAULT_KEKS = [Fernet.generate_key().decode(), *old]  # a new key first, the old one kept
    assert check_keks_open_the_data_keys() == []


@pytest.mark.django_db
def test_a_vault_form_with_a_wrong_kek_says_so_and_stores_nothing(world_a, settings):
    from django.urls import reverse

    from ..conftest import client_for

    entry = world_a.finance["vault_entry"]
    before = bytes(entry.ciphertext)
    settings.VAULT_KEKS = [Fernet.generate_key().decode()]
    client = client_for(world_a.owner)
    url = reverse("vault:value", kwargs={"tenant_slug": "alpha", "vaultentry_id": entry.uuid})
    response = client.post(url, {"value": "replacement-1234", "password": PASSWORD})
    assert response.status_code == 400
    assert "cannot be unwrapped with any key of VAULT_KEKS" in response.content.decode()
    response = client.post(reverse("vault:new", kwargs={"tenant_slug": "alpha"}),
                           {"name": "Other", "type": "generic", "value": "other-value-1234", "password": PASSWORD})
    assert response.status_code == 400 and "VAULT_KEKS" in response.content.decode()
    entry.refresh_from_db()
    assert bytes(entry.ciphertext) == before
    with scope.activate(world_a.tenant):
        assert not VaultEntry.objects.filter(name="Other").exists()
