"""The data dictionary (every file format's columns, from the same definitions the imports and
exports use) and the import template downloads."""

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from finance.tenancy.decorators import require_perm

from .templates import FORMATS, template_csv


@require_safe
@require_perm("interfaces.view")
def dictionary(request):
    return render(request, "dataformats/dictionary.html", {"formats": list(FORMATS.values())})


@require_safe
@require_perm("interfaces.view")
def template_download(request, format_key):
    """A format's template: its header and example rows, as an attachment that is never sniffed."""
    fmt = FORMATS.get(format_key)
    if fmt is None:
        raise Http404("Not found")
    response = HttpResponse(template_csv(format_key), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{fmt.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
