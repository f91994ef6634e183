"""Vault services: the only code that writes entries or decrypts a secret.

Event log rows describe what changed (name, type, description, the masked fingerprint) and never
carry a value, a ciphertext or a key. Functions that hold a value are `sensitive_variables`, so an
error report (Django's ExceptionReporter, the admins' e-mail) shows none of their local variables.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from finance.audit.models import Severity
from finance.accounts import throttle
from finance.audit.services import event_record
from finance.tenancy import scope

from . import crypto
from .crypto import VaultError
from .models import EntryType, TenantKey, VaultEntry

logger = logging.getLogger(__name__)

MAX_VALUE_LENGTH = 10_000
# Shorter values show no fingerprint: four characters of a short secret give too much away.
FINGERPRINT_MIN_LENGTH = 8


class PasswordThrottled(ValidationError):
    """Too many wrong passwords in a row: the re-check is refused for a while (HTTP 429)."""


@sensitive_variables()
def _check_password(tenant, user, password):
    """The actor's own password, asked again. Wrong answers are counted per user like sign-in
    failures (LOGIN_FAILURE_LIMIT within LOGIN_FAILURE_WINDOW); past the limit even the right
    password is refused until the window has passed, and the Event log says so once, when the
    lock starts. Called before the service's transaction: the Event stays although the change
    is refused."""
    if user is None:
        raise ValidationError({"password": "Your password is not correct."})
    locked = throttle.PASSWORD_RECHECK.seconds_locked(user=user.pk)
    if locked:
        logger.warning("Vault: password re-check of user %s refused, too many wrong passwords", user.pk)
        raise PasswordThrottled({"password": (
            f"Too many wrong passwords. Try again in {throttle.minutes(locked)} minute(s).")})
    if not password or not user.check_password(password):
        throttle.PASSWORD_RECHECK.record_failure(user=user.pk)
        locked = throttle.PASSWORD_RECHECK.seconds_locked(user=user.pk)
        if locked:
            event_record(tenant=tenant, user=user, action="vault.password_locked", severity=Severity.WARNING,
                         message=f"Vault: {settings.LOGIN_FAILURE_LIMIT} wrong passwords in a row from {user.email}; "
                                 f"their password re-check is refused for {throttle.minutes(locked)} minute(s)")
        raise ValidationError({"password": "Your password is not correct."})
    throttle.PASSWORD_RECHECK.clear(user=user.pk)


def _check_value(value):
    if not isinstance(value, str) or not value.strip():
        raise ValidationError({"value": "Enter the secret value."})
    if len(value) > MAX_VALUE_LENGTH:
        raise ValidationError({"value": f"The value is longer than {MAX_VALUE_LENGTH} characters."})


def _check_fields(*, name=None, type, description):
    errors = {}
    if name is not None:
        if not name.strip():
            errors["name"] = "Enter a name."
        elif len(name) > 100:
            errors["name"] = "Use at most 100 characters."
    if type not in EntryType.values:
        errors["type"] = "Choose a type."
    if len(description or "") > 250:
        errors["description"] = "Use at most 250 characters."
    if errors:
        raise ValidationError(errors)


def _fingerprint(value):
    return value[-4:] if len(value) >= FINGERPRINT_MIN_LENGTH else ""


def _tenant_key(tenant, *, create):
    key = TenantKey.objects.filter(tenant=tenant).first()
    if key is None and create:
        try:
            with transaction.atomic():
                key = TenantKey.objects.create(
                    tenant=tenant, wrapped_key=crypto.wrap(crypto.new_data_key()), kek_id=crypto.kek_id()
                )
        except IntegrityError:
            # Another request created the environment's first key meanwhile: use that one.
            key = TenantKey.objects.get(tenant=tenant)
    return key


@sensitive_variables()
def _encrypt_into(entry, value, data_key, version):
    entry.ciphertext = crypto.encrypt(data_key, value, crypto.associated_data(entry.tenant, entry))
    entry.key_version = version
    entry.fingerprint = _fingerprint(value)


@sensitive_variables()
def vault_entry_create(*, tenant, actor, name, type=EntryType.GENERIC, description="", value, password):
    """A new entry set by a person, who gives their own password again."""
    _check_password(tenant, actor, password)
    with transaction.atomic():
        return _entry_create(tenant=tenant, actor=actor, name=name, type=type, description=description, value=value)


@transaction.atomic
@sensitive_variables()
def vault_entry_system_create(*, tenant, name, type=EntryType.GENERIC, description="", value):
    """A new entry set by the system (`seed_demo`): no person, so no password to ask; the Event log
    names the system as the actor."""
    return _entry_create(tenant=tenant, actor=None, name=name, type=type, description=description, value=value)


@sensitive_variables()
def _entry_create(*, tenant, actor, name, type, description, value):
    name = (name or "").strip()
    _check_fields(name=name, type=type, description=description)
    _check_value(value)
    if VaultEntry.objects.filter(tenant=tenant, name__iexact=name).exists():
        raise ValidationError({"name": "An entry with this name already exists."})
    key = _tenant_key(tenant, create=True)
    now = timezone.now()
    entry = VaultEntry(
        tenant=tenant, name=name, type=type, description=description or "",
        created_by=actor, updated_by=actor, updated_at=now,
    )
    _encrypt_into(entry, value, crypto.unwrap(key.wrapped_key), key.version)
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise ValidationError({"name": "An entry with this name already exists."}) from None
    event_record(tenant=tenant, user=actor, action="vault.entry_created", obj=entry,
                 message=f"Vault entry {entry.name} created", after=entry.snapshot())
    return entry


@transaction.atomic
def vault_entry_update(*, entry, actor, description, type):
    _check_fields(type=type, description=description)
    before = entry.snapshot()
    entry.description = description or ""
    entry.type = type
    entry.save(update_fields=["description", "type"])
    after = entry.snapshot()
    if after != before:
        event_record(tenant=entry.tenant, user=actor, action="vault.entry_updated", obj=entry,
                     message=f"Vault entry {entry.name} changed", before=before, after=after)
    return entry


@sensitive_variables()
def vault_entry_set_value(*, entry, actor, value, password):
    """Replace the value, by a person who gives their own password again."""
    _check_password(entry.tenant, actor, password)
    with transaction.atomic():
        return _entry_set_value(entry=entry, actor=actor, value=value)


@transaction.atomic
@sensitive_variables()
def vault_entry_system_set_value(*, entry, value):
    """Replace the value on the system's behalf (`seed_demo` renewing an expired demo API key)."""
    return _entry_set_value(entry=entry, actor=None, value=value)


@sensitive_variables()
def _entry_set_value(*, entry, actor, value):
    _check_value(value)
    key = _tenant_key(entry.tenant, create=True)
    before = entry.snapshot()
    _encrypt_into(entry, value, crypto.unwrap(key.wrapped_key), key.version)
    entry.updated_by = actor
    entry.updated_at = timezone.now()
    entry.save(update_fields=["ciphertext", "key_version", "fingerprint", "updated_by", "updated_at"])
    event_record(tenant=entry.tenant, user=actor, action="vault.value_set", obj=entry,
                 message=f"Vault entry {entry.name}: value replaced", before=before, after=entry.snapshot())
    return entry


@transaction.atomic
def vault_entry_delete(*, entry, actor):
    before = entry.snapshot()
    event_record(tenant=entry.tenant, user=actor, action="vault.entry_deleted", obj=entry,
                 message=f"Vault entry {entry.name} deleted", before=before)
    entry.delete()


def vault_entry_for_use(*, tenant, name, types, user_of):
    """The entry called `name` (any case) of `tenant`, if its type is one of `types`: the entry
    types an interface kind (`user_of`, its label) may read. Raises VaultError saying why not."""
    entry = VaultEntry.objects.filter(tenant=tenant, name__iexact=(name or "").strip()).first()
    if entry is None:
        raise VaultError(f"There is no vault entry called '{name}' in this environment.")
    if entry.type not in types:
        allowed = " or ".join(str(EntryType(t).label) for t in types) or "none"
        raise VaultError(f"Vault entry '{entry.name}' is of type {entry.get_type_display()}; "
                         f"{user_of} may use only entries of type {allowed}.")
    return entry


@sensitive_variables()
def vault_secret_read(*, entry, purpose, interface=None, run=None, actor=None):
    """The decrypted value, for connector code only. Every use, and every refusal, is recorded."""
    if interface is None and run is not None:
        interface = run.interface
    run_ref = str(run.uuid) if run is not None else ""
    where = f" by {interface}" if interface is not None else ""
    try:
        return _secret_read(entry=entry, purpose=purpose, interface=interface, run_ref=run_ref, actor=actor, where=where)
    except VaultError as error:
        logger.warning("Vault: decryption of entry %s in %s refused: %s", entry.uuid, entry.tenant.slug, error)
        with transaction.atomic():
            event_record(
                tenant=entry.tenant, user=actor, action="vault.decryption_refused", obj=entry,
                severity=Severity.ERROR, interface=interface, run_ref=run_ref,
                message=f"Vault entry {entry.name}: decryption refused{where} ({purpose}). {error}",
            )
        raise


@transaction.atomic
@sensitive_variables()
def _secret_read(*, entry, purpose, interface, run_ref, actor, where):
    key = _tenant_key(entry.tenant, create=False)
    if key is None:
        raise VaultError("The environment has no data key.")
    value = crypto.decrypt(crypto.unwrap(key.wrapped_key), entry.ciphertext, crypto.associated_data(entry.tenant, entry))
    now = timezone.now()
    VaultEntry.objects.filter(tenant=entry.tenant, pk=entry.pk).update(last_used_at=now)
    entry.last_used_at = now
    event_record(tenant=entry.tenant, user=actor, action="vault.secret_read", obj=entry,
                 interface=interface, run_ref=run_ref,
                 message=f"Vault entry {entry.name} used{where} ({purpose})")
    return value


@transaction.atomic
def vault_kek_rotate():
    """Rewrap every environment's data key with the newest key-encryption key. Returns how many."""
    count = 0
    with scope.disabled():
        for key in TenantKey.objects.select_related("tenant").select_for_update().order_by("pk"):
            old = key.kek_id
            key.wrapped_key = crypto.rewrap(key.wrapped_key)
            key.kek_id = crypto.kek_id()
            key.save(update_fields=["wrapped_key", "kek_id"])
            event_record(tenant=key.tenant, action="vault.kek_rotated", obj=key,
                         message="Vault data key rewrapped with the newest key-encryption key",
                         before={"kek": old}, after={"kek": key.kek_id})
            count += 1
    return count


@transaction.atomic
@sensitive_variables()
def vault_data_key_rotate(*, tenant, actor=None):
    """A new data key for the environment; every entry is re-encrypted with it. Returns how many."""
    with scope.activate(tenant):
        key = TenantKey.objects.select_for_update().filter(tenant=tenant).first()
        if key is None:
            key = _tenant_key(tenant, create=True)
            event_record(tenant=tenant, user=actor, action="vault.data_key_rotated", obj=key,
                         message="Vault data key created", after={"version": key.version})
            return 0
        old_version, old_data_key = key.version, crypto.unwrap(key.wrapped_key)
        new_data_key = crypto.new_data_key()
        entries = list(VaultEntry.objects.filter(tenant=tenant).order_by("pk"))
        for entry in entries:
            aad = crypto.associated_data(tenant, entry)
            entry.ciphertext = crypto.encrypt(new_data_key, crypto.decrypt(old_data_key, entry.ciphertext, aad), aad)
            entry.key_version = old_version + 1
            entry.save(update_fields=["ciphertext", "key_version"])
        key.wrapped_key = crypto.wrap(new_data_key)
        key.kek_id = crypto.kek_id()
        key.version = old_version + 1
        key.rotated_at = timezone.now()
        key.save(update_fields=["wrapped_key", "kek_id", "version", "rotated_at"])
        event_record(tenant=tenant, user=actor, action="vault.data_key_rotated", obj=key,
                     message=f"Vault data key replaced; {len(entries)} entries re-encrypted",
                     before={"version": old_version}, after={"version": key.version})
    return len(entries)
