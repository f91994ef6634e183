from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from finance.tenancy.decorators import require_perm
from finance.tenancy.models import Membership
from finance.tenancy.shortcuts import get_for_tenant

from . import services
from .forms import ApiKeyForm, RoleForm, SignInForm, UserAddForm
from .models import ApiKey


@method_decorator(login_not_required, name="dispatch")
class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", "throttled"):
            response.status_code = 429
        return response


@method_decorator(login_not_required, name="dispatch")
class InvitationView(auth_views.PasswordResetConfirmView):
    """An invited user chooses their password (Django's reset-token machinery)."""

    template_name = "accounts/invitation.html"
    form_class = SetPasswordForm
    post_reset_login = True
    success_url = reverse_lazy("home")
    reset_url_token = "choose-password"


def _add_form_errors(form, error):
    if hasattr(error, "error_dict"):
        for field, errs in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, error.messages)


def _users_page(request, form=None, status=200):
    memberships = (
        Membership.objects.filter(tenant=request.tenant)
        .select_related("user")
        .annotate(active_keys=Count("api_keys", filter=Q(api_keys__revoked_at__isnull=True)))
        .order_by("-is_active", "user__email")
    )
    return render(
        request,
        "accounts/users.html",
        {"memberships": memberships, "form": form or UserAddForm()},
        status=status,
    )


@require_perm("users.manage")
def users(request):
    """User accounts: everyone with a role in this environment, and the form to add someone."""
    if request.method != "POST":
        return _users_page(request)
    form = UserAddForm(request.POST)
    if form.is_valid():
        try:
            membership = services.user_add(
                tenant=request.tenant,
                actor=request.user,
                base_url=request.build_absolute_uri("/"),
                **form.cleaned_data_for_service(),
            )
        except ValidationError as error:
            _add_form_errors(form, error)
        else:
            invited = form.cleaned_data["setup"] == "invite" and not membership.user.has_usable_password()
            messages.success(
                request,
                f"{membership.user.email} was added as {membership.get_role_display()}"
                + (" and sent an invitation e-mail." if invited else "."),
            )
            return redirect("accounts:user", tenant_slug=request.tenant.slug, membership_id=membership.uuid)
    return _users_page(request, form, status=400)


def _user_page(request, membership, *, role_form=None, key_form=None, new_key=None, tab="roles", status=200):
    keys = ApiKey.objects.filter(membership=membership).order_by("-created_at")
    response = render(
        request,
        "accounts/user.html",
        {
            "m": membership,
            "role_form": role_form or RoleForm(initial={"role": membership.role}),
            "key_form": key_form or ApiKeyForm(),
            "keys": keys,
            "new_key": new_key,
            "tab": tab,
        },
        status=status,
    )
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@require_perm("users.manage")
def user(request, membership_id):
    membership = get_for_tenant(Membership.objects.select_related("user"), request.tenant, uuid=membership_id)
    tab = request.GET.get("tab", "roles")
    return _user_page(request, membership, tab=tab if tab in {"roles", "keys"} else "roles")


def _user_url(request, membership, tab="roles"):
    url = reverse("accounts:user", kwargs={"tenant_slug": request.tenant.slug, "membership_id": membership.uuid})
    return f"{url}?tab={tab}"


@require_POST
@require_perm("users.manage")
def user_role(request, membership_id):
    membership = get_for_tenant(Membership.objects.select_related("user"), request.tenant, uuid=membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_set_role(membership=membership, role=form.cleaned_data["role"], actor=request.user)
        except ValidationError as error:
            _add_form_errors(form, error)
        else:
            messages.success(request, f"{membership.user.email} is now {membership.get_role_display()}.")
            return redirect(_user_url(request, membership))
    membership.refresh_from_db()
    return _user_page(request, membership, role_form=form, status=400)


@require_POST
@require_perm("users.manage")
def user_active(request, membership_id):
    """Deactivate or reactivate a member (POST field `active` = 0 or 1)."""
    membership = get_for_tenant(Membership.objects.select_related("user"), request.tenant, uuid=membership_id)
    if request.POST.get("active") not in {"0", "1"}:
        messages.error(request, "Nothing was changed: the request did not say whether to deactivate or reactivate.")
        return redirect(_user_url(request, membership))
    activate = request.POST.get("active") == "1"
    try:
        if activate:
            services.membership_reactivate(membership=membership, actor=request.user)
            messages.success(request, f"{membership.user.email} can use this environment again.")
        else:
            services.membership_deactivate(membership=membership, actor=request.user)
            messages.success(request, f"{membership.user.email} was deactivated in this environment.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(_user_url(request, membership))


@require_POST
@require_perm("users.manage")
def user_invite(request, membership_id):
    membership = get_for_tenant(Membership.objects.select_related("user"), request.tenant, uuid=membership_id)
    try:
        services.invitation_resend(membership=membership, actor=request.user, base_url=request.build_absolute_uri("/"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"A new invitation was sent to {membership.user.email}.")
    return redirect(_user_url(request, membership))


@never_cache
@require_POST
@require_perm("users.manage")
def api_key_new(request, membership_id):
    membership = get_for_tenant(Membership.objects.select_related("user"), request.tenant, uuid=membership_id)
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        nonce_key = f"api-key-form:{membership.pk}:{form.cleaned_data['nonce']}"
        if not cache.add(nonce_key, True, timeout=24 * 3600):
            messages.warning(
                request,
                "That form was already submitted: its key was created and shown once, and cannot be shown again. "
                "Revoke it and create a new one if it was not copied.",
            )
            return redirect(_user_url(request, membership, tab="keys"))
        try:
            key, raw = services.api_key_create(
                membership=membership,
                actor=request.user,
                description=form.cleaned_data["description"],
                validity_days=form.cleaned_data["validity_days"],
            )
        except ValidationError as error:
            cache.delete(nonce_key)
            _add_form_errors(form, error)
        else:
            # Rendered, not redirected: the key must never travel in a URL or a session.
            return _user_page(request, membership, new_key={"key": key, "raw": raw}, tab="keys")
    return _user_page(request, membership, key_form=form, tab="keys", status=400)


@require_POST
@require_perm("users.manage")
def api_key_revoke(request, membership_id, api_key_id):
    membership = get_for_tenant(Membership.objects.select_related("user"), request.tenant, uuid=membership_id)
    key = get_for_tenant(ApiKey.objects.filter(membership=membership), request.tenant, uuid=api_key_id)
    services.api_key_revoke(api_key=key, actor=request.user)
    messages.success(request, f"API key '{key.description}' was revoked.")
    return redirect(_user_url(request, membership, tab="keys"))
