import hashlib
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

from finance.tenancy.models import TenantOwned


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username):
        # Addresses are stored lower-case; people type them in any case.
        return self.get(email__iexact=username)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person (or an integration) who signs in with an e-mail address.

    Users are global; what they may do lives in their Membership of each environment.
    `is_staff` marks the provider's own administrators, not a tenant role.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


API_KEY_PREFIX = "fik"


def hash_api_key(raw):
    # Keys carry 256 random bits, so a fast hash is safe here (unlike passwords).
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(TenantOwned):
    """A user's key for one environment. Only its hash is stored; the key is shown once."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    membership = models.ForeignKey("tenancy.Membership", on_delete=models.CASCADE, related_name="api_keys")
    description = models.CharField(max_length=200)
    prefix = models.CharField(max_length=16, unique=True, help_text="Visible start of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.description} ({self.prefix}…)"

    @property
    def status(self):
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @property
    def is_usable(self):
        return self.status == "active"


class ColumnPreference(TenantOwned):
    """The columns a user chose to see on one list page."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    list_key = models.CharField(max_length=50)
    columns = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user", "list_key"], name="columnpreference_unique")
        ]


class SavedView(TenantOwned):
    """A named view of one list page (a "set"): its path, filters, sort and columns.

    Private to its user unless `shared`, when every member of the environment who may see the
    list can apply it.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    list_key = models.CharField(max_length=50)
    name = models.CharField(max_length=60)
    path = models.CharField(max_length=500, help_text="The list's path on this site, with its parent's id for nested lists.")
    query = models.CharField(max_length=2000, blank=True, help_text="Filters, sort and rows per page, never the page number.")
    columns = models.JSONField(default=list, blank=True)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "set"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user", "list_key", "name"], name="savedview_unique_name")
        ]

    def __str__(self):
        return self.name
