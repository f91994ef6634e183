from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from finance.tenancy.shortcuts import get_for_tenant

from . import services
from .selectors import notices_for

PER_PAGE = 25
MENU_SIZE = 8


def require_member(view):
    """Every member has notices; a request without a membership (no tenant URL) is a 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "membership", None) is None:
            raise Http404("Not found")
        return view(request, *args, **kwargs)

    return wrapper


def _list_url(request):
    return reverse("notices:list", kwargs={"tenant_slug": request.tenant.slug})


@require_GET
@require_member
def notice_list(request):
    """The signed-in user's notices in this environment, newest first; `?part=menu` is the bell's dropdown."""
    notices = notices_for(tenant=request.tenant, user=request.user)
    if request.GET.get("part") == "menu":
        back = request.htmx.current_url_abs_path if request.htmx else None
        return render(request, "notices/list.html#menu", {"recent": notices[:MENU_SIZE], "back": back or ""})
    page = Paginator(notices, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notices/list.html", {"page": page})


@require_POST
@require_member
def notice_open(request, notice_id):
    """Mark the notice read and go where it leads (only ever a path of this site)."""
    notice = get_for_tenant(notices_for(tenant=request.tenant, user=request.user), request.tenant, uuid=notice_id)
    services.notice_mark_read(notice=notice, user=request.user)
    return redirect(notice.url if services.is_local_path(notice.url) else _list_url(request))


@require_POST
@require_member
def notices_read_all(request):
    count = services.notices_mark_all_read(tenant=request.tenant, user=request.user)
    messages.success(request, f"{count} notice{'s' if count != 1 else ''} marked read." if count else "No unread notices.")
    target = request.POST.get("next", "")
    return redirect(target if services.is_local_path(target) else _list_url(request))
