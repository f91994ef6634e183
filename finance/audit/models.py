import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from finance.tenancy.models import TenantOwned


class AppendOnlyError(RuntimeError):
    pass


class Severity(models.TextChoices):
    INFO = "info", "Information"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"


class Event(TenantOwned):
    """One row of the append-only Event log: who did what to which object, and what changed."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor = models.CharField(max_length=254, help_text="The user's e-mail, or 'system'.")
    interface = models.ForeignKey("interfaces.Interface", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    run_ref = models.CharField("run", max_length=40, blank=True, help_text="The run's id, when a run made the change.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.INFO)
    action = models.CharField(max_length=100)
    object_type = models.CharField(max_length=100, blank=True)
    object_uuid = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    message = models.TextField(blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant", "-at"], name="event_tenant_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Event log rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Event log rows cannot be deleted")
