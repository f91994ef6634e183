"""Scheduler pages: a task's page with its history, New / Edit / Delete, Run now, enable and
disable, the live pattern preview, and the provider's template pages (Django staff only)."""

from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from finance.tenancy import scope
from finance.tenancy.decorators import require_perm
from finance.tenancy.shortcuts import get_for_tenant
from interfaces.services import RunRequestError

from . import services
from .forms import DisableForm, PreviewForm, ScheduledTaskForm, TaskTemplateForm
from .lists import visible_tasks
from .models import ScheduledExecution, TaskTemplate
from .patterns import describe, pattern_from_dict, upcoming


def _task(request, scheduledtask_id):
    # A task whose access key the member lacks is as missing as another environment's.
    return get_for_tenant(visible_tasks(request).select_related("interface", "owner", "template"), request.tenant, uuid=scheduledtask_id)


def _task_url(request, task):
    return reverse("scheduler:detail", kwargs={"tenant_slug": request.tenant.slug, "scheduledtask_id": task.uuid})


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errs in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, error.messages)


def _preview(pattern_dict, count=5):
    pattern = pattern_from_dict(pattern_dict)
    zone = ZoneInfo(pattern.tz)
    rows = [(when, when.astimezone(zone)) for when in upcoming(pattern, timezone.now(), count)]
    return {"sentence": describe(pattern), "upcoming": rows, "tz": pattern.tz}


@require_perm("scheduler.view")
def task_detail(request, scheduledtask_id):
    task = _task(request, scheduledtask_id)
    executions = ScheduledExecution.objects.filter(tenant=request.tenant, task=task).select_related("run", "triggered_by")
    page = Paginator(executions, 25).get_page(request.GET.get("page"))
    preview = None
    if task.enabled:
        try:
            preview = _preview(task.pattern)
        except ValueError:
            preview = None
    return render(request, "scheduler/detail.html", {
        "task": task, "page": page, "preview": preview, "disable_form": DisableForm(),
        "can_manage": request.membership.has_perm("scheduler.manage"),
        "can_run": request.membership.has_perm("interfaces.run"),
    })


@require_perm("scheduler.manage")
def task_new(request):
    form = ScheduledTaskForm(request.POST or None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_create(tenant=request.tenant, actor=request.user, **form.service_fields())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Scheduled task '{task.description}' created: {task.pattern_text}.")
            return redirect(_task_url(request, task))
    status = 400 if request.method == "POST" else 200
    return render(request, "scheduler/form.html", {"form": form, "task": None, "preview": _form_preview(form)}, status=status)


def _form_preview(form):
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else None
    pattern = (data or {}).get("pattern") if data else None
    if pattern is None and not form.is_bound:
        pattern = form.pattern_dict({name: form[name].initial for name in ("pattern_kind", "every", "minute", "time", "days",
                                                                             "day", "cron", "tz")})
    try:
        return _preview(pattern) if pattern else None
    except ValueError:
        return None


@require_perm("scheduler.manage")
def task_edit(request, scheduledtask_id):
    task = _task(request, scheduledtask_id)
    initial = {
        "description": task.description, "interface": task.interface, "action": task.action, "access_key": task.access_key,
        "execute_until": task.execute_until, "missed_policy": task.missed_policy, "failure_threshold": task.failure_threshold,
        **ScheduledTaskForm.initial_for(task.pattern),
    }
    form = ScheduledTaskForm(request.POST or None, tenant=request.tenant, initial=initial, locked=task.is_deployed_copy)
    if request.method == "POST":
        if task.is_deployed_copy:
            messages.error(request, "This task is deployed by the provider: its fields follow the provider's template. "
                                    "You may disable it, with a reason.")
            return redirect(_task_url(request, task))
        if form.is_valid():
            try:
                task = services.task_update(task=task, actor=request.user, **form.service_fields())
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, f"Scheduled task '{task.description}' saved: {task.pattern_text}.")
                return redirect(_task_url(request, task))
    status = 400 if request.method == "POST" else 200
    preview = _form_preview(form) if request.method == "POST" else _preview(task.pattern)
    return render(request, "scheduler/form.html", {"form": form, "task": task, "preview": preview}, status=status)


@require_perm("scheduler.manage")
def task_delete(request, scheduledtask_id):
    task = _task(request, scheduledtask_id)
    if request.method == "POST":
        try:
            services.task_delete(task=task, actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(_task_url(request, task))
        messages.success(request, f"Scheduled task '{task.description}' deleted.")
        return redirect("scheduler:list", tenant_slug=request.tenant.slug)
    return render(request, "scheduler/delete.html", {"task": task})


@require_POST
@require_perm("interfaces.run")
def task_run_now(request, scheduledtask_id):
    task = _task(request, scheduledtask_id)
    try:
        run = services.task_run_now(task=task, actor=request.user)
    except RunRequestError as error:
        messages.error(request, str(error.args[0]))
        return redirect(_task_url(request, task))
    messages.success(request, f"Run of {task.interface.description} started; the schedule is unchanged.")
    return redirect("interfaces:run", tenant_slug=request.tenant.slug, run_id=run.uuid)


@require_POST
@require_perm("scheduler.manage")
def task_toggle(request, scheduledtask_id):
    task = _task(request, scheduledtask_id)
    enable = request.POST.get("enabled") == "1"
    form = DisableForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        task = services.task_set_enabled(task=task, actor=request.user, enabled=enable, reason=reason)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if enable:
            messages.success(request, f"Scheduled task '{task.description}' enabled; next execution "
                                      f"{_when(task.next_execution)}.")
        else:
            messages.success(request, f"Scheduled task '{task.description}' disabled.")
    return redirect(_task_url(request, task))


def _when(value):
    if value is None:
        return "none (past its execute-until date)"
    return f"{value.astimezone(dt_timezone.utc):%d/%m/%Y %H:%M} UTC"


@require_POST
@require_perm("scheduler.view")
def pattern_preview(request):
    """htmx: the sentence and the next five executions of the pattern being edited."""
    form = PreviewForm(request.POST)
    context = {"preview": None, "error": ""}
    if form.is_valid():
        pattern = form.check_pattern(form.cleaned_data)
        if pattern is not None:
            context["preview"] = _preview(pattern)
    if context["preview"] is None:
        errors = [str(e) for errs in form.errors.values() for e in errs]
        context["error"] = errors[0] if errors else "This pattern is not complete yet."
    return render(request, "scheduler/_preview.html", context)


# --- Provider templates (Django staff) -------------------------------------------------------------


def _staff_only(view):
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
            raise Http404("Not found")
        with scope.disabled():  # the provider's pages span every environment on purpose
            return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_staff_only
def template_list(request):
    templates = TaskTemplate.objects.annotate(copy_count=Count("copies"))
    return render(request, "scheduler/templates.html", {"templates": templates})


@_staff_only
def template_edit(request, template_uuid=None):
    template = None
    if template_uuid is not None:
        template = TaskTemplate.objects.filter(uuid=template_uuid).first()
        if template is None:
            raise Http404("Not found")
    initial = None
    if template is not None:
        initial = {name: getattr(template, name) for name in ("description", "kind", "action", "access_key", "execute_until",
                                                               "missed_policy", "failure_threshold", "deployment")}
        initial.update(TaskTemplateForm.initial_for(template.pattern))
    form = TaskTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_save(actor=request.user, template=template, **form.service_fields())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            copies = template.copies.count()
            messages.success(request, f"Template '{template.description}' saved"
                                      f"{f'; deployed to {copies} interface(s)' if template.deployment else ''}.")
            return redirect("scheduler_provider:templates")
    status = 400 if request.method == "POST" else 200
    return render(request, "scheduler/template_form.html", {"form": form, "template": template}, status=status)
