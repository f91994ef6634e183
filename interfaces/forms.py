"""Forms of the interface pages: New, Edit (Configuration and Defaults tabs) and Run.

The kind's own settings are fields generated from its options (`Kind.option_specs()`), unless the
kind brings its own `config_form`; either way every choice list is the environment's own. A kind's
own section (`Kind.settings_section`, e.g. the custom bank CSV's Mapped fields grid) edits the
options it owns and is saved with the tab.
"""

import datetime
from decimal import Decimal

from django import forms

from finance.catalog.selectors import kinds_available
from finance.forms import StyledFormMixin
from finance.ledger.models import NumberSeries
from finance.tenancy.models import Membership

from . import kinds
from .kinds.base import ACTION_LABELS, DEFAULTS_OPTIONS, DateFormat, DateTimeFormat

# The Date format dropdown (import-formats §1: the common formats, in this order).
COMMON_DATE_FORMATS = ("dd/MM/yyyy", "dd/MM/yy", "yyyy-MM-dd", "dd-MM-yyyy", "dd.MM.yyyy", "yyyyMMdd", "yyMMdd",
                       "MM/dd/yyyy", "d/M/yyyy", "dd MMM yyyy")
CONFIG_PREFIX = "cfg_"


def _batch_series(tenant):
    return NumberSeries.objects.filter(tenant=tenant, kind=NumberSeries.Kind.BATCH).order_by("code")


def _date_format_choices(current=""):
    choices = [(f, f) for f in COMMON_DATE_FORMATS]
    if current and current not in COMMON_DATE_FORMATS:
        choices.append((current, current))
    return choices


class BatchSeriesField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} - {obj.name}" if obj.name else obj.code


def option_field(name, spec, *, required=False):
    """A form field for one kind option."""
    label = spec.label or name.replace("_", " ").capitalize()
    common = {"label": label, "help_text": spec.help, "required": required}
    if spec.choices:
        choices = [c if isinstance(c, tuple) else (c, c) for c in spec.choices]
        return forms.TypedChoiceField(choices=choices, coerce=lambda v, s=spec: s.parse(v), **common)
    if spec.type is bool:
        return forms.BooleanField(**{**common, "required": False})
    if spec.type is int:
        return forms.IntegerField(**common)
    if spec.type is Decimal:
        return forms.DecimalField(**common)
    if spec.type is datetime.date:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if spec.type in (DateFormat, DateTimeFormat):
        return forms.CharField(max_length=40, **common)
    return forms.CharField(max_length=500, **common)


def _style(field):
    widget = field.widget
    widget.attrs["class"] = "form-check-input" if isinstance(widget, forms.CheckboxInput) else (
        "form-select" if isinstance(widget, forms.Select) else "form-control")


def _json_value(value):
    if isinstance(value, (bool, int)) or value is None:
        return value
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class InterfaceNewForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="Interface type")
    description = forms.CharField(max_length=200, help_text="Unique in this environment; it names the interface everywhere.")
    batch_series = BatchSeriesField(queryset=None, required=False, empty_label="None",
                                    to_field_name="code")

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        # Kinds that need a feature are offered only while it is enabled (the catalog's one check).
        available = kinds_available(tenant, kinds.all_kinds())
        self.fields["kind"].choices = [("", "Choose a type")] + [(k.key, k.label) for k in available]
        self.fields["batch_series"].queryset = _batch_series(tenant)


class InterfaceEditForm(StyledFormMixin, forms.Form):
    """Configuration tab (description, enabled, owner and the kind's settings) and Defaults tab."""

    description = forms.CharField(max_length=200)
    enabled = forms.BooleanField(required=False, help_text="A disabled interface cannot be run, by hand or on a schedule.")
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="Nobody", help_text="Who looks after this interface.")
    batch_series = BatchSeriesField(queryset=None, required=False, empty_label="None", to_field_name="code")
    date_format = forms.ChoiceField(help_text="How dates are written in this interface's files, for example dd/MM/yyyy.")
    datetime_format = forms.CharField(label="Date and time format", max_length=40,
                                      help_text="Tokens as in the date format plus HH, mm and ss, for example dd/MM/yyyy HH:mm.")

    DEFAULTS_FIELDS = ("batch_series", "date_format", "datetime_format")

    def __init__(self, *args, interface, **kwargs):
        self.interface = interface
        self.kind = kinds.get(interface.kind)
        section_class = getattr(self.kind, "settings_section", None) if self.kind is not None else None
        initial = {
            "description": interface.description, "enabled": interface.enabled, "owner": interface.owner_id,
            "batch_series": interface.batch_series.code if interface.batch_series_id else None,
            "date_format": interface.date_format, "datetime_format": interface.datetime_format,
        }
        self.config_names = []
        owned = section_class.owns if section_class is not None else (lambda name: False)
        if self.kind is not None and self.kind.config_form is None:
            values = self.kind.defaults(interface)
            for name in self.kind.option_specs():
                if name not in DEFAULTS_OPTIONS and not owned(name):
                    initial[CONFIG_PREFIX + name] = values[name]
        super().__init__(*args, initial=initial, **kwargs)
        # The kind's own section (e.g. the Mapped fields grid) edits the options it owns.
        self.section = section_class(interface=interface, kind=self.kind, data=self.data if self.is_bound else None,
                                     files=self.files if self.is_bound else None) if section_class is not None else None
        from django.contrib.auth import get_user_model

        members = Membership.objects.filter(tenant=interface.tenant, is_active=True).values("user_id")
        self.fields["owner"].queryset = get_user_model().objects.filter(pk__in=members).order_by("email")
        self.fields["batch_series"].queryset = _batch_series(interface.tenant)
        self.fields["date_format"].choices = _date_format_choices(interface.date_format)
        if self.kind is not None and self.kind.config_form is None:
            for name, spec in self.kind.option_specs().items():
                if name not in DEFAULTS_OPTIONS and not owned(name):
                    self.fields[CONFIG_PREFIX + name] = option_field(name, spec, required=spec.type not in (bool, str))
                    self.config_names.append(name)
            for name in self.config_names:
                _style(self.fields[CONFIG_PREFIX + name])  # the mixin styled only the declared fields

    def configuration_fields(self):
        return [self[name] for name in ("description", "enabled", "owner")] + [self[CONFIG_PREFIX + n] for n in self.config_names]

    def defaults_fields(self):
        return [self[name] for name in self.DEFAULTS_FIELDS]

    @property
    def defaults_have_errors(self):
        return any(name in self.errors for name in self.DEFAULTS_FIELDS)

    def is_valid(self):
        valid = super().is_valid()
        return (self.section.is_valid() if self.section is not None else True) and valid

    @property
    def section_has_errors(self):
        return self.section is not None and bool(getattr(self.section, "has_errors", False))

    def option_value(self, name):
        """A kind option as posted on this tab if it is valid, else as saved (for a section's
        action, which runs before the tab is saved)."""
        field = self.fields.get(CONFIG_PREFIX + name)
        if field is not None and self.is_bound:
            try:
                return field.clean(field.widget.value_from_datadict(self.data, self.files, self.add_prefix(CONFIG_PREFIX + name)))
            except forms.ValidationError:
                pass
        return self.kind.defaults(self.interface).get(name)

    def changes(self):
        data = self.cleaned_data
        changes = {name: data[name] for name in ("description", "enabled", "owner", "batch_series", "date_format", "datetime_format")}
        if self.config_names or self.section is not None:
            changes["config"] = {name: _json_value(data[CONFIG_PREFIX + name]) for name in self.config_names}
        if self.section is not None:
            changes["config"].update(self.section.config())
        return changes

    def add_service_errors(self, error):
        for name, messages in error.message_dict.items():
            target = name if name in self.fields else None
            for message in messages:
                self.add_error(target, message)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data]
        return [super().clean(data, initial)] if data else []


class RunForm(StyledFormMixin, forms.Form):
    """The Run page: the action, the files, and the advanced section's option overrides."""

    action = forms.ChoiceField()
    files = MultipleFileField(required=False, label="Files", allow_empty_file=True)  # the Imports folder names an empty file

    def __init__(self, *args, interface, kind, **kwargs):
        super().__init__(*args, **kwargs)
        self.interface, self.kind = interface, kind
        self.fields["action"].choices = [(a, ACTION_LABELS.get(a, a)) for a in kind.actions]
        if not kind.accepts_files:
            del self.fields["files"]
        else:
            self.fields["files"].help_text = ("The file to import, up to the upload size limit." if kind.max_files == 1
                                              else "One or more text files, up to the upload size limit.")
        self.option_names = []
        defaults = kind.defaults(interface)
        for name, spec in kind.option_specs().items():
            if "." in name:
                continue  # a column mapping (map.date, ...) belongs to the interface's settings
            field = option_field(name, spec)
            field.required = False
            field.initial = defaults[name]
            _style(field)
            self.fields["opt_" + name] = field
            self.option_names.append(name)
        self._defaults = defaults

    def option_fields(self):
        return [self["opt_" + name] for name in self.option_names]

    def options(self):
        """The options that differ from the interface's settings (the run's overrides)."""
        overrides = {}
        for name in self.option_names:
            value = self.cleaned_data.get("opt_" + name)
            if value in (None, "") and self.kind.option_specs()[name].type is not bool:
                continue
            if value != self._defaults[name]:
                overrides[name] = _json_value(value)
        return overrides
