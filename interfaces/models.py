import uuid

from django.conf import settings
from django.db import models

from finance.tenancy.models import TenantOwned


class Interface(TenantOwned):
    """A configured way of moving data in or out of the environment (an import, a sync)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    description = models.CharField(max_length=200)
    kind = models.CharField("type", max_length=50)
    enabled = models.BooleanField(default=True)
    # The Defaults tab.
    batch_series = models.ForeignKey(
        "ledger.NumberSeries", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The batch series that numbers what this interface creates.",
    )
    date_format = models.CharField(max_length=30, default="dd/MM/yyyy", help_text="How dates are written in its files.")
    datetime_format = models.CharField("date and time format", max_length=40, default="dd/MM/yyyy HH:mm")
    # The Configuration tab: the kind's own settings (option name -> value).
    config = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              help_text="Who looks after this interface.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["description"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "description"], name="interface_unique_description")
        ]

    def __str__(self):
        return self.description

    @property
    def kind_obj(self):
        from . import kinds

        return kinds.get(self.kind)

    @property
    def kind_label(self):
        kind = self.kind_obj
        return kind.label if kind else self.kind  # a type this installation does not have shows its key

    @property
    def action_choices(self):
        from .kinds.base import ACTION_LABELS

        kind = self.kind_obj
        return [(a, ACTION_LABELS.get(a, a)) for a in kind.actions] if kind else []


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    COMPLETED_WITH_ERRORS = "completed_with_errors", "Completed with errors"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
COUNT_NAMES = ("rows", "created", "updated", "unchanged", "skipped", "duplicates", "errors")


class RunTrigger(models.TextChoices):
    BROWSER = "browser", "Browser"
    SCHEDULE = "schedule", "Schedule"
    COMMAND = "command", "Command line"


class Run(TenantOwned):
    """One request to run an interface action: the ledger of what happened, from queued to finished."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    interface = models.ForeignKey(Interface, on_delete=models.PROTECT, related_name="runs")
    action = models.CharField(max_length=30, default="run")
    status = models.CharField(max_length=30, choices=RunStatus.choices, default=RunStatus.QUEUED)
    options = models.JSONField(default=dict, blank=True)
    since = models.DateField(null=True, blank=True)
    dry_run = models.BooleanField(default=False)
    trigger = models.CharField(max_length=20, choices=RunTrigger.choices)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    attempt = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The database itself allows one active run per interface.
            models.UniqueConstraint(
                fields=["tenant", "interface"],
                condition=models.Q(status__in=["queued", "running"]),
                name="run_one_active_per_interface",
            ),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="run_status_heartbeat")]

    def __str__(self):
        return f"Run {self.short_id} of {self.interface_id}"

    @property
    def count_items(self):
        return [("Rows", self.rows), ("Created", self.created), ("Updated", self.updated), ("Unchanged", self.unchanged),
                ("Skipped", self.skipped), ("Duplicates", self.duplicates), ("Failed", self.errors)]

    @property
    def short_id(self):
        return self.uuid.hex[:8]

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    @property
    def counts(self):
        return {name: getattr(self, name) for name in COUNT_NAMES}


class Severity(models.TextChoices):
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"
    INFO = "info", "Information"


class RunMessage(TenantOwned):
    """A message of a run; for files, one per cell in error (row, column, value, message)."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField()
    severity = models.CharField(max_length=10, choices=Severity.choices)
    row = models.PositiveIntegerField(null=True, blank=True)
    column = models.CharField(max_length=200, null=True, blank=True)  # null: no single column is at fault
    value = models.CharField(max_length=500, null=True, blank=True)  # null: a missing column or a file-level error
    message = models.TextField()

    class Meta:
        ordering = ["run", "seq"]
        constraints = [models.UniqueConstraint(fields=["tenant", "run", "seq"], name="runmessage_unique_seq")]

    def __str__(self):
        return self.message

    def as_dict(self):
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


class ImportFileKind(models.TextChoices):
    INPUT = "input", "Input"
    PRODUCED = "produced", "Produced"
    ATTACHMENT = "attachment", "Attachment"


class ImportFile(TenantOwned):
    """A file in the environment's Imports folder: an input, a produced file or an attachment."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    interface = models.ForeignKey(Interface, null=True, blank=True, on_delete=models.SET_NULL, related_name="files")
    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="files")
    kind = models.CharField(max_length=20, choices=ImportFileKind.choices)
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=300, editable=False)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "stored_name"], name="importfile_unique_stored_name")]

    def __str__(self):
        return self.original_name

    def as_dict(self):
        return {"uuid": str(self.uuid), "name": self.original_name, "kind": self.kind, "size": self.size, "sha256": self.sha256}
