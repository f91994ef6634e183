"""The Event logs finder."""

from datetime import datetime, time, timedelta

import django_filters as filters
import django_tables2 as tables
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from finance.ledger.lists import link
from finance.lists import ListPage, register
from interfaces.models import Interface

from .models import Event, Severity


class EventFilter(filters.FilterSet):
    date_from = filters.DateFilter(label="From", method="filter_from")
    date_to = filters.DateFilter(label="To", method="filter_to")
    severity = filters.ChoiceFilter(choices=Severity.choices, empty_label="Any severity")
    interface = filters.ModelChoiceFilter(
        queryset=lambda request: Interface.objects.filter(tenant=request.tenant), to_field_name="uuid", empty_label="Any interface"
    )
    user = filters.ModelChoiceFilter(
        queryset=lambda request: get_user_model().objects.filter(memberships__tenant=request.tenant).order_by("email"),
        to_field_name="uuid",
        empty_label="Anyone",
    )
    q = filters.CharFilter(label="Text", method="filter_text")

    class Meta:
        model = Event
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["date_from"].widget.input_type = "date"
        self.form.fields["date_to"].widget.input_type = "date"
        self.form.fields["q"].widget.input_type = "search"

    @staticmethod
    def _start(day):
        return timezone.make_aware(datetime.combine(day, time.min))

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=self._start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=self._start(value + timedelta(days=1)))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(message__icontains=value) | Q(action__icontains=value) | Q(object_repr__icontains=value) | Q(actor__icontains=value)
        )


class EventTable(tables.Table):
    at = tables.DateTimeColumn(verbose_name="When", format="j M Y H:i:s", linkify=link("audit:event", "event_id"), attrs={"td": {"class": "text-nowrap"}})
    actor = tables.Column(verbose_name="User")
    severity = tables.Column()
    action = tables.Column()
    interface = tables.Column(accessor="interface__description", verbose_name="Interface", default="")
    run_ref = tables.Column(verbose_name="Run", default="")
    object_repr = tables.Column(verbose_name="Object", default="")
    message = tables.Column(orderable=False)

    class Meta:
        model = Event
        fields = ()
        sequence = ("at", "actor", "severity", "action", "interface", "run_ref", "object_repr", "message")
        attrs = {"class": "table table-sm table-hover align-middle"}
        order_by = ("-at",)
        always_visible = ("at",)

    def render_severity(self, value, record):
        css = {"info": "text-bg-light", "warning": "text-bg-warning", "error": "text-bg-danger"}[record.severity]
        from django.utils.html import format_html

        return format_html('<span class="badge {}">{}</span>', css, value)


def _queryset(request):
    return Event.objects.filter(tenant=request.tenant).select_related("interface").order_by("-at", "-id")


EVENTS = register(
    ListPage(
        key="events",
        title="Event logs",
        perm="events.view",
        table_class=EventTable,
        filterset_class=EventFilter,
        queryset=_queryset,
        breadcrumbs=(("Environment", None),),
        default_columns=("at", "actor", "severity", "action", "interface", "object_repr", "message"),
        help_text="Every change in this environment, newest first. Entries cannot be edited or deleted.",
        extra={"path": "events", "url_name": "events"},
    )
)
