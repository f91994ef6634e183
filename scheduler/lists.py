"""The Scheduler list page: the environment's scheduled tasks a member's access keys let them see."""

from zoneinfo import ZoneInfo

import django_filters as filters
import django_tables2 as tables
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html

from finance.ledger.lists import TABLE_ATTRS
from finance.lists import YES_NO, ListPage, register
from finance.tenancy import scope
from interfaces.models import Interface

from .models import ScheduledTask

LONDON = ZoneInfo("Europe/London")


def both_zones(value):
    """A UTC instant as 'HH:MM UTC' with Europe/London beside it."""
    if not value:
        return ""
    utc = value.astimezone(ZoneInfo("UTC"))
    local = value.astimezone(LONDON)
    return format_html('<span class="text-nowrap">{} UTC</span><br><span class="text-body-secondary small text-nowrap">{} {}</span>',
                       utc.strftime("%d/%m/%Y %H:%M"), local.strftime("%d/%m/%Y %H:%M"), local.tzname())


def utc_text(value):
    """A UTC instant as ISO-8601 text with its offset, for exports ("" for none)."""
    return value.astimezone(ZoneInfo("UTC")).isoformat(timespec="seconds") if value else ""


class ScheduledTaskFilter(filters.FilterSet):
    q = filters.CharFilter(label="Search", method="search")
    interface = filters.ModelChoiceFilter(
        queryset=lambda request: Interface.objects.filter(tenant=request.tenant), to_field_name="uuid", empty_label="Any interface"
    )
    enabled = filters.BooleanFilter(label="Enabled", widget=YES_NO)

    class Meta:
        model = ScheduledTask
        fields = []

    def search(self, queryset, name, value):
        v = value.strip()
        return queryset.filter(Q(description__icontains=v) | Q(interface__description__icontains=v)) if v else queryset


class ScheduledTaskTable(tables.Table):
    description = tables.Column(linkify=lambda record: reverse(
        "scheduler:detail", kwargs={"tenant_slug": scope.current().slug, "scheduledtask_id": record.uuid}))
    interface = tables.Column(accessor="interface__description", verbose_name="Interface")
    pattern = tables.Column(verbose_name="Execution pattern", orderable=False)
    access_key = tables.Column(verbose_name="Access key")
    template = tables.Column(verbose_name="Deployment", accessor="template_id", default="", orderable=False)
    last_execution = tables.Column(verbose_name="Last execution")
    next_execution = tables.Column(verbose_name="Next execution")
    execute_until = tables.DateColumn(verbose_name="Execute until", format="d/m/Y", default="")
    enabled = tables.BooleanColumn()
    consecutive_failures = tables.Column(verbose_name="Failures in a row", attrs={"td": {"class": "text-end"}})

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("description",)
        always_visible = ("description",)

    def render_access_key(self, value):
        return format_html("<code>{}</code>", value)

    def render_pattern(self, record):
        return record.pattern_text

    def render_template(self, value):
        return format_html('<span class="badge text-bg-info">{}</span>', "Deployed copy") if value else ""

    # The CSV export takes plain values, not the page's markup.
    def value_access_key(self, value):
        return value

    def value_template(self, value):
        return "Deployed copy" if value else ""

    def value_last_execution(self, value):
        return utc_text(value)

    def value_next_execution(self, value):
        return utc_text(value)

    def render_last_execution(self, value):
        return both_zones(value)

    def render_next_execution(self, value):
        return both_zones(value)


def visible_tasks(request):
    """The tasks of the environment whose access key the member holds."""
    return ScheduledTask.objects.filter(tenant=request.tenant, access_key__in=request.membership.permissions)


def _actions(request):
    if not request.membership.has_perm("scheduler.manage"):
        return []
    return [("New scheduled task", reverse("scheduler:new", kwargs={"tenant_slug": request.tenant.slug}))]


TASKS = register(
    ListPage(
        key="scheduled_tasks",
        title="Scheduler",
        perm="scheduler.view",
        table_class=ScheduledTaskTable,
        filterset_class=ScheduledTaskFilter,
        queryset=lambda request: visible_tasks(request).select_related("interface"),
        actions=_actions,
        default_columns=("description", "interface", "pattern", "template", "last_execution", "next_execution", "enabled"),
        breadcrumbs=(("Environment", None),),
        help_text="Scheduled tasks run interfaces on their execution pattern: the expected way to run the integrations. "
                  "Times are stored in UTC and shown in UTC and Europe/London.",
        extra={"path": "scheduler", "url_name": "list"},
    )
)
