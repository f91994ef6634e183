"""What a list page's menus post to: the column chooser, and Sets (save, apply, delete).

Every view takes the list's key from the URL and answers 404 for a list that does not exist and
403 to a member whose role may not see it; a set is fetched among the user's own and the shared
ones of that list, so another user's private set is a 404 like a missing one.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from finance.accounts.models import SavedView
from finance.tenancy.shortcuts import get_for_tenant

from .lists import REGISTRY, is_list_path, query_normalise, set_deletable, visible_columns
from .lists_services import column_preference_set, saved_view_create, saved_view_delete


def _page(request, list_key):
    page = REGISTRY.get(list_key)
    if page is None or request.membership is None:
        raise Http404("Not found")
    if not request.membership.has_perm(page.perm):
        raise PermissionDenied(f"Your role does not allow this ({page.perm}).")
    return page


def _set(request, page, savedview_id):
    sets = SavedView.objects.filter(list_key=page.key).filter(Q(user=request.user) | Q(shared=True))
    return get_for_tenant(sets.select_related("user"), request.tenant, uuid=savedview_id)


def _list_url(request, page, target, query=""):
    """`target` with `query` if it is a path of this list in this environment, else the dashboard."""
    if not is_list_path(request.tenant, page, target):
        return reverse("dashboard", kwargs={"tenant_slug": request.tenant.slug})
    query = query_normalise(query)
    return f"{target}?{query}" if query else target


@require_POST
def columns_save(request, list_key):
    """Save the columns the user ticked for a list (the column chooser's form)."""
    page = _page(request, list_key)
    reset = bool(request.POST.get("reset"))
    chosen = column_preference_set(
        tenant=request.tenant, user=request.user, page_key=page.key, columns=[] if reset else request.POST.getlist("columns")
    )
    if not chosen and not reset:
        messages.warning(request, "At least one column must stay visible; the default columns are back.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "/"
    return redirect(target)


@require_POST
def set_create(request, list_key):
    """Save the view the user is looking at (path, filters, sort, columns) as a named set."""
    page = _page(request, list_key)
    target, query = request.POST.get("path", ""), request.POST.get("query", "")
    try:
        saved = saved_view_create(
            tenant=request.tenant,
            user=request.user,
            page_key=page.key,
            path=target,
            name=request.POST.get("name", ""),
            query=query,
            columns=visible_columns(request, page),
            shared=bool(request.POST.get("shared")),
        )
    except ValidationError as error:
        messages.error(request, "The set was not saved: " + " ".join(error.messages))
        return redirect(_list_url(request, page, target, query))
    shared = " and shared with everyone in this environment" if saved.shared else ""
    messages.success(request, f"Set '{saved.name}' saved{shared}.")
    return redirect(_list_url(request, page, saved.path, saved.query))


@require_GET
def set_apply(request, list_key, savedview_id):
    """Show the set's columns and open its list with its filters and sort."""
    page = _page(request, list_key)
    saved = _set(request, page, savedview_id)
    if not is_list_path(request.tenant, page, saved.path):
        messages.error(request, f"The set '{saved.name}' does not point at the {page.title} list, so it was not applied.")
        return redirect(_list_url(request, page, ""))
    column_preference_set(tenant=request.tenant, user=request.user, page_key=page.key, columns=saved.columns)
    return redirect(_list_url(request, page, saved.path, saved.query))


@require_http_methods(["GET", "POST"])
def set_delete(request, list_key, savedview_id):
    """Ask, then delete a set (the dropdown's Delete posts here without `confirm`)."""
    page = _page(request, list_key)
    saved = _set(request, page, savedview_id)
    if not set_deletable(saved, request.user, request.membership):
        raise PermissionDenied("Only the person who saved this set, or an administrator if it is shared, can delete it.")
    back = _list_url(request, page, saved.path)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        saved_view_delete(view=saved, user=request.user)
        messages.success(request, f"Set '{saved.name}' deleted.")
        return redirect(back)
    return render(request, "lists/set_delete.html", {"page": page, "saved": saved, "back": back})


# Included by finance/urls.py under the "lists" namespace.
urlpatterns = [
    path("<slug:tenant_slug>/lists/<slug:list_key>/columns/", columns_save, name="columns"),
    path("<slug:tenant_slug>/lists/<slug:list_key>/sets/", set_create, name="set_create"),
    path("<slug:tenant_slug>/lists/<slug:list_key>/sets/<uuid:savedview_id>/", set_apply, name="set_apply"),
    path("<slug:tenant_slug>/lists/<slug:list_key>/sets/<uuid:savedview_id>/delete/", set_delete, name="set_delete"),
]
