"""List pages: one view for every list, with filter, sort, pagination, a column chooser saved per
user, Sets (named saved views, `accounts.SavedView`), and Export CSV of the current filtered view
(in the import template's columns where the data set has one).

A list is declared once (`ListPage`) and registered; its URL is `list_url(page)`. Each page's
queryset must select_related what its columns show, so a page costs the same few queries
whatever the row count.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import django_tables2 as tables
from django import forms
from django.contrib import messages
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import Resolver404, path, resolve
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from finance.accounts.models import ColumnPreference, SavedView
from finance.dataformats.columns import Column
from finance.dataformats.csvio import iter_csv
from finance.tenancy import scope
from finance.tenancy.decorators import require_perm

PER_PAGE_CHOICES = (25, 50, 100)


class YES_NO(forms.Select):  # noqa: N801 - used like a constant: widget=YES_NO
    """A yes/no filter whose blank choice reads "Any" (django-filter's default says "Unknown")."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=(("", "Any"), ("True", "Yes"), ("False", "No")))



def _memoise_tables2_signatures():
    """django-tables2 inspects the signature of a render method for every cell it renders; the
    answer never changes for a given function, so remember it (a fifth of a page's render time)."""
    original = tables.utils.signature
    cache = {}

    def signature(fn):
        key = (getattr(fn, "__func__", fn), hasattr(fn, "__self__"))
        try:
            return cache[key]
        except KeyError:
            cache[key] = result = original(fn)
            return result
        except TypeError:  # an unhashable callable
            return original(fn)

    tables.utils.signature = signature


_memoise_tables2_signatures()
REGISTRY = {}


@dataclass
class ListPage:
    key: str
    title: str
    perm: str
    table_class: type
    filterset_class: type
    queryset: Callable  # request -> QuerySet of the tenant
    breadcrumbs: tuple = ()
    dataset: object = None  # a dataformats Dataset; None exports the visible columns
    default_columns: tuple = ()
    actions: Callable | None = None  # request -> [(label, url)], e.g. New
    context: Callable | None = None  # (request, **url kwargs) -> extra template context (a parent object)
    help_text: str = ""
    extra: dict = field(default_factory=dict)

    def all_columns(self):
        return [(name, col.header) for name, col in self.table_class.base_columns.items() if name not in self.always]

    @property
    def always(self):
        return set(getattr(self.table_class.Meta, "always_visible", ()))


def register(page):
    REGISTRY[page.key] = page
    return page


def visible_columns(request, page):
    pref = ColumnPreference.objects.filter(tenant=request.tenant, user=request.user, list_key=page.key).first()
    names = [n for n, _ in page.all_columns()]
    chosen = pref.columns if pref else list(page.default_columns or names)
    return [n for n in names if n in chosen]


# What a set never keeps of the list's querystring: where the user was, and what they downloaded.
QUERY_NOT_KEPT = ("page", "format")


def query_normalise(query):
    """A list's querystring as a set stores it: no page or format, no empty values or default rows
    per page (the filter form always sends it), keys sorted, so two querystrings for the same view
    compare equal."""
    params = QueryDict(query.lstrip("?")) if isinstance(query, str) else query
    default_per_page = str(PER_PAGE_CHOICES[0])
    pairs = sorted(
        (key, value)
        for key, values in params.lists()
        if key not in QUERY_NOT_KEPT
        for value in values
        if value.strip() and not (key == "per_page" and value == default_per_page)
    )
    return urlencode(pairs)


def is_list_path(tenant, page, target):
    """Whether `target` is a path of `page` in `tenant` on this site: the only place a set may send
    anyone (a parent's id included, for nested lists)."""
    if not isinstance(target, str) or len(target) > 500 or not target.startswith(f"/{tenant.slug}/"):
        return False
    if any(c in target for c in "?#\\") or not target.isprintable() or " " in target:
        return False
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return False
    try:
        match = resolve(target)
    except Resolver404:
        return False
    return getattr(match.func, "list_page", None) is page and match.kwargs.get("tenant_slug") == tenant.slug


# The permission that lets a member share a set with everyone, and delete anyone's shared set.
SHARE_PERM = "users.manage"


def set_deletable(saved, user, membership):
    """Its owner may delete a set; a member whose role grants SHARE_PERM may delete a shared one."""
    return saved.user_id == user.pk or (saved.shared and membership is not None and membership.has_perm(SHARE_PERM))


def _sets(request, page):
    """The user's sets and the shared sets of this list (one query), the active one marked."""
    current = query_normalise(request.GET)
    sets = list(
        SavedView.objects.filter(tenant=request.tenant, list_key=page.key)
        .filter(Q(user=request.user) | Q(shared=True))
        .select_related("user")
        .order_by(Lower("name"), "pk")
    )
    for saved in sets:
        saved.is_mine = saved.user_id == request.user.pk
        saved.is_active = saved.path == request.path and saved.query == current
        saved.can_delete = set_deletable(saved, request.user, request.membership)
    mine = [s for s in sets if s.is_mine]
    others = [s for s in sets if not s.is_mine]
    return {
        "my_sets": mine,
        "shared_sets": others,
        "set_groups": (("My sets", mine), ("Shared with everyone", others)),
        "active_set": next((s for s in sets if s.is_active), None),
        "can_share_sets": request.membership.has_perm(SHARE_PERM),
        "set_query": current,
    }


def _per_page(request):
    try:
        value = int(request.GET.get("per_page", PER_PAGE_CHOICES[0]))
    except ValueError:
        return PER_PAGE_CHOICES[0]
    return value if value in PER_PAGE_CHOICES else PER_PAGE_CHOICES[0]


def _export(request, page, queryset, visible):
    tenant = request.tenant
    stamp = date.today().strftime("%Y%m%d")
    if page.dataset is not None:
        columns, rows = page.dataset.columns, page.dataset.rows
    else:
        # No import template for this list: export the visible columns as the page shows them.
        hidden = [n for n, _ in page.all_columns() if n not in visible]
        values = page.table_class(queryset, exclude=hidden).as_values()
        header = [str(h) for h in next(values)]
        columns = tuple(Column(h, "text") for h in header)

        def rows(_qs, _tenant):
            for row in values:
                yield dict(zip(header, ("" if v is None else str(v) for v in row)))

    def stream():
        # The response streams after the view returns: keep the tenant's scope while it does.
        with scope.activate(tenant):
            yield from iter_csv(columns, rows(queryset, tenant))

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{page.key}-{tenant.slug}-{stamp}.csv"'
    return response


def list_view(page):
    @require_perm(page.perm)
    def view(request, **kwargs):
        # Nested lists (a statement's lines) get their parent from the URL; queryset fetches it
        # through the tenant helper, so a foreign parent is a 404.
        base = page.queryset(request, **kwargs)
        filterset = page.filterset_class(request.GET or None, queryset=base, request=request)
        _style(filterset.form)
        valid = filterset.is_valid() if filterset.is_bound else True
        queryset = filterset.qs if valid else base.none()
        visible = visible_columns(request, page)
        if request.GET.get("format") == "csv":
            if not valid:
                messages.error(request, "Fix the filter before exporting.")
            else:
                return _export(request, page, queryset, visible)
        hidden = [n for n, _ in page.all_columns() if n not in visible]
        table = page.table_class(queryset, exclude=hidden, request=request)
        tables.RequestConfig(request, paginate={"per_page": _per_page(request)}).configure(table)
        context = {
            "page": page,
            "filter": filterset,
            "table": table,
            "columns": page.all_columns(),
            "visible": visible,
            "per_page_choices": PER_PAGE_CHOICES,
            "per_page": _per_page(request),
            "export_query": _query_without(request, "page", "format") + "&format=csv",
            "actions": page.actions(request) if page.actions else [],
            **_sets(request, page),
            **(page.context(request, **kwargs) if page.context else {}),
        }
        template = "lists/list.html#results" if request.htmx and not request.htmx.boosted else "lists/list.html"
        return render(request, template, context, status=200 if valid else 400)

    view.__name__ = f"{page.key}_list"
    view.list_page = page  # how is_list_path() recognises this list's URLs
    return view


def _style(form):
    for field in form.fields.values():
        widget = field.widget
        css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
        widget.attrs["class"] = css


def _query_without(request, *names):
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def urlpatterns_for(*pages):
    """URL patterns of list pages; `extra["path"]` may hold converters for a parent's id."""
    return [
        path(f"<slug:tenant_slug>/{p.extra.get('path', p.key.replace('_', '-'))}/", list_view(p), name=p.extra.get("url_name", p.key))
        for p in pages
    ]
