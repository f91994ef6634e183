"""Creating and changing interfaces (the run engine arrives with the Interfaces issue)."""

from django.core.exceptions import ValidationError
from django.db import transaction

from finance.audit.services import event_record

from .models import Interface


@transaction.atomic
def interface_create(*, tenant, actor, description, kind, enabled=True):
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": "Give the interface a description."})
    if Interface.objects.filter(tenant=tenant, description__iexact=description).exists():
        raise ValidationError({"description": f"An interface called '{description}' already exists in this environment."})
    interface = Interface(tenant=tenant, description=description, kind=kind, enabled=enabled)
    interface.full_clean(exclude=["tenant"])
    interface.save()
    event_record(
        tenant=tenant, user=actor, action="interface.created", obj=interface, interface=interface,
        message=f"Interface '{description}' ({kind}) created.", after={"description": description, "kind": kind, "enabled": enabled},
    )
    return interface
