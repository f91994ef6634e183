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
    """Delete an environment and everything it owns (used by `seed_demo --reset`)."""
    tenant.delete()
