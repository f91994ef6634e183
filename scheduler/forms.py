"""Forms of the Scheduler pages. The execution pattern is edited as its parts (kind, minutes,
time, days, ...) and checked by `scheduler.patterns`; every choice list is the environment's own."""

import zoneinfo

from django import forms

from interfaces.kinds.base import ACTION_LABELS, ACTIONS
from interfaces.models import Interface
from interfaces import kinds

from .models import ACCESS_KEY_CHOICES, MissedPolicy
from .patterns import KIND_LABELS, KINDS, PatternError, pattern_from_dict

WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"), (6, "Sunday")]
_ZONES = sorted(zoneinfo.available_timezones())


def _control(field):
    widget = field.widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return
    css = "form-select" if isinstance(widget, forms.Select) else (
        "form-check-input" if isinstance(widget, forms.CheckboxInput) else "form-control")
    widget.attrs.setdefault("class", css)


class PatternFields(forms.Form):
    """The execution pattern's parts; `pattern()` gives the checked dict."""

    pattern_kind = forms.ChoiceField(label="Execution pattern", choices=[(k, KIND_LABELS[k]) for k in KINDS], initial="daily")
    every = forms.IntegerField(label="Every (minutes)", required=False, min_value=1)
    minute = forms.IntegerField(label="At minute", required=False, min_value=0, max_value=59)
    time = forms.CharField(label="At (HH:MM)", required=False, max_length=5, initial="02:00",
                           widget=forms.TextInput(attrs={"placeholder": "02:00", "inputmode": "numeric"}))
    days = forms.TypedMultipleChoiceField(label="On", choices=WEEKDAYS, coerce=int, required=False,
                                          widget=forms.CheckboxSelectMultiple)
    day = forms.IntegerField(label="Day (N)", required=False, min_value=1, max_value=31,
                             help_text="Monthly on day N: 1-31 (a shorter month runs on its last day). Nth working day: 1-23.")
    cron = forms.CharField(label="Cron expression", required=False, max_length=100,
                           widget=forms.TextInput(attrs={"placeholder": "0 2 * * 1-5", "spellcheck": "false"}))
    tz = forms.CharField(label="Time zone", initial="Europe/London", max_length=60,
                         widget=forms.TextInput(attrs={"list": "scheduler-zones", "spellcheck": "false"}))

    zones = _ZONES

    def pattern_dict(self, data):
        kind = data.get("pattern_kind")
        pattern = {"kind": kind, "tz": (data.get("tz") or "").strip()}
        if kind == "minutes":
            pattern["every"] = data.get("every") or 0
        elif kind == "hourly":
            pattern["minute"] = data.get("minute") if data.get("minute") is not None else 0
        elif kind == "cron":
            pattern["cron"] = (data.get("cron") or "").strip()
        else:
            pattern["time"] = (data.get("time") or "").strip()
            if kind == "weekly":
                pattern["days"] = list(data.get("days") or [])
            if kind in ("monthly_day", "monthly_working"):
                pattern["day"] = data.get("day") or 0
        return pattern

    def check_pattern(self, cleaned):
        """The pattern as a dict, or None with the error on the form."""
        raw = self.pattern_dict(cleaned)
        try:
            pattern_from_dict(raw)
        except PatternError as error:
            field = getattr(error, "field", "") or "pattern_kind"
            self.add_error("pattern_kind" if field == "kind" else field, str(error))
            return None
        return raw

    @staticmethod
    def initial_for(pattern):
        initial = {"pattern_kind": pattern.get("kind"), "tz": pattern.get("tz", "Europe/London")}
        for name in ("every", "minute", "time", "days", "day", "cron"):
            if name in pattern:
                initial[name] = pattern[name]
        return initial


class ScheduledTaskForm(PatternFields):
    description = forms.CharField(max_length=200, help_text="Unique in this environment.")
    interface = forms.ModelChoiceField(queryset=None, to_field_name="uuid",
                                       help_text="The interface the task runs.")
    action = forms.ChoiceField(choices=[(a, ACTION_LABELS[a]) for a in ACTIONS], initial="run",
                               help_text="What the run does: Run for imports, Synchronise for integrations.")
    access_key = forms.ChoiceField(choices=ACCESS_KEY_CHOICES, initial="scheduler.view",
                                   help_text="A user must have this access permission to see the task.")
    execute_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                    help_text="The last date the task runs; empty: no end.")
    missed_policy = forms.ChoiceField(label="Missed executions", choices=MissedPolicy.choices, initial=MissedPolicy.RUN_ONCE)
    failure_threshold = forms.IntegerField(label="Warn after failures in a row", initial=5, min_value=1, max_value=100,
                                           help_text="The owner is warned after this many failed runs in a row; the task "
                                                     "disables itself after twice as many.")

    field_order = ["description", "interface", "action", "access_key", "pattern_kind", "every", "minute", "time", "days",
                   "day", "cron", "tz", "execute_until", "missed_policy", "failure_threshold"]

    def __init__(self, *args, tenant, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interface"].queryset = Interface.objects.filter(tenant=tenant).order_by("description")
        self.fields["interface"].label_from_instance = lambda i: f"{i.description} ({i.kind_label})"
        self.locked = locked
        for field in self.fields.values():
            _control(field)
            if locked:
                field.disabled = True

    def clean(self):
        cleaned = super().clean()
        if self.locked:
            return cleaned
        interface = cleaned.get("interface")
        kind = kinds.get(interface.kind) if interface else None
        action = cleaned.get("action")
        if kind is not None and action and action not in kind.actions:
            self.add_error("action", f"{kind.label} cannot '{ACTION_LABELS.get(action, action)}'; it offers: "
                                     f"{', '.join(ACTION_LABELS.get(a, a) for a in kind.actions)}.")
        cleaned["pattern"] = self.check_pattern(cleaned)
        return cleaned

    def service_fields(self):
        data = self.cleaned_data
        return {
            "description": data["description"], "interface": data["interface"], "action": data["action"],
            "access_key": data["access_key"], "pattern": data["pattern"], "execute_until": data.get("execute_until"),
            "missed_policy": data["missed_policy"], "failure_threshold": data["failure_threshold"],
        }


class PreviewForm(PatternFields):
    """The pattern part alone, for the live preview."""


class DisableForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False, widget=forms.TextInput(attrs={"class": "form-control"}),
                             help_text="Why the task is disabled; kept on the task and in the Event log.")


class TaskTemplateForm(PatternFields):
    description = forms.CharField(max_length=200)
    kind = forms.ChoiceField(label="Interface type", choices=())
    action = forms.ChoiceField(choices=[(a, ACTION_LABELS[a]) for a in ACTIONS], initial="run")
    access_key = forms.ChoiceField(choices=ACCESS_KEY_CHOICES, initial="scheduler.view")
    execute_until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    missed_policy = forms.ChoiceField(label="Missed executions", choices=MissedPolicy.choices, initial=MissedPolicy.RUN_ONCE)
    failure_threshold = forms.IntegerField(label="Warn after failures in a row", initial=5, min_value=1, max_value=100)
    deployment = forms.BooleanField(required=False, help_text="Deploy to every customer environment with an interface of this type.")

    field_order = ["description", "kind", "action", "access_key", "pattern_kind", "every", "minute", "time", "days", "day",
                   "cron", "tz", "execute_until", "missed_policy", "failure_threshold", "deployment"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, k.label) for k in kinds.all_kinds()]
        for field in self.fields.values():
            _control(field)

    def clean(self):
        cleaned = super().clean()
        cleaned["pattern"] = self.check_pattern(cleaned)
        return cleaned

    def service_fields(self):
        data = self.cleaned_data
        return {name: data.get(name) for name in ("description", "kind", "action", "access_key", "pattern", "execute_until",
                                                  "missed_policy", "failure_threshold", "deployment")}
