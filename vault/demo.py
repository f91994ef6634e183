"""The demo environment's vault entries (demo-data §16, cin7.md §14, imp-planner.md §11).

The IMP bearer token and the Cin7 app key hold the placeholders the local simulators accept.
The two API-key entries hold a key of the integration user ("Demo integrations", 365 days),
created here: the raw key goes from `api_key_create` straight into the vault and is never
printed. A second run keeps everything while that key is usable; when it has expired (or an
entry holding it was deleted), a new key is created and stored in both entries.
"""

from django.utils import timezone

from finance.accounts.models import ApiKey
from finance.accounts.services import api_key_create
from finance.tenancy.models import Membership

from .models import EntryType, VaultEntry
from .services import vault_entry_system_create, vault_entry_system_set_value

INTEGRATION_USER = "integration@kestrel-demo.example"
API_KEY_DESCRIPTION = "Demo integrations"
API_KEY_VALIDITY_DAYS = 365

# name, type, description, placeholder value (None: the integration user's API key)
DEMO_ENTRIES = (
    ("IMP bearer token", EntryType.IMP_PLANNER, "IMP Planner bearer token (demo placeholder for the simulator)",
     "demo-imp-bearer-0001"),
    ("IMP API key", EntryType.API_KEY, f"API key of {INTEGRATION_USER} for IMP Planner", None),
    ("Cin7 iplicit API key", EntryType.CIN7, f"API key of {INTEGRATION_USER} for Cin7", None),
    ("Cin7 app key", EntryType.CIN7, "Cin7 Core Application Key (demo placeholder for the simulator)",
     "0de00000-0000-4000-8000-00000000a001"),
)
API_KEY_ENTRIES = tuple(name for name, _, _, value in DEMO_ENTRIES if value is None)


def _live_demo_key(membership):
    return ApiKey.objects.filter(
        tenant=membership.tenant, membership=membership, description=API_KEY_DESCRIPTION,
        revoked_at__isnull=True, expires_at__gt=timezone.now(),
    ).exists()


def seed_vault(*, tenant):
    """Create the demo vault entries that are missing; returns the number of objects created."""
    created = 0
    entries = {e.name.lower(): e for e in VaultEntry.objects.filter(tenant=tenant)}
    for name, type, description, value in DEMO_ENTRIES:
        if value is not None and name.lower() not in entries:
            vault_entry_system_create(tenant=tenant, name=name, type=type, description=description, value=value)
            created += 1
    membership = Membership.objects.select_related("tenant", "user").filter(
        tenant=tenant, user__email__iexact=INTEGRATION_USER).first()
    if membership is None:
        return created
    if _live_demo_key(membership) and all(name.lower() in entries for name in API_KEY_ENTRIES):
        return created
    _, raw = api_key_create(membership=membership, actor=None, description=API_KEY_DESCRIPTION,
                            validity_days=API_KEY_VALIDITY_DAYS)
    created += 1
    for name, type, description, value in DEMO_ENTRIES:
        if value is not None:
            continue
        entry = entries.get(name.lower())
        if entry is None:
            vault_entry_system_create(tenant=tenant, name=name, type=type, description=description, value=raw)
            created += 1
        else:
            vault_entry_system_set_value(entry=entry, value=raw)
    return created
