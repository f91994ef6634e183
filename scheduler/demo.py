"""The demo environment's scheduled tasks (demo-data §18): created disabled, to be enabled once the
vault entries hold real values; never changed once they exist."""

from finance.audit.services import event_record
from finance.tenancy.models import Membership
from finance.tenancy.roles import Role
from interfaces.models import Interface

from .models import ScheduledTask
from .patterns import pattern_from_dict, pattern_to_dict

DISABLED_REASON = "Created disabled: enable it once the vault entries hold real values."

# description, interface, action, pattern
DEMO_TASKS = (
    ("Nightly IMP Planner sync", "IMP Planner", "synchronise", {"kind": "daily", "time": "02:00", "tz": "Europe/London"}),
    ("Hourly Cin7 sync", "Cin7", "synchronise", {"kind": "hourly", "minute": 15, "tz": "Europe/London"}),
)


def seed_scheduled_tasks(*, tenant):
    """Create the demo tasks that are missing; returns how many it created. They are written
    directly (not through task_create) because their interfaces' kinds may not be installed yet;
    a disabled task never runs, and the dispatch tick checks the kind again when it is enabled."""
    created = 0
    # The environment's first administrator is warned if a task keeps failing.
    admin = Membership.objects.filter(tenant=tenant, role=Role.ADMIN, is_active=True).select_related("user").order_by("pk").first()
    owner = admin.user if admin else None
    for description, interface_name, action, pattern in DEMO_TASKS:
        interface = Interface.objects.filter(tenant=tenant, description=interface_name).first()
        if interface is None or ScheduledTask.objects.filter(tenant=tenant, description=description).exists():
            continue
        task = ScheduledTask.objects.create(
            tenant=tenant, description=description, interface=interface, action=action, owner=owner,
            pattern=pattern_to_dict(pattern_from_dict(pattern)), enabled=False, disabled_reason=DISABLED_REASON,
        )
        event_record(tenant=tenant, action="scheduler.task.created", obj=task, interface=interface,
                     message=f"Scheduled task '{description}' created (demo data), disabled: {task.pattern_text}.")
        created += 1
    return created
