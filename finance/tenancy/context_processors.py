from finance import navigation

from . import scope
from .models import Membership


def tenancy(request):
    """The current environment, the member's permissions, the switcher and the pulse menu."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)

    def environments():
        with scope.disabled():
            return [
                m.tenant
                for m in Membership.objects.select_related("tenant")
                .filter(user=user, is_active=True)
                .order_by("tenant__name")
            ]

    return {
        "current_tenant": getattr(request, "tenant", None),
        "membership": membership,
        "perms_in_tenant": membership.permissions if membership else frozenset(),
        "user_environments": environments,
        "pulse_menu": (lambda: navigation.pulse_menu(request)) if membership else list,
    }
