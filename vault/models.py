import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from finance.tenancy.models import TenantOwned


class TenantKey(TenantOwned):
    """An environment's data key, wrapped by the key-encryption key (never stored in the clear)."""

    wrapped_key = models.TextField(help_text="The data key, encrypted with a key of VAULT_KEKS (Fernet token).")
    version = models.PositiveIntegerField(default=1, help_text="Counts the environment's data keys; a rotation adds one.")
    kek_id = models.CharField(max_length=12, help_text="Which key-encryption key wrapped it (a short hash, not the key).")
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant"], name="vault_tenantkey_one_per_tenant")]

    def __str__(self):
        return f"Data key v{self.version}"


class EntryType(models.TextChoices):
    GENERIC = "generic", "Generic"
    API_KEY = "api_key", "API key"
    CIN7 = "cin7", "Cin7"
    IMP_PLANNER = "imp_planner", "IMP Planner"


class VaultEntry(TenantOwned):
    """A named secret of one environment. The value is stored only encrypted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    type = models.CharField(max_length=20, choices=EntryType.choices, default=EntryType.GENERIC)
    description = models.CharField(max_length=250, blank=True)
    ciphertext = models.BinaryField(editable=False)
    key_version = models.PositiveIntegerField(default=1, editable=False)
    fingerprint = models.CharField(max_length=4, blank=True, help_text="The value's last 4 characters.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who set the value last.",
    )
    updated_at = models.DateTimeField(help_text="When the value was set last.")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "vault entry"
        verbose_name_plural = "vault entries"
        constraints = [models.UniqueConstraint(Lower("name"), "tenant", name="vault_vaultentry_unique_name")]

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"<VaultEntry {self.name}>"

    @property
    def masked(self):
        return f"••••{self.fingerprint}" if self.fingerprint else "••••"

    def snapshot(self):
        """What the Event log may show: never the value nor its ciphertext."""
        return {"name": self.name, "type": self.type, "description": self.description, "fingerprint": self.masked}
