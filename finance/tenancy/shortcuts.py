"""The one way a view fetches a tenant-owned object."""

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404


def get_for_tenant(model_or_queryset, tenant, **lookups):
    """The object of `tenant` matching `lookups`, or 404.

    Another tenant's object, a missing object and a malformed id all give the same 404, so an
    outsider learns nothing by probing ids.
    """
    if tenant is None:
        raise Http404("Not found")
    if isinstance(model_or_queryset, models.QuerySet):
        queryset = model_or_queryset
    else:
        queryset = model_or_queryset._default_manager.all()
    try:
        return queryset.filter(tenant=tenant).get(**lookups)
    except (queryset.model.DoesNotExist, queryset.model.MultipleObjectsReturned, ValidationError, ValueError):
        raise Http404("Not found") from None
