"""Start-up check: the key-encryption keys of VAULT_KEKS open every environment's data key.

A wrong or missing key is reported naming the setting, by every command that runs Django's system
checks (`check`, `migrate`, `runserver`); nothing ever replaces a data key that does not open.
"""

from django.core.checks import Error, register
from django.db import DatabaseError

from . import crypto


@register("vault")
def check_keks_open_the_data_keys(app_configs=None, **kwargs):
    from finance.tenancy import scope

    from .models import TenantKey

    try:
        with scope.disabled():
            keys = list(TenantKey.objects.select_related("tenant").values_list("tenant__slug", "wrapped_key"))
    except DatabaseError:
        return []  # no database or no tables yet (before the first migrate): nothing to open
    refused = []
    for slug, wrapped in keys:
        try:
            crypto.unwrap(wrapped)
        except crypto.VaultError:
            refused.append(slug)
    if not refused:
        return []
    return [Error(
        f"VAULT_KEKS does not open the Vault data key of {len(refused)} environment(s) ({', '.join(sorted(refused)[:5])}).",
        hint="Put back the key-encryption key that wrapped them (VAULT_KEKS is newest first; keep an old key "
             "until `manage.py vault_rotate_kek` has run). Data keys are never replaced automatically.",
        id="vault.E001",
    )]
