"""Rules every tenant-owned model keeps, checked over all installed models."""

from django.apps import apps
from django.db import models

from finance.tenancy.models import Tenant
from finance.tenancy.scope import ScopedManager

TENANT_OWNED = [m for m in apps.get_models() if any(f.name == "tenant" for f in m._meta.fields)]
# Single-field unique values that are random tokens, unique across all tenants by construction.
GLOBAL_RANDOM_FIELDS = {"uuid", "prefix", "key_hash"}


def test_there_are_tenant_owned_models_to_check():
    names = {m.__name__ for m in TENANT_OWNED}
    assert {"Membership", "ApiKey", "Event", "Interface", "ContactAccount", "Document", "Posting", "BankStatementLine"} <= names


def test_every_tenant_owned_model_uses_the_scoped_manager():
    offenders = [m.__name__ for m in TENANT_OWNED if not isinstance(m._default_manager, ScopedManager)]
    assert offenders == []


def test_every_tenant_fk_is_required_and_points_at_the_tenant():
    for model in TENANT_OWNED:
        field = model._meta.get_field("tenant")
        assert field.related_model is Tenant, model.__name__
        assert not field.null, f"{model.__name__}.tenant may not be null"


def test_uniqueness_is_always_per_tenant():
    offenders = []
    for model in TENANT_OWNED:
        for constraint in model._meta.constraints:
            if not isinstance(constraint, models.UniqueConstraint):
                continue
            names = set(constraint.fields) | {getattr(e, "name", None) for e in constraint.expressions}
            if "tenant" not in names:
                offenders.append(f"{model.__name__}.{constraint.name}")
        for together in model._meta.unique_together:
            if "tenant" not in together:
                offenders.append(f"{model.__name__}.{together}")
        for field in model._meta.fields:
            # A one-to-one link points at a row that is itself tenant-owned, so it is per tenant.
            if isinstance(field, models.OneToOneField):
                continue
            if field.unique and not field.primary_key and field.name not in GLOBAL_RANDOM_FIELDS:
                offenders.append(f"{model.__name__}.{field.name}")
    assert offenders == []
