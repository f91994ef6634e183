"""Users, memberships and API keys: every change here writes the Event log in the same transaction."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from finance.audit.services import event_record
from finance.tenancy import scope
from finance.tenancy.models import Membership
from finance.tenancy.roles import Role

from .models import API_KEY_PREFIX, ApiKey, hash_api_key

User = get_user_model()

API_KEY_MAX_VALIDITY_DAYS = 730


def _admin_count(tenant, excluding=None):
    qs = Membership.objects.filter(tenant=tenant, role=Role.ADMIN, is_active=True)
    if excluding is not None:
        qs = qs.exclude(pk=excluding.pk)
    return qs.count()


def _membership_snapshot(membership):
    return {"email": membership.user.email, "role": membership.role, "active": membership.is_active}


def invitation_url(*, user, base_url):
    """An absolute link where an invited user chooses a password (Django's reset token)."""
    path = reverse(
        "accounts:invitation",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)},
    )
    return base_url.rstrip("/") + path


@transaction.atomic
def user_add(*, tenant, actor, email, full_name, role, password=None, base_url=None):
    """Give `email` a role in `tenant`, creating the user if needed.

    With a password the account is ready at once; without one, a new user gets an invitation
    e-mail (sent after commit) with a link to choose a password. An existing user keeps their
    password and simply gains the membership.
    """
    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the listed roles."})
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and Membership.objects.filter(tenant=tenant, user=user).exists():
        raise ValidationError({"email": f"{email} already has an account in this environment."})
    created = user is None
    if created:
        user = User(email=email, full_name=full_name.strip())
        if password:
            validate_password(password, user)
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
    membership = Membership(tenant=tenant, user=user, role=role)
    membership.full_clean(exclude=["tenant"])
    membership.save()
    invited = created and not password and role != Role.INTEGRATION
    event_record(
        tenant=tenant,
        user=actor,
        action="user.invited" if invited else "user.added",
        obj=membership,
        message=f"{email} was given the {membership.get_role_display()} role"
        + (" and sent an invitation." if invited else "."),
        after=_membership_snapshot(membership),
    )
    if invited and base_url:
        _send_invitation_on_commit(user=user, tenant=tenant, actor=actor, base_url=base_url)
    return membership


def _send_invitation_on_commit(*, user, tenant, actor, base_url):
    link = invitation_url(user=user, base_url=base_url)
    body = render_to_string("accounts/invitation_email.txt", {"user": user, "tenant": tenant, "link": link, "actor": actor})
    transaction.on_commit(lambda: send_mail(f"You have been invited to {tenant.name}", body, None, [user.email]))


@transaction.atomic
def invitation_resend(*, membership, actor, base_url):
    """Send a fresh invitation link to a member who has not chosen a password yet."""
    user = membership.user
    if user.has_usable_password():
        raise ValidationError(f"{user.email} has already chosen a password; there is no invitation to resend.")
    if not membership.is_active or membership.role == Role.INTEGRATION:
        raise ValidationError("Only active members who sign in through the browser can be invited.")
    event_record(
        tenant=membership.tenant,
        user=actor,
        action="user.invitation_resent",
        obj=membership,
        message=f"A new invitation was sent to {user.email}.",
    )
    _send_invitation_on_commit(user=user, tenant=membership.tenant, actor=actor, base_url=base_url)


@transaction.atomic
def membership_set_role(*, membership, role, actor):
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the listed roles."})
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and _admin_count(membership.tenant, excluding=membership) == 0:
        raise ValidationError({"role": "An environment must keep at least one active administrator."})
    before = _membership_snapshot(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    event_record(
        tenant=membership.tenant,
        user=actor,
        action="user.role_changed",
        obj=membership,
        message=f"{membership.user.email} is now {membership.get_role_display()}.",
        before=before,
        after=_membership_snapshot(membership),
    )
    return membership


@transaction.atomic
def membership_deactivate(*, membership, actor):
    """Remove a user's access to this environment and revoke their API keys in it."""
    if not membership.is_active:
        return membership
    if membership.user_id == actor.pk:
        raise ValidationError("You cannot deactivate your own account.")
    if membership.role == Role.ADMIN and _admin_count(membership.tenant, excluding=membership) == 0:
        raise ValidationError("An environment must keep at least one active administrator.")
    before = _membership_snapshot(membership)
    now = timezone.now()
    membership.is_active = False
    membership.deactivated_at = now
    membership.save(update_fields=["is_active", "deactivated_at"])
    revoked = ApiKey.objects.filter(membership=membership, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    event_record(
        tenant=membership.tenant,
        user=actor,
        action="user.deactivated",
        obj=membership,
        message=f"{membership.user.email} can no longer use this environment"
        + (f"; {revoked} API key(s) revoked." if revoked else "."),
        before=before,
        after=_membership_snapshot(membership),
    )
    return membership


@transaction.atomic
def membership_reactivate(*, membership, actor):
    if membership.is_active:
        return membership
    before = _membership_snapshot(membership)
    membership.is_active = True
    membership.deactivated_at = None
    membership.save(update_fields=["is_active", "deactivated_at"])
    event_record(
        tenant=membership.tenant,
        user=actor,
        action="user.reactivated",
        obj=membership,
        message=f"{membership.user.email} can use this environment again.",
        before=before,
        after=_membership_snapshot(membership),
    )
    return membership


@transaction.atomic
def api_key_create(*, membership, actor, description, validity_days=None):
    """Create a key for the member; returns (ApiKey, raw key). The raw key is never stored."""
    if validity_days is None:
        validity_days = settings.API_KEY_DEFAULT_VALIDITY_DAYS
    description = (description or "").strip()
    errors = {}
    if not description:
        errors["description"] = "Describe what the key is for, e.g. 'Cin7 integration'."
    if not 1 <= int(validity_days) <= API_KEY_MAX_VALIDITY_DAYS:
        errors["validity_days"] = f"Validity must be between 1 and {API_KEY_MAX_VALIDITY_DAYS} days."
    if not membership.is_active:
        errors["description"] = "This user is deactivated in this environment; reactivate them first."
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(4)
    raw = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    key = ApiKey(
        tenant=membership.tenant,
        membership=membership,
        description=description,
        prefix=prefix,
        key_hash=hash_api_key(raw),
        created_at=now,
        created_by=actor,
        expires_at=now + timedelta(days=int(validity_days)),
    )
    key.save()
    event_record(
        tenant=membership.tenant,
        user=actor,
        action="api_key.created",
        obj=key,
        message=f"API key '{description}' created for {membership.user.email}, valid {validity_days} days.",
        after={"prefix": prefix, "expires_at": key.expires_at.isoformat(), "user": membership.user.email},
    )
    return key, raw


@transaction.atomic
def api_key_revoke(*, api_key, actor):
    if api_key.revoked_at:
        return api_key
    api_key.revoked_at = timezone.now()
    api_key.revoked_by = actor
    api_key.save(update_fields=["revoked_at", "revoked_by"])
    event_record(
        tenant=api_key.tenant,
        user=actor,
        action="api_key.revoked",
        obj=api_key,
        message=f"API key '{api_key.description}' of {api_key.membership.user.email} revoked.",
        after={"prefix": api_key.prefix},
    )
    return api_key


def api_key_authenticate(raw, *, tenant=None):
    """The usable ApiKey for `raw`, or None. Checks expiry, revocation, membership and user.

    With `tenant`, a key of another environment is refused as if it did not exist.
    """
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX:
        return None
    with scope.disabled():
        key = (
            ApiKey.objects.select_related("membership__user", "tenant")
            .filter(prefix=parts[1])
            .first()
        )
    if key is None or not secrets.compare_digest(key.key_hash, hash_api_key(raw.strip())):
        return None
    if tenant is not None and key.tenant_id != tenant.pk:
        return None
    if not key.is_usable or not key.membership.is_active or not key.membership.user.is_active:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        with scope.disabled():
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
