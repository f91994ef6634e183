"""The Imports folder's settings page: how long its files are kept."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse

from finance.forms import StyledFormMixin
from finance.tenancy.decorators import require_perm

from . import services

DAYS_MESSAGE = f"Enter a whole number of days from 0 to {services.RETENTION_MAX_DAYS} (0 keeps files forever)."


class RetentionForm(StyledFormMixin, forms.Form):
    days = forms.IntegerField(
        label="Keep files for (days)", min_value=0, max_value=services.RETENTION_MAX_DAYS,
        help_text=f"Files older than this are removed nightly, with their bytes. 0 keeps them forever; at most "
                  f"{services.RETENTION_MAX_DAYS} (about ten years). Files of a run that is still queued or running are never removed.",
        error_messages={"required": DAYS_MESSAGE, "invalid": DAYS_MESSAGE, "min_value": DAYS_MESSAGE, "max_value": DAYS_MESSAGE},
    )


def retention_text(days):
    """The sentence the Imports folder shows about its retention."""
    if not days:
        return "Files are kept forever."
    return f"Files older than {days} day{'s' if days != 1 else ''} are removed nightly."


def files_url(request):
    return reverse("interfaces:files", kwargs={"tenant_slug": request.tenant.slug})


@require_perm("interfaces.configure")
def imports_settings(request):
    tenant = request.tenant
    if request.method != "POST":
        form = RetentionForm(initial={"days": tenant.imports_retention_days})
        return render(request, "interfaces/imports_settings.html", {"form": form})
    form = RetentionForm(request.POST)
    if form.is_valid():
        try:
            services.imports_retention_set(tenant=tenant, actor=request.user, days=form.cleaned_data["days"])
        except ValidationError as error:
            form.add_error("days", error.message_dict.get("days", error.messages))
        else:
            messages.success(request, f"Imports folder retention saved. {retention_text(tenant.imports_retention_days)}")
            return redirect(files_url(request))
    return render(request, "interfaces/imports_settings.html", {"form": form}, status=400)
