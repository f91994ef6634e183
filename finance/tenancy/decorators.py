from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404


def require_perm(perm):
    """The view needs a tenant URL and the member's role to grant `perm`.

    A member without the permission gets 403 (they know the environment exists); a request that
    reached the view without a membership gets 404, failing closed if a URL lost its slug.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None:
                raise Http404("Not found")
            if not membership.has_perm(perm):
                raise PermissionDenied(f"Your role does not allow this ({perm}).")
            return view(request, *args, **kwargs)

        wrapper.required_perm = perm
        return wrapper

    return decorator
