"""Changing scheduled tasks and the provider's templates. Every change writes its Event log row in
the same transaction. The dispatch tick lives in `scheduler.dispatch`."""

from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from finance.audit.models import Severity
from finance.audit.services import event_record
from finance.catalog.features import feature_label
from finance.notices.models import Level
from finance.notices.services import notice_create
from finance.tenancy import scope
from finance.tenancy.roles import PERMISSIONS
from interfaces import kinds
from interfaces.models import Interface, RunStatus, RunTrigger
from interfaces.services import RunRequestError, run_request

from .models import ExecutionOutcome, ExecutionTrigger, MissedPolicy, ScheduledExecution, ScheduledTask, TaskTemplate
from .patterns import PatternError, next_after, pattern_from_dict, pattern_to_dict
from zoneinfo import ZoneInfo

# Fields of a deployed copy that follow its template; an environment may not edit them.
TEMPLATE_FIELDS = ("description", "action", "access_key", "pattern", "execute_until", "missed_policy", "failure_threshold")
EDITABLE_FIELDS = TEMPLATE_FIELDS + ("interface", "owner")
WITHDRAWN = "Withdrawn by the provider:"


def _snapshot(task):
    return {
        "description": task.description, "interface": str(getattr(task, "interface", "") or ""), "action": task.action,
        "access_key": task.access_key, "pattern": task.pattern_text, "execute_until": str(task.execute_until or ""),
        "missed_policy": task.missed_policy, "failure_threshold": task.failure_threshold,
        "enabled": getattr(task, "enabled", None),
    }


def until_instant(execute_until, tz):
    """The first instant after `execute_until` ends in `tz` (None: no end)."""
    if execute_until is None:
        return None
    from datetime import timedelta

    return datetime.combine(execute_until + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz))


def next_execution_for(task, after):
    """The task's next execution strictly after `after`, or None once `execute_until` has passed."""
    pattern = pattern_from_dict(task.pattern)
    following = next_after(pattern, after)
    end = until_instant(task.execute_until, pattern.tz)
    if end is not None and following >= end:
        return None
    return following


def _clean_fields(tenant, fields, *, is_template=False):
    """Check what a task or template would hold; raises ValidationError naming each field."""
    errors = {}
    try:
        pattern = pattern_from_dict(fields.get("pattern") or {})
        fields["pattern"] = pattern_to_dict(pattern)
    except PatternError as error:
        errors["pattern"] = str(error)
        pattern = None
    description = " ".join(str(fields.get("description") or "").split())
    fields["description"] = description
    if not description:
        errors["description"] = "Enter a description."
    if fields.get("access_key") not in PERMISSIONS:
        errors["access_key"] = f"'{fields.get('access_key')}' is not an access key of this application."
    until = fields.get("execute_until")
    if until is not None and pattern is not None:
        today = timezone.now().astimezone(ZoneInfo(pattern.tz)).date()
        if until < today:
            errors["execute_until"] = f"Execute until {until:%d/%m/%Y} is in the past; leave it empty or choose today or later."
    if fields.get("missed_policy", MissedPolicy.RUN_ONCE) not in MissedPolicy.values:
        errors["missed_policy"] = "Choose what happens to missed executions."
    threshold = fields.get("failure_threshold", 5)
    if not isinstance(threshold, int) or not 1 <= threshold <= 100:
        errors["failure_threshold"] = "Choose between 1 and 100 failed runs in a row."
    kind_key = fields.get("kind") if is_template else None
    interface = fields.get("interface")
    if not is_template:
        if not isinstance(interface, Interface) or interface.tenant_id != tenant.pk:
            errors["interface"] = "Choose an interface of this environment."
            interface = None
        else:
            kind_key = interface.kind
    kind = kinds.get(kind_key) if kind_key else None
    if kind is None and "interface" not in errors:
        errors["kind" if is_template else "interface"] = f"The interface type '{kind_key}' is not installed."
    elif kind is not None and fields.get("action", "run") not in kind.actions:
        errors["action"] = f"{kind.label} cannot '{fields.get('action')}'; it offers: {', '.join(kind.actions)}."
    elif kind is not None and kind.files_required and fields.get("action", "run") == "run":
        errors["action"] = f"{kind.label} needs a file for each run, so it cannot run on a schedule."
    if errors:
        raise ValidationError(errors)
    return fields


def _unique_description(tenant, description, exclude_pk=None):
    taken = ScheduledTask.objects.filter(tenant=tenant, description__iexact=description)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"description": f"A scheduled task called '{description}' already exists in this environment."})


def _save(task):
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError:
        raise ValidationError({"description": f"A scheduled task called '{task.description}' already exists in this environment."}) from None


@transaction.atomic
def task_create(*, tenant, actor, description, interface, pattern, action="run", access_key="scheduler.view",
                execute_until=None, missed_policy=MissedPolicy.RUN_ONCE, failure_threshold=5, enabled=True, owner=None,
                template=None, now=None):
    fields = _clean_fields(tenant, {
        "description": description, "interface": interface, "pattern": pattern, "action": action,
        "access_key": access_key, "execute_until": execute_until, "missed_policy": missed_policy,
        "failure_threshold": failure_threshold,
    })
    _unique_description(tenant, fields["description"])
    task = ScheduledTask(tenant=tenant, enabled=enabled, owner=owner or actor, template=template, **fields)
    task.next_execution = next_execution_for(task, now or timezone.now()) if enabled else None
    _save(task)
    event_record(tenant=tenant, user=actor, action="scheduler.task.created", obj=task, interface=task.interface,
                 message=f"Scheduled task '{task.description}' created: {task.pattern_text}.", after=_snapshot(task))
    return task


@transaction.atomic
def task_update(*, task, actor, now=None, **changes):
    """Change a task's fields; a deployed copy refuses every field its template owns."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"task_update cannot change {sorted(unknown)}")
    task = ScheduledTask.objects.select_for_update().get(pk=task.pk)
    if task.is_deployed_copy:
        owned = [name for name in changes if name in TEMPLATE_FIELDS and changes[name] != getattr(task, name)]
        if owned:
            raise ValidationError({None: "This task is deployed by the provider: its fields follow the provider's template. "
                                         "You may disable it here, with a reason."})
    before = _snapshot(task)
    fields = {name: getattr(task, name) for name in TEMPLATE_FIELDS}
    fields["interface"] = task.interface
    fields.update(changes)
    fields = _clean_fields(task.tenant, fields)
    _unique_description(task.tenant, fields["description"], exclude_pk=task.pk)
    for name, value in fields.items():
        setattr(task, name, value)
    if "owner" in changes:
        task.owner = changes["owner"]
    if task.enabled:
        task.next_execution = next_execution_for(task, now or timezone.now())
    _save(task)
    after = _snapshot(task)
    if after != before:
        event_record(tenant=task.tenant, user=actor, action="scheduler.task.updated", obj=task, interface=task.interface,
                     message=f"Scheduled task '{task.description}' changed.", before=before, after=after)
    return task


@transaction.atomic
def task_delete(*, task, actor):
    if task.is_deployed_copy:
        raise ValidationError("This task is deployed by the provider and cannot be deleted here; disable it instead.")
    before = _snapshot(task)
    event_record(tenant=task.tenant, user=actor, action="scheduler.task.deleted", obj=task, interface=task.interface,
                 severity=Severity.WARNING, message=f"Scheduled task '{task.description}' deleted.", before=before)
    task.delete()


@transaction.atomic
def task_set_enabled(*, task, actor, enabled, reason="", now=None):
    """Enable (failures forgotten, next execution from now) or disable (a reason is kept; a
    deployed copy needs one)."""
    task = ScheduledTask.objects.select_for_update().get(pk=task.pk)
    reason = " ".join(str(reason or "").split())
    if not enabled and task.is_deployed_copy and not reason:
        raise ValidationError({"reason": "Say why you disable a task the provider deployed."})
    before = {"enabled": task.enabled, "disabled_reason": task.disabled_reason}
    task.enabled = enabled
    if enabled:
        task.disabled_reason = ""
        task.consecutive_failures = 0
        task.next_execution = next_execution_for(task, now or timezone.now())
    else:
        task.disabled_reason = reason or f"Disabled by {actor.email if actor else 'the system'}."
        task.next_execution = None
    task.save()
    event_record(tenant=task.tenant, user=actor, action="scheduler.task.enabled" if enabled else "scheduler.task.disabled",
                 obj=task, interface=task.interface, severity=Severity.INFO if enabled else Severity.WARNING,
                 message=f"Scheduled task '{task.description}' {'enabled' if enabled else 'disabled'}"
                         f"{'' if enabled else ': ' + task.disabled_reason}", before=before,
                 after={"enabled": task.enabled, "disabled_reason": task.disabled_reason})
    return task


def task_run_now(*, task, actor):
    """Run the task's interface at once, as the user: a manual execution in the task's history;
    the schedule's next execution stays where it was. A refused request (the interface is busy,
    say) is kept in the history too, then raised."""
    try:
        return _task_run_now(task=task, actor=actor)
    except RunRequestError as error:
        ScheduledExecution.objects.create(tenant=task.tenant, task=task, trigger=ExecutionTrigger.MANUAL, at=timezone.now(),
                                          outcome=ExecutionOutcome.SKIPPED, reason=error.args[0], triggered_by=actor)
        raise


@transaction.atomic
def _task_run_now(*, task, actor):
    run = run_request(interface=task.interface, action=task.action, actor=actor, trigger=RunTrigger.BROWSER)
    now = timezone.now()
    ScheduledExecution.objects.create(tenant=task.tenant, task=task, run=run, trigger=ExecutionTrigger.MANUAL, at=now,
                                      outcome=ExecutionOutcome.STARTED, triggered_by=actor)
    ScheduledTask.objects.filter(pk=task.pk).update(last_execution=now)
    event_record(tenant=task.tenant, user=actor, action="scheduler.task.run_now", obj=task, interface=task.interface,
                 run_ref=run.uuid, message=f"Scheduled task '{task.description}' run now by hand.")
    return run


@transaction.atomic
def tasks_pause_for_feature(*, tenant, feature_key, actor, reason):
    """Pause (disable, with the reason kept) every enabled task whose interface's kind needs the
    feature just switched off. Returns the tasks paused."""
    keys = [k.key for k in kinds.all_kinds() if getattr(k, "feature", "") == feature_key]
    tasks = list(ScheduledTask.objects.select_for_update().filter(tenant=tenant, enabled=True, interface__kind__in=keys))
    why = f"Paused: the feature '{feature_label(feature_key)}' was turned off" + (f" ({reason})" if reason else "") + "."
    for task in tasks:
        task.enabled = False
        task.disabled_reason = why
        task.next_execution = None
        task.save(update_fields=["enabled", "disabled_reason", "next_execution", "updated_at"])
        event_record(tenant=tenant, user=actor, action="scheduler.task.paused", obj=task, interface=task.interface,
                     severity=Severity.WARNING, message=f"Scheduled task '{task.description}': {why}",
                     before={"enabled": True}, after={"enabled": False, "disabled_reason": why})
    return tasks


def _task_url(task):
    return reverse("scheduler:detail", kwargs={"tenant_slug": task.tenant.slug, "scheduledtask_id": task.uuid})


@transaction.atomic
def task_run_finished(*, run):
    """Count a scheduled run's outcome: failures in a row warn the owner at the threshold and
    disable the task at twice the threshold; any other finish starts the count again."""
    execution = ScheduledExecution.objects.filter(tenant=run.tenant, run=run).select_related("task").first()
    if execution is None or run.status == RunStatus.CANCELLED:
        return None
    task = ScheduledTask.objects.select_for_update().get(pk=execution.task_id)
    if run.status != RunStatus.FAILED:
        if task.consecutive_failures:
            task.consecutive_failures = 0
            task.save(update_fields=["consecutive_failures", "updated_at"])
        return task
    task.consecutive_failures += 1
    n = task.failure_threshold
    fields = ["consecutive_failures", "updated_at"]
    recipient = task.owner
    if task.consecutive_failures == n:
        event_record(tenant=task.tenant, action="scheduler.task.failing", obj=task, interface=task.interface, run_ref=run.uuid,
                     severity=Severity.WARNING,
                     message=f"Scheduled task '{task.description}' has failed {n} times in a row; "
                             f"it disables itself after {2 * n}.")
        if recipient is not None:
            notice_create(tenant=task.tenant, user=recipient, level=Level.WARNING,
                          title=f"Scheduled task '{task.description}' failed {n} times in a row",
                          message=f"Last run: {run.message or 'failed'}. It disables itself after {2 * n} failures in a row.",
                          url=_task_url(task))
    elif task.consecutive_failures >= 2 * n and task.enabled:
        task.enabled = False
        task.next_execution = None
        task.disabled_reason = f"Disabled by itself after {task.consecutive_failures} failed runs in a row."
        fields += ["enabled", "next_execution", "disabled_reason"]
        event_record(tenant=task.tenant, action="scheduler.task.disabled", obj=task, interface=task.interface, run_ref=run.uuid,
                     severity=Severity.ERROR, message=f"Scheduled task '{task.description}': {task.disabled_reason}",
                     before={"enabled": True}, after={"enabled": False, "disabled_reason": task.disabled_reason})
        if recipient is not None:
            notice_create(tenant=task.tenant, user=recipient, level=Level.DANGER,
                          title=f"Scheduled task '{task.description}' disabled itself",
                          message=f"{task.disabled_reason} Open it and re-enable it once the cause is fixed.",
                          url=_task_url(task))
    task.save(update_fields=fields)
    return task


# --- Provider templates -----------------------------------------------------------------------------


def _template_fields(template):
    return {name: getattr(template, name) for name in TEMPLATE_FIELDS}


def _copy_description(tenant, template, interface, exclude_pk=None):
    """The template's description; with the interface's when the environment has several copies,
    or when the plain one is taken by a task of the environment's own; then, if that too is
    taken, with the first free number after it ("... (Sync) 2")."""
    base = template.description
    others = ScheduledTask.objects.filter(tenant=tenant)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)

    def taken(description):
        return others.filter(description__iexact=description).exists()

    siblings = Interface.objects.filter(tenant=tenant, kind=template.kind).count()
    if siblings <= 1 and not taken(base):
        return base
    named = f"{base} ({interface.description})"[:200]
    number = 2
    candidate = named
    while taken(candidate):
        suffix = f" {number}"
        candidate = named[:200 - len(suffix)] + suffix
        number += 1
    return candidate


def _deploy_one(template, interface, actor):
    """Create or refresh the copy of `template` for `interface`; returns (task, created)."""
    tenant = interface.tenant
    with scope.activate(tenant):
        task = ScheduledTask.objects.filter(tenant=tenant, template=template, interface=interface).first()
        fields = _template_fields(template)
        if task is None:
            fields["description"] = _copy_description(tenant, template, interface)
            task = ScheduledTask(tenant=tenant, interface=interface, template=template, enabled=True, **fields)
            task.next_execution = next_execution_for(task, timezone.now())
            task.save()
            event_record(tenant=tenant, user=actor, action="scheduler.task.deployed", obj=task, interface=interface,
                         message=f"Scheduled task '{task.description}' deployed by the provider: {task.pattern_text}.",
                         after=_snapshot(task))
            return task, True
        before = _snapshot(task)
        if not task.enabled and task.disabled_reason.startswith(WITHDRAWN):  # deployed again: back on
            task.enabled, task.disabled_reason = True, ""
        fields["description"] = _copy_description(tenant, template, interface, exclude_pk=task.pk)
        for name, value in fields.items():
            setattr(task, name, value)
        if task.enabled:
            task.next_execution = next_execution_for(task, timezone.now())
        task.save()
        after = _snapshot(task)
        if after != before:
            event_record(tenant=tenant, user=actor, action="scheduler.task.redeployed", obj=task, interface=interface,
                         message=f"Scheduled task '{task.description}' follows the provider's template.",
                         before=before, after=after)
        return task, False


def template_deploy(*, template, actor=None):
    """Copy `template` into every environment that has an interface of its kind, and bring the
    copies in step with it. Returns the number of copies created."""
    if not template.deployment:
        return 0
    created = 0
    with scope.disabled():
        interfaces = list(Interface.objects.filter(kind=template.kind).select_related("tenant").order_by("tenant_id", "pk"))
    for interface in interfaces:
        _, new = _deploy_one(template, interface, actor)
        created += new
    return created


def deploy_templates_for_interface(*, interface, actor=None):
    """A new interface gets the copies of every deployed template of its kind."""
    with scope.disabled():
        templates = list(TaskTemplate.objects.filter(deployment=True, kind=interface.kind))
    for template in templates:
        _deploy_one(template, interface, actor)
    return len(templates)


def _check_template(fields):
    kind = kinds.get(fields.get("kind") or "")
    if kind is None:
        raise ValidationError({"kind": f"The interface type '{fields.get('kind')}' is not installed."})
    return _clean_fields(None, fields, is_template=True)


@transaction.atomic
def template_save(*, actor, template=None, **fields):
    """Create or change a provider template; with Deployment ticked, the copies follow at once."""
    fields = _check_template(dict(fields))
    creating = template is None
    if creating:
        template = TaskTemplate(created_by=actor)
    taken = TaskTemplate.objects.filter(description__iexact=fields["description"])
    if not creating:
        taken = taken.exclude(pk=template.pk)
    if taken.exists():
        raise ValidationError({"description": f"A template called '{fields['description']}' already exists."})
    withdrawn = not creating and template.deployment and not fields["deployment"]
    for name, value in fields.items():
        setattr(template, name, value)
    template.save()
    if template.deployment:
        template_deploy(template=template, actor=actor)
    elif withdrawn:
        template_withdraw(template=template, actor=actor)
    return template


def template_withdraw(*, template, actor=None):
    """Deployment unticked: every enabled copy is disabled, saying why; copies stay (with their
    history) and follow the template again if it is deployed again."""
    with scope.disabled():
        copies = list(ScheduledTask.objects.filter(template=template, enabled=True).select_related("tenant", "interface"))
    why = f"{WITHDRAWN} the template '{template.description}' is no longer deployed."
    for task in copies:
        with scope.activate(task.tenant):
            ScheduledTask.objects.filter(pk=task.pk).update(enabled=False, next_execution=None, disabled_reason=why,
                                                            updated_at=timezone.now())
            event_record(tenant=task.tenant, user=actor, action="scheduler.task.withdrawn", obj=task, interface=task.interface,
                         severity=Severity.WARNING, message=f"Scheduled task '{task.description}': {why}",
                         before={"enabled": True}, after={"enabled": False, "disabled_reason": why})
    return len(copies)
