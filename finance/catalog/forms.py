from django import forms

from finance.forms import StyledFormMixin

from .features import FEATURES


class FeatureAddForm(StyledFormMixin, forms.Form):
    key = forms.ChoiceField(label="Feature")

    def __init__(self, *args, present=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [("", "Choose a feature")] + [(k, v) for k, v in FEATURES.items() if k not in present]


class FeatureOffForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Kept in the Event log with the change.")


class MappingForm(StyledFormMixin, forms.Form):
    source_value = forms.CharField(label="Source value", max_length=200)
    destination_code = forms.CharField(label="Destination code", max_length=50, required=False)

    def __init__(self, *args, prefix_id="", choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if prefix_id:
            self.auto_id = f"id_{prefix_id}_%s"
        if choices is not None:
            # Chosen from this environment's codes; the service still checks the posted code
            # (any case), so a forged or stale one is a form error naming it.
            self.fields["destination_code"].widget = forms.Select(
                choices=[("", "Choose a code")] + list(choices), attrs={"class": "form-select"})


class MappingImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label="CSV file", help_text="Columns source_value, destination_code; a row whose source value "
                                                       "exists changes it, a new one is added.")


class MappingFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    system = forms.ChoiceField(label="Source system", required=False)

    def __init__(self, *args, systems=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["system"].choices = [("", "Any system")] + [(s, s) for s in systems]
