"""Catalogs -> Features, Environment defaults -> Features and Mappings (Generic)."""

from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from finance.tenancy.decorators import require_perm
from finance.tenancy.shortcuts import get_for_tenant

from . import services
from .forms import FeatureAddForm, FeatureOffForm, MappingFilterForm, MappingForm, MappingImportForm
from .destinations import DESTINATIONS
from .models import Feature, Mapping, MappingType


def _url(request, name, **kwargs):
    return reverse(f"catalog:{name}", kwargs={"tenant_slug": request.tenant.slug, **kwargs})


# --- Features ---------------------------------------------------------------------------------------

@require_perm("features.manage")
@require_http_methods(["GET", "POST"])
def features(request):
    catalog = list(Feature.objects.filter(tenant=request.tenant).select_related("added_by"))
    form = FeatureAddForm(request.POST or None, present={f.key for f in catalog})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                feature = services.feature_add(tenant=request.tenant, actor=request.user, key=form.cleaned_data["key"])
            except ValidationError as error:
                form.add_error("key", error.message_dict.get("key", error.messages))
            else:
                messages.success(request, f"{feature.label} added to the catalog. Turn it on in Environment defaults -> Features.")
                return redirect(_url(request, "features"))
        status = 400
    return render(request, "catalog/features.html", {"catalog": catalog, "form": form}, status=status)


@require_perm("features.manage")
@require_POST
def feature_remove(request, feature_id):
    feature = get_for_tenant(Feature, request.tenant, uuid=feature_id)
    services.feature_remove(tenant=request.tenant, actor=request.user, feature=feature)
    messages.success(request, f"{feature.label} removed from the catalog.")
    return redirect(_url(request, "features"))


@require_perm("features.manage")
@require_GET
def defaults(request):
    catalog = list(Feature.objects.filter(tenant=request.tenant).select_related("changed_by"))
    return render(request, "catalog/defaults.html", {"catalog": catalog})


@require_perm("features.manage")
@require_http_methods(["GET", "POST"])
def feature_switch(request, feature_id):
    """Turn a feature on (a plain POST) or off (a POST with the required reason)."""
    feature = get_for_tenant(Feature, request.tenant, uuid=feature_id)
    form = FeatureOffForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        turn_on = request.POST.get("enabled") == "on"
        if turn_on or form.is_valid():
            try:
                services.feature_set_enabled(tenant=request.tenant, actor=request.user, feature=feature, enabled=turn_on,
                                             reason="" if turn_on else form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error("reason", error.message_dict.get("reason", error.messages))
            else:
                messages.success(request, f"{feature.label} turned {'on' if turn_on else 'off'}.")
                return redirect(_url(request, "defaults"))
        return render(request, "catalog/feature_off.html", {"feature": feature, "form": form}, status=400)
    return render(request, "catalog/feature_off.html", {"feature": feature, "form": FeatureOffForm()})


# --- Mappings ---------------------------------------------------------------------------------------

@require_perm("mappings.manage")
@require_GET
def mappings(request):
    types = MappingType.objects.filter(tenant=request.tenant)
    systems = sorted(set(types.values_list("source_system", flat=True)))
    form = MappingFilterForm(request.GET or None, systems=systems)
    status = 200
    if form.is_bound and not form.is_valid():
        types = types.none()
        status = 400
    elif form.is_bound:
        q, system = form.cleaned_data["q"].strip(), form.cleaned_data["system"]
        if system:
            types = types.filter(source_system=system)
        if q:
            types = types.filter(Q(name__icontains=q) | Q(source_system__icontains=q) | Q(key__icontains=q))
    types = types.annotate(rows=Count("mappings")).order_by("source_system", "name")
    groups = [(system, list(items)) for system, items in groupby(types, key=lambda t: t.source_system)]
    return render(request, "catalog/mappings.html", {"groups": groups, "filter": form}, status=status)


def _type(request, mappingtype_id):
    return get_for_tenant(MappingType, request.tenant, uuid=mappingtype_id)


def _mapping(request, mapping_id):
    return get_for_tenant(Mapping.objects.select_related("type"), request.tenant, uuid=mapping_id)


def _choices(request, mapping_type):
    """The destination codes of this environment a row may map to (None: the type has none)."""
    return DESTINATIONS[mapping_type.destination].choices(request.tenant) if mapping_type.has_destination else None


def _form(request, mapping_type, *args, **kwargs):
    return MappingForm(*args, choices=_choices(request, mapping_type), **kwargs)


def _type_context(request, mapping_type, **extra):
    return {
        "mapping_type": mapping_type,
        "rows": mapping_type.mappings.all(),
        "add_form": _form(request, mapping_type, prefix_id="new"),
        "import_form": MappingImportForm(),
        **extra,
    }


@require_perm("mappings.manage")
@require_GET
def mapping_type(request, mappingtype_id):
    mapping_type = _type(request, mappingtype_id)
    return render(request, "catalog/mapping_type.html", _type_context(request, mapping_type))


def _form_errors(form, error):
    for name, errors in error.message_dict.items():
        for message in errors:
            form.add_error(name if name in form.fields else None, message)


@require_perm("mappings.manage")
@require_POST
def mapping_add(request, mappingtype_id):
    mapping_type = _type(request, mappingtype_id)
    form = _form(request, mapping_type, request.POST, prefix_id="new")
    if form.is_valid():
        try:
            mapping = services.mapping_save(tenant=request.tenant, actor=request.user, mapping_type=mapping_type,
                                            **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            if request.htmx:
                return render(request, "catalog/_mapping_added.html",
                              {"mapping": mapping, "mapping_type": mapping_type,
                               "add_form": _form(request, mapping_type, prefix_id="new")})
            messages.success(request, f"{mapping.source_value} mapped.")
            return redirect(_url(request, "mapping_type", mappingtype_id=mapping_type.uuid))
    if request.htmx:
        return render(request, "catalog/_mapping_add_form.html", {"mapping_type": mapping_type, "add_form": form}, status=400)
    return render(request, "catalog/mapping_type.html", _type_context(request, mapping_type, add_form=form), status=400)


@require_perm("mappings.manage")
@require_GET
def mapping_row(request, mapping_id):
    mapping = _mapping(request, mapping_id)
    return render(request, "catalog/_mapping_row.html", {"mapping": mapping, "mapping_type": mapping.type})


@require_perm("mappings.manage")
@require_http_methods(["GET", "POST"])
def mapping_edit(request, mapping_id):
    """The row as a form (GET), saved (POST): htmx swaps the row; without htmx a whole page."""
    mapping = _mapping(request, mapping_id)
    initial = {"source_value": mapping.source_value, "destination_code": mapping.destination_code}
    form = _form(request, mapping.type, request.POST if request.method == "POST" else None, initial=initial,
                 prefix_id=str(mapping.uuid))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.mapping_save(tenant=request.tenant, actor=request.user, mapping_type=mapping.type,
                                      mapping=mapping, **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
                mapping.refresh_from_db()
            else:
                if request.htmx:
                    return render(request, "catalog/_mapping_row.html", {"mapping": mapping, "mapping_type": mapping.type})
                messages.success(request, f"{mapping.source_value} saved.")
                return redirect(_url(request, "mapping_type", mappingtype_id=mapping.type.uuid))
        status = 400
    template = "catalog/_mapping_edit_row.html" if request.htmx else "catalog/mapping_edit.html"
    return render(request, template, {"mapping": mapping, "mapping_type": mapping.type, "form": form}, status=status)


@require_perm("mappings.manage")
@require_POST
def mapping_delete(request, mapping_id):
    mapping = _mapping(request, mapping_id)
    mapping_type = mapping.type
    services.mapping_delete(tenant=request.tenant, actor=request.user, mapping=mapping)
    if request.htmx:
        return HttpResponse("")
    messages.success(request, f"{mapping.source_value} removed.")
    return redirect(_url(request, "mapping_type", mappingtype_id=mapping_type.uuid))


@require_perm("mappings.manage")
@require_GET
def mapping_export(request, mappingtype_id):
    mapping_type = _type(request, mappingtype_id)
    response = HttpResponse(services.mapping_export(mapping_type), content_type="text/csv; charset=utf-8")
    name = f"mappings-{mapping_type.source_system}-{mapping_type.key}-{request.tenant.slug}.csv".lower().replace(" ", "-")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_perm("mappings.manage")
@require_http_methods(["GET", "POST"])
def mapping_import(request, mappingtype_id):
    mapping_type = _type(request, mappingtype_id)
    form = MappingImportForm(request.POST or None, request.FILES or None)
    errors = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                added, changed = services.mapping_import(tenant=request.tenant, actor=request.user, mapping_type=mapping_type,
                                                         content=form.cleaned_data["file"].read())
            except services.ImportErrors as error:
                errors = error.messages
            else:
                messages.success(request, f"{added} row(s) added, {changed} changed.")
                return redirect(_url(request, "mapping_type", mappingtype_id=mapping_type.uuid))
        status = 400
    return render(request, "catalog/mapping_import.html",
                  {"mapping_type": mapping_type, "form": form, "import_errors": errors}, status=status)
