"""The Imports folder: every file of the environment (inputs, produced files, attachments)."""

import django_filters as filters
import django_tables2 as tables
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from finance.ledger.lists import TABLE_ATTRS
from finance.lists import YES_NO, ListPage, register
from finance.tenancy import scope

from .models import ImportFile, ImportFileKind, Interface
from .retention import retention_text


class ImportFileFilter(filters.FilterSet):
    q = filters.CharFilter(label="File name", method="search")
    interface = filters.ModelChoiceFilter(
        queryset=lambda request: Interface.objects.filter(tenant=request.tenant), to_field_name="uuid", empty_label="Any interface"
    )
    kind = filters.ChoiceFilter(choices=ImportFileKind.choices, empty_label="Any kind")
    date_from = filters.DateFilter(field_name="created_at__date", lookup_expr="gte", label="From")
    date_to = filters.DateFilter(field_name="created_at__date", lookup_expr="lte", label="To")

    class Meta:
        model = ImportFile
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date_from", "date_to"):
            self.form.fields[name].widget.input_type = "date"

    def search(self, queryset, name, value):
        v = value.strip()
        return queryset.filter(Q(original_name__icontains=v) | Q(sha256__istartswith=v.lower())) if v else queryset


class ImportFileTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name="Date", format="j M Y H:i", attrs={"td": {"class": "text-nowrap"}})
    original_name = tables.Column(verbose_name="File")
    kind = tables.Column()
    interface = tables.Column(accessor="interface__description", verbose_name="Interface", default="")
    run = tables.Column(accessor="run__uuid", verbose_name="Run", default="")
    size = tables.Column(attrs={"td": {"class": "text-end text-nowrap"}})
    sha256 = tables.Column(verbose_name="SHA-256", orderable=False)
    created_by = tables.Column(accessor="created_by__email", verbose_name="By", default="system")

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("-created_at",)
        always_visible = ("created_at", "original_name")

    def render_original_name(self, record, value):
        url = reverse("interfaces:file_download", kwargs={"tenant_slug": scope.current().slug, "importfile_id": record.uuid})
        return format_html('<a href="{}" download><i class="bi bi-download" aria-hidden="true"></i> {}</a>', url, value)

    def render_run(self, value):
        return str(value)[:8]

    def render_size(self, value):
        return filesizeformat(value)

    def render_sha256(self, value):
        return format_html('<code title="{}">{}…</code>', value, value[:12])


def _files(request):
    return ImportFile.objects.filter(tenant=request.tenant).select_related("interface", "run", "created_by")


def _files_actions(request):
    if not request.membership.has_perm("interfaces.configure"):
        return []
    return [("Settings", reverse("interfaces:imports_settings", kwargs={"tenant_slug": request.tenant.slug}))]


def _files_context(request):
    return {"header_template": "interfaces/_imports_retention.html",
            "retention_text": retention_text(request.tenant.imports_retention_days)}


FILES = register(
    ListPage(
        key="import_files",
        title="Imports folder",
        perm="interfaces.view",
        table_class=ImportFileTable,
        filterset_class=ImportFileFilter,
        queryset=_files,
        actions=_files_actions,
        context=_files_context,
        breadcrumbs=(("Settings", None), ("Data Upload", None)),
        help_text="Every file that an interface read or produced in this environment. Downloads are never opened in the browser.",
        extra={"path": "imports", "url_name": "files"},
    )
)


# --- Interfaces and their Log ---------------------------------------------------------------------

from django.db.models import OuterRef, Subquery  # noqa: E402

from . import kinds  # noqa: E402
from .models import Run, RunStatus  # noqa: E402
from scheduler.models import ScheduledTask  # noqa: E402


def _kind_label(key):
    kind = kinds.get(key)
    return kind.label if kind else key  # a kind this installation does not have (yet) shows its key


class InterfaceFilter(filters.FilterSet):
    q = filters.CharFilter(label="Search", method="search")
    kind = filters.ChoiceFilter(label="Type", choices=lambda: [(k.key, k.label) for k in kinds.all_kinds()], empty_label="Any type")
    enabled = filters.BooleanFilter(label="Enabled", widget=YES_NO)
    last_status = filters.ChoiceFilter(label="Last run status", choices=RunStatus.choices, empty_label="Any status")

    class Meta:
        model = Interface
        fields = []

    def search(self, queryset, name, value):
        v = value.strip()
        return queryset.filter(Q(description__icontains=v) | Q(kind__icontains=v)) if v else queryset


def _duration(record):
    if record.last_started and record.last_finished:
        seconds = int((record.last_finished - record.last_started).total_seconds())
        return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
    return ""


class InterfaceTable(tables.Table):
    description = tables.Column(linkify=lambda record: reverse(
        "interfaces:detail", kwargs={"tenant_slug": scope.current().slug, "interface_id": record.uuid}))
    kind = tables.Column(verbose_name="Type")
    batch_series = tables.Column(accessor="batch_series__code", verbose_name="Batch series", default="")
    enabled = tables.BooleanColumn()
    last_status = tables.Column(verbose_name="Last run status", default="Never run")
    last_finished = tables.DateTimeColumn(verbose_name="Last run", format="j M Y H:i", default="")
    duration = tables.Column(accessor="last_started", verbose_name="Duration", orderable=False, default="")
    last_created = tables.Column(verbose_name="Created", default="", attrs={"td": {"class": "text-end"}})
    last_updated = tables.Column(verbose_name="Updated", default="", attrs={"td": {"class": "text-end"}})
    last_errors = tables.Column(verbose_name="Failed", default="", attrs={"td": {"class": "text-end"}})
    owner = tables.Column(accessor="owner__email", verbose_name="Owner", default="")
    next_scheduled = tables.Column(verbose_name="Next scheduled execution", default="")

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("description",)
        always_visible = ("description",)

    def value_next_scheduled(self, value):
        from scheduler.lists import utc_text

        return utc_text(value)

    def render_next_scheduled(self, value):
        from scheduler.lists import both_zones

        return both_zones(value)

    def render_kind(self, value):
        return _kind_label(value)

    def render_last_status(self, value):
        return RunStatus(value).label if value in RunStatus.values else value

    def render_duration(self, record):
        return _duration(record)


def _interfaces(request):
    last = Run.objects.filter(interface=OuterRef("pk")).order_by("-created_at", "-id")
    return Interface.objects.filter(tenant=request.tenant).select_related("batch_series", "owner").annotate(
        last_status=Subquery(last.values("status")[:1]),
        last_started=Subquery(last.values("started_at")[:1]),
        last_finished=Subquery(last.values("finished_at")[:1]),
        last_created=Subquery(last.values("created")[:1]),
        last_updated=Subquery(last.values("updated")[:1]),
        last_errors=Subquery(last.values("errors")[:1]),
        next_scheduled=Subquery(
            ScheduledTask.objects.filter(interface=OuterRef("pk"), enabled=True, next_execution__isnull=False)
            .order_by("next_execution").values("next_execution")[:1]
        ),
    )


INTERFACES = register(
    ListPage(
        key="interfaces",
        title="Interfaces",
        perm="interfaces.view",
        table_class=InterfaceTable,
        filterset_class=InterfaceFilter,
        queryset=_interfaces,
        breadcrumbs=(("Settings", None), ("Data Upload", None)),
        help_text="The ways data moves in and out of this environment, with the outcome of each one's last run.",
        actions=lambda request: [("New interface", reverse("interfaces:new", kwargs={"tenant_slug": request.tenant.slug}))]
        if request.membership.has_perm("interfaces.configure") else [],
        extra={"path": "interfaces", "url_name": "list"},
    )
)


class RunFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RunStatus.choices, empty_label="Any status")

    class Meta:
        model = Run
        fields = []


class RunTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name="Requested", format="j M Y H:i:s", attrs={"td": {"class": "text-nowrap"}},
                                       linkify=lambda record: reverse("interfaces:run", kwargs={"tenant_slug": scope.current().slug, "run_id": record.uuid}))
    action = tables.Column()
    status = tables.Column()
    trigger = tables.Column(verbose_name="Triggered by")
    triggered_by = tables.Column(accessor="triggered_by__email", verbose_name="User", default="")
    rows = tables.Column(attrs={"td": {"class": "text-end"}})
    created = tables.Column(attrs={"td": {"class": "text-end"}})
    updated = tables.Column(attrs={"td": {"class": "text-end"}})
    errors = tables.Column(verbose_name="Failed", attrs={"td": {"class": "text-end"}})
    message = tables.Column(orderable=False, default="")

    class Meta:
        attrs = TABLE_ATTRS
        order_by = ("-created_at",)
        always_visible = ("created_at", "status")


def _interface(request, interface_id):
    from finance.tenancy.shortcuts import get_for_tenant

    return get_for_tenant(Interface.objects.select_related("batch_series", "owner"), request.tenant, uuid=interface_id)


def _log_context(request, interface):
    return {
        "interface": interface,
        "title": interface.description,
        "breadcrumbs": (("Interfaces", reverse("interfaces:list", kwargs={"tenant_slug": request.tenant.slug})),),
        "header_template": "interfaces/_interface_header.html",
    }


LOG = register(
    ListPage(
        key="interface_log",
        title="Log",
        perm="interfaces.view",
        table_class=RunTable,
        filterset_class=RunFilter,
        queryset=lambda request, interface_id: Run.objects.filter(
            tenant=request.tenant, interface=_interface(request, interface_id)
        ).select_related("triggered_by"),
        context=lambda request, interface_id: _log_context(request, _interface(request, interface_id)),
        extra={"path": "interfaces/<uuid:interface_id>", "url_name": "detail"},
    )
)
