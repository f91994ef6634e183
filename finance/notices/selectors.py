"""Reading a user's notices in one environment."""

from .models import Notice


def notices_for(*, tenant, user):
    return Notice.objects.filter(tenant=tenant, user=user)


def notices_unread_count(*, tenant, user):
    return Notice.objects.filter(tenant=tenant, user=user, read_at__isnull=True).count()
