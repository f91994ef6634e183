import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import render

from finance.audit.services import event_record
from finance.tenancy.decorators import require_perm
from finance.tenancy.shortcuts import get_for_tenant

from .models import ImportFile


def safe_download_name(name):
    """The original name without path parts or characters a header or a file system dislikes."""
    name = re.split(r"[\\/]", name or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"<>:|?*]", "_", name).strip(" .")
    return name[:150] or "file"


@require_perm("interfaces.view")
def file_download(request, importfile_id):
    """A file of the Imports folder, always as an attachment and never sniffed or rendered."""
    record = get_for_tenant(ImportFile, request.tenant, uuid=importfile_id)
    try:
        handle = default_storage.open(record.stored_name, "rb")
    except FileNotFoundError:
        raise Http404("Not found") from None
    event_record(tenant=request.tenant, user=request.user, action="file.downloaded", obj=record, interface=record.interface,
                 run_ref=record.run.uuid if record.run_id else "", message=f"{record.original_name} downloaded.")
    response = FileResponse(handle, as_attachment=True, filename=safe_download_name(record.original_name),
                            content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


RUN_MESSAGES_PER_PAGE = 50


@require_perm("interfaces.view")
def run_detail(request, run_id):
    """A run: status, counts and progress (polled by htmx while it is active), messages, files."""
    from django.core.paginator import Paginator

    from .models import Run, RunMessage

    run = get_for_tenant(Run.objects.select_related("interface", "triggered_by"), request.tenant, uuid=run_id)
    active = run.status in ("queued", "running")
    context = {"run": run, "active": active}
    if request.htmx and request.GET.get("part") == "status":
        return render(request, "interfaces/run.html#status", context)
    messages_page = Paginator(RunMessage.objects.filter(run=run).order_by("seq"), RUN_MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    files = ImportFile.objects.filter(run=run).order_by("kind", "id")
    return render(request, "interfaces/run.html", {**context, "page": messages_page, "files": files})
