from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from finance import navigation

from . import scope
from .decorators import require_perm
from .models import Membership


def _environments(user):
    with scope.disabled():
        return list(
            Membership.objects.select_related("tenant").filter(user=user, is_active=True).order_by("tenant__name")
        )


def home(request):
    """Straight into the only environment, or a choice when there are several."""
    memberships = _environments(request.user)
    if len(memberships) == 1:
        return redirect("dashboard", tenant_slug=memberships[0].tenant.slug)
    return redirect("environments")


def environments(request):
    return render(request, "tenancy/environments.html", {"memberships": _environments(request.user)})


@require_perm("interfaces.view")
def dashboard(request):
    return render(request, "tenancy/dashboard.html", {"menu": navigation.pulse_menu(request)})


def quick_launch(request):
    """Quick Launch: with htmx, the matching pages; without, jump to the best match."""
    if request.membership is None:
        return redirect("home")
    query = request.GET.get("q", "")
    matches = navigation.quick_launch(request, query)
    if request.htmx:
        return render(request, "tenancy/quick_launch.html#results", {"matches": matches, "q": query})
    if matches:
        return redirect(matches[0][1])
    return render(request, "tenancy/quick_launch.html", {"matches": matches, "q": query}, status=200)


@login_not_required
def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
