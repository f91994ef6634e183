"""Interface pages (New, Edit, clone, enable/disable, Run), the run page and its actions, and file
downloads. Views parse, call a service and render; the list pages live in `lists.py`."""

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from finance.audit.services import event_record
from finance.dataformats.csvio import iter_csv
from finance.dataformats.columns import Column
from finance.tenancy import scope
from finance.tenancy.decorators import require_perm
from finance.tenancy.shortcuts import get_for_tenant

from . import kinds, services
from .forms import InterfaceEditForm, InterfaceNewForm, RunForm
from .kinds.tabular import FAILED_ROWS_SUFFIX
from .models import ACTIVE_STATUSES, ImportFile, ImportFileKind, Interface, Run, RunMessage, RunStatus, Severity


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
    run = get_for_tenant(Run.objects.select_related("interface", "triggered_by"), request.tenant, uuid=run_id)
    active = run.status in ACTIVE_STATUSES
    perms = request.membership.permissions
    context = {"run": run, "active": active, "can_run": "interfaces.run" in perms}
    if request.htmx and request.GET.get("part") == "status":
        if not active:
            # Only an active run's page polls: it has just ended, so load the whole page again to
            # show its messages and produced files.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "interfaces/run.html#status", context)
    messages_page = Paginator(RunMessage.objects.filter(run=run).order_by("seq"), RUN_MESSAGES_PER_PAGE).get_page(request.GET.get("page"))
    files = ImportFile.objects.filter(run=run).order_by("kind", "id")
    has_errors = RunMessage.objects.filter(run=run, severity=Severity.ERROR).exists()
    failed_rows = next((f for f in files if f.kind == ImportFileKind.PRODUCED and f.original_name.endswith(FAILED_ROWS_SUFFIX)), None)
    from finance.banking.models import BankStatement

    statements = list(BankStatement.objects.filter(tenant=request.tenant, run_ref=str(run.uuid)).select_related("bank_account"))
    return render(request, "interfaces/run.html", {
        **context, "page": messages_page, "statements": statements,
        "voided": bool(statements) and all(s.voided_at for s in statements), "files": files, "has_errors": has_errors, "failed_rows": failed_rows,
        "can_submit": run.dry_run and run.status in (RunStatus.SUCCEEDED, RunStatus.COMPLETED_WITH_ERRORS),
    })



def _interface(request, interface_id):
    return get_for_tenant(Interface.objects.select_related("batch_series", "owner"), request.tenant, uuid=interface_id)


def _interface_url(interface, name="detail"):
    return reverse(f"interfaces:{name}", kwargs={"tenant_slug": interface.tenant.slug, "interface_id": interface.uuid})


@require_perm("interfaces.configure")
def interface_new(request):
    """New: type, unique description and batch series; then the Edit page for the rest."""
    form = InterfaceNewForm(request.POST or None, tenant=request.tenant)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                interface = services.interface_create(
                    tenant=request.tenant, actor=request.user, description=form.cleaned_data["description"],
                    kind=form.cleaned_data["kind"], batch_series=form.cleaned_data["batch_series"],
                )
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(name if name in form.fields else None, message)
            else:
                messages.success(request, f"Interface '{interface.description}' created. Check its settings, then save.")
                return redirect(_interface_url(interface, "edit"))
        status = 400
    return render(request, "interfaces/new.html", {"form": form}, status=status)


@require_perm("interfaces.configure")
def interface_edit(request, interface_id):
    """Edit: the Configuration tab (the kind's settings, and the kind's own section if it has one,
    such as the Mapped fields grid) and the Defaults tab. A section's own button (reading a sample
    file) shows the page again with what it found and saves nothing."""
    interface = _interface(request, interface_id)
    form = InterfaceEditForm(request.POST or None, request.FILES or None, interface=interface)
    status = 200
    section_action = request.POST.get("_section") if request.method == "POST" else None
    if section_action and form.section is not None and form.section.act(section_action, form):
        status = 400 if form.section.error else 200
    elif request.method == "POST":
        if form.is_valid():
            try:
                interface = services.interface_update(interface=interface, actor=request.user, **form.changes())
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, f"Interface '{form.cleaned_data['description']}' saved.")
                if form.section is not None:
                    kind = kinds.get(interface.kind)
                    for warning in form.section.warnings(kind.defaults(interface)):
                        messages.warning(request, warning)
                return redirect(_interface_url(interface))
        status = 400
    kind = kinds.get(interface.kind)
    return render(request, "interfaces/edit.html", {
        "interface": interface, "form": form, "kind": kind, "tab": "defaults" if form.defaults_have_errors else "configuration",
    }, status=status)


@require_POST
@require_perm("interfaces.configure")
def interface_clone(request, interface_id):
    interface = _interface(request, interface_id)
    try:
        copy = services.interface_clone(interface=interface, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_interface_url(interface))
    messages.success(request, f"'{copy.description}' is a copy of '{interface.description}', disabled until you have checked it.")
    return redirect(_interface_url(copy, "edit"))


@require_POST
@require_perm("interfaces.configure")
def interface_toggle(request, interface_id):
    interface = _interface(request, interface_id)
    enable = request.POST.get("enabled") == "1"
    services.interface_set_enabled(interface=interface, actor=request.user, enabled=enable)
    messages.success(request, f"{interface.description} {'enabled' if enable else 'disabled'}.")
    return redirect(_interface_url(interface))


def _too_large(request):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > settings.IMPORT_MAX_BYTES + 64 * 1024  # room for the form's other fields


@require_perm("interfaces.run")
def interface_run(request, interface_id):
    """The Run dialog as a page: action, files, validate-only and the options of this run."""
    interface = _interface(request, interface_id)
    kind = kinds.get(interface.kind)
    if kind is None:
        messages.error(request, f"{interface.description} has the type '{interface.kind}', which this installation does not know.")
        return redirect(_interface_url(interface))
    initial = {"action": request.GET.get("action")} if request.GET.get("action") in kind.actions else {}
    if request.GET.get("bank_account") and "bank_account" in kind.option_specs():
        initial["opt_bank_account"] = request.GET["bank_account"][:50]  # from a bank account's Import statement
    if request.method == "POST" and _too_large(request):
        # Refused before the body is read: the limit holds for the whole upload.
        form = RunForm(interface=interface, kind=kind, initial=initial)
        error = (f"The upload is larger than the {services.megabytes(settings.IMPORT_MAX_BYTES)} limit; "
                 "split the file or ask an administrator to raise the limit.")
        return render(request, "interfaces/run_form.html", {"interface": interface, "kind": kind, "form": form,
                                                            "upload_error": error}, status=413)
    form = RunForm(request.POST or None, request.FILES or None, interface=interface, kind=kind, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                run = services.run_request(
                    interface=interface, action=form.cleaned_data["action"], actor=request.user,
                    trigger="browser", files=form.cleaned_data.get("files") or (), options=form.options(),
                    dry_run=request.POST.get("mode") == "validate",
                )
            except services.RunRequestError as error:
                form.add_error(None, str(error))
                status = 409 if "already running" in str(error) else 400
            else:
                return redirect("interfaces:run", tenant_slug=request.tenant.slug, run_id=run.uuid)
        else:
            status = 400
    active = Run.objects.filter(interface=interface, status__in=ACTIVE_STATUSES).first()
    return render(request, "interfaces/run_form.html", {
        "interface": interface, "kind": kind, "form": form, "active_run": active,
    }, status=status)


@require_POST
@require_perm("interfaces.run")
def run_cancel(request, run_id):
    run = get_for_tenant(Run.objects.select_related("interface"), request.tenant, uuid=run_id)
    try:
        run = services.run_cancel(run=run, actor=request.user)
    except services.RunRequestError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, "The run was cancelled." if run.status == RunStatus.CANCELLED
                         else "Cancel requested: the run stops at its next checkpoint.")
    return redirect("interfaces:run", tenant_slug=request.tenant.slug, run_id=run.uuid)


def _rerun(request, run, *, files_of, kind, dry_run, options=None):
    """A new browser run of `run`'s interface with the same action and options, reading the files
    `files_of` (ImportFile rows) from the Imports folder; redirects to the new run's page."""
    handles = []
    try:
        files = []
        for record in files_of:
            handle = default_storage.open(record.stored_name, "rb")
            handles.append(handle)
            files.append((record.original_name, handle))
        new = services.run_request(interface=run.interface, action=run.action, actor=request.user, trigger="browser",
                                   files=files, options=run.options if options is None else options, dry_run=dry_run,
                                   since=run.since)
    except FileNotFoundError:
        messages.error(request, f"The {kind} of this run are no longer in the Imports folder; start a new run with the file.")
        return redirect("interfaces:run", tenant_slug=request.tenant.slug, run_id=run.uuid)
    except services.RunRequestError as error:
        messages.error(request, str(error))
        return redirect("interfaces:run", tenant_slug=request.tenant.slug, run_id=run.uuid)
    finally:
        for handle in handles:
            handle.close()
    return redirect("interfaces:run", tenant_slug=request.tenant.slug, run_id=new.uuid)


def _inputs(run):
    return list(ImportFile.objects.filter(run=run, kind=ImportFileKind.INPUT).order_by("id"))


@require_POST
@require_perm("interfaces.run")
def run_again(request, run_id):
    """A new run with the same action, options and input files (for a failed or stale run)."""
    run = get_for_tenant(Run.objects.select_related("interface"), request.tenant, uuid=run_id)
    return _rerun(request, run, files_of=_inputs(run), kind="input files", dry_run=run.dry_run)


@require_POST
@require_perm("interfaces.run")
def run_submit(request, run_id):
    """Import for real the file a validation run (dry run) checked, with the same options."""
    run = get_for_tenant(Run.objects.select_related("interface"), request.tenant, uuid=run_id)
    if not run.dry_run or run.is_active:
        messages.error(request, "Only a finished validation can be submitted.")
        return redirect("interfaces:run", tenant_slug=request.tenant.slug, run_id=run.uuid)
    return _rerun(request, run, files_of=_inputs(run), kind="input files", dry_run=False)


@require_POST
@require_perm("interfaces.run")
def run_retry_failed(request, run_id):
    """A new run that imports only the rows this run could not (its failed-rows file)."""
    run = get_for_tenant(Run.objects.select_related("interface"), request.tenant, uuid=run_id)
    failed = _failed_rows_file(run)
    if failed is None or run.is_active:
        messages.error(request, "This run has no failed rows to retry.")
        return redirect("interfaces:run", tenant_slug=request.tenant.slug, run_id=run.uuid)
    return _rerun(request, run, files_of=[failed], kind="failed rows", dry_run=False)


@require_POST
@require_perm("interfaces.run")
def run_void(request, run_id):
    """Void the bank statements a run imported (their lines leave the account)."""
    return _undo(request, run_id, restore=False)


@require_POST
@require_perm("interfaces.run")
def run_restore(request, run_id):
    """Restore the voided bank statements of a run."""
    return _undo(request, run_id, restore=True)


def _undo(request, run_id, *, restore):
    from finance.banking import services as banking

    run = get_for_tenant(Run.objects.select_related("interface"), request.tenant, uuid=run_id)
    undo = banking.statements_restore if restore else banking.statements_void
    try:
        statements = undo(tenant=request.tenant, run_ref=run.uuid, actor=request.user, interface=run.interface)
    except banking.StatementUndoError as error:
        messages.error(request, str(error))
    else:
        lines = sum(s.line_count for s in statements)
        messages.success(request, f"{lines} statement line{'s' if lines != 1 else ''} "
                                  f"{'restored' if restore else 'voided: they have left the account'}.")
    return redirect("interfaces:run", tenant_slug=request.tenant.slug, run_id=run.uuid)


def _failed_rows_file(run):
    return (ImportFile.objects.filter(run=run, kind=ImportFileKind.PRODUCED, original_name__endswith=FAILED_ROWS_SUFFIX)
            .order_by("-id").first())


MESSAGE_COLUMNS = tuple(Column(name, "text") for name in ("row", "column", "value", "message", "severity"))


@require_perm("interfaces.view")
def run_messages_csv(request, run_id):
    """The run's errors and warnings as CSV (row, column, value, message, severity), streamed."""
    run = get_for_tenant(Run.objects.select_related("interface"), request.tenant, uuid=run_id)
    tenant = request.tenant
    queryset = RunMessage.objects.filter(run=run).order_by("seq")

    def rows():
        for m in queryset.iterator(chunk_size=2000):
            yield {"row": "" if m.row is None else str(m.row), "column": m.column or "", "value": m.value or "",
                   "message": m.message, "severity": m.severity}

    def stream():
        with scope.activate(tenant):
            yield from iter_csv(MESSAGE_COLUMNS, rows())

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    name = safe_download_name(f"{run.interface.description}-{run.short_id}-messages.csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
