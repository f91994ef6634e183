from django import forms

from finance.forms import StyledFormMixin

from .models import EntryType


def _secret_input(autocomplete):
    # render_value=False: a redisplayed form (after an error) never carries the value back.
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": autocomplete, "spellcheck": "false"})


class _ValueFields(forms.Form):
    value = forms.CharField(
        label="Value", strip=False, max_length=10_000, widget=_secret_input("new-password"),
        help_text="Stored encrypted; it is never shown again, only its last 4 characters.",
    )
    password = forms.CharField(
        label="Your password", strip=False, widget=_secret_input("current-password"),
        help_text="Setting a secret value needs your own password again.",
    )


TYPE_HELP = "Decides which interfaces may use the entry: each interface type reads only entries of the types it names."


class VaultEntryNewForm(StyledFormMixin, _ValueFields):
    name = forms.CharField(max_length=100)
    type = forms.ChoiceField(choices=EntryType.choices, initial=EntryType.GENERIC, help_text=TYPE_HELP)
    description = forms.CharField(max_length=250, required=False)

    field_order = ["name", "type", "description", "value", "password"]


class VaultEntryEditForm(StyledFormMixin, forms.Form):
    type = forms.ChoiceField(choices=EntryType.choices, help_text=TYPE_HELP)
    description = forms.CharField(max_length=250, required=False)


class VaultValueForm(StyledFormMixin, _ValueFields):
    pass
