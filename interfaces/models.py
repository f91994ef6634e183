import uuid

from django.db import models

from finance.tenancy.models import TenantOwned


class Interface(TenantOwned):
    """A configured way of moving data in or out of the environment (an import, a sync)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    description = models.CharField(max_length=200)
    kind = models.CharField("type", max_length=50)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["description"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "description"], name="interface_unique_description")
        ]

    def __str__(self):
        return self.description
