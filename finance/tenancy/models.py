import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower

from .roles import Role, permissions_for
from . import scope
from .scope import ScopedManager

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    "Use 1-50 lower-case letters, digits and hyphens, starting and ending with a letter or digit.",
)

# Slugs that would shadow a top-level URL.
RESERVED_SLUGS = frozenset({"accounts", "static", "media", "environments", "healthz", "admin", "api", "provider"})


class Tenant(models.Model):
    """An environment: one customer's finance system."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=50, unique=True, validators=[slug_validator])
    date_format = models.CharField(max_length=30, default="dd/MM/yyyy", help_text="Default date format of new interfaces and exports.")
    datetime_format = models.CharField(max_length=30, default="dd/MM/yyyy HH:mm")
    imports_retention_days = models.PositiveIntegerField(
        default=365, validators=[MaxValueValidator(3650)],
        help_text="Files of the Imports folder older than this are removed nightly; 0 keeps them forever.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": f"'{self.slug}' is reserved; choose another slug."})


class TenantOwned(models.Model):
    """Base of every tenant-owned model: a non-null tenant and the scoped default manager."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", editable=False)

    objects = ScopedManager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        active = scope.current()
        if active is not None and self.tenant_id != active.pk:
            raise scope.ScopeError(
                f"Refusing to save a {type(self).__name__} of another tenant inside {active.slug}'s scope."
            )
        super().save(*args, **kwargs)


class Membership(TenantOwned):
    """A user's place in one environment, with the role that decides what they may do there."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user")]
        ordering = ["user__email"]

    def __str__(self):
        return f"{self.user} in {self.tenant_id} as {self.role}"

    @property
    def permissions(self):
        return permissions_for(self.role) if self.is_active else frozenset()

    @property
    def permission_list(self):
        return sorted(self.permissions)

    def has_perm(self, perm):
        return perm in self.permissions


class CodedModel(TenantOwned):
    """Reference data with a public UUID and a code, unique per tenant whatever its case."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=250)

    class Meta:
        abstract = True
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(Lower("code"), "tenant", name="%(app_label)s_%(class)s_unique_code"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"
