from django.apps import apps
from django.db import transaction

from finance.audit.services import event_record

from .models import Tenant


@transaction.atomic
def tenant_create(*, name, slug, actor=None):
    """Create an environment and record it in its own Event log."""
    tenant = Tenant(name=name.strip(), slug=slug.strip().lower())
    tenant.full_clean()
    tenant.save()
    event_record(tenant=tenant, user=actor, action="environment.created", obj=tenant, message=f"Environment '{tenant.name}' created.")
    return tenant


@transaction.atomic
def tenant_delete(*, tenant):
    """Delete an environment and everything it owns (used by `seed_demo --reset`).

    Tenant-owned rows protect each other (a document protects its legal entity), so a cascade from
    the tenant would refuse. Every tenant-owned table is emptied of the tenant's rows instead; the
    foreign keys are deferred to the end of the transaction, so the order does not matter.
    """
    for model in apps.get_models():
        if any(f.name == "tenant" for f in model._meta.concrete_fields) and model is not Tenant:
            model._base_manager.filter(tenant=tenant)._raw_delete(model._base_manager.db)
    Tenant.objects.filter(pk=tenant.pk).delete()
