from django.http import Http404

from . import scope
from .models import Membership


class TenantMiddleware:
    """For URLs under /<tenant_slug>/: require an active membership, then activate the scope.

    A non-member gets the same 404 as for a slug that does not exist, so environments cannot be
    discovered by probing. Runs after LoginRequiredMiddleware, so an anonymous visitor is sent to
    the login page before any lookup happens.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.membership = None
        request._tenant_scope_token = None
        try:
            return self.get_response(request)
        finally:
            if request._tenant_scope_token is not None:
                scope.reset(request._tenant_scope_token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # Views never receive the slug: they read request.tenant. Popping from view_kwargs works
        # because Django passes this same dict to the view.
        slug = view_kwargs.pop("tenant_slug", None)
        if slug is None:
            return None
        if not request.user.is_authenticated:
            raise Http404("Not found")
        with scope.disabled():
            membership = (
                Membership.objects.select_related("tenant")
                .filter(tenant__slug=slug, user=request.user, is_active=True)
                .first()
            )
        if membership is None:
            raise Http404("Not found")
        request.tenant = membership.tenant
        request.membership = membership
        request._tenant_scope_token = scope.set_for_request(membership.tenant)
        return None
