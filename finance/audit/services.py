"""Writing the Event log. Callers run inside their own transaction, so the event and the change
it describes commit or roll back together."""

from .models import Event, Severity


def event_record(
    *,
    tenant,
    action,
    user=None,
    user_id=None,
    obj=None,
    message="",
    severity=Severity.INFO,
    before=None,
    after=None,
    interface=None,
    run_ref="",
):
    """Append one Event log row. `user` None means the system did it."""
    if user is None and user_id is not None:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=user_id).first()
    event = Event(
        tenant=tenant,
        user=user,
        actor=user.email if user is not None else "system",
        severity=severity,
        action=action,
        message=message,
        before=before,
        after=after,
        interface=interface,
        run_ref=str(run_ref or ""),
    )
    if obj is not None:
        event.object_type = obj._meta.verbose_name
        event.object_uuid = str(getattr(obj, "uuid", "") or "")
        event.object_repr = str(obj)[:300]
    event.save()
    return event
