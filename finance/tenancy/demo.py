"""The demo environments of `seed_demo` (shared/spec/demo-data.md), built through the services.

Idempotent: whatever exists is left as it is, so a second run changes nothing and never resets
a password. Each app seeds its own part (ledger, contacts, products, catalog, interfaces, bank
accounts, vault), in that order, because each part refers to codes of the parts before it.
"""

import os
import secrets
import string

from django.contrib.auth import get_user_model
from django.db import transaction

from finance.accounts.services import user_add
from finance.banking.demo import DEMO_ACCOUNTS, HARRIER_ACCOUNTS, seed_bank_accounts
from finance.catalog.demo import seed_catalog
from finance.contacts.demo import seed_contacts
from finance.ledger.demo import seed_ledger
from finance.products.demo import seed_products
from interfaces.demo import DEMO_INTERFACES, HARRIER_INTERFACES, seed_interfaces
from scheduler.demo import seed_scheduled_tasks
from vault.demo import seed_vault

from . import scope
from .models import Membership, Tenant
from .roles import Role
from .services import tenant_create, tenant_delete

DEMO_TENANTS = {
    "demo": {
        "name": "Kestrel Demo Learning Trust",
        "users": [
            ("admin@kestrel-demo.example", "Demo Admin", Role.ADMIN),
            ("accountant@kestrel-demo.example", "Demo Accountant", Role.ACCOUNTANT),
            ("viewer@kestrel-demo.example", "Demo Viewer", Role.READ_ONLY),
            ("integration@kestrel-demo.example", "Demo Integration", Role.INTEGRATION),
        ],
    },
    "harrier": {
        "name": "Harrier Demo Academy",
        "users": [
            ("admin@harrier-demo.example", "Harrier Admin", Role.ADMIN),
            ("viewer@harrier-demo.example", "Harrier Viewer", Role.READ_ONLY),
        ],
    },
}


def _random_password():
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(24))


def _ensure_user(tenant, email, full_name, role, out):
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and Membership.objects.filter(tenant=tenant, user=user).exists():
        return False
    password = None
    if user is None and role != Role.INTEGRATION:
        password = os.environ.get("DEMO_PASSWORD") or _random_password()
        if not os.environ.get("DEMO_PASSWORD"):
            out(f"  created {email} with password {password}  (shown once; it is not stored anywhere)")
    user_add(tenant=tenant, actor=None, email=email, full_name=full_name, role=role, password=password)
    return True


def seed(*, reset=False, out=print):
    """Build (or with reset, rebuild) the demo environments. Returns the number of objects created."""
    created = 0
    with scope.disabled(), transaction.atomic():
        if reset:
            for tenant in Tenant.objects.filter(slug__in=DEMO_TENANTS):
                tenant_delete(tenant=tenant)
        for slug, spec in DEMO_TENANTS.items():
            tenant = Tenant.objects.filter(slug=slug).first()
            if tenant is None:
                tenant = tenant_create(name=spec["name"], slug=slug)
                created += 1
            with scope.activate(tenant):
                for email, full_name, role in spec["users"]:
                    created += _ensure_user(tenant, email, full_name, role, out)
                created += _seed_finance(tenant, slug, out)
    return created


def _seed_finance(tenant, slug, out):
    demo = slug == "demo"
    created = seed_ledger(tenant=tenant, out=out)
    created += seed_contacts(tenant=tenant, accounts=slug, out=out)
    if demo:
        created += seed_products(tenant=tenant)
    # The catalog comes before the interfaces: an integration kind is created only while its
    # feature is enabled.
    created += seed_catalog(tenant=tenant, demo=demo)
    created += seed_interfaces(tenant=tenant, interfaces=DEMO_INTERFACES if demo else HARRIER_INTERFACES)
    created += seed_bank_accounts(tenant=tenant, accounts=DEMO_ACCOUNTS if demo else HARRIER_ACCOUNTS)
    if demo:
        created += seed_vault(tenant=tenant)
        created += seed_scheduled_tasks(tenant=tenant)
    return created
