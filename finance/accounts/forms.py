import uuid

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from finance.forms import StyledFormMixin
from finance.tenancy.roles import Role

from . import throttle


def client_ip(request):
    # Only REMOTE_ADDR: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "") if request else ""


class SignInForm(StyledFormMixin, AuthenticationForm):
    username = forms.EmailField(label="E-mail address", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}))

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail address and password do not match an active account.",
        "throttled": "Too many failed sign-in attempts. Try again in %(minutes)s minute(s).",
    }

    def clean(self):
        email = (self.data.get("username") or "").strip().lower()
        ip = client_ip(self.request)
        locked = throttle.seconds_locked(email, ip)
        if locked:
            raise forms.ValidationError(
                self.error_messages["throttled"], code="throttled", params={"minutes": max(1, (locked + 59) // 60)}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(email, ip)
            raise
        throttle.clear(email)
        return cleaned


ROLE_CHOICES = [(r.value, r.label) for r in Role]


class UserAddForm(StyledFormMixin, forms.Form):
    email = forms.EmailField(label="E-mail address")
    full_name = forms.CharField(label="Name", max_length=150)
    # Least privilege unless the admin chooses otherwise.
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=Role.READ_ONLY)
    setup = forms.ChoiceField(
        label="Sign-in",
        choices=[("invite", "Send an invitation e-mail (the user chooses a password)"), ("password", "Set a first password now")],
        initial="invite",
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label="First password", required=False, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("setup") == "password" and not cleaned.get("password"):
            self.add_error("password", "Enter a first password, or choose to send an invitation.")
        if cleaned.get("setup") != "password":
            cleaned["password"] = None
        return cleaned

    def cleaned_data_for_service(self):
        return {k: self.cleaned_data[k] for k in ("email", "full_name", "role", "password")}


class RoleForm(StyledFormMixin, forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES)


class ApiKeyForm(StyledFormMixin, forms.Form):
    description = forms.CharField(max_length=200)
    validity_days = forms.IntegerField(label="Validity (days)", initial=90, min_value=1, max_value=730)
    # One per rendered form, so that reloading the page that shows a new key cannot create another.
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["nonce"] = uuid.uuid4().hex
