"""Error pages: friendly, with no detail that could help an attacker."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


@requires_csrf_token
def forbidden(request, exception=None):
    return render(request, "errors/403.html", {"reason": str(exception or "")}, status=403)


@requires_csrf_token
def server_error(request):
    # No request context: whatever failed (the database, say) must not fail this page too.
    return HttpResponseServerError(loader.render_to_string("errors/500.html"))


def csrf_failure(request, reason=""):
    return render(request, "errors/403_csrf.html", status=403)
