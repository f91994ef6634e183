import uuid

from django.conf import settings
from django.db import models

from finance.tenancy.models import TenantOwned


class Level(models.TextChoices):
    INFO = "info", "Information"
    SUCCESS = "success", "Success"
    WARNING = "warning", "Warning"
    DANGER = "danger", "Problem"


ICONS = {
    Level.INFO: "bi-info-circle",
    Level.SUCCESS: "bi-check-circle",
    Level.WARNING: "bi-exclamation-triangle",
    Level.DANGER: "bi-x-octagon",
}


class Notice(TenantOwned):
    """A message for one user in one environment (a run they started has ended, ...)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.INFO)
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="A local path the notice leads to.")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "tenant", "read_at"], name="notice_unread"),
            models.Index(fields=["user", "tenant", "-created_at"], name="notice_recent"),
        ]

    def __str__(self):
        return self.title

    @property
    def icon(self):
        return ICONS.get(self.level, ICONS[Level.INFO])

    @property
    def is_read(self):
        return self.read_at is not None
