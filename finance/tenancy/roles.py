"""Roles and the named permissions ("access keys") they grant.

Views and scheduled tasks ask for a permission, never for a role, so a role can change its
grants here without touching any view.
"""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    ACCOUNTANT = "accountant", "Accountant"
    READ_ONLY = "readonly", "Read-only"
    INTEGRATION = "integration", "Integration"


# Every access key, with the words a user sees beside it.
PERMISSIONS = {
    "interfaces.view": "See interfaces, their runs and the Imports folder",
    "interfaces.run": "Run, synchronise, match and retry interfaces",
    "interfaces.configure": "Create, edit, enable and disable interfaces",
    "vault.manage": "See and change Vault entries",
    "scheduler.view": "See scheduled tasks",
    "scheduler.manage": "Create, edit and run scheduled tasks",
    "users.manage": "Invite users, set their roles, manage API keys",
    "features.manage": "Change the Features catalog and Environment defaults",
    "mappings.manage": "Change Mappings (Generic)",
    "events.view": "See the Event log",
    "finance.view": "See contacts, documents, bank accounts and ledgers",
    "finance.edit": "Edit contacts, notes and documents",
}

_READ = {"interfaces.view", "scheduler.view", "events.view", "finance.view"}

ROLE_PERMISSIONS = {
    Role.ADMIN: frozenset(PERMISSIONS),
    Role.ACCOUNTANT: frozenset(_READ | {"interfaces.run", "finance.edit"}),
    Role.READ_ONLY: frozenset(_READ),
    Role.INTEGRATION: frozenset({"interfaces.view", "interfaces.run", "finance.view", "finance.edit"}),
}

# Roles whose members may sign in through the browser; the integration role is API-only.
INTERACTIVE_ROLES = frozenset({Role.ADMIN, Role.ACCOUNTANT, Role.READ_ONLY})


def permissions_for(role):
    return ROLE_PERMISSIONS.get(role, frozenset())
