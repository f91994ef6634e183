import uuid

from django.conf import settings
from django.db import models

from finance.tenancy.models import TenantOwned

from .destinations import DESTINATION_CHOICES, DESTINATIONS
from .features import FEATURES, feature_label


class Feature(TenantOwned):
    """A feature in the environment's catalog, and whether Environment defaults turn it on."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.CharField(max_length=50, choices=[(k, v) for k, v in FEATURES.items()])
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    enabled = models.BooleanField(default=False)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["key"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="catalog_feature_unique_key")]

    def __str__(self):
        return feature_label(self.key)

    @property
    def label(self):
        return feature_label(self.key)


class MappingType(TenantOwned):
    """A list of source value -> destination code rows for one source system (Cin7 Payment Terms)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source_system = models.CharField(max_length=50)
    key = models.CharField(max_length=50)
    name = models.CharField(max_length=100)
    destination = models.CharField(max_length=30, choices=DESTINATION_CHOICES)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["source_system", "name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source_system", "key"], name="catalog_mappingtype_unique_key"),
        ]

    def __str__(self):
        return f"{self.source_system}: {self.name}"

    @property
    def destination_label(self):
        entry = DESTINATIONS.get(self.destination)
        return entry.label if entry else self.destination

    @property
    def has_destination(self):
        return self.destination != "none"


class Mapping(TenantOwned):
    """One row of a mapping type: a source system's value and our code."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.ForeignKey(MappingType, on_delete=models.CASCADE, related_name="mappings")
    source_value = models.CharField(max_length=200)
    destination_code = models.CharField(max_length=50, blank=True)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source_value"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "type", "source_value"], name="catalog_mapping_unique_source"),
        ]

    def __str__(self):
        return f"{self.source_value} -> {self.destination_code}"
