import json

from django.shortcuts import render

from finance.tenancy.decorators import require_perm
from finance.tenancy.shortcuts import get_for_tenant

from .models import Event


@require_perm("events.view")
def event_detail(request, event_id):
    event = get_for_tenant(Event.objects.select_related("interface", "user"), request.tenant, uuid=event_id)
    pretty = {
        name: json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
        for name, value in (("before", event.before), ("after", event.after))
        if value is not None
    }
    return render(request, "audit/event.html", {"event": event, "pretty": pretty})
