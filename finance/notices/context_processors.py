from functools import cache

from .selectors import notices_unread_count


def notices(request):
    """The bell's unread count: one query, made only if a page shows it, only inside an environment."""
    tenant = getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if tenant is None or getattr(request, "membership", None) is None or user is None or not user.is_authenticated:
        return {}
    return {"unread_notices": cache(lambda: notices_unread_count(tenant=tenant, user=user))}
