"""Notices: short messages for one user in one environment, shown under the navbar's bell.

A notice is the user's own inbox state (like their column choices), so creating one or marking it
read writes no Event log row; what the notice reports (a run ending) has its own event.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from .models import Level, Notice


def is_local_path(url):
    """True for a path on this site ("/alpha/runs/..."), never for another host or scheme."""
    return (
        isinstance(url, str)
        and url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and not any(ord(c) < 0x20 or c == "\\" for c in url)
        and url_has_allowed_host_and_scheme(url, allowed_hosts=None)
    )


@transaction.atomic
def notice_create(*, tenant, user, title, message="", level=Level.INFO, url=""):
    """Give `user` a notice in `tenant`; `url` must be a local path (or empty)."""
    if level not in Level.values:
        raise ValidationError({"level": f"Unknown notice level '{level}'."})
    if url and not is_local_path(url):
        raise ValidationError({"url": "A notice may only lead to a page of this site."})
    title = " ".join(str(title or "").split())
    if not title:
        raise ValidationError({"title": "A notice needs a title."})
    notice = Notice(tenant=tenant, user=user, level=level, title=title[:200], message=str(message or ""), url=url)
    notice.full_clean(exclude=["tenant", "user"])
    notice.save()
    return notice


@transaction.atomic
def notice_mark_read(*, notice, user):
    """Mark one of `user`'s notices read (once: the first reading time is kept)."""
    if notice.user_id != user.pk:
        raise ValidationError("A notice can only be marked read by the user it was written for.")
    now = timezone.now()
    if Notice.objects.filter(pk=notice.pk, user=user, read_at__isnull=True).update(read_at=now):
        notice.read_at = now
    return notice


@transaction.atomic
def notices_mark_all_read(*, tenant, user):
    """Mark every unread notice of `user` in `tenant` read; returns how many there were."""
    return Notice.objects.filter(tenant=tenant, user=user, read_at__isnull=True).update(read_at=timezone.now())
