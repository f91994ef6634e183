"""Vault pages. Secret values go in (write-only) and never come back out: no page, form error or
message carries one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from finance.tenancy.decorators import require_perm
from finance.tenancy.shortcuts import get_for_tenant

from . import services
from .crypto import VaultError
from .forms import VaultEntryEditForm, VaultEntryNewForm, VaultValueForm
from .models import VaultEntry


def _list_url(request):
    return redirect("vault:list", tenant_slug=request.tenant.slug)


def _entry(request, vaultentry_id):
    return get_for_tenant(VaultEntry, request.tenant, uuid=vaultentry_id)


def _status(request, throttled):
    # 429 while wrong password re-checks are throttled; 400 for any other refused form.
    if request.method != "POST":
        return 200
    return 429 if throttled else 400


def _add_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errs in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, error.messages)


@never_cache
@require_perm("vault.manage")
def entry_list(request):
    entries = VaultEntry.objects.filter(tenant=request.tenant).select_related("updated_by", "created_by").order_by("name")
    return render(request, "vault/list.html", {"entries": entries})


@never_cache
@require_perm("vault.manage")
@sensitive_post_parameters("value", "password")
@sensitive_variables()
def entry_new(request):
    form = VaultEntryNewForm(request.POST or None)
    throttled = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.vault_entry_create(
                tenant=request.tenant, actor=request.user, name=data["name"], type=data["type"],
                description=data["description"], value=data["value"], password=data["password"],
            )
        except ValidationError as error:
            _add_errors(form, error)
            throttled = isinstance(error, services.PasswordThrottled)
        except VaultError as error:  # VAULT_KEKS does not open the data key: say so, store nothing
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Vault entry '{entry.name}' saved.")
            return _list_url(request)
    return render(request, "vault/new.html", {"form": form}, status=_status(request, throttled))


@never_cache
@require_perm("vault.manage")
def entry_edit(request, vaultentry_id):
    entry = _entry(request, vaultentry_id)
    initial = {"type": entry.type, "description": entry.description}
    form = VaultEntryEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.vault_entry_update(
                entry=entry, actor=request.user, type=form.cleaned_data["type"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Vault entry '{entry.name}' saved.")
            return _list_url(request)
    status = 400 if request.method == "POST" else 200
    return render(request, "vault/edit.html", {"entry": entry, "form": form}, status=status)


@never_cache
@require_perm("vault.manage")
@sensitive_post_parameters("value", "password")
@sensitive_variables()
def entry_value(request, vaultentry_id):
    entry = _entry(request, vaultentry_id)
    form = VaultValueForm(request.POST or None)
    throttled = False
    if request.method == "POST" and form.is_valid():
        try:
            services.vault_entry_set_value(
                entry=entry, actor=request.user, value=form.cleaned_data["value"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as error:
            _add_errors(form, error)
            throttled = isinstance(error, services.PasswordThrottled)
        except VaultError as error:  # VAULT_KEKS does not open the data key: say so, store nothing
            form.add_error(None, str(error))
        else:
            messages.success(request, f"The value of '{entry.name}' was replaced.")
            return _list_url(request)
    return render(request, "vault/value.html", {"entry": entry, "form": form}, status=_status(request, throttled))


@never_cache
@require_perm("vault.manage")
def entry_delete(request, vaultentry_id):
    entry = _entry(request, vaultentry_id)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        name = entry.name
        services.vault_entry_delete(entry=entry, actor=request.user)
        messages.success(request, f"Vault entry '{name}' deleted.")
        return _list_url(request)
    return render(request, "vault/delete.html", {"entry": entry})
