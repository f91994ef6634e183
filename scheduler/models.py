"""Scheduled tasks (Environment -> Scheduler), their executions, and the provider's templates.

A `ScheduledTask` runs one interface of its environment on an execution pattern
(`scheduler.patterns`). The dispatch tick (`scheduler.dispatch`) claims due tasks with a
conditional update of `next_execution` and records each claim as a `ScheduledExecution`: a run it
started, or the reason it started none. A `TaskTemplate` belongs to the provider (Django staff,
not a tenant role); with *Deployment* ticked it is copied into every environment that has an
interface of its kind, and the copies follow the template.
"""

import uuid

from django.conf import settings
from django.db import models

from finance.tenancy.models import TenantOwned
from finance.tenancy.roles import PERMISSIONS

ACCESS_KEY_CHOICES = [(key, f"{key}: {label}") for key, label in PERMISSIONS.items()]
DEFAULT_FAILURE_THRESHOLD = 5


class MissedPolicy(models.TextChoices):
    RUN_ONCE = "run_once", "Run once when back"
    SKIP = "skip", "Skip missed executions"


class TaskFields(models.Model):
    """What a task and a provider template share."""

    description = models.CharField(max_length=200)
    action = models.CharField(max_length=30, default="run")
    access_key = models.CharField(
        max_length=50, choices=ACCESS_KEY_CHOICES, default="scheduler.view",
        help_text="A user must have this access permission to see the scheduled task.",
    )
    # scheduler.patterns.pattern_to_dict(); the time zone is part of the pattern.
    pattern = models.JSONField()
    execute_until = models.DateField(null=True, blank=True, help_text="The last date (in the task's time zone) it runs.")
    missed_policy = models.CharField(
        max_length=20, choices=MissedPolicy.choices, default=MissedPolicy.RUN_ONCE,
        help_text="What happens to executions missed while the application was down.",
    )
    failure_threshold = models.PositiveSmallIntegerField(
        default=DEFAULT_FAILURE_THRESHOLD,
        help_text="After this many failed runs in a row the owner is warned; after twice as many the task disables itself.",
    )

    class Meta:
        abstract = True

    @property
    def pattern_obj(self):
        from .patterns import pattern_from_dict

        return pattern_from_dict(self.pattern)

    @property
    def pattern_text(self):
        from .patterns import PatternError, describe

        try:
            return describe(self.pattern_obj)
        except PatternError as error:
            return f"Invalid pattern: {error}"

    @property
    def tz(self):
        return (self.pattern or {}).get("tz") or "Europe/London"


class TaskTemplate(TaskFields):
    """A provider's scheduled task for an interface kind; deployed to environments when ticked."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("interface type", max_length=50)
    deployment = models.BooleanField(default=False, help_text="Deploy this task to customer environments.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["description"]
        constraints = [models.UniqueConstraint(fields=["description"], name="tasktemplate_unique_description")]

    def __str__(self):
        return self.description


class ScheduledTask(TaskFields, TenantOwned):
    """One interface of the environment, run on an execution pattern."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Every index here is written again when the tick moves next_execution: the tenant is served by
    # the unique (tenant, description) index, so it has none of its own.
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+", editable=False, db_index=False)
    interface = models.ForeignKey("interfaces.Interface", on_delete=models.PROTECT, related_name="scheduled_tasks")
    enabled = models.BooleanField(default=True)
    disabled_reason = models.TextField(blank=True)
    template = models.ForeignKey(TaskTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="copies",
                                 help_text="Set on a deployed copy: its fields follow the provider's template.")
    last_execution = models.DateTimeField(null=True, blank=True)
    next_execution = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="Who is warned when the task keeps failing.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["description"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "description"], name="scheduledtask_unique_description"),
            models.UniqueConstraint(fields=["tenant", "template", "interface"], condition=models.Q(template__isnull=False),
                                    name="scheduledtask_one_copy_per_interface"),
        ]
        indexes = [models.Index(fields=["next_execution"], condition=models.Q(enabled=True), name="scheduledtask_due")]

    def __str__(self):
        return self.description

    @property
    def is_deployed_copy(self):
        return self.template_id is not None


class ExecutionTrigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Run now"


class ExecutionOutcome(models.TextChoices):
    STARTED = "started", "Run started"
    SKIPPED = "skipped", "Skipped"


class ScheduledExecution(TenantOwned):
    """One claim of a task: the run it started, or why it started none."""

    # The (task, at) index serves the task's own lookups, so the key has none of its own.
    task = models.ForeignKey(ScheduledTask, on_delete=models.CASCADE, related_name="executions", db_index=False)
    run = models.OneToOneField("interfaces.Run", null=True, blank=True, on_delete=models.SET_NULL, related_name="scheduled_execution")
    trigger = models.CharField(max_length=20, choices=ExecutionTrigger.choices)
    due_at = models.DateTimeField(null=True, blank=True, help_text="The execution the pattern asked for.")
    at = models.DateTimeField(help_text="When the task was claimed.")
    outcome = models.CharField(max_length=20, choices=ExecutionOutcome.choices)
    reason = models.TextField(blank=True)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["task", "-at"], name="scheduledexecution_task_at")]

    def __str__(self):
        return f"{self.task} at {self.at:%Y-%m-%d %H:%M}"
